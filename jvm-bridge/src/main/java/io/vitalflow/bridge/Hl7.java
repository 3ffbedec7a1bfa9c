package io.vitalflow.bridge;

import java.util.Objects;

/** HL7 v2 field access by path ({@code PID-3-1}, {@code OBX(3)-5}, {@code PID-3(2)-4-2}). Thread-safe. */
public final class Hl7 {
    static {
        NativeBridge.ensureLoaded();
    }

    private Hl7() {}

    /**
     * The unescaped value at {@code path}: null when the element is absent, the empty string when
     * it is present but empty.
     *
     * @throws Hl7Exception if the message cannot be parsed or the path is malformed
     */
    public static String query(byte[] message, String path) {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(path, "path");
        return query0(message, path);
    }

    private static native String query0(byte[] message, String path);
}
