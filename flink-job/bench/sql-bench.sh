#!/usr/bin/env bash
# Flink SQL records/s of HL7_VITALS (+ NEWS2) against CHAR_LENGTH(message) over the same Kafka rows, same
# job shape (Kafka raw source, one projection, blackhole sink, parallelism 1), on the stack's session cluster.
#   [RUNS=2] flink-job/bench/sql-bench.sh [PATIENTS] [DURATION] [COPIES]   (default 40 patients, 24h, 10 copies)
# A seeded simulated feed is written once to a "small" topic and COPIES times to a "big" one (one record per
# message, by ProduceMessages.java). Each job runs on both; the job's duration comes from Flink's REST API. The
# steady-state rate is the marginal one, (big - small messages) / (big - small duration): the job's
# start-up (scheduling, Kafka consumer start, the native library's load) is the same in both and cancels.
# Needs: the stack up (tests/stack/stack.sh up), the UDF jar and the CLI built. Prints one line per run.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
STACK=$ROOT/tests/stack/stack.sh
CLI=$ROOT/target/release/vitalflow
eval "$("$STACK" env | sed 's/^/export /')"
PATIENTS=${1:-40}
DURATION=${2:-24h}
COPIES=${3:-10}
KAFKA_HOME=$VITALFLOW_STACK_DIR/dist/kafka-$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$ROOT/pom.xml" | head -n1)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$CLI" simulate --patients "$PATIENTS" --duration "$DURATION" --seed 5 --out "$WORK/feed.hl7"
messages=$("$CLI" query MSH-10 <"$WORK/feed.hl7" | wc -l)
rows=$("$CLI" vitals <"$WORK/feed.hl7" | wc -l)
stamp=$(date +%s)
SMALL=bench-sql-$stamp-small
BIG=bench-sql-$stamp-big
java -cp "$VITALFLOW_STACK_DIR/conf/admin:$KAFKA_HOME/libs/*" StackAdmin topics "$VITALFLOW_KAFKA_BOOTSTRAP" "$SMALL:1:delete" "$BIG:1:delete" >/dev/null
produce() { # topic copies: one record per message (ProduceMessages checks the topic's end offset)
  local n
  n=$(java -cp "$KAFKA_HOME/libs/*" "$HERE/ProduceMessages.java" "$VITALFLOW_KAFKA_BOOTSTRAP" "$1" "$WORK/feed.hl7" "$2")
  [ "$n" -eq $((messages * $2)) ] || { echo "sql-bench: $1 got $n records, not $((messages * $2)) messages" >&2; exit 1; }
}
produce "$SMALL" 1
produce "$BIG" "$COPIES"
run() { # name file topic -> duration ms
  BENCH_TOPIC=$3 "$STACK" sql "$HERE/$2" >/dev/null 2>"$VITALFLOW_STACK_DIR/bench-$1.log"
  local job; job=$(curl -sf "$VITALFLOW_FLINK_URL/jobs/overview" | jq -r --arg n "$1" '[.jobs[] | select(.name == $n)] | sort_by(."start-time") | last | .jid')
  [ "$(curl -sf "$VITALFLOW_FLINK_URL/jobs/$job" | jq -r '.state')" = FINISHED ] || { echo "sql-bench: job $1 ($job) did not finish" >&2; exit 1; }
  curl -sf "$VITALFLOW_FLINK_URL/jobs/$job" | jq '.duration'
}
echo "feed: $messages messages, $rows vital-sign rows per copy; small topic 1 copy, big topic $COPIES copies"
for i in $(seq 1 "${RUNS:-2}"); do
  fs=$(run bench-floor udf_floor.sql "$SMALL"); vs=$(run bench-vitals udf_vitals.sql "$SMALL")
  fb=$(run bench-floor udf_floor.sql "$BIG"); vb=$(run bench-vitals udf_vitals.sql "$BIG")
  awk -v m="$messages" -v r="$rows" -v c="$COPIES" -v fs="$fs" -v vs="$vs" -v fb="$fb" -v vb="$vb" -v i="$i" 'BEGIN {
    dm = (c - 1) * m; dr = (c - 1) * r
    printf "run %d: durations ms: CHAR_LENGTH %d (1 copy) %d (%d copies); HL7_VITALS+NEWS2 %d / %d\n", i, fs, fb, c, vs, vb
    printf "  whole job, %d copies: CHAR_LENGTH %.0f msg/s; HL7_VITALS+NEWS2 %.0f msg/s; ratio %.2f\n",
      c, c * m * 1000 / fb, c * m * 1000 / vb, fb / vb
    if (fb > fs && vb > vs)
      printf "  steady state (marginal, start-up cancelled): CHAR_LENGTH %.0f msg/s; HL7_VITALS+NEWS2 %.0f msg/s (%.0f rows/s); ratio %.2f\n",
        dm * 1000 / (fb - fs), dm * 1000 / (vb - vs), dr * 1000 / (vb - vs), (fb - fs) / (vb - vs)
    else print "  steady state: not measurable (the big topic did not take longer than the small one)" }'
  echo "  load: $(cut -d' ' -f1-3 /proc/loadavg)"
done
