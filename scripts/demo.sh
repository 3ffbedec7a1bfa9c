#!/usr/bin/env bash
# The vitalflow demo, as far as the product is built today: simulated bedside
# monitors and glucometers -> HL7 v2 -> the Rust core (parse, extract, NEWS2,
# glucose, the streaming alert rules) -> a ward overview.
#
# The warehouse path (MLLP source connector -> Kafka -> Flink -> sink ->
# PostgreSQL) replaces the last step as those parts land; see README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PATIENTS=${PATIENTS:-12}
SEED=${SEED:-2026}
out=.demo
mkdir -p "$out"

cargo build --release --quiet --bin vitalflow
vf=target/release/vitalflow

echo "== simulating $PATIENTS patients for 8 hours (seed $SEED)"
$vf simulate --patients "$PATIENTS" --seed "$SEED" --duration 8h --interval 15m \
  --roster "$out/roster.jsonl" --out "$out/feed.hl7"
messages=$($vf query MSH-10 "$out/feed.hl7" | wc -l)
rows=$($vf vitals "$out/feed.hl7" | tee "$out/vitals.jsonl" | wc -l)
echo "   $messages ORU^R01 messages, $rows vital-sign rows"

echo "== streaming NEWS2 and glucose rules"
# SpO2 scale 2 is a clinical decision per patient, not in the HL7 feed: take it from the roster.
scale2=$(python3 -c 'import json,sys; print(" ".join("--scale2 "+r["patient_id"] for r in map(json.loads, open(sys.argv[1])) if r["spo2_scale"] == 2))' "$out/roster.jsonl")
# shellcheck disable=SC2086
$vf score $scale2 "$out/feed.hl7" > "$out/events.jsonl"
# shellcheck disable=SC2086
$vf score --summary $scale2 "$out/feed.hl7" > "$out/summary.jsonl"

python3 - "$out" <<'PY'
import json, sys, collections
out = sys.argv[1]
roster = {r["patient_id"]: r for r in map(json.loads, open(f"{out}/roster.jsonl"))}
events = [json.loads(l) for l in open(f"{out}/events.jsonl")]
alerts = collections.Counter(e["alert"]["kind"] for e in events if e["type"] == "alert")
print(f"   {sum(e['type'] == 'score' for e in events)} scores, {sum(alerts.values())} alerts: " + ", ".join(f"{k} {v}" for k, v in sorted(alerts.items())))
print()
print(f"{'patient':<10} {'NEWS2':>5}  {'band':<10} {'complete':<8}  {'simulated as':<13} {'SpO2':<5}  alerts")
for s in map(json.loads, open(f"{out}/summary.jsonl")):
    r = roster.get(s["patient_id"], {})
    truth = "deteriorating" if r.get("deteriorating") else "stable"
    scale = "sc" + str(r.get("spo2_scale", "?"))
    kinds = collections.Counter(s["alerts"])
    print(f"{s['patient_id']:<10} {s['total'] if s['total'] is not None else '-':>5}  {s['band'] or '-':<10} {str(s['complete']):<8}  {truth:<13} {scale:<5}  " + ", ".join(f"{k}x{v}" if v > 1 else k for k, v in kinds.items()))
PY
echo
echo "files: $out/feed.hl7 (HL7), $out/vitals.jsonl (rows), $out/events.jsonl (scores and alerts)"
