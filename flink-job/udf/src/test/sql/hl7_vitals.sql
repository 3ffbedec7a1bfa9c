-- HL7_VITALS, NEWS2 and HL7_FIELD through Flink's own SQL client on the session cluster
-- (tests/stack/stack.sh sql FILE substitutes ${...}). FlinkSqlIT checks the rows against the CLI.
SET 'table.dml-sync' = 'true';
SET 'table.local-time-zone' = 'UTC';
SET 'parallelism.default' = '1';

-- CREATE FUNCTION ... USING JAR (add_jar.sql covers ADD JAR; Flink 2.2 cannot do both with the same
-- jar in one session: USING JAR of a jar already added by ADD JAR fails with a NullPointerException in
-- ResourceManager.createUserClassLoader)
CREATE TEMPORARY FUNCTION HL7_FIELD AS 'io.vitalflow.flink.udf.Hl7Field' USING JAR '${UDF_JAR}';
CREATE TEMPORARY FUNCTION HL7_VITALS AS 'io.vitalflow.flink.udf.Hl7Vitals' USING JAR '${UDF_JAR}';
CREATE TEMPORARY FUNCTION NEWS2 AS 'io.vitalflow.flink.udf.News2' USING JAR '${UDF_JAR}';

CREATE TABLE hl7_raw (
  message STRING
) WITH (
  'connector' = 'kafka',
  'topic' = '${RAW_TOPIC}',
  'properties.bootstrap.servers' = '${KAFKA_BOOTSTRAP}',
  'properties.group.id' = '${RAW_TOPIC}-sql',
  'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset',
  'format' = 'raw'
);

CREATE TABLE vitals_out (
  message_control_id STRING,
  sending_application STRING,
  sending_facility STRING,
  obx_index INT,
  patient_id STRING,
  pid_field STRING,
  kind STRING,
  code STRING,
  `value` DOUBLE,
  text STRING,
  unit STRING,
  normalized_value DOUBLE,
  normalized_unit STRING,
  observed_at STRING,
  status STRING,
  glucose_status STRING,
  news2_total INT,
  news2_band STRING,
  news2_complete BOOLEAN
) WITH (
  'connector' = 'kafka',
  'topic' = '${OUT_TOPIC}',
  'properties.bootstrap.servers' = '${KAFKA_BOOTSTRAP}',
  'format' = 'json',
  'json.encode.ignore-null-fields' = 'false'
);

INSERT INTO vitals_out
SELECT message_control_id, sending_application, sending_facility, obx_index, patient_id, pid_field, kind, code,
       `value`, text, unit, normalized_value, normalized_unit, observed_at, status, glucose_status,
       score.total, score.band, score.complete
FROM (
  SELECT v.message_control_id, v.sending_application, v.sending_facility, v.obx_index, v.patient_id,
         HL7_FIELD(r.message, 'PID-3-1') AS pid_field, v.kind, v.code, v.`value`, v.text, v.unit,
         v.normalized_value, v.normalized_unit,
         DATE_FORMAT(v.observed_at, 'yyyy-MM-dd''T''HH:mm:ss''Z''') AS observed_at, v.status, v.glucose_status,
         -- each row's own parameter through NEWS2 (the others missing)
         NEWS2(CASE WHEN v.kind = 'RESPIRATORY_RATE' THEN v.normalized_value END,
               CASE WHEN v.kind = 'SPO2' THEN v.normalized_value END,
               1,
               CAST(NULL AS BOOLEAN),
               CASE WHEN v.kind = 'SYSTOLIC_BP' THEN v.normalized_value END,
               CASE WHEN v.kind = 'HEART_RATE' THEN v.normalized_value END,
               CASE WHEN v.kind = 'CONSCIOUSNESS' THEN v.text END,
               CASE WHEN v.kind = 'TEMPERATURE' THEN v.normalized_value END) AS score
  FROM hl7_raw AS r, LATERAL TABLE(HL7_VITALS(r.message)) AS v
);
