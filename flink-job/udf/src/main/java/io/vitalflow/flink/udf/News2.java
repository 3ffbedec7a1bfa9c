package io.vitalflow.flink.udf;

import io.vitalflow.bridge.News2Score;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.types.Row;

/**
 * {@code NEWS2(resp_rate, spo2, spo2_scale, oxygen, systolic, pulse, consciousness, temperature) ->
 * ROW<total INT, band STRING, complete BOOLEAN>}: the NEWS2 score (RCP 2017) by the Rust core. Any
 * argument may be NULL (the parameter is missing and scores nothing; {@code complete} is then
 * false); {@code spo2_scale} NULL means scale 1; {@code consciousness} is A, C, V, P or U. Numeric
 * arguments of any numeric type are accepted (implicit cast to DOUBLE).
 *
 * <pre>
 * CREATE FUNCTION NEWS2 AS 'io.vitalflow.flink.udf.News2' USING JAR '/path/vitalflow-flink-udf.jar';
 * SELECT NEWS2(22, 93, 1, FALSE, 105, 115, 'A', 38.4).total;
 * </pre>
 */
public class News2 extends ScalarFunction {
  private static final long serialVersionUID = 1L;

  @Override
  public void open(FunctionContext context) {
    NativeCheck.ensureLoaded();
  }

  @DataTypeHint("ROW<total INT, band STRING, complete BOOLEAN>")
  public Row eval(
      Double respRate,
      Double spo2,
      Integer spo2Scale,
      Boolean oxygen,
      Double systolic,
      Double pulse,
      String consciousness,
      Double temperature) {
    News2Score s =
        io.vitalflow.bridge.News2.score(
            respRate, spo2, spo2Scale, oxygen, systolic, pulse, consciousness, temperature);
    return Row.of(s.total(), s.band().name(), s.complete());
  }

  @Override
  public boolean isDeterministic() {
    return true;
  }
}
