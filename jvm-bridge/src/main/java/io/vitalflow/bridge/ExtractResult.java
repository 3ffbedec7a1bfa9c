package io.vitalflow.bridge;

import java.util.List;

/**
 * The outcome for one message of a batch: its rows, or the error that stopped it. When only some
 * OBX of a message could not be read (a value that is not a number, no readable time), the error is
 * the first such OBX's and {@code vitals} holds the rows of the message's other OBX.
 *
 * @param index position of the message in the batch or stream
 * @param offset byte offset of the message in the stream ({@code Vitals.extractStream}), else -1
 * @param vitals the rows that could be read (never null; empty when the message as a whole failed)
 * @param error the message's error (or its first bad OBX's), or null
 */
public record ExtractResult(int index, long offset, List<VitalSign> vitals, Hl7Exception error) {
  /** Whether the message was extracted without any error. */
  public boolean ok() {
    return error == null;
  }

  /** The rows, or the error thrown. */
  public List<VitalSign> vitalsOrThrow() {
    if (error != null) {
      throw error;
    }
    return vitals;
  }
}
