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

  private static native String query0(byte[] message, String path);
}
