package io.vitalflow.bridge;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Realistic ORU^R01 vital-sign messages for tests and benchmarks (deterministic per seed). */
public final class Messages {
  private Messages() {}

  /**
   * A fixed monitor message: HR, RR, SpO2, temperature (°F), BP, consciousness, a non-vital code.
   */
  public static final String MONITOR =
      String.join(
          "\r",
          "MSH|^~\\&|MONITOR|ICU|EHR|HOSP|20261120060000||ORU^R01^ORU_R01|CTRL0001|P|2.5.1|||AL|NE||UNICODE UTF-8",
          "PID|1||12345^^^HOSP^MR~998877^^^NHS^NH||DOE^JANE^Q||19500101|F",
          "PV1|1|I|ICU^BED01^1^HOSP||||||||||||||||ENC42^^^HOSP",
          "OBR|1||OBS1|VITALS^Vital signs^L|||20261120055500",
          "OBX|1|NM|8867-4^Heart rate^LN||72|/min^/min^UCUM|60-100||||F|||20261120055800||||MON-7",
          "OBX|2|NM|9279-1^Respiratory rate^LN||18|/min^/min^UCUM|||||F|||20261120055800",
          "OBX|3|NM|59408-5^SpO2^LN||97|%^%^UCUM|||||F|||20261120055800",
          "OBX|4|NM|8310-5^Body temperature^LN||98.6|[degF]^degF^UCUM|||||F|||20261120055800",
          "OBX|5|NM|8480-6^Systolic BP^LN||121|mm[Hg]^mmHg^UCUM|||||F",
          "OBX|6|NM|8462-4^Diastolic BP^LN||79|mm[Hg]^mmHg^UCUM|||||F",
          "OBX|7|ST|ACVPU^Consciousness^L||A||||||F",
          "OBX|8|NM|12345-6^Not a vital^LN||5|mg|||||F",
          "");

  public static byte[] monitor() {
    return MONITOR.getBytes(StandardCharsets.UTF_8);
  }

  private static final String[][] VITALS = {
    // code, system, unit, low, high, decimals
    {"8867-4", "LN", "/min", "35", "150", "0"},
    {"147842", "MDC", "264864", "35", "150", "0"},
    {"9279-1", "LN", "/min", "6", "35", "0"},
    {"59408-5", "LN", "%", "80", "100", "0"},
    {"150456", "MDC", "262688", "80", "100", "0"},
    {"8310-5", "LN", "Cel", "34", "41", "1"},
    {"8310-5", "LN", "[degF]", "94", "105", "1"},
    {"8480-6", "LN", "mm[Hg]", "70", "230", "0"},
    {"8462-4", "LN", "mm[Hg]", "40", "120", "0"},
    {"8478-0", "LN", "mm[Hg]", "50", "150", "0"},
    {"2339-0", "LN", "mg/dL", "40", "400", "0"},
    {"14743-9", "LN", "mmol/L", "2", "25", "1"},
    {"3150-0", "LN", "%", "21", "60", "0"},
  };

  /** A random but valid ORU^R01 with {@code obxCount} observations. */
  public static String random(Random rnd, int index, int obxCount) {
    StringBuilder sb = new StringBuilder(160 + obxCount * 90);
    String ts =
        String.format(
            "202611%02d%02d%02d00", 1 + rnd.nextInt(28), rnd.nextInt(24), rnd.nextInt(60));
    sb.append("MSH|^~\\&|MON|ICU|EHR|HOSP|")
        .append(ts)
        .append("||ORU^R01^ORU_R01|C")
        .append(index)
        .append("|P|2.5.1\r");
    sb.append("PID|1||P").append(rnd.nextInt(1000)).append("^^^HOSP^MR||DOE^JOHN||19600101|M\r");
    sb.append("PV1|1|I|WARD")
        .append(rnd.nextInt(9))
        .append("^BED")
        .append(rnd.nextInt(30))
        .append("||||||||||||||||E")
        .append(rnd.nextInt(100000))
        .append("\r");
    sb.append("OBR|1||O").append(index).append("|VITALS|||").append(ts).append("\r");
    for (int i = 1; i <= obxCount; i++) {
      String[] v = VITALS[rnd.nextInt(VITALS.length)];
      double lo = Double.parseDouble(v[3]);
      double hi = Double.parseDouble(v[4]);
      double value = lo + rnd.nextDouble() * (hi - lo);
      String num =
          v[5].equals("0") ? Long.toString(Math.round(value)) : String.format("%.1f", value);
      sb.append("OBX|")
          .append(i)
          .append("|NM|")
          .append(v[0])
          .append("^^")
          .append(v[1])
          .append("||")
          .append(num)
          .append("|")
          .append(v[2])
          .append("|||||F|||")
          .append(ts)
          .append("\r");
    }
    return sb.toString();
  }

  public static List<byte[]> randomBatch(long seed, int count, int obxCount) {
    Random rnd = new Random(seed);
    List<byte[]> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(random(rnd, i, obxCount).getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }
}
