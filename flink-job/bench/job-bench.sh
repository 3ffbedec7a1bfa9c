#!/usr/bin/env bash
# The whole job's sustained messages/s (hl7.raw -> vitals.scores) and end-to-end latency p50/p99, in an
# embedded MiniCluster on the stack's Kafka and registry (io.vitalflow.flink.JobBenchmark, test sources).
#   flink-job/bench/job-bench.sh [PATIENTS DURATION BACKLOG_FRACTION RATE_PER_S CHECKPOINT_S PARALLELISM BACKEND]
#   (defaults 300 24h 0.7 300 10 2 rocksdb)
# Needs: the stack up (tests/stack/stack.sh up, with your port set exported), the native library and the CLI
# built (cargo build --release -p vitalflow-jni -p vitalflow-cli).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
mvn -B -ntp -q -pl flink-job/job -am test-compile dependency:build-classpath -Dcargo.skip=true \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
JOB=$ROOT/flink-job/job
exec java -Xmx1g -Dvitalflow.cli="$ROOT/target/release/vitalflow" \
  -cp "$JOB/target/test-classes:$JOB/target/classes:$(cat "$JOB/target/bench.classpath")" \
  io.vitalflow.flink.JobBenchmark "$@"
