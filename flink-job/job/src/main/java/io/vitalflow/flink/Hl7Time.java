package io.vitalflow.flink;

import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** HL7 v2 DTM/TS values ({@code YYYY[MM[DD[HH[MM[SS[.S+]]]]]][+/-ZZZZ]}) to epoch milliseconds. */
final class Hl7Time {
  private Hl7Time() {}

  /**
   * Epoch ms, or null when {@code v} is absent or not a timestamp. Without an offset, {@code zone}
   * applies.
   */
  static Long millis(String v, ZoneId zone) {
    if (v == null) return null;
    v = v.trim();
    int tz = Math.max(v.indexOf('+'), v.indexOf('-'));
    String main = tz >= 0 ? v.substring(0, tz) : v;
    String off = tz >= 0 ? v.substring(tz) : null;
    String frac = "";
    int dot = main.indexOf('.');
    if (dot >= 0) {
      frac = main.substring(dot + 1);
      main = main.substring(0, dot);
    }
    if (main.length() < 4
        || main.length() > 14
        || main.length() % 2 != 0
        || !main.chars().allMatch(Character::isDigit)) {
      return null;
    }
    try {
      int year = Integer.parseInt(main.substring(0, 4));
      int month = part(main, 4, 1);
      int day = part(main, 6, 1);
      int hour = part(main, 8, 0);
      int minute = part(main, 10, 0);
      int second = part(main, 12, 0);
      int nanos = 0;
      if (!frac.isEmpty()) {
        if (!frac.chars().allMatch(Character::isDigit) || frac.length() > 9) return null;
        nanos = Integer.parseInt((frac + "000000000").substring(0, 9));
      }
      LocalDateTime t = LocalDateTime.of(year, month, day, hour, minute, second, nanos);
      if (off != null) {
        if (off.length() != 5) return null;
        int sign = off.charAt(0) == '-' ? -1 : 1;
        int h = Integer.parseInt(off.substring(1, 3));
        int m = Integer.parseInt(off.substring(3, 5));
        return t.toInstant(ZoneOffset.ofTotalSeconds(sign * (h * 3600 + m * 60))).toEpochMilli();
      }
      return t.atZone(zone).toInstant().toEpochMilli();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static int part(String s, int at, int absent) {
    return s.length() >= at + 2 ? Integer.parseInt(s.substring(at, at + 2)) : absent;
  }
}
