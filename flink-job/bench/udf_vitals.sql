-- benchmark: HL7_VITALS (+ NEWS2 per row) over the same rows as udf_floor.sql
SET 'table.dml-sync' = 'true';
SET 'parallelism.default' = '1';
-- no copy of each row between chained operators (both jobs alike; see docs/flink.md)
SET 'pipeline.object-reuse' = 'true';
SET 'pipeline.name' = 'bench-vitals';
CREATE TEMPORARY FUNCTION HL7_VITALS AS 'io.vitalflow.flink.udf.Hl7Vitals' USING JAR '${UDF_JAR}';
CREATE TEMPORARY FUNCTION NEWS2 AS 'io.vitalflow.flink.udf.News2' USING JAR '${UDF_JAR}';
CREATE TABLE hl7_raw (message STRING) WITH (
  'connector' = 'kafka', 'topic' = '${BENCH_TOPIC}', 'properties.bootstrap.servers' = '${KAFKA_BOOTSTRAP}',
  'properties.group.id' = '${BENCH_TOPIC}-vitals', 'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset', 'format' = 'raw');
CREATE TABLE sink (n INT) WITH ('connector' = 'blackhole');
INSERT INTO sink
SELECT NEWS2(CASE WHEN v.kind = 'RESPIRATORY_RATE' THEN v.normalized_value END,
             CASE WHEN v.kind = 'SPO2' THEN v.normalized_value END, 1, CAST(NULL AS BOOLEAN),
             CASE WHEN v.kind = 'SYSTOLIC_BP' THEN v.normalized_value END,
             CASE WHEN v.kind = 'HEART_RATE' THEN v.normalized_value END,
             CASE WHEN v.kind = 'CONSCIOUSNESS' THEN v.text END,
             CASE WHEN v.kind = 'TEMPERATURE' THEN v.normalized_value END).total
FROM hl7_raw, LATERAL TABLE(HL7_VITALS(message)) AS v;
