package io.vitalflow.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class News2Test {
  @Test
  void allNormalIsZeroLowComplete() {
    News2Score s =
        News2.score(new News2Input(16.0, 98.0, 1, false, 120.0, 70.0, News2.Consciousness.A, 37.0));
    assertEquals(0, s.total());
    assertEquals(News2.Band.LOW, s.band());
    assertTrue(s.complete());
    assertTrue(s.missing().isEmpty());
    assertEquals(0, s.subscore(News2Parameter.PULSE));
  }

  @Test
  void sickPatientIsHigh() {
    // RR 26 (3), SpO2 90 (3), oxygen (2), SBP 95 (2), pulse 120 (2), V (3), temp 39.5 (2)
    News2Score s = News2.score(26.0, 90.0, 1, true, 95.0, 120.0, "V", 39.5);
    assertEquals(17, s.total());
    assertEquals(News2.Band.HIGH, s.band());
    assertEquals(3, s.subscore(News2Parameter.RESP_RATE));
    assertEquals(2, s.subscore(News2Parameter.OXYGEN));
    assertEquals(3, s.subscore(News2Parameter.CONSCIOUSNESS));
  }

  @Test
  void singleThreeIsLowMedium() {
    News2Score s =
        News2.score(new News2Input(7.0, 98.0, 1, false, 120.0, 70.0, News2.Consciousness.A, 37.0));
    assertEquals(3, s.total());
    assertEquals(News2.Band.LOW_MEDIUM, s.band());
  }

  @Test
  void missingParametersAreListedAndScoreNothing() {
    News2Score s = News2.score(News2Input.empty().withPulse(135.0));
    assertEquals(3, s.total());
    assertFalse(s.complete());
    Set<News2Parameter> missing = EnumSet.allOf(News2Parameter.class);
    missing.remove(News2Parameter.PULSE);
    assertEquals(missing, s.missing());
    assertNull(s.subscore(News2Parameter.TEMPERATURE));
  }

  @Test
  void badArgumentsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> News2Input.empty().withSpo2Scale(3));
    assertThrows(
        IllegalArgumentException.class,
        () -> News2.score(null, null, 1, null, null, null, "X", null));
  }
}
