package io.vitalflow.bridge;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;

/**
 * Vital-sign extraction: one {@link VitalSign} per OBX that carries a recognised vital sign.
 * Thread-safe. Timestamps without an offset are read in UTC unless a zone is given.
 */
public final class Vitals {
    static {
        NativeBridge.ensureLoaded();
    }

    private Vitals() {}

    /**
     * The rows of one message.
     *
     * @throws Hl7Exception if the message cannot be parsed
     */
    public static List<VitalSign> extract(byte[] message) {
        return extract(message, null);
    }

    /**
     * The rows of one message, reading timestamps without an offset in {@code zone} (null: UTC).
     *
     * @throws Hl7Exception if the message cannot be parsed
     */
    public static List<VitalSign> extract(byte[] message, ZoneId zone) {
        Objects.requireNonNull(message, "message");
        return new RowDecoder(extract0(message, zoneName(zone))).rows();
    }

    /**
     * Extracts many messages with one JNI call. A message that cannot be parsed yields a result
     * with its {@link Hl7Exception}; the others are unaffected.
     */
    public static List<ExtractResult> extractBatch(List<byte[]> messages) {
        return extractBatch(messages, null);
    }

    /** {@link #extractBatch(List)} with a zone for timestamps without an offset (null: UTC). */
    public static List<ExtractResult> extractBatch(List<byte[]> messages, ZoneId zone) {
        Objects.requireNonNull(messages, "messages");
        int n = messages.size();
        int[] ends = new int[n];
        long total = 0;
        for (int i = 0; i < n; i++) {
            byte[] m = Objects.requireNonNull(messages.get(i), "message");
            total += m.length;
            if (total > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("batch larger than 2 GiB; split it");
            }
            ends[i] = (int) total;
        }
        byte[] data = new byte[(int) total];
        int at = 0;
        for (int i = 0; i < n; i++) {
            byte[] m = messages.get(i);
            System.arraycopy(m, 0, data, at, m.length);
            at += m.length;
        }
        return new RowDecoder(extractBatch0(data, ends, zoneName(zone))).batch();
    }

    /**
     * Splits a file or stream that holds many messages (plain, with batch envelope segments
     * {@code FHS/BHS/BTS/FTS}, or MLLP-framed) and extracts each, with one JNI call. Each result's
     * {@link ExtractResult#offset()} is the message's byte offset in {@code stream}; error offsets are
     * offsets into {@code stream} too.
     */
    public static List<ExtractResult> extractStream(byte[] stream) {
        return extractStream(stream, null);
    }

    /** {@link #extractStream(byte[])} with a zone for timestamps without an offset (null: UTC). */
    public static List<ExtractResult> extractStream(byte[] stream, ZoneId zone) {
        Objects.requireNonNull(stream, "stream");
        return new RowDecoder(extractStream0(stream, zoneName(zone))).stream();
    }

    private static String zoneName(ZoneId zone) {
        if (zone == null || zone.equals(ZoneOffset.UTC) || zone.getId().equals("UTC")) {
            return null;
        }
        return zone.getId();
    }

    private static native byte[] extract0(byte[] message, String zone);

    private static native byte[] extractStream0(byte[] stream, String zone);

    static native byte[] extractBatch0(byte[] data, int[] ends, String zone);
}
