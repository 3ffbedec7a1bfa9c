package io.vitalflow.avro.registry;

import java.nio.ByteBuffer;

/**
 * The Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian integer, then the
 * Avro binary encoding of the datum.
 */
public final class ConfluentWire {
  public static final byte MAGIC = 0;
  public static final int HEADER = 5;

  private ConfluentWire() {}

  public static byte[] frame(int schemaId, byte[] avro) {
    return ByteBuffer.allocate(HEADER + avro.length).put(MAGIC).putInt(schemaId).put(avro).array();
  }

  /** The schema id of a framed message; throws if the bytes are not in the wire format. */
  public static int schemaId(byte[] framed) {
    if (framed == null || framed.length < HEADER) {
      throw new IllegalArgumentException(
          "not Confluent wire format: " + (framed == null ? "null" : framed.length + " bytes"));
    }
    if (framed[0] != MAGIC) {
      throw new IllegalArgumentException("not Confluent wire format: magic byte " + framed[0]);
    }
    return ByteBuffer.wrap(framed, 1, 4).getInt();
  }
}
