package io.vitalflow.flink.udf;

import io.vitalflow.bridge.Hl7;
import io.vitalflow.bridge.Hl7Exception;
import java.nio.charset.StandardCharsets;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * {@code HL7_FIELD(message STRING, path STRING) -> STRING}: the unescaped value at an HL7 path such
 * as {@code PID-3-1} or {@code OBX(2)-5}, computed by the Rust core. NULL when the element is
 * absent, the message is NULL or it cannot be parsed (one bad message must not fail a query); a
 * malformed path is an error. Also accepts the message as {@code BYTES}.
 *
 * <pre>
 * CREATE FUNCTION HL7_FIELD AS 'io.vitalflow.flink.udf.Hl7Field' USING JAR '/path/vitalflow-flink-udf.jar';
 * </pre>
 */
public class Hl7Field extends ScalarFunction {
  private static final long serialVersionUID = 1L;

  @Override
  public void open(FunctionContext context) {
    NativeCheck.ensureLoaded();
  }

  public String eval(String message, String path) {
    if (message == null) return null;
    return eval(message.getBytes(StandardCharsets.UTF_8), path);
  }

  public String eval(byte[] message, String path) {
    if (message == null || path == null) return null;
    try {
      return Hl7.query(message, path);
    } catch (Hl7Exception e) {
      if ("BAD_PATH".equals(e.kindName())) {
        throw new IllegalArgumentException(
            "HL7_FIELD: bad path '" + path + "': " + e.getMessage(), e);
      }
      return null;
    }
  }

  @Override
  public boolean isDeterministic() {
    return true;
  }
}
