-- ADD JAR, then functions from the session's class path; results printed (tableau) for FlinkSqlIT
SET 'sql-client.execution.result-mode' = 'tableau';
SET 'parallelism.default' = '1';
ADD JAR '${UDF_JAR}';
CREATE TEMPORARY FUNCTION HL7_FIELD AS 'io.vitalflow.flink.udf.Hl7Field';
CREATE TEMPORARY FUNCTION NEWS2 AS 'io.vitalflow.flink.udf.News2';
CREATE TEMPORARY FUNCTION HL7_VITALS AS 'io.vitalflow.flink.udf.Hl7Vitals';
SELECT HL7_FIELD(m, 'PID-3-1') AS pid, v.kind, v.normalized_value,
       NEWS2(22, 93, 1, FALSE, 105, 115, 'A', 38.4) AS score
FROM (VALUES ('MSH|^~\&|MON|WARD|VF|HOSP|20261120060000||ORU^R01|C1|P|2.6' || CHR(13) || 'PID|||P77'
              || CHR(13) || 'OBX|1|NM|9279-1^Resp^LN||26|/min|||||F' || CHR(13) || 'OBX|2|NM|8310-5^Temp^LN||100.4|[degF]|||||F'))
       AS t(m), LATERAL TABLE(HL7_VITALS(m)) AS v;
