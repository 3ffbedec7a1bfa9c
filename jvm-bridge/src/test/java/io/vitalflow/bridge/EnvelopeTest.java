package io.vitalflow.bridge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Java decoder of the envelope against the one Rust encoder, as a property: random value lists
 * are written by Rust ({@link NativeBridge#rewriteEnvelope}) and read back by {@link Envelope} to
 * the same values; every cut of those bytes, another version and another kind are refused with an
 * {@link IllegalStateException}, never read as something else or as an allocation the bytes cannot
 * hold.
 */
class EnvelopeTest {
  private static final int U8 = 0, BOOL = 1, I16 = 2, I32 = 3, I64 = 4, F64 = 5, OPT_F64 = 6;
  private static final int STR = 7, BYTES = 8, COUNT = 9;

  /** One value: its tag and the value as Java holds it. */
  private record Value(int tag, Object v) {}

  @Test
  void rustWritesJavaReadsTheSameValues() {
    Random rnd = new Random(31);
    for (int round = 0; round < 2_000; round++) {
      Envelope.Kind kind = Envelope.Kind.values()[rnd.nextInt(Envelope.Kind.values().length)];
      List<Value> values = randomValues(rnd);
      byte[] written = NativeBridge.rewriteEnvelope(script(kind, values));

      Envelope e = Envelope.open(written, kind);
      for (Value v : values) {
        Object read = read(e, v.tag());
        if (v.v() instanceof byte[] b) {
          assertArrayEquals(b, (byte[]) read, "round " + round);
        } else {
          assertEquals(v.v(), read, "round " + round + ", tag " + v.tag());
        }
      }
      assertEquals(0, e.remaining(), "round " + round + ": bytes left over");

      // every cut is refused (the last value cannot be read, or the header is short)
      for (int cut = 0; cut < written.length; cut++) {
        byte[] part = Arrays.copyOf(written, cut);
        assertThrows(
            IllegalStateException.class,
            () -> {
              Envelope p = Envelope.open(part, kind);
              for (Value v : values) {
                read(p, v.tag());
              }
            },
            "round " + round + ", cut at " + cut);
      }
    }
  }

  @Test
  void anotherVersionOrKindIsRefusedByName() {
    byte[] written = NativeBridge.rewriteEnvelope(script(Envelope.Kind.MLLP_STATS, List.of()));
    assertEquals(Envelope.Kind.MLLP_STATS.number, written[3]);
    IllegalStateException kind =
        assertThrows(
            IllegalStateException.class, () -> Envelope.open(written, Envelope.Kind.MESSAGE));
    assertTrue(kind.getMessage().contains("expected MESSAGE"), kind.getMessage());
    byte[] newer = written.clone();
    newer[2] = (byte) (Envelope.VERSION + 1);
    IllegalStateException version =
        assertThrows(
            IllegalStateException.class, () -> Envelope.open(newer, Envelope.Kind.MLLP_STATS));
    assertTrue(version.getMessage().contains("version 2"), version.getMessage());
    assertThrows(
        IllegalStateException.class,
        () -> Envelope.open("{\"a\":1}".getBytes(StandardCharsets.UTF_8), Envelope.Kind.MESSAGE));
  }

  @Test
  void aCountOrLengthTheRestCannotHoldIsRefusedBeforeAllocating() {
    Envelope huge =
        Envelope.open(
            NativeBridge.rewriteEnvelope(
                script(Envelope.Kind.MESSAGE, List.of(new Value(I32, Integer.MAX_VALUE)))),
            Envelope.Kind.MESSAGE);
    assertThrows(IllegalStateException.class, huge::bytes);
    Envelope many =
        Envelope.open(
            NativeBridge.rewriteEnvelope(
                script(Envelope.Kind.MESSAGE, List.of(new Value(I32, 1_000), new Value(I64, 0L)))),
            Envelope.Kind.MESSAGE);
    assertThrows(IllegalStateException.class, () -> many.count(1));
    Envelope negative =
        Envelope.open(
            NativeBridge.rewriteEnvelope(
                script(Envelope.Kind.MESSAGE, List.of(new Value(I32, -2)))),
            Envelope.Kind.MESSAGE);
    assertThrows(IllegalStateException.class, negative::str);
  }

  private static List<Value> randomValues(Random rnd) {
    int n = rnd.nextInt(12);
    List<Value> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int tag = rnd.nextInt(COUNT + 1);
      Object v =
          switch (tag) {
            case U8 -> rnd.nextInt(256);
            case BOOL -> rnd.nextBoolean();
            case I16 -> (short) rnd.nextInt();
            case I32 -> rnd.nextInt();
            case I64 -> rnd.nextLong();
            case F64 -> rnd.nextInt(8) == 0 ? -0.0 : rnd.nextGaussian() * 1e6;
            case OPT_F64 -> rnd.nextInt(3) == 0 ? null : rnd.nextDouble();
            case STR -> rnd.nextInt(4) == 0 ? null : randomText(rnd);
            case BYTES -> rnd.nextInt(4) == 0 ? null : randomBytes(rnd);
            // a count the bytes after it can hold: 0, since values follow in no fixed size
            default -> 0;
          };
      out.add(new Value(tag, v));
    }
    return out;
  }

  private static String randomText(Random rnd) {
    String[] parts = {"", "a", "MSH|^~\\&", "é", "血圧", "\u0000", "😀", "\r\n"};
    StringBuilder b = new StringBuilder();
    for (int i = rnd.nextInt(5); i > 0; i--) {
      b.append(parts[rnd.nextInt(parts.length)]);
    }
    return b.toString();
  }

  private static byte[] randomBytes(Random rnd) {
    byte[] b = new byte[rnd.nextInt(40)];
    rnd.nextBytes(b);
    return b;
  }

  private static Object read(Envelope e, int tag) {
    return switch (tag) {
      case U8 -> e.u8();
      case BOOL -> e.bool();
      case I16 -> e.i16();
      case I32 -> e.i32();
      case I64 -> e.i64();
      case F64 -> e.f64();
      case OPT_F64 -> e.optF64();
      case STR -> e.str();
      case BYTES -> e.bytes();
      default -> e.count(0);
    };
  }

  /** The script {@code rewriteEnvelope} takes, written with a little-endian test writer. */
  private static byte[] script(Envelope.Kind kind, List<Value> values) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(
        new byte[] {'V', 'F', (byte) Envelope.VERSION, (byte) Envelope.Kind.MESSAGE.number});
    out.write(kind.number);
    out.writeBytes(le(4).putInt(values.size()).array());
    for (Value v : values) {
      out.write(v.tag());
      switch (v.tag()) {
        case U8 -> out.write((Integer) v.v());
        case BOOL -> out.write((Boolean) v.v() ? 1 : 0);
        case I16 -> out.writeBytes(le(2).putShort((Short) v.v()).array());
        case I32, COUNT -> out.writeBytes(le(4).putInt((Integer) v.v()).array());
        case I64 -> out.writeBytes(le(8).putLong((Long) v.v()).array());
        case F64 -> out.writeBytes(le(8).putDouble((Double) v.v()).array());
        case OPT_F64 ->
            out.writeBytes(le(8).putDouble(v.v() == null ? Double.NaN : (Double) v.v()).array());
        case STR, BYTES -> {
          byte[] b =
              v.v() == null
                  ? null
                  : v.v() instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : (byte[]) v.v();
          out.writeBytes(le(4).putInt(b == null ? -1 : b.length).array());
          if (b != null) {
            out.writeBytes(b);
          }
        }
        default -> throw new AssertionError(v.tag());
      }
    }
    return out.toByteArray();
  }

  private static ByteBuffer le(int n) {
    return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
  }
}
