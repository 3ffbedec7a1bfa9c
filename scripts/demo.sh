#!/usr/bin/env bash
# The vitalflow demo: a simulated ward streamed over MLLP through the whole pipeline
#
#   monitors/glucometers/EHR (vitalflow simulate) --MLLP--> MLLP source connector --> hl7.raw
#   --> Flink job (Rust parse, extract, NEWS2, alert rules) --> vitals.* / patients
#   --> warehouse sink --> PostgreSQL
#
# then what an analyst asks the warehouse. The pipeline is left running (make pipeline-down stops it).
# PATIENTS (200), SEED (2026), HOURS (8) and INTERVAL (15m) may be set in the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../tests/stack/stack.env
source tests/stack/stack.env
PATIENTS=${PATIENTS:-200}
SEED=${SEED:-2026}
HOURS=${HOURS:-8}
INTERVAL=${INTERVAL:-15m}
WAIT=${DEMO_WAIT:-300}
out=.demo
mkdir -p "$out"
H=$VITALFLOW_HOST
export PGPASSWORD=$POSTGRES_PASSWORD
psql_() { psql -X -q -h "$H" -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d "$POSTGRES_DB" "$@"; }
count() { psql_ -At -c "SELECT count(*) FROM $1" 2>/dev/null || echo 0; }

echo "== building the vitalflow CLI"
cargo build --release --quiet --bin vitalflow
vf=target/release/vitalflow

echo "== starting the pipeline (stack, connectors, Flink job)"
scripts/pipeline.sh up

# The ward's clock: the last $HOURS hours, ending now, as a live feed's backlog would be. Never
# future-dated: a reading observed after its receipt is a device clock error (docs/contract.md),
# and the job scores every message in arrival order whatever its age.
START=$(date -u -d "-$HOURS hours -1 minute" +%Y-%m-%dT%H:%M:%SZ)
echo "== simulating $PATIENTS patients over the $DURATION up to now (seed $SEED): monitors, glucometers and the EHR's ADT feed"
$vf simulate --patients "$PATIENTS" --seed "$SEED" --duration "$DURATION" --interval "$INTERVAL" --adt \
  --end now --roster "$out/roster.jsonl" --out "$out/feed.hl7"
messages=$($vf query MSH-10 "$out/feed.hl7" | wc -l)
adt=$($vf query MSH-9-1 "$out/feed.hl7" | grep -c '^ADT$' || true)
rows=$($vf vitals "$out/feed.hl7" | wc -l)
# what the warehouse must end up holding: the same rules, offline (the Flink job runs these very rules)
$vf score "$out/feed.hl7" > "$out/expected.jsonl"
want_scores=$(grep -c '"type":"score"' "$out/expected.jsonl" || true)
want_alerts=$(grep -c '"type":"alert"' "$out/expected.jsonl" || true)
echo "   $messages messages ($adt ADT), $rows vital-sign rows; expected $want_scores scores and $want_alerts alerts"

echo "== sending over MLLP to $H:$PIPELINE_MLLP_PORT"
: > "$out/acks.txt"
$vf send --mllp "$H:$PIPELINE_MLLP_PORT" --timeout 30s "$out/feed.hl7" > "$out/acks.txt" 2> "$out/send.log" &
sender=$!
start=$(date +%s)
progress() {
  local sent acked scored alerted loaded
  # one snapshot of the ACK file, so that "ACKed" never runs ahead of "sent"
  local acks; acks=$(cat "$out/acks.txt")
  sent=$(printf '%s' "$acks" | grep -c . || true); acked=$(printf '%s\n' "$acks" | grep -c ' AA$' || true)
  scored=$(count fact_news2_score); alerted=$(count fact_alert); loaded=$(count fact_vital_sign)
  printf '\r   %4ss  sent %6s  ACKed %6s  scored %6s  alerted %5s  loaded %7s / %s ' \
    "$(( $(date +%s) - start ))" "$sent" "$acked" "$scored" "$alerted" "$loaded" "$rows"
  [ "$loaded" -ge "$rows" ] && [ "$scored" -ge "$want_scores" ] && [ "$alerted" -ge "$want_alerts" ]
}
done_sending=0
while :; do
  if [ $done_sending -eq 0 ] && ! kill -0 $sender 2>/dev/null; then
    wait $sender || { echo; echo "   some messages were not accepted: see $out/send.log"; }
    done_sending=1
  fi
  if progress && [ $done_sending -eq 1 ]; then break; fi
  if [ $(( $(date +%s) - start )) -gt "$WAIT" ]; then
    echo; echo "   (still loading after ${WAIT}s: the numbers below are what has arrived so far)"; break
  fi
  sleep 2
done
echo

echo
echo "== the warehouse (PostgreSQL $H:$POSTGRES_PORT/$POSTGRES_DB)"
psql_ <<'SQL'
\pset footer off
\echo
\echo Patients by ward (dim_patient, from ADT)
SELECT split_part(location, '^', 1) AS ward, count(*) AS patients FROM dim_patient GROUP BY 1 ORDER BY 1;
\echo Observations by kind (fact_vital_sign)
SELECT kind, count(*) AS readings, count(DISTINCT patient_id) AS patients,
       round(min(normalized_value)::numeric, 1) AS min, round(avg(normalized_value)::numeric, 1) AS mean,
       round(max(normalized_value)::numeric, 1) AS max, normalized_unit AS unit
FROM fact_vital_sign GROUP BY kind, normalized_unit ORDER BY kind, normalized_unit;
\echo NEWS2 band of the latest score of each patient
SELECT band, count(*) AS patients FROM (
  SELECT band, row_number() OVER (PARTITION BY patient_id ORDER BY scored_at DESC) AS rn FROM fact_news2_score) s
WHERE rn = 1 GROUP BY band ORDER BY min(CASE band WHEN 'LOW' THEN 0 WHEN 'LOW_MEDIUM' THEN 1 WHEN 'MEDIUM' THEN 2 ELSE 3 END);
\echo Most deteriorating patients: latest NEWS2, rise over their stay, hourly trend (max total per hour)
WITH hourly AS (
  SELECT patient_id, date_trunc('hour', scored_at) AS hour, max(total) AS total
  FROM fact_news2_score GROUP BY 1, 2),
latest AS (
  SELECT patient_id, total, band, row_number() OVER (PARTITION BY patient_id ORDER BY scored_at DESC) AS rn
  FROM fact_news2_score)
SELECT l.patient_id, l.total AS news2, l.band, l.total - min(h.total) AS rise,
       string_agg(h.total::text, ' ' ORDER BY h.hour) AS trend
FROM latest l JOIN hourly h USING (patient_id)
WHERE l.rn = 1 GROUP BY l.patient_id, l.total, l.band
ORDER BY l.total DESC, rise DESC LIMIT 10;
\echo Open alerts by kind (open_alerts view)
SELECT kind, count(*) AS open, count(DISTINCT patient_id) AS patients FROM open_alerts GROUP BY kind ORDER BY 2 DESC;
\echo The ten newest open alerts
SELECT raised_at, patient_id, split_part(location, '^', 1) AS ward, kind, message FROM open_alerts ORDER BY raised_at DESC LIMIT 10;
SQL

cat <<EOF

== query further
   PGPASSWORD=$POSTGRES_PASSWORD psql -h $H -p $POSTGRES_PORT -U $POSTGRES_USER $POSTGRES_DB
   e.g.  SELECT * FROM latest_vitals WHERE patient_id = '<id>';
         SELECT * FROM hourly_vitals WHERE kind = 'HEART_RATE' ORDER BY hour LIMIT 20;
         SELECT * FROM deteriorating_patients ORDER BY rise DESC;
   more questions (trends, who is deteriorating now, glucose excursions, alert load per ward): docs/queries.sql
   send more HL7:   $vf simulate --patients 5 --seed \$RANDOM --end now --duration 2h --adt --mllp $H:$PIPELINE_MLLP_PORT
                    (a live ward: --start now --real-time instead of --end now --duration 2h)
   files: $out/feed.hl7 (what was sent), $out/acks.txt (control id and ACK code), $out/expected.jsonl
== the pipeline keeps running; stop it with:  make pipeline-down
EOF
