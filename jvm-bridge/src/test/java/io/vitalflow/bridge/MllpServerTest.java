package io.vitalflow.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MllpServerTest {
  static byte[] message(String controlId, String patient) {
    return ("MSH|^~\\&|MON|ICU|VF|HOSP|20261129080000||ORU^R01^ORU_R01|"
            + controlId
            + "|P|2.6\rPID|1||"
            + patient
            + "^^^HOSP^MR||Doe^Jane\r")
        .getBytes(StandardCharsets.UTF_8);
  }

  static void send(OutputStream out, byte[] m) throws IOException {
    out.write(0x0b);
    out.write(m);
    out.write(new byte[] {0x1c, 0x0d});
    out.flush();
  }

  /** Reads one MLLP reply and returns MSA-1 and MSA-2 as "CODE CONTROLID". */
  static String reply(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != 0x0b) {
      if (c < 0) {
        return null;
      }
    }
    while ((c = in.read()) != 0x1c) {
      b.write(c);
    }
    in.read();
    for (String seg : b.toString(StandardCharsets.UTF_8).split("\r")) {
      if (seg.startsWith("MSA|")) {
        String[] f = seg.split("\\|", -1);
        return f[1] + " " + f[2];
      }
    }
    return "NO-MSA";
  }

  private static List<MllpServer.Received> pollAtLeast(MllpServer s, int n) {
    List<MllpServer.Received> got = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (got.size() < n && System.nanoTime() < deadline) {
      got.addAll(s.pollBatch(100, Duration.ofMillis(200)));
    }
    return got;
  }

  @Test
  void messagesArePolledWithKeyAndHeadersAndAckedWhenJavaSaysSo() throws Exception {
    MllpServer.Config cfg =
        new MllpServer.Config()
            .listen("127.0.0.1", 0)
            .source("java-test")
            .ackTimeout(Duration.ofSeconds(10));
    try (MllpServer s = MllpServer.start(cfg);
        Socket c = new Socket("127.0.0.1", s.port())) {
      c.setSoTimeout(10_000);
      send(c.getOutputStream(), message("JAVA-1", "P42"));
      send(c.getOutputStream(), message("JAVA-2", "P43"));
      send(c.getOutputStream(), "garbage, not HL7".getBytes(StandardCharsets.US_ASCII));
      List<MllpServer.Received> got = pollAtLeast(s, 3);
      assertEquals(3, got.size());
      MllpServer.Received first = got.get(0);
      assertEquals("JAVA-1", first.controlId());
      assertEquals("hl7.raw", first.topic());
      assertEquals("P42", new String(first.key(), StandardCharsets.UTF_8));
      assertEquals(
          new String(message("JAVA-1", "P42"), StandardCharsets.UTF_8),
          new String(first.value(), StandardCharsets.UTF_8));
      assertEquals("ORU^R01^ORU_R01", first.header("hl7.message_type"));
      assertEquals("java-test", first.header("hl7.source"));
      assertEquals("MON", first.header("hl7.sending_application"));
      assertEquals("ICU", first.header("hl7.sending_facility"));
      assertFalse(first.invalid());
      assertFalse(first.toString().contains("P42"), "toString names no patient");
      MllpServer.Received bad = got.get(2);
      assertTrue(bad.invalid());
      assertEquals("hl7.invalid", bad.topic());
      assertNull(bad.key());
      assertTrue(bad.header("hl7.error").length() > 0);

      // The second is settled first, but its reply waits for the first's.
      assertTrue(s.fail(got.get(1).id(), "producer said no"));
      assertTrue(s.ack(first.id()));
      assertFalse(s.ack(first.id()), "settled once");
      assertTrue(s.ack(bad.id()));
      InputStream in = c.getInputStream();
      assertEquals("AA JAVA-1", reply(in));
      assertEquals("AE JAVA-2", reply(in));
      assertEquals("AR ", reply(in));
      MllpServer.Stats st = s.stats();
      assertEquals(3, st.received());
      assertEquals(1, st.accepted());
      assertEquals(1, st.errors());
      assertEquals(1, st.rejected());
      assertEquals(0, st.unsettled());
    }
  }

  @Test
  void closeAnswersAeForWhatIsUnsettledAndTheHandleIsThenRefused() throws Exception {
    MllpServer s = MllpServer.start(new MllpServer.Config().listen("127.0.0.1", 0));
    try (Socket c = new Socket("127.0.0.1", s.port())) {
      c.setSoTimeout(10_000);
      send(c.getOutputStream(), message("CLOSE-1", "P1"));
      assertEquals(1, pollAtLeast(s, 1).size());
      s.close();
      assertEquals("AE CLOSE-1", reply(c.getInputStream()));
    }
    s.close(); // twice is fine
    assertThrows(IllegalArgumentException.class, () -> s.pollBatch(1, Duration.ZERO));
  }

  @Test
  void badSettingsAreIllegalArgumentsNamingTheSetting() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                MllpServer.start(
                    new MllpServer.Config().listen("127.0.0.1", 0).keyStrategy("pid")));
    assertTrue(e.getMessage().contains("key.strategy"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                MllpServer.start(
                    new MllpServer.Config()
                        .listen("127.0.0.1", 0)
                        .tls("/nonexistent/server.pem", "/nonexistent/server.key", null)));
    assertTrue(e.getMessage().contains("/nonexistent/server.pem"), e.getMessage());
  }

  @Test
  void startFailuresCarryTheirKindAsACodeNotAsText() throws Exception {
    MllpServerException config =
        assertThrows(
            MllpServerException.class,
            () ->
                MllpServer.start(
                    new MllpServer.Config().listen("127.0.0.1", 0).keyStrategy("pid")));
    assertEquals(MllpServerException.Kind.CONFIG, config.kind());
    MllpServerException tls =
        assertThrows(
            MllpServerException.class,
            () ->
                MllpServer.start(
                    new MllpServer.Config()
                        .listen("127.0.0.1", 0)
                        .tls("/nonexistent/server.pem", "/nonexistent/server.key", null)));
    assertEquals(MllpServerException.Kind.TLS, tls.kind());
    try (java.net.ServerSocket held =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      MllpServerException inUse =
          assertThrows(
              MllpServerException.class,
              () ->
                  MllpServer.start(
                      new MllpServer.Config().listen("127.0.0.1", held.getLocalPort())));
      assertEquals(MllpServerException.Kind.ADDRESS_IN_USE, inUse.kind());
    }
    MllpServerException listen =
        assertThrows(
            MllpServerException.class,
            () -> MllpServer.start(new MllpServer.Config().listen("192.0.2.1", 0)));
    assertEquals(MllpServerException.Kind.LISTEN, listen.kind(), listen.getMessage());
  }
}
