package io.vitalflow.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BridgeTest {
  private static final byte[] MSG = Messages.monitor();

  @Test
  void loadsFromTheJarResourceAndReportsItsVersion() {
    assertEquals("0.1.0", NativeBridge.version());
    assertTrue(NativeLibrary.isLoaded());
    assertNotNull(NativeLibrary.loadedFrom());
    assertEquals("linux-x86_64", NativeLibrary.classifier());
  }

  @Test
  void queryReturnsValuesNullForAbsentAndEmptyForEmpty() {
    assertEquals("12345", Hl7.query(MSG, "PID-3-1"));
    assertEquals("HOSP", Hl7.query(MSG, "PID-3-4"));
    assertEquals("998877", Hl7.query(MSG, "PID-3(2)-1"));
    assertEquals("MONITOR", Hl7.query(MSG, "MSH-3"));
    assertEquals("|", Hl7.query(MSG, "MSH-1"));
    assertEquals("97", Hl7.query(MSG, "OBX(3)-5"));
    assertNull(Hl7.query(MSG, "PID-30"));
    assertNull(Hl7.query(MSG, "NK1-2"));
    assertEquals("", Hl7.query(MSG, "PID-2"));
  }

  /** query answers for a message that parses structurally even without MSH-9 or MSH-10. */
  @Test
  void queryAnswersWithoutMsh9OrMsh10() {
    byte[] noType =
        ("MSH|^~\\&|OLDMON|WARD2|VITALFLOW|HOSP|20261120100000||ORU^R01||P|2.4\r"
                + "PID|||MH2001^^^HOSP^MR||Brown^Ada\r")
            .replace("||ORU^R01||", "||||")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertEquals("", Hl7.query(noType, "MSH-9"));
    assertEquals("", Hl7.query(noType, "MSH-10"));
    assertEquals("MH2001", Hl7.query(noType, "PID-3-1"));
    byte[] noControlId =
        ("MSH|^~\\&|OLDMON|WARD2|VITALFLOW|HOSP|20261120100000||ORU^R01||P|2.4\r"
                + "PID|||MH2001^^^HOSP^MR||Brown^Ada\r")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertEquals("ORU", Hl7.query(noControlId, "MSH-9-1"));
    assertEquals("", Hl7.query(noControlId, "MSH-10"));
    assertEquals("OLDMON", Hl7.query(noControlId, "MSH-3"));
  }

  /** fields gives what query gives for each path, in order, with one parse. */
  @Test
  void fieldsAreWhatQueryGivesForEachPath() {
    String[] paths = {"MSH-10", "PID-3-1", "PID-3-4", "PID-30", "PID-2", "OBX(3)-5", "MSH-1"};
    String[] values = Hl7.fields(MSG, paths);
    assertEquals(paths.length, values.length);
    for (int i = 0; i < paths.length; i++) {
      assertEquals(Hl7.query(MSG, paths[i]), values[i], paths[i]);
    }
    assertNull(values[3]);
    assertEquals("", values[4]);
    assertEquals(0, Hl7.fields(MSG).length);
    Hl7Exception e =
        assertThrows(Hl7Exception.class, () -> Hl7.fields(MSG, "PID-3-1", "not a path"));
    assertEquals(Hl7Exception.Kind.BAD_PATH, e.kind());
    assertThrows(IllegalArgumentException.class, () -> Hl7.fields(MSG, "PID-3\nPID-5"));
    assertThrows(
        Hl7Exception.class,
        () -> Hl7.fields("garbage".getBytes(java.nio.charset.StandardCharsets.UTF_8), "MSH-10"));
  }

  @Test
  void badPathIsAnHl7Exception() {
    Hl7Exception e = assertThrows(Hl7Exception.class, () -> Hl7.query(MSG, "not a path"));
    assertEquals(Hl7Exception.Kind.BAD_PATH, e.kind());
    assertTrue(e.getMessage().contains("path"), e.getMessage());
  }

  @Test
  void messageWithoutMshIsAnHl7ExceptionWithPosition() {
    byte[] bad = "PID|1||123\rOBX|1|NM|8867-4^^LN||72\r".getBytes(StandardCharsets.US_ASCII);
    Hl7Exception e = assertThrows(Hl7Exception.class, () -> Hl7.query(bad, "PID-3"));
    assertEquals(Hl7Exception.Kind.MISSING_MSH, e.kind());
    assertTrue(e.offset() >= 0, "offset " + e.offset());
    Hl7Exception v = assertThrows(Hl7Exception.class, () -> Vitals.extract(bad));
    assertEquals(Hl7Exception.Kind.MISSING_MSH, v.kind());
  }

  @Test
  void emptyMessageIsAnHl7Exception() {
    Hl7Exception e = assertThrows(Hl7Exception.class, () -> Vitals.extract(new byte[0]));
    assertEquals(Hl7Exception.Kind.EMPTY, e.kind());
  }

  @Test
  void nullArgumentsAreRejectedBeforeCrossingJni() {
    assertThrows(NullPointerException.class, () -> Hl7.query(null, "PID-3"));
    assertThrows(NullPointerException.class, () -> Hl7.query(MSG, null));
    assertThrows(NullPointerException.class, () -> Vitals.extract(null));
  }

  @Test
  void unknownZoneIsAnIllegalArgument() {
    assertThrows(
        IllegalArgumentException.class, () -> Vitals.extract(MSG, java.time.ZoneId.of("+02:00")));
  }

  @Test
  void echoCopiesThroughTheNativeBuffers() {
    byte[] big = new byte[3 << 20];
    new java.util.Random(1).nextBytes(big);
    assertTrue(Arrays.equals(big, NativeBridge.echo(big)));
    assertEquals(0, NativeBridge.echo(new byte[0]).length);
    assertEquals(5, NativeBridge.noopGuarded(new byte[5]));
    NativeBridge.noop();
  }

  @Test
  void aPanicArrivesAsRuntimeExceptionWithTheRustBacktraceAndTheJvmLivesOn() {
    for (int i = 0; i < 200; i++) {
      RuntimeException e =
          assertThrows(RuntimeException.class, () -> NativeBridge.panicForTest("deliberate"));
      assertTrue(e.getMessage().startsWith("Rust panic: deliberate at "), e.getMessage());
      assertTrue(e.getMessage().contains("test_natives.rs"), e.getMessage());
      assertTrue(e.getMessage().contains("Rust backtrace:"), e.getMessage());
      assertTrue(e.getMessage().contains("deliberately_panic"), e.getMessage());
    }
    assertEquals("12345", Hl7.query(MSG, "PID-3-1"));
  }

  @Test
  void panicsOnOtherThreadsToo() throws Exception {
    Thread t =
        new Thread(
            () -> assertThrows(RuntimeException.class, () -> NativeBridge.panicForTest("x")));
    t.start();
    t.join();
    assertEquals("12345", Hl7.query(MSG, "PID-3-1"));
  }
}
