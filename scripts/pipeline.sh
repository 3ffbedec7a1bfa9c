#!/usr/bin/env bash
# The whole vitalflow pipeline on the local stack:
#   MLLP (127.0.0.1:$PIPELINE_MLLP_PORT) -> MLLP source connector -> hl7.raw -> Flink job
#   -> vitals.observations / vitals.scores / vitals.alerts / patients -> warehouse sink -> PostgreSQL
#
#   scripts/pipeline.sh up       build what is missing, bring the stack up, deploy both connectors
#                                through the Connect REST API, submit the Flink job, wait until all
#                                are healthy, print where each one is. Idempotent.
#   scripts/pipeline.sh status   one line per part; exit 1 unless every part is healthy
#   scripts/pipeline.sh down     remove the connectors and cancel the job, then stop the stack
#   scripts/pipeline.sh undeploy remove the connectors and cancel the job, keep the stack
#
# Ports and names come from tests/stack/stack.env (PIPELINE_*), like the stack's own.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
STACK="$ROOT/tests/stack/stack.sh"
# shellcheck source=../tests/stack/stack.env
source "$ROOT/tests/stack/stack.env"
H=$VITALFLOW_HOST
CONNECT=http://$H:$CONNECT_PORT
FLINK=http://$H:$FLINK_REST_PORT
REGISTRY_URL=http://$H:$REGISTRY_PORT/apis/ccompat/v7
JOB_JAR=$ROOT/flink-job/job/target/vitalflow-flink-job.jar
MVN=${MVN:-mvn -B -ntp -q}

log() { echo "pipeline: $*" >&2; }
die() { echo "pipeline: ERROR: $*" >&2; exit 1; }

# build: the two plugin archives and the job jar, when missing or older than their sources
build() {
  local stale=0
  ls "$ROOT"/connectors/mllp-source/target/components/packages/*.zip >/dev/null 2>&1 || stale=1
  ls "$ROOT"/connectors/warehouse-sink/target/components/packages/*.zip >/dev/null 2>&1 || stale=1
  [ -f "$JOB_JAR" ] || stale=1
  if [ $stale -eq 0 ] && [ -n "$(find "$ROOT"/native "$ROOT"/schemas "$ROOT"/jvm-bridge "$ROOT"/connectors "$ROOT"/flink-job \
      -path '*/target' -prune -o -type f -newer "$JOB_JAR" -print -quit)" ]; then
    stale=1
  fi
  [ $stale -eq 1 ] || return 0
  log "building the connector archives and the Flink job jar (Maven runs cargo for the native library)"
  (cd "$ROOT" && $MVN -pl connectors/mllp-source,connectors/warehouse-sink,flink-job/job -am package -DskipTests)
}

mllp_config() {
  cat <<EOF
{
  "connector.class": "io.vitalflow.connect.mllp.MllpSourceConnector",
  "tasks.max": "1",
  "mllp.listen.host": "$H",
  "mllp.listen.ports": "$PIPELINE_MLLP_PORT",
  "producer.override.acks": "all",
  "producer.override.linger.ms": "0",
  "key.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
  "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter"
}
EOF
}

sink_config() {
  cat <<EOF
{
  "connector.class": "io.vitalflow.connect.warehouse.WarehouseSinkConnector",
  "tasks.max": "$PIPELINE_SINK_TASKS",
  "topics": "vitals.observations,vitals.scores,vitals.alerts,patients",
  "connection.url": "jdbc:postgresql://$H:$POSTGRES_PORT/$POSTGRES_DB",
  "connection.user": "$POSTGRES_USER",
  "connection.password": "$POSTGRES_PASSWORD",
  "consumer.override.isolation.level": "read_committed",
  "consumer.override.max.poll.records": "10000",
  "consumer.override.fetch.min.bytes": "65536",
  "consumer.override.fetch.max.wait.ms": "100",
  "errors.tolerance": "all",
  "errors.retry.timeout": "-1",
  "errors.retry.delay.max.ms": "5000",
  "errors.deadletterqueue.topic.name": "$PIPELINE_SINK_DLQ",
  "errors.deadletterqueue.topic.replication.factor": "1",
  "errors.deadletterqueue.context.headers.enable": "true"
}
EOF
}

deploy() { # NAME CONFIG-JSON: PUT is create-or-update, so this is idempotent
  local name=$1 body=$2 code
  code=$(curl -s -o "$TMP/put.out" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
    --data "$body" "$CONNECT/connectors/$name/config") || die "Connect REST at $CONNECT unreachable"
  case $code in 200|201) log "connector $name deployed" ;; *) die "deploying $name: HTTP $code $(cat "$TMP/put.out")" ;; esac
}

connector_running() { # NAME: the connector and every task RUNNING
  curl -sf "$CONNECT/connectors/$1/status" | python3 -c '
import json, sys
s = json.load(sys.stdin)
ok = s["connector"]["state"] == "RUNNING" and s["tasks"] and all(t["state"] == "RUNNING" for t in s["tasks"])
sys.exit(0 if ok else 1)' 2>/dev/null
}

connector_failure() { # NAME: the first failed task trace, for the error message
  curl -sf "$CONNECT/connectors/$1/status" | python3 -c '
import json, sys
s = json.load(sys.stdin)
for t in [s["connector"]] + s["tasks"]:
    if t.get("state") == "FAILED":
        print(t.get("trace", "")[:2000]); break' 2>/dev/null || true
}

job_id() { # the id of the RUNNING (or starting) vitalflow job, if any
  curl -sf "$FLINK/jobs/overview" | python3 -c '
import json, sys
name = sys.argv[1]
for j in json.load(sys.stdin)["jobs"]:
    if j["name"].startswith(name) and j["state"] in ("RUNNING", "CREATED", "INITIALIZING", "RESTARTING"):
        print(j["jid"], j["state"]); break' "$PIPELINE_JOB_NAME"
}

wait_until() { # WHAT TIMEOUT CMD...
  local what=$1 timeout=$2 start; shift 2; start=$(date +%s)
  until "$@" >/dev/null 2>&1; do
    [ $(( $(date +%s) - start )) -lt "$timeout" ] || return 1
    sleep 1
  done
  log "$what healthy after $(( $(date +%s) - start ))s"
}

# The Flink job's counters, read from the Flink REST API as an operator would: /jobs/<id> lists the
# vertices, /jobs/<id>/vertices/<vid>/metrics the metric ids, ?get=<ids> their values. An operator
# metric's id is <subtask>.<operator name>.<counter>, a per-sender one
# <subtask>.<operator name>.sender.<MSH-3>^<MSH-4>.clockErrors; Flink writes a space, '.', ':' or
# ',' in a name as '_'. Summed over subtasks (and operators); a counter not registered yet is 0.
JOB_COUNTERS="observationsEmitted scoresEmitted alertsEmitted invalidMessages lateMessages outOfOrderReadings staleReadings clockErrors notScoredProcessingId"

job_metric_values() { # JOB-ID: the {id, value} of the job's counters into $TMP/metrics.json
  local jid=$1 vid get
  : > "$TMP/metrics.json"
  curl -sf -m 5 "$FLINK/jobs/$jid" > "$TMP/job.json" || return 1
  for vid in $(jq -r '.vertices[].id' "$TMP/job.json"); do
    curl -sf -m 5 "$FLINK/jobs/$jid/vertices/$vid/metrics" > "$TMP/ids.json" || return 1
    # URL-encoded, in batches: Flink's REST server refuses a request line over 4 KiB
    jq -r --arg names "$JOB_COUNTERS" '
      ($names | split(" ") | join("|")) as $n
      | [.[].id | select(test("^[0-9]+\\..+\\.((" + $n + ")|sender\\.[^.]*\\.clockErrors)$")) | @uri]
      | reduce .[] as $id ([]; if length > 0 and ((.[-1] | length) + ($id | length) < 2000)
          then .[-1] += "," + $id else . + [$id] end)
      | .[]' "$TMP/ids.json" > "$TMP/gets" || return 1
    while read -r get; do
      curl -sf -m 5 "$FLINK/jobs/$jid/vertices/$vid/metrics?get=$get" >> "$TMP/metrics.json" || return 1
    done < "$TMP/gets"
  done
}

job_metrics() { # JOB-ID: one line per counter, the clock errors per sender, WARN on clock errors
  job_metric_values "$1" || { echo "flink job metrics: unavailable (Flink REST at $FLINK did not answer)"; return 0; }
  jq -r -s --arg names "$JOB_COUNTERS" '
    (add // []) as $m
    | ($m | map(select(.id | test("\\.sender\\.[^.]*\\.clockErrors$") | not))) as $ops
    | ($m | map(select(.id | test("\\.sender\\.[^.]*\\.clockErrors$"))
          | {s: (.id | capture("\\.sender\\.(?<s>[^.]*)\\.clockErrors$").s), v: (.value | tonumber? // 0)})
          | group_by(.s) | map({s: .[0].s, v: (map(.v) | add)}) | map(select(.v > 0)) | sort_by(-.v, .s)) as $senders
    | def total($c): [$ops[] | select(.id | endswith("." + $c)) | .value | tonumber? // 0] | add // 0;
      def list: map("\(.s) \(.v)") | if length > 10 then .[:10] + ["and \(length - 10) more"] else . end | join(", ");
    "flink job metrics (summed over subtasks):",
    ($names | split(" ")[] | "  \(.)\(" " * (24 - length)) \(total(.))"),
    (if ($senders | length) > 0 then "  clockErrors by sender (MSH-3^MSH-4): \($senders | list)" else empty end),
    (total("clockErrors") as $c | if $c > 0 then
      "WARN flink job: \($c) clock errors (readings dated ahead of their receipt by more than vitalflow.clock.tolerance, scored at receipt time); sender clocks to check: \(if ($senders | length) > 0 then $senders | list else "(none named)" end)"
     else empty end)' "$TMP/metrics.json" || echo "flink job metrics: unreadable answer from $FLINK"
}

mllp_open() { (exec 3<>"/dev/tcp/$H/$PIPELINE_MLLP_PORT") 2>/dev/null; }
job_running() { job_id | grep -q ' RUNNING$'; }

cmd_up() {
  build
  "$STACK" up
  deploy "$PIPELINE_MLLP_CONNECTOR" "$(mllp_config)"
  deploy "$PIPELINE_SINK_CONNECTOR" "$(sink_config)"
  if [ -z "$(job_id)" ]; then
    log "submitting the Flink job"
    "$STACK" flink-run "$JOB_JAR" \
      --kafka.bootstrap "$H:$KAFKA_PORT" --registry.url "$REGISTRY_URL" \
      --checkpoint-interval "$PIPELINE_CHECKPOINT_INTERVAL" \
      --alerts.delivery-guarantee "$PIPELINE_ALERTS_DELIVERY" >&2
  else
    log "the Flink job is already running ($(job_id))"
  fi
  wait_until "MLLP source connector" "$PIPELINE_TIMEOUT" connector_running "$PIPELINE_MLLP_CONNECTOR" \
    || die "the MLLP source connector is not running: $(connector_failure "$PIPELINE_MLLP_CONNECTOR")"
  wait_until "MLLP listener on $H:$PIPELINE_MLLP_PORT" "$PIPELINE_TIMEOUT" mllp_open \
    || die "nothing listens on $H:$PIPELINE_MLLP_PORT"
  wait_until "warehouse sink connector" "$PIPELINE_TIMEOUT" connector_running "$PIPELINE_SINK_CONNECTOR" \
    || die "the warehouse sink is not running: $(connector_failure "$PIPELINE_SINK_CONNECTOR")"
  wait_until "Flink job" "$PIPELINE_TIMEOUT" job_running || die "the Flink job is not running (see $FLINK)"
  cmd_where
}

cmd_where() {
  cat <<EOF

vitalflow pipeline is up:
  MLLP (send HL7 here)   $H:$PIPELINE_MLLP_PORT   connector $PIPELINE_MLLP_CONNECTOR  ($CONNECT/connectors/$PIPELINE_MLLP_CONNECTOR/status)
  Kafka                  $H:$KAFKA_PORT           topics: $("$STACK" topics 2>/dev/null | awk '{print $1}' | paste -sd' ')
  Schema Registry        $REGISTRY_URL
  Flink job              $FLINK/#/job/running   ($(job_id))
  warehouse sink         connector $PIPELINE_SINK_CONNECTOR  ($CONNECT/connectors/$PIPELINE_SINK_CONNECTOR/status), DLQ $PIPELINE_SINK_DLQ
  PostgreSQL warehouse   PGPASSWORD=$POSTGRES_PASSWORD psql -h $H -p $POSTGRES_PORT -U $POSTGRES_USER $POSTGRES_DB
EOF
}

cmd_status() {
  local rc=0
  "$STACK" status || rc=1
  for c in "$PIPELINE_MLLP_CONNECTOR" "$PIPELINE_SINK_CONNECTOR"; do
    if connector_running "$c"; then echo "connector $c: RUNNING"; else echo "connector $c: not running"; rc=1; fi
  done
  if mllp_open; then echo "mllp $H:$PIPELINE_MLLP_PORT: listening"; else echo "mllp $H:$PIPELINE_MLLP_PORT: closed"; rc=1; fi
  local j; j=$(job_id 2>/dev/null || true)
  if [ -n "$j" ]; then echo "flink job: $j"; job_metrics "${j%% *}"; else echo "flink job: not running"; rc=1; fi
  return $rc
}

cmd_undeploy() {
  local c j
  for c in "$PIPELINE_MLLP_CONNECTOR" "$PIPELINE_SINK_CONNECTOR"; do
    curl -sf -X DELETE "$CONNECT/connectors/$c" >/dev/null 2>&1 && log "connector $c removed" || true
  done
  j=$(job_id 2>/dev/null | awk '{print $1}' || true)
  if [ -n "$j" ]; then
    curl -sf -X PATCH "$FLINK/jobs/$j?mode=cancel" >/dev/null && log "Flink job $j cancelled"
  fi
}

TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
case "${1:-}" in
  up) cmd_up ;;
  status) cmd_status ;;
  undeploy) cmd_undeploy ;;
  down) cmd_undeploy; "$STACK" down ;;
  where) cmd_where ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
