-- vitalflow: the analyst's questions over the warehouse model (docs/warehouse.md).
-- Each query is a block starting with "-- name: <name>"; named parameters are written :name.
-- They run unchanged on PostgreSQL and Redshift; tables and views are unqualified, so set the
-- search_path (PostgreSQL: SET search_path TO <schema.name>; Redshift: SET search_path TO ...).
-- connectors/warehouse-sink's QueriesIT runs every one of them on loaded data and checks the answers.

-- name: trend_per_patient
-- Hourly trend of one patient's vital signs: readings, lowest, mean and highest normalized value
-- per kind and hour (UTC).
SELECT kind, hour, readings, min_value, avg_value, max_value, unit
FROM hourly_vitals
WHERE patient_id = :patient_id
ORDER BY kind, hour;

-- name: latest_vitals_of_patient
-- The newest reading of each kind for one patient.
SELECT kind, normalized_value, normalized_unit, text, observed_at
FROM latest_vitals
WHERE patient_id = :patient_id
ORDER BY kind;

-- name: deteriorating_now
-- Who is deteriorating now: patients whose latest NEWS2 total rose over the previous one,
-- with their ward (first component of PV1-3), highest rise first.
SELECT d.patient_id, SPLIT_PART(p.location, '^', 1) AS ward, d.previous_total, d.total, d.rise, d.band, d.scored_at
FROM deteriorating_patients d
LEFT JOIN dim_patient p ON p.patient_id = d.patient_id
ORDER BY d.rise DESC, d.patient_id;

-- name: glucose_excursions
-- Glucose excursions per patient: hypoglycaemic (level 1 and 2) and hyperglycaemic readings,
-- with the lowest and highest value (mg/dL) and the time of the first and last excursion.
SELECT patient_id,
       SUM(CASE WHEN glucose_status IN ('HYPO_L1', 'HYPO_L2') THEN 1 ELSE 0 END) AS hypo_readings,
       SUM(CASE WHEN glucose_status = 'HYPO_L2' THEN 1 ELSE 0 END) AS level2_hypo_readings,
       SUM(CASE WHEN glucose_status IN ('HYPER', 'HYPER_SEVERE') THEN 1 ELSE 0 END) AS hyper_readings,
       MIN(normalized_value) AS lowest,
       MAX(normalized_value) AS highest,
       MIN(observed_at) AS first_excursion,
       MAX(observed_at) AS last_excursion
FROM fact_vital_sign
WHERE kind = 'GLUCOSE' AND glucose_status IN ('HYPO_L1', 'HYPO_L2', 'HYPER', 'HYPER_SEVERE')
GROUP BY patient_id
ORDER BY patient_id;

-- name: alert_load_per_ward
-- The alert load per ward: alerts raised, how many are still open, and the patients concerned.
SELECT SPLIT_PART(COALESCE(p.location, '(unknown)'), '^', 1) AS ward,
       COUNT(*) AS alerts,
       SUM(CASE WHEN o.alert_id IS NULL THEN 0 ELSE 1 END) AS open_alerts,
       COUNT(DISTINCT a.patient_id) AS patients
FROM fact_alert a
LEFT JOIN dim_patient p ON p.patient_id = a.patient_id
LEFT JOIN open_alerts o ON o.alert_id = a.alert_id
GROUP BY SPLIT_PART(COALESCE(p.location, '(unknown)'), '^', 1)
ORDER BY ward;
