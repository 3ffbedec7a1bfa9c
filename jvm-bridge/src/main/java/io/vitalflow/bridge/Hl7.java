package io.vitalflow.bridge;

import java.util.Objects;

/**
 * HL7 v2 field access by path ({@code PID-3-1}, {@code OBX(3)-5}, {@code PID-3(2)-4-2}).
 * Thread-safe.
 */
public final class Hl7 {
  static {
    NativeBridge.ensureLoaded();
  }

  private Hl7() {}

  /**
   * The value at {@code path}: a leaf (a field without components, a component without
   * subcomponents, a subcomponent) unescaped; an element with parts below it as sent, separators
   * and escape sequences kept ({@code PID-5} of {@code DOE^JOHN\S\X} is {@code DOE^JOHN\S\X},
   * {@code PID-5-2} is {@code JOHN^X}). Null when the element is absent, the empty string when it
   * is present but empty. Answers for any message that parses structurally, even one without MSH-9
   * or MSH-10.
   *
   * @throws Hl7Exception if the message cannot be parsed structurally or the path is malformed
   */
  public static String query(byte[] message, String path) {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(path, "path");
    return query0(message, path);
  }

  /**
   * The values at each of {@code paths}, in their order, as {@link #query(byte[], String)} gives
   * them (null when absent), with one parse of the message: what to use when a record needs several
   * fields (e.g. MSH-3, MSH-4, MSH-9-1, MSH-10, PID-3-1), instead of one {@code query} each.
   *
   * @throws Hl7Exception if the message cannot be parsed structurally or a path is malformed
   */
  public static String[] fields(byte[] message, String... paths) {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(paths, "paths");
    if (paths.length == 0) {
      return new String[0];
    }
    for (String p : paths) {
      Objects.requireNonNull(p, "path");
      if (p.indexOf('\n') >= 0) {
        throw new IllegalArgumentException("a path cannot contain a line break: " + p);
      }
    }
    byte[] coded = fields0(message, String.join("\n", paths));
    RowDecoder d = new RowDecoder(coded);
    String[] out = new String[paths.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = d.str();
    }
    return out;
  }

  private static native String query0(byte[] message, String path);

  private static native byte[] fields0(byte[] message, String paths);
}
