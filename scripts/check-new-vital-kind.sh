#!/usr/bin/env bash
# Issue 31's check that the contract is generated: in a throwaway worktree of
# HEAD, add one vital kind (central venous pressure) as one symbol in
# schemas/VitalSign.avsc and one row in native/core/data/vital_codes.tsv, assert
# that those two lines are the whole change, then build and test the Rust and
# Java modules that carry VitalKind and extract the new kind from an HL7 message
# through the CLI and through the JVM bridge. Nothing else may need an edit.
#
# Usage: scripts/check-new-vital-kind.sh      (about 5 minutes; not part of make test)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
tree=$(mktemp -d /tmp/vitalflow-new-kind.XXXXXX)
cleanup() { git -C "$repo" worktree remove --force "$tree" >/dev/null 2>&1 || true; rm -rf "$tree"; }
trap cleanup EXIT
git -C "$repo" worktree add --detach "$tree" HEAD >/dev/null
cd "$tree"

python3 - <<'PY'
import re
p = "schemas/VitalSign.avsc"
s = open(p).read()
s2 = re.sub(r'("INSPIRED_O2")(\s*\])', r'\1,\n          "CENTRAL_VENOUS_PRESSURE"\2', s, count=1)
assert s2 != s, "VitalKind symbols not found"
open(p, "w").write(s2)
PY
printf 'LN\t60985-9\tCENTRAL_VENOUS_PRESSURE\tmm[Hg]\tmm[Hg]\tCentral venous pressure\n' \
  >> native/core/data/vital_codes.tsv

changed=$(git diff --numstat | awk '{a+=$1; d+=$2; f++} END {print f" files, +"a" -"d}')
echo "the edit: $changed"
git diff --numstat
# the symbol goes on its own line after INSPIRED_O2 (which gains a comma): +2 -1
# in the schema, +1 in the code table
[ "$changed" = "2 files, +3 -1" ] || { echo "FAIL: the edit is not one symbol and one row"; exit 1; }

export CARGO_TARGET_DIR="$repo/target/new-kind"
cargo test -q -p vitalflow-core -p vitalflow-scoring -p vitalflow-jni 2>&1 | grep -E "^test result|FAILED|panicked" | sort | uniq -c
cargo build -q -p vitalflow-cli
msg=$'MSH|^~\\&|MON|ICU|VF|VF|20261120080000||ORU^R01|CVP1|P|2.5.1\rPID|1||MRN1^^^HOSP^MR||DOE^JANE\rOBR|1|||VITALS\rOBX|1|NM|60985-9^CVP^LN||8|mm[Hg]|||||F|||20261120075900\r'
row=$(printf '%s' "$msg" | "$CARGO_TARGET_DIR/debug/vitalflow" vitals -)
echo "CLI: $row"
echo "$row" | grep -q '"kind":"CENTRAL_VENOUS_PRESSURE"' || { echo "FAIL: the CLI does not extract the new kind"; exit 1; }

# the Java side: generated enums, the bridge's tests (ContractTest holds its VitalKind to the
# schema, CliAgreementTest to the CLI), and the new row read back through RowDecoder
mvn -B -ntp -o verify -pl schemas,jvm-bridge -Dcargo.target.dir="$CARGO_TARGET_DIR" 2>&1 \
  | tee "$tree/mvn.log" | grep -E "Tests run:.*Fail.*Skipped: [0-9]+$|BUILD|ERROR" | tail -4
grep -q "BUILD SUCCESS" "$tree/mvn.log" || {
  grep -E "\[ERROR\]|FAIL" "$tree/mvn.log" | head -20
  echo "FAIL: mvn verify"
  exit 1
}
grep -q "CENTRAL_VENOUS_PRESSURE" jvm-bridge/target/generated-sources/contract/io/vitalflow/bridge/VitalKind.java \
  || { echo "FAIL: Java VitalKind was not generated with the new kind"; exit 1; }
cat > "$tree/CheckKind.java" <<'JAVA'
import io.vitalflow.bridge.VitalKind;
import io.vitalflow.bridge.VitalSign;
import io.vitalflow.bridge.Vitals;
import java.nio.charset.StandardCharsets;
import java.util.List;

public class CheckKind {
  public static void main(String[] args) {
    List<VitalSign> rows = Vitals.extract(args[0].getBytes(StandardCharsets.UTF_8));
    VitalKind kind = rows.get(0).kind();
    System.out.println("JVM bridge: " + kind + " " + rows.get(0).normalizedValue());
    if (kind != VitalKind.valueOf("CENTRAL_VENOUS_PRESSURE")) {
      throw new AssertionError(kind.toString());
    }
  }
}
JAVA
java -cp jvm-bridge/target/classes "$tree/CheckKind.java" "$msg"
echo "OK: one schema symbol and one code-table row added a vital kind end to end"
