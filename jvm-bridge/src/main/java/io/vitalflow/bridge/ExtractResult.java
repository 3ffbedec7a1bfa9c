package io.vitalflow.bridge;

import java.util.List;

/**
 * The outcome for one message of a batch: its rows, or the error that stopped it.
 *
 * @param index position of the message in the batch or stream
 * @param offset byte offset of the message in the stream ({@code Vitals.extractStream}), else -1
 * @param vitals the rows (empty, never null, when {@code error} is set)
 * @param error the message's error, or null
 */
public record ExtractResult(int index, long offset, List<VitalSign> vitals, Hl7Exception error) {
    /** Whether the message was extracted. */
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
