package io.vitalflow.bridge;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Reads the compact row encoding written by {@code native/jni/src/codec.rs}. Not thread-safe; one
 * per call (per result buffer).
 *
 * <p>A row's string columns are coded as null, "same as this column in the previous row of the
 * message", a reference to an entry of the buffer's dictionary, or a literal that becomes the
 * dictionary's next entry (or, for values the encoder does not keep such as the control id, a
 * literal that does not). The dictionary lives as long as this decoder, so each distinct string of
 * a batch or stream is built once and every repeat is an array index, with no hashing.
 */
final class RowDecoder {
  private static final VitalKind[] KINDS = VitalKind.values();
  private static final GlucoseStatus[] GLUCOSE = GlucoseStatus.values();
  private static final int COLUMNS = 16;

  /**
   * Columns whose values repeat across messages and across calls: set_id, code, code_system,
   * comparator, text, unit, normalized_unit, status, sending_application, sending_facility. Their
   * dictionary literals go through {@link #cached} so that calls share their strings too.
   */
  private static final boolean[] CACHED_COLUMN = {
    false, true, false, false, false, false, true, true, true, true, true, true, true, false, true,
    true
  };

  private final byte[] buf;
  private int pos;

  /** The buffer's dictionary: entry i is the i-th kept literal (allocated on the first). */
  private String[] dict = NO_STRINGS;

  private static final String[] NO_STRINGS = new String[0];

  private int dictSize;

  /** Per column, its value in the previous row of the message. */
  private final String[] prev = new String[COLUMNS];

  /** The last time decoded (rows of a message, and often messages, share it). */
  private Instant prevInstant;

  private long prevMicros;

  /**
   * Short values repeat across messages and calls (codes, units, statuses, set ids): a
   * direct-mapped cache shared by all threads returns the same String for the same bytes without
   * allocating. Only dictionary literals of {@link #CACHED_COLUMN} columns (a few per buffer) look
   * it up. Entries are immutable, so the unsynchronised array is safe (a race only costs a miss).
   */
  private static final int CACHE_SIZE = 4096;

  private static final int CACHE_MAX_LEN = 24;
  private static final Entry[] CACHE = new Entry[CACHE_SIZE];

  private record Entry(byte[] key, String value) {}

  /** Whole numbers 0..511 (most vital-sign values) share preallocated boxes. */
  private static final Double[] SMALL = new Double[512];

  static {
    for (int i = 0; i < SMALL.length; i++) {
      SMALL[i] = (double) i;
    }
  }

  private static Double boxed(double d) {
    int i = (int) d;
    if (i == d
        && i >= 0
        && i < SMALL.length
        && Double.doubleToRawLongBits(d) != Double.doubleToRawLongBits(-0.0)) {
      return SMALL[i];
    }
    return d;
  }

  private static final String[] ONE_ASCII = new String[128];

  static {
    for (int c = 0; c < 128; c++) {
      ONE_ASCII[c] = String.valueOf((char) c).intern();
    }
  }

  private String cached(int off, int len) {
    if (len == 0) {
      return "";
    }
    if (len == 1 && buf[off] >= 0) {
      return ONE_ASCII[buf[off]];
    }
    if (len > CACHE_MAX_LEN) {
      return new String(buf, off, len, StandardCharsets.UTF_8);
    }
    int h = len;
    for (int i = off; i < off + len; i++) {
      h = 31 * h + buf[i];
    }
    int slot = (h ^ (h >>> 16)) & (CACHE_SIZE - 1);
    Entry e = CACHE[slot];
    if (e != null && e.key.length == len) {
      byte[] k = e.key;
      int i = 0;
      while (i < len && k[i] == buf[off + i]) {
        i++;
      }
      if (i == len) {
        return e.value;
      }
    }
    String s = new String(buf, off, len, StandardCharsets.UTF_8);
    CACHE[slot] = new Entry(java.util.Arrays.copyOfRange(buf, off, off + len), s);
    return s;
  }

  RowDecoder(byte[] buf) {
    this.buf = buf;
  }

  boolean atEnd() {
    return pos == buf.length;
  }

  int u8() {
    return buf[pos++] & 0xff;
  }

  long varint() {
    long v = 0;
    int shift = 0;
    while (true) {
      int b = buf[pos++];
      v |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        return v;
      }
      shift += 7;
    }
  }

  private static final java.lang.invoke.VarHandle LONG_LE =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
          long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  long i64() {
    long v = (long) LONG_LE.get(buf, pos);
    pos += 8;
    return v;
  }

  double f64() {
    return Double.longBitsToDouble(i64());
  }

  byte[] bytes(int len) {
    byte[] b = java.util.Arrays.copyOfRange(buf, pos, pos + len);
    pos += len;
    return b;
  }

  /** A string that is never "same as previous". */
  String str() {
    long n = varint();
    if (n == 0) {
      return null;
    }
    int len = (int) (n - 2);
    String s = new String(buf, pos, len, StandardCharsets.UTF_8);
    pos += len;
    return s;
  }

  /**
   * Column {@code c} of a row: {@code 0} null, {@code 1} as in the previous row of the message,
   * {@code 2 + 2i} dictionary entry {@code i}, {@code 3 + 4n} a literal of {@code n} bytes that
   * becomes the next entry, {@code 5 + 4n} a literal that does not.
   */
  private String column(int c) {
    int n = buf[pos++];
    if (n < 0) {
      int b = buf[pos++];
      if (b < 0) {
        pos -= 2;
        n = (int) varint();
      } else {
        n = (n & 0x7f) | (b << 7);
      }
    }
    if (n < 2) {
      if (n == 0) {
        prev[c] = null;
        return null;
      }
      return prev[c];
    }
    int v = n - 2;
    String s;
    if ((v & 1) == 0) {
      s = dict[v >>> 1];
    } else {
      int len = v >>> 2;
      if ((v & 2) == 0) {
        s = CACHED_COLUMN[c] ? cached(pos, len) : new String(buf, pos, len, StandardCharsets.UTF_8);
        if (dictSize == dict.length) {
          dict = java.util.Arrays.copyOf(dict, Math.max(64, dictSize * 2));
        }
        dict[dictSize++] = s;
      } else {
        s = new String(buf, pos, len, StandardCharsets.UTF_8);
      }
      pos += len;
    }
    prev[c] = s;
    return s;
  }

  List<VitalSign> rows() {
    int count = (int) varint();
    if (count == 0) {
      return Collections.emptyList();
    }
    // no need to clear prev: the encoder never writes "same as previous" in a message's first row
    VitalSign[] rows = new VitalSign[count];
    for (int r = 0; r < count; r++) {
      int obxIndex = (int) varint();
      VitalKind kind = KINDS[u8()];
      int flags = u8();
      int glucose = u8();
      Double value = (flags & 1) != 0 ? boxed(f64()) : null;
      Double normalized = null;
      if ((flags & 2) != 0) {
        double n = f64();
        normalized =
            value != null && Double.doubleToRawLongBits(n) == Double.doubleToRawLongBits(value)
                ? value
                : boxed(n);
      }
      Instant observedAt = null;
      if ((flags & 4) != 0) {
        long micros = i64();
        if (prevInstant != null && micros == prevMicros) {
          observedAt = prevInstant;
        } else {
          observedAt =
              Instant.ofEpochSecond(
                  Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
          prevInstant = observedAt;
          prevMicros = micros;
        }
      }
      // the arguments are evaluated left to right, in the order of the columns
      rows[r] =
          new VitalSign(
              column(0),
              obxIndex,
              column(1),
              column(2),
              column(3),
              column(4),
              column(5),
              kind,
              column(6),
              column(7),
              value,
              column(8),
              column(9),
              column(10),
              normalized,
              column(11),
              observedAt,
              column(12),
              column(13),
              glucose == 0 ? null : GLUCOSE[glucose - 1],
              column(14),
              column(15));
    }
    return Collections.unmodifiableList(java.util.Arrays.asList(rows));
  }

  /** The dictionary built so far (tests). */
  int dictionarySize() {
    return dictSize;
  }

  Hl7Exception error() {
    int kind = (int) varint();
    String message = str();
    long offset = varint() - 1;
    String segment = str();
    int segmentIndex = (int) (varint() - 1);
    int field = (int) (varint() - 1);
    return new Hl7Exception(message, kind, offset, segment, segmentIndex, field);
  }

  List<ExtractResult> batch() {
    int count = (int) varint();
    List<ExtractResult> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int tag = u8();
      if (tag == 0) {
        out.add(new ExtractResult(i, -1, rows(), null));
      } else if (tag == 2) {
        List<VitalSign> rows = rows();
        out.add(new ExtractResult(i, -1, rows, error()));
      } else {
        out.add(new ExtractResult(i, -1, Collections.emptyList(), error()));
      }
    }
    return Collections.unmodifiableList(out);
  }

  List<ExtractResult> stream() {
    int count = (int) varint();
    List<ExtractResult> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      long offset = varint();
      int tag = u8();
      if (tag == 0) {
        out.add(new ExtractResult(i, offset, rows(), null));
      } else if (tag == 2) {
        List<VitalSign> rows = rows();
        out.add(new ExtractResult(i, offset, rows, error()));
      } else {
        out.add(new ExtractResult(i, offset, Collections.emptyList(), error()));
      }
    }
    return Collections.unmodifiableList(out);
  }
}
