package io.vitalflow.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.description.HtmlFormatter;
import org.apache.flink.util.TimeUtils;
import org.junit.jupiter.api.Test;

/**
 * docs/flink-job-config.md is generated from {@link JobOptions}: this test fails when the
 * checked-in page differs from what the options say (rewrite it with -Dvitalflow.docs.update=true).
 */
class JobOptionsReferenceTest {
  static final Path PAGE = Path.of("../../docs/flink-job-config.md");

  static List<ConfigOption<?>> options() throws IllegalAccessException {
    List<ConfigOption<?>> out = new ArrayList<>();
    for (Field f : JobOptions.class.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers())
          && Modifier.isPublic(f.getModifiers())
          && ConfigOption.class.isAssignableFrom(f.getType())) {
        out.add((ConfigOption<?>) f.get(null));
      }
    }
    out.sort((a, b) -> a.key().compareTo(b.key()));
    return out;
  }

  static String markdown() throws IllegalAccessException {
    StringBuilder sb =
        new StringBuilder(
            "# Flink job: configuration reference\n\n"
                + "<!-- GENERATED from io.vitalflow.flink.JobOptions by JobOptionsReferenceTest;"
                + " do not edit. Regenerate: mvn -pl flink-job/job -am test"
                + " -Dtest=JobOptionsReferenceTest -Dsurefire.failIfNoSpecifiedTests=false"
                + " -Dvitalflow.docs.update=true -->\n\n"
                + "Job class `io.vitalflow.flink.VitalsJob` (jar"
                + " `flink-job/job/target/vitalflow-flink-job.jar`). Each option is given as"
                + " `--key value` on the `flink run` line (the `vitalflow.` prefix may be left out)"
                + " or in the Flink configuration. Durations use Flink's syntax (`10 s`, `60 min`,"
                + " `24 h`).\n\n"
                + "| option | type | default | description |\n"
                + "|---|---|---|---|\n");
    HtmlFormatter html = new HtmlFormatter();
    for (ConfigOption<?> o : options()) {
      Object d = o.hasDefaultValue() ? o.defaultValue() : null;
      String def =
          d == null
              ? "(none)"
              : "`"
                  + (d instanceof Duration dd
                      ? TimeUtils.formatWithHighestUnit(dd)
                      : d instanceof java.util.Map<?, ?> m ? mapValue(m) : d)
                  + "`";
      String type =
          d == null
              ? "string"
              : d instanceof java.util.Map<?, ?>
                  ? "map"
                  : d instanceof Enum<?> e
                      ? "enum: " + enumValues(e)
                      : d.getClass().getSimpleName().toLowerCase();
      sb.append("| `")
          .append(o.key())
          .append("` | ")
          .append(type)
          .append(" | ")
          .append(def)
          .append(" | ")
          .append(html.format(o.description()).replace("|", "\\|").replace("\n", " "))
          .append(" |\n");
    }
    return sb.toString();
  }

  /** The values an enum option accepts, as written in the configuration. */
  private static String enumValues(Enum<?> e) {
    return java.util.Arrays.stream(e.getDeclaringClass().getEnumConstants())
        .map(Object::toString)
        .collect(java.util.stream.Collectors.joining(", "));
  }

  /** Flink's syntax for a map option, keys sorted: {@code k1:v1,k2:v2}. */
  private static String mapValue(java.util.Map<?, ?> m) {
    return new java.util.TreeMap<>(m)
        .entrySet().stream()
            .map(e -> e.getKey() + ":" + e.getValue())
            .collect(java.util.stream.Collectors.joining(","));
  }

  @Test
  void theReferencePageIsUpToDate() throws Exception {
    String want = markdown();
    if (Boolean.getBoolean("vitalflow.docs.update")) {
      Files.writeString(PAGE, want, StandardCharsets.UTF_8);
    }
    assertTrue(Files.exists(PAGE), PAGE + " missing: run with -Dvitalflow.docs.update=true");
    assertEquals(
        want,
        Files.readString(PAGE, StandardCharsets.UTF_8),
        PAGE + " is stale: run with -Dvitalflow.docs.update=true");
  }

  @Test
  void everyOptionIsDocumentedAndPrefixed() throws Exception {
    for (ConfigOption<?> o : options()) {
      assertTrue(o.key().startsWith("vitalflow."), o.key());
      assertTrue(!o.description().getBlocks().isEmpty(), o.key() + " has no description");
    }
  }
}
