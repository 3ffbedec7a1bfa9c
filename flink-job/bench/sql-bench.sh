#!/usr/bin/env bash
# Flink SQL records/s of HL7_VITALS (+ NEWS2) against CHAR_LENGTH(message) over the same Kafka rows, same
# job shape (Kafka raw source, one projection, blackhole sink, parallelism 1), on the stack's session cluster.
#   [RUNS=2] flink-job/bench/sql-bench.sh [PATIENTS] [DURATION]      (default 400 patients, 24h of readings)
# Needs: the stack up (tests/stack/stack.sh up), the UDF jar and the CLI built. Prints one line per run.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
STACK=$ROOT/tests/stack/stack.sh
eval "$("$STACK" env | sed 's/^/export /')"
PATIENTS=${1:-400}
DURATION=${2:-24h}
export BENCH_TOPIC=bench-sql-$(date +%s)
KAFKA_LIBS=$VITALFLOW_STACK_DIR/dist/kafka-$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$ROOT/pom.xml" | head -n1)/libs
java -cp "$VITALFLOW_STACK_DIR/conf/admin:$KAFKA_LIBS/*" StackAdmin topics "$VITALFLOW_KAFKA_BOOTSTRAP" "$BENCH_TOPIC:1:delete" >/dev/null
"$ROOT/target/release/vitalflow" simulate --patients "$PATIENTS" --duration "$DURATION" --seed 5 \
  --kafka "$VITALFLOW_KAFKA_BOOTSTRAP" --topic "$BENCH_TOPIC" >/dev/null
messages=$("$ROOT/target/release/vitalflow" simulate --patients "$PATIENTS" --duration "$DURATION" --seed 5 | "$ROOT/target/release/vitalflow" query MSH-10 | wc -l)
rows=$("$ROOT/target/release/vitalflow" simulate --patients "$PATIENTS" --duration "$DURATION" --seed 5 | "$ROOT/target/release/vitalflow" vitals | wc -l)
run() { # name file
  "$STACK" sql "$HERE/$2" >/dev/null 2>"$VITALFLOW_STACK_DIR/bench-$1.log"
  local job; job=$(curl -sf "$VITALFLOW_FLINK_URL/jobs/overview" | jq -r --arg n "$1" '[.jobs[] | select(.name == $n)] | sort_by(."start-time") | last | .jid')
  local d; d=$(curl -sf "$VITALFLOW_FLINK_URL/jobs/$job" | jq '.duration')
  echo "$1 $d"
}
for i in $(seq 1 "${RUNS:-2}"); do
  f=$(run bench-floor udf_floor.sql); v=$(run bench-vitals udf_vitals.sql)
  fd=${f#* }; vd=${v#* }
  awk -v m="$messages" -v r="$rows" -v fd="$fd" -v vd="$vd" -v i="$i" 'BEGIN {
    printf "run %d: %d messages (%d vital-sign rows); CHAR_LENGTH %.0f msg/s (%d ms); HL7_VITALS+NEWS2 %.0f msg/s, %.0f rows/s (%d ms); ratio %.2f\n",
      i, m, r, m * 1000 / fd, fd, m * 1000 / vd, r * 1000 / vd, vd, fd / vd }'
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
