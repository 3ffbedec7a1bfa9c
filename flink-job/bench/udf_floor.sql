-- benchmark, the floor: the same source and sink as udf_vitals.sql, Flink's own CHAR_LENGTH per message
SET 'table.dml-sync' = 'true';
SET 'parallelism.default' = '1';
-- no copy of each row between chained operators (both jobs alike; see docs/flink.md)
SET 'pipeline.object-reuse' = 'true';
SET 'pipeline.name' = 'bench-floor';
CREATE TABLE hl7_raw (message STRING) WITH (
  'connector' = 'kafka', 'topic' = '${BENCH_TOPIC}', 'properties.bootstrap.servers' = '${KAFKA_BOOTSTRAP}',
  'properties.group.id' = '${BENCH_TOPIC}-floor', 'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset', 'format' = 'raw');
CREATE TABLE sink (n INT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT CHAR_LENGTH(message) FROM hl7_raw;
