#!/usr/bin/env bash
# The whole vitalflow pipeline on the local stack:
#   MLLP (127.0.0.1:$PIPELINE_MLLP_PORT) -> MLLP source connector -> hl7.raw -> Flink job
#   -> vitals.observations / vitals.scores / vitals.alerts / patients -> warehouse sink -> PostgreSQL
#
#   scripts/pipeline.sh up       build what is missing, bring the stack up, deploy both connectors
#                                through the Connect REST API, submit the Flink job, wait until all
#                                are healthy, print where each one is. Idempotent.
#                                A job that is not running is resumed from the newest retained
#                                checkpoint or savepoint of the job this script last ran, so every
#                                patient's latest values, scores, alert arming and resend filter are
#                                kept; `up --fresh-state` starts it empty instead (and says what is lost).
#   scripts/pipeline.sh upgrade  rebuild, stop the running job with a savepoint, submit the new jar
#                                from that savepoint (a code or configuration change keeps the state)
#   scripts/pipeline.sh resume   the job alone from its newest retained checkpoint, if it is not running
#   scripts/pipeline.sh status   one line per part, then Prometheus's firing alerts in words; exit 1
#                                unless every part is healthy and no alert fires
#   scripts/pipeline.sh alerts   only the alerts (exit 1 while one fires)
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
# where the stack's Flink keeps checkpoints and savepoints (tests/stack/stack.sh, flink_write_conf),
# and the ids of the jobs this script submitted, oldest first
STACK_STATE=${VITALFLOW_STACK_DIR:-$ROOT/.stack}
FLINK_CHECKPOINTS=$STACK_STATE/flink/checkpoints
FLINK_SAVEPOINTS=$STACK_STATE/flink/savepoints
PIPELINE_JOBS=$STACK_STATE/run/pipeline-jobs
# present while the pipeline is deployed (up, until undeploy/down): the stack's supervisor resumes
# the job after it started a lost JobManager again
PIPELINE_WANTED=$STACK_STATE/run/pipeline.wanted
# the job's settings (PIPELINE_* of stack.env or the environment) as `up` or `upgrade` last submitted
# it: `resume` (the supervisor's, after a lost JobManager) submits it again with the same ones
PIPELINE_SETTINGS=$STACK_STATE/run/pipeline.env
JOB_SETTINGS="PIPELINE_CHECKPOINT_INTERVAL PIPELINE_ALERTS_DELIVERY PIPELINE_SENDER_EXPECTED_INTERVAL PIPELINE_SENDER_EXPECTED_INTERVALS"
PROMETHEUS=http://$H:$PROMETHEUS_PORT
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

# The newest completed checkpoint (chk-N/_metadata) or savepoint of the newest job this script
# submitted that has one, as a directory for `flink run -s`; nothing when there is none. A job that
# was resumed and stopped before its first checkpoint falls back to the one it was resumed from
# (what it processed since is read again from Kafka: exactly once, the state consistent with it).
resume_point() {
  [ -s "$PIPELINE_JOBS" ] || return 0
  local jid found
  for jid in $(tac "$PIPELINE_JOBS"); do
    # shellcheck disable=SC2012
    found=$(ls -1t "$FLINK_CHECKPOINTS/$jid"/chk-*/_metadata "$FLINK_SAVEPOINTS/savepoint-${jid:0:6}-"*/_metadata 2>/dev/null \
      | head -n 1)
    [ -z "$found" ] || { dirname "$found"; return 0; }
  done
}

save_settings() {
  local v
  mkdir -p "$(dirname "$PIPELINE_SETTINGS")"
  for v in $JOB_SETTINGS; do printf '%s=%q\n' "$v" "${!v}"; done >"$PIPELINE_SETTINGS.tmp"
  mv "$PIPELINE_SETTINGS.tmp" "$PIPELINE_SETTINGS"
}
load_settings() {
  # shellcheck disable=SC1090
  [ ! -f "$PIPELINE_SETTINGS" ] || source "$PIPELINE_SETTINGS"
}

submit() { # [FROM]: the job, from a checkpoint or savepoint directory when given; records its id
  local from=() out jid
  [ -z "${1:-}" ] || from=(-s "$1")
  out=$("$STACK" flink-run "${from[@]}" "$JOB_JAR" \
      --kafka.bootstrap "$H:$KAFKA_PORT" --registry.url "$REGISTRY_URL" \
      --checkpoint-interval "$PIPELINE_CHECKPOINT_INTERVAL" \
      --alerts.delivery-guarantee "$PIPELINE_ALERTS_DELIVERY" \
      --senders.expected-interval "$PIPELINE_SENDER_EXPECTED_INTERVAL" \
      ${PIPELINE_SENDER_EXPECTED_INTERVALS:+--senders.expected-interval.per-sender "$PIPELINE_SENDER_EXPECTED_INTERVALS"} 2>&1) || {
    echo "$out" >&2
    [ -z "${1:-}" ] || die "the job did not start from $1 (see above); scripts/pipeline.sh up --fresh-state starts it with empty state"
    die "the Flink job was not submitted (see above)"
  }
  echo "$out" >&2
  jid=$(echo "$out" | sed -n 's/.*JobID \([0-9a-f]\{32\}\).*/\1/p' | tail -n 1)
  [ -n "$jid" ] || die "flink run printed no JobID"
  mkdir -p "$(dirname "$PIPELINE_JOBS")"
  echo "$jid" >> "$PIPELINE_JOBS"
}

start_job() { # FRESH(0|1)
  local from=""
  if [ "$1" = 1 ]; then
    log "--fresh-state: the job starts with EMPTY state: every patient's latest values, last score," \
      "alert arming, NEWS2 rise baseline and glucose history, and the resend filter are lost, so" \
      "patients at MEDIUM or HIGH alert again as new; Kafka offsets: the consumer group's committed ones"
  else
    from=$(resume_point)
  fi
  if [ -n "$from" ]; then
    log "resuming the Flink job from $from (every patient's state and the Kafka offsets kept)"
  elif [ "$1" = 0 ]; then
    log "submitting the Flink job (no checkpoint of an earlier run: empty state)"
  fi
  submit "$from"
}

job_health() { # JOB-ID: restarts and the age of the last completed checkpoint; 1 when it is over 5 minutes
  local now_ms info
  info=$(curl -sf -m 5 "$FLINK/jobs/$1/checkpoints") || { echo "flink job checkpoints: unavailable"; return 0; }
  now_ms=$(( $(date +%s) * 1000 ))
  echo "$info" | jq -r --argjson now "$now_ms" --arg restarts "$(curl -sf -m 5 "$FLINK/jobs/$1/metrics?get=numRestarts" | jq -r '.[0].value // "?"')" '
    (.latest.completed.latest_ack_timestamp // 0) as $at
    | "flink job checkpoints: \(.counts.completed) completed, \(.counts.failed) failed, " +
      (if $at > 0 then "last \((($now - $at) / 1000) | floor) s ago" else "none completed yet" end) +
      "; restarts: \($restarts)"'
  echo "$info" | jq -e --argjson now "$now_ms" '
    (.latest.completed.latest_ack_timestamp // 0) as $at | $at > 0 and ($now - $at) > 300000' >/dev/null || return 0
  echo "WARN flink job: no checkpoint completed for more than 5 minutes (exactly-once output and the state a resume starts from are that old)"
  return 1
}

mllp_open() { (exec 3<>"/dev/tcp/$H/$PIPELINE_MLLP_PORT") 2>/dev/null; }
job_running() { job_id | grep -q ' RUNNING$'; }

cmd_up() { # [--fresh-state]
  local fresh=0
  case "${1:-}" in --fresh-state) fresh=1 ;; "") ;; *) die "up: unknown option $1 (--fresh-state)" ;; esac
  build
  save_settings
  "$STACK" up
  deploy "$PIPELINE_MLLP_CONNECTOR" "$(mllp_config)"
  deploy "$PIPELINE_SINK_CONNECTOR" "$(sink_config)"
  mkdir -p "$(dirname "$PIPELINE_WANTED")"; touch "$PIPELINE_WANTED"
  if [ -z "$(job_id)" ]; then
    start_job "$fresh"
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

cmd_upgrade() { # stop with a savepoint, then the (rebuilt) jar from it
  build
  save_settings
  local j trig st loc
  j=$(job_id | awk '{print $1}')
  [ -n "$j" ] || die "no running vitalflow job to upgrade (make pipeline-up starts one, from its last checkpoint)"
  local attempt
  for attempt in 1 2 3 4 5; do
    # a savepoint needs every task RUNNING: a job that is restarting (it heals by itself) is waited for
    wait_until "every task of job $j" "$PIPELINE_TIMEOUT" all_tasks_running "$j" \
      || die "job $j has tasks that are not RUNNING; not stopping it (see $FLINK/#/job/running/$j)"
    log "stopping job $j with a savepoint in $FLINK_SAVEPOINTS (attempt $attempt)"
    trig=$(curl -sf -X POST -H 'Content-Type: application/json' \
      -d "{\"drain\": false, \"targetDirectory\": \"file://$FLINK_SAVEPOINTS\"}" "$FLINK/jobs/$j/stop" \
      | jq -r '."request-id"') || die "Flink refused to stop job $j with a savepoint"
    st=""
    for _ in $(seq 1 "$PIPELINE_TIMEOUT"); do
      curl -sf "$FLINK/jobs/$j/savepoints/$trig" > "$TMP/sp.json" || true
      st=$(jq -r '.status.id // ""' "$TMP/sp.json" 2>/dev/null || true)
      [ "$st" = COMPLETED ] && break
      sleep 1
    done
    [ "$st" = COMPLETED ] || die "the savepoint of job $j did not complete in ${PIPELINE_TIMEOUT}s; the job keeps running"
    loc=$(jq -r '.operation.location // ""' "$TMP/sp.json")
    [ -z "$loc" ] || break
    log "the savepoint of job $j failed ($(jq -r '.operation."failure-cause".class // "unknown"' "$TMP/sp.json"));" \
      "the job keeps running; trying again"
    sleep 5
  done
  [ -n "$loc" ] || die "no savepoint of job $j after 5 attempts; the job keeps running (see $FLINK/#/job/running/$j)"
  log "savepoint $loc; submitting the job from it"
  submit "${loc#file:}"
  wait_until "Flink job" "$PIPELINE_TIMEOUT" job_running || die "the upgraded Flink job is not running (see $FLINK)"
}

all_tasks_running() { # JOB-ID
  curl -sf -m 5 "$FLINK/jobs/$1" | jq -e '.state == "RUNNING" and ([.vertices[] | select(.status != "RUNNING")] | length == 0)' >/dev/null
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
  if [ -n "$j" ]; then
    echo "flink job: $j"
    [ "${j##* }" = RUNNING ] || { echo "WARN flink job: ${j##* }, not RUNNING (it restarts by itself: exponential-delay, no attempt limit)"; rc=1; }
    job_health "${j%% *}" || rc=1
    job_metrics "${j%% *}"
  else
    echo "flink job: not running"; rc=1
    [ -z "$(resume_point)" ] || echo "  make pipeline-up resumes it from $(resume_point)"
  fi
  alerts_status || rc=1
  return $rc
}

# Prometheus's alerts (ops/prometheus/vitalflow-alerts.yml), in words: one line per firing alert
# (ALERT) and per pending one (its condition holds, not yet for its `for:` time); 1 while any fires
alerts_status() {
  [ "$STACK_PROMETHEUS" = 1 ] || { echo "alerts: Prometheus is off (STACK_PROMETHEUS=0)"; return 0; }
  if ! curl -sf -m 5 "$PROMETHEUS/api/v1/alerts" >"$TMP/alerts.json"; then
    echo "ALERT prometheus: $PROMETHEUS does not answer: no alert can fire"; return 1
  fi
  jq -r --arg prom "$PROMETHEUS" '
    def where: [.labels | to_entries[] | select(.key | IN("alertname", "severity") | not) | "\(.key)=\(.value)"] | join(", ");
    .data.alerts | sort_by(.state != "firing", .labels.alertname) |
    if length == 0 then "alerts: none firing (Prometheus \($prom))"
    else .[] | (if .state == "firing" then "ALERT" else "pending" end) + " \(.labels.alertname) (\(.labels.severity // "-")): \(.annotations.summary // "")"
      + (if where == "" then "" else " [\(where)]" end)
    end' "$TMP/alerts.json"
  ! jq -e 'any(.data.alerts[]; .state == "firing")' "$TMP/alerts.json" >/dev/null
}

# the job alone, from its newest retained checkpoint, when it is not running (the stack's
# supervisor calls this after it started a JobManager again, which lost its jobs)
cmd_resume() {
  load_settings
  [ -n "$(resume_point)" ] || { log "resume: no retained checkpoint of a job this script ran; nothing to resume"; return 0; }
  wait_until "Flink cluster" "$PIPELINE_TIMEOUT" flink_ready || die "resume: the Flink cluster at $FLINK has no TaskManager"
  # a JobManager that restarted may still be recovering: give a running job the time to show
  sleep 2
  if [ -n "$(job_id)" ]; then log "resume: the Flink job is running ($(job_id))"; return 0; fi
  start_job 0
  wait_until "Flink job" "$PIPELINE_TIMEOUT" job_running || die "resume: the Flink job is not running (see $FLINK)"
}
flink_ready() { [ "$(curl -sf -m 3 "$FLINK/overview" | jq -r '."taskmanagers" // 0')" -ge 1 ]; }

cmd_undeploy() {
  local c j
  rm -f "$PIPELINE_WANTED"
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
  up) shift; cmd_up "$@" ;;
  upgrade) cmd_upgrade ;;
  resume) cmd_resume ;;
  status) cmd_status ;;
  alerts) alerts_status ;;
  undeploy) cmd_undeploy ;;
  down) cmd_undeploy; "$STACK" down ;;
  where) cmd_where ;;
  *) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
