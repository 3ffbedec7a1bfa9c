#!/usr/bin/env bash
# Integration tests against the local stack (called by `make integration-test`, hence by .ci/run):
# brings the stack up, runs the Rust tests that need it (#[ignore = "needs the local stack ..."])
# and the Java *IT classes (mvn -Pintegration), and brings the stack down again whatever happened.
# Unit tests are not run here: they need no services and run before (make unit-test).
#
# Convention: in Rust, #[ignore] is reserved for tests that need the stack, and they find it through
# the vitalflow-test-support crate (native/test-support); in Java, *IT classes find it through
# io.vitalflow.stack.LocalStack (tests/support, artifact vitalflow-test-support).
set -euo pipefail
cd "$(dirname "$0")/.."

start=$(date +%s)
tests/stack/stack.sh up
trap 'tests/stack/stack.sh down' EXIT
echo "integration: stack up in $(( $(date +%s) - start ))s"

# fail, don't start a second stack, if it went away
export VITALFLOW_STACK_AUTOSTART=0

# both runs, even when the first fails, so one CI run reports every failure
rc=0
cargo test --workspace -- --ignored || rc=1
mvn -B -ntp -fae -Pintegration verify || rc=1
echo "integration: done in $(( $(date +%s) - start ))s (exit $rc)"
exit $rc
