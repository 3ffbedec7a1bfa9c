package io.vitalflow.connect.warehouse;

import java.util.Map;
import java.util.StringJoiner;

/** The little JSON the tests write (connector configs, registry requests). */
final class Json {
  private Json() {}

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
        }
      }
    }
    return b.append('"').toString();
  }

  static String object(Map<String, String> m) {
    StringJoiner j = new StringJoiner(",", "{", "}");
    for (var e : m.entrySet()) j.add(quote(e.getKey()) + ":" + quote(e.getValue()));
    return j.toString();
  }
}
