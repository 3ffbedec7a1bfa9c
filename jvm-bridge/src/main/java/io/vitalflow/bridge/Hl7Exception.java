package io.vitalflow.bridge;

/**
 * Bad HL7 input or a bad path, with where it went wrong: the byte offset into the input, the
 * segment (id and 1-based position in the message) and the field (1-based, HL7 numbering), each
 * where known. Thrown by the native library; unchecked, so it passes through lambdas and Flink
 * functions unchanged.
 */
public class Hl7Exception extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * What went wrong: a closed set with stable numeric codes, the same table as the Rust core's
   * {@code vitalflow_core::error::ERROR_CODES} (native code passes the code, never a name), and the
   * HL7 v2 table 0357 code an ACK's ERR carries for it. {@code ContractTest} holds this enum to the
   * Rust table.
   */
  public enum Kind {
    EMPTY(1, 100),
    MISSING_MSH(2, 100),
    BAD_ENCODING_CHARACTERS(3, 102),
    BAD_SEGMENT_ID(4, 100),
    BAD_PATH(5, 207),
    BAD_TIMESTAMP(6, 102),
    BAD_NUMBER(7, 102),
    UNSUPPORTED_CHARSET(8, 102),
    MISSING_REQUIRED_FIELD(9, 101),
    MISSING_SEGMENT(10, 100),
    UNKNOWN_CODE(11, 103),
    MLLP_FRAMING(12, 207),
    /** Received but not stored durably (the write failed or timed out): the sender resends. */
    NOT_STORED(13, 207),
    /** A code this version of the Java side does not know (a newer native library). */
    UNKNOWN(0, 207);

    private final int code;
    private final int hl7ErrorCode;

    Kind(int code, int hl7ErrorCode) {
      this.code = code;
      this.hl7ErrorCode = hl7ErrorCode;
    }

    /** The stable number of this kind. */
    public int code() {
      return code;
    }

    /** The HL7 v2 table 0357 code (ERR-3) for this kind: 100, 101, 102, 103 or 207. */
    public int hl7ErrorCode() {
      return hl7ErrorCode;
    }

    /** The kind with this stable number, or {@link #UNKNOWN}. */
    public static Kind ofCode(int code) {
      for (Kind k : values()) {
        if (k.code == code && k != UNKNOWN) {
          return k;
        }
      }
      return UNKNOWN;
    }
  }

  private final Kind kind;
  private final long offset;
  private final String segment;
  private final int segmentIndex;
  private final int field;

  /** Called from native code; -1 (or null) marks a position that is not known. */
  public Hl7Exception(
      String message, int kindCode, long offset, String segment, int segmentIndex, int field) {
    super(message);
    this.kind = Kind.ofCode(kindCode);
    this.offset = offset;
    this.segment = segment;
    this.segmentIndex = segmentIndex;
    this.field = field;
  }

  /**
   * What went wrong, e.g. {@link Kind#MISSING_MSH}, {@link Kind#BAD_SEGMENT_ID}, {@link
   * Kind#BAD_PATH}.
   */
  public Kind kind() {
    return kind;
  }

  /**
   * The stable name of {@link #kind()}, e.g. {@code MISSING_MSH} (what {@code kind()} returned
   * before it was an enum).
   */
  public String kindName() {
    return kind.name();
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
