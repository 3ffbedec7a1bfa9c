package io.vitalflow.connect.mllp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** MLLP clients for the integration tests and the benchmark: send, wait for each ACK, measure. */
final class MllpLoad {
  /** A name no log may contain (patient data). */
  static final String FAMILY = "Quixwartle";

  private MllpLoad() {}

  static String patient(String tag, int client, int n) {
    return "PT" + tag + "C" + client + "N" + n;
  }

  static byte[] message(String controlId, String patient, int seq) {
    return ("MSH|^~\\&|MONITOR|ICU|VF|HOSP|20261129080000||ORU^R01^ORU_R01|"
            + controlId
            + "|P|2.6\rPID|1||"
            + patient
            + "^^^HOSP^MR||"
            + FAMILY
            + "^Ottoline\r"
            + "OBX|1|NM|8867-4^Heart rate^LN||"
            + (60 + seq % 40)
            + "|/min|||||F\r"
            + "NTE|1||seq="
            + seq
            + "\r")
        .getBytes(StandardCharsets.UTF_8);
  }

  static void send(OutputStream out, byte[] m) throws IOException {
    byte[] framed = new byte[m.length + 3];
    framed[0] = 0x0b;
    System.arraycopy(m, 0, framed, 1, m.length);
    framed[m.length + 1] = 0x1c;
    framed[m.length + 2] = 0x0d;
    out.write(framed);
    out.flush();
  }

  /** MSA-1 and MSA-2 of the next reply, "CODE ID"; null when the connection closed. */
  static String reply(InputStream in) throws IOException {
    String text = replyText(in);
    return text == null ? null : msa(text);
  }

  /** MSA-1 and MSA-2 of a reply's text, "CODE ID", or "NO-MSA". */
  static String msa(String reply) {
    for (String seg : reply.split("\r")) {
      if (seg.startsWith("MSA|")) {
        String[] f = seg.split("\\|", -1);
        return f[1] + " " + (f.length > 2 ? f[2] : "");
      }
    }
    return "NO-MSA";
  }

  /** The next reply's text (ISO-8859-1, segments split by CR); null when the connection closed. */
  static String replyText(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != 0x0b) {
      if (c < 0) {
        return null;
      }
    }
    while ((c = in.read()) != 0x1c) {
      if (c < 0) {
        return null;
      }
      b.write(c);
    }
    in.read();
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  record Outcome(
      List<String> accepted, List<String> notAccepted, long[] latenciesNanos, double seconds) {
    double perSecond() {
      return (accepted.size() + notAccepted.size()) / seconds;
    }

    double percentileMillis(double p) {
      long[] l = latenciesNanos.clone();
      java.util.Arrays.sort(l);
      if (l.length == 0) {
        return 0;
      }
      int i = (int) Math.min(l.length - 1, Math.ceil(p / 100.0 * l.length) - 1);
      return l[Math.max(0, i)] / 1e6;
    }
  }

  /**
   * {@code clients} connections each send {@code perClient} messages, one at a time (waiting for
   * each ACK), patients {@code patientsPerClient} per client; control ids TAG-client-i.
   */
  static Outcome run(
      String host, int port, String tag, int clients, int perClient, int patientsPerClient)
      throws Exception {
    List<String> accepted = Collections.synchronizedList(new ArrayList<>());
    List<String> other = Collections.synchronizedList(new ArrayList<>());
    long[] lat = new long[clients * perClient];
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    long start = System.nanoTime();
    List<Future<?>> fs = new ArrayList<>();
    ConcurrentHashMap<String, Integer> seqs = new ConcurrentHashMap<>();
    for (int c = 0; c < clients; c++) {
      final int client = c;
      fs.add(
          pool.submit(
              () -> {
                try (Socket s = new Socket(host, port)) {
                  s.setTcpNoDelay(true);
                  s.setSoTimeout(60_000);
                  OutputStream out = new java.io.BufferedOutputStream(s.getOutputStream());
                  InputStream in = new java.io.BufferedInputStream(s.getInputStream());
                  for (int i = 0; i < perClient; i++) {
                    String p = patient(tag, client, i % patientsPerClient);
                    int seq = seqs.merge(p, 1, Integer::sum);
                    String ctrl = tag + "-" + client + "-" + i;
                    long t0 = System.nanoTime();
                    send(out, message(ctrl, p, seq));
                    String r = reply(in);
                    lat[client * perClient + i] = System.nanoTime() - t0;
                    if (r != null && r.equals("AA " + ctrl)) {
                      accepted.add(ctrl);
                    } else {
                      other.add(ctrl + ":" + r);
                    }
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : fs) {
      f.get();
    }
    pool.shutdown();
    return new Outcome(accepted, other, lat, (System.nanoTime() - start) / 1e9);
  }
}
