package io.vitalflow.bridge;

/**
 * Bad HL7 input or a bad path, with where it went wrong: the byte offset into the input, the
 * segment (id and 1-based position in the message) and the field (1-based, HL7 numbering), each
 * where known. Thrown by the native library; unchecked, so it passes through lambdas and Flink
 * functions unchanged.
 */
public class Hl7Exception extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String kind;
    private final long offset;
    private final String segment;
    private final int segmentIndex;
    private final int field;

    /** Called from native code; -1 (or null) marks a position that is not known. */
    public Hl7Exception(String message, String kind, long offset, String segment, int segmentIndex, int field) {
        super(message);
        this.kind = kind;
        this.offset = offset;
        this.segment = segment;
        this.segmentIndex = segmentIndex;
        this.field = field;
    }

    /** What went wrong, e.g. {@code MISSING_MSH}, {@code BAD_SEGMENT_ID}, {@code BAD_PATH}. */
    public String kind() {
        return kind;
    }

    /** Byte offset into the input, or -1. */
    public long offset() {
        return offset;
    }

    /** Segment id such as {@code OBX}, or null. */
    public String segment() {
        return segment;
    }

    /** 1-based position of the segment in the message, or -1. */
    public int segmentIndex() {
        return segmentIndex;
    }

    /** 1-based field number, or -1. */
    public int field() {
        return field;
    }
}
