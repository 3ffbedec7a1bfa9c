package io.vitalflow.connect.mllp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.management.ObjectName;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

class MllpSourceTaskTest {
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

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A task's configuration: listening on 127.0.0.1:{@code port}, connector {@code name}. */
  private static Map<String, String> taskProps(int port, String name) {
    Map<String, String> props = MllpSourceConfigTest.valid();
    props.put(MllpSourceConfig.LISTEN_HOST, "127.0.0.1");
    props.put(MllpSourceConfig.LISTEN_PORTS, Integer.toString(port));
    props.put(MllpSourceConfig.TASK_PORT, Integer.toString(port));
    props.put("name", name);
    return props;
  }

  private static List<SourceRecord> pollAtLeast(MllpSourceTask t, int n) {
    List<SourceRecord> got = new ArrayList<>();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (got.size() < n && System.nanoTime() < deadline) {
      List<SourceRecord> r = t.poll();
      if (r != null) {
        got.addAll(r);
      }
    }
    return got;
  }

  private static RecordMetadata written(SourceRecord r) {
    return new RecordMetadata(new TopicPartition(r.topic(), 0), 0, 0, 0, 0, 0);
  }

  private static String header(SourceRecord r, String name) {
    Header h = r.headers().lastWithName(name);
    return h == null ? null : (String) h.value();
  }

  @Test
  void aNewInstanceWaitsForThePortAnOldOneStillHolds() throws Exception {
    // a rebalance whose stop comes late: the new instance starts while the old one listens
    int port = freePort();
    Map<String, String> props = taskProps(port, "task-rebalance");
    MllpSourceTask old = new MllpSourceTask();
    old.start(props);
    Thread lateStop =
        new Thread(
            () -> {
              try {
                Thread.sleep(1500);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              old.stop();
            });
    lateStop.start();
    MllpSourceTask next = new MllpSourceTask();
    long t0 = System.nanoTime();
    next.start(props);
    try {
      assertTrue(System.nanoTime() - t0 >= 1_000_000_000L, "it waited for the old instance");
      try (Socket c = new Socket("127.0.0.1", port)) {
        c.setSoTimeout(10_000);
        send(c.getOutputStream(), message("R-1", "P1"));
        List<SourceRecord> records = pollAtLeast(next, 1);
        assertEquals(1, records.size(), "the new instance receives");
        next.commitRecord(records.get(0), written(records.get(0)));
        assertEquals("AA R-1", reply(c.getInputStream()));
      }
    } finally {
      lateStop.join();
      next.stop();
    }
    // a port that stays in use still fails the task, naming the listener
    try (ServerSocket held = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      MllpSourceTask t = new MllpSourceTask();
      io.vitalflow.bridge.MllpServer.Config c =
          t.serverConfig(
              new MllpSourceConfig(props), "127.0.0.1", held.getLocalPort(), "task-rebalance");
      org.apache.kafka.connect.errors.ConnectException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              org.apache.kafka.connect.errors.ConnectException.class,
              () -> t.listen(c, java.time.Duration.ofMillis(600)));
      assertTrue(e.getMessage().contains("still in use after"), e.getMessage());
    }
  }

  @Test
  void recordsCarryTheBytesKeyAndHeadersAndAcksFollowCommitRecordInArrivalOrder() throws Exception {
    int port = freePort();
    Map<String, String> props = taskProps(port, "task-test");
    MllpSourceTask task = new MllpSourceTask();
    task.start(props);
    try (Socket c = new Socket("127.0.0.1", port)) {
      c.setSoTimeout(10_000);
      OutputStream out = c.getOutputStream();
      send(out, message("T-1", "P1"));
      send(out, message("T-2", "P2"));
      send(out, "not hl7 at all".getBytes(StandardCharsets.US_ASCII));
      send(out, message("T-4", "P1"));
      List<SourceRecord> records = pollAtLeast(task, 4);
      assertEquals(4, records.size());
      SourceRecord first = records.get(0);
      assertEquals("hl7.raw", first.topic());
      assertArrayEquals(message("T-1", "P1"), (byte[]) first.value());
      assertEquals(Schema.BYTES_SCHEMA, first.valueSchema());
      assertArrayEquals("P1".getBytes(StandardCharsets.UTF_8), (byte[]) first.key());
      assertEquals("T-1", header(first, "hl7.control_id"));
      assertEquals("ORU^R01^ORU_R01", header(first, "hl7.message_type"));
      assertEquals("task-test", header(first, "hl7.source"));
      assertEquals("MON", header(first, "hl7.sending_application"));
      assertEquals("ICU", header(first, "hl7.sending_facility"));
      assertTrue(header(first, "hl7.received_at").endsWith("Z"));
      SourceRecord bad = records.get(2);
      assertEquals("hl7.invalid", bad.topic());
      assertNull(bad.key());
      assertTrue(header(bad, "hl7.error").length() > 0);

      // Commits in reverse order; T-2 is reported not written (null metadata): AE.
      task.commitRecord(records.get(3), written(records.get(3)));
      task.commitRecord(records.get(2), written(records.get(2)));
      task.commitRecord(records.get(1), null);
      InputStream in = c.getInputStream();
      c.setSoTimeout(300);
      assertThrowsTimeout(in);
      c.setSoTimeout(10_000);
      task.commitRecord(first, written(first));
      assertEquals("AA T-1", reply(in));
      assertEquals("AE T-2", reply(in));
      assertEquals("AR ", reply(in));
      assertEquals("AA T-4", reply(in));

      ObjectName name = MllpSourceMetrics.objectName("task-test", port);
      Object received = ManagementFactory.getPlatformMBeanServer().getAttribute(name, "Received");
      Object naked = ManagementFactory.getPlatformMBeanServer().getAttribute(name, "Naked");
      assertEquals(4L, received);
      assertEquals(2L, naked);
      assertEquals(2L, ManagementFactory.getPlatformMBeanServer().getAttribute(name, "Acked"));
    } finally {
      task.stop();
    }
    assertTrue(
        !ManagementFactory.getPlatformMBeanServer()
            .isRegistered(MllpSourceMetrics.objectName("task-test", port)));
    assertNull(task.poll(), "poll after stop");
  }

  private static void assertThrowsTimeout(InputStream in) {
    try {
      int b = in.read();
      throw new AssertionError("a reply byte before the first record was committed: " + b);
    } catch (java.net.SocketTimeoutException expected) {
      // no reply: T-1 is not settled yet and replies keep arrival order
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
