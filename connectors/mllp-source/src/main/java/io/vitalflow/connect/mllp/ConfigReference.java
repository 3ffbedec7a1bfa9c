package io.vitalflow.connect.mllp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Generates docs/mllp-source-config.md from {@link MllpSourceConfig#CONFIG_DEF}; a unit test fails
 * when the checked-in file differs (run with -Dvitalflow.docs.update=true to rewrite it).
 */
public final class ConfigReference {
  private ConfigReference() {}

  public static String markdown() {
    StringBuilder sb = new StringBuilder();
    sb.append("# MLLP source connector: configuration reference\n\n")
        .append("<!-- GENERATED from io.vitalflow.connect.mllp.MllpSourceConfig by ")
        .append("ConfigReference; do not edit. Regenerate: mvn -pl connectors/mllp-source ")
        .append("-am test -Dvitalflow.docs.update=true -->\n\n")
        .append("Connector class: `io.vitalflow.connect.mllp.MllpSourceConnector`. ")
        .append("Required on the connector: `producer.override.acks=all` (validated; ")
        .append("`producer.override.enable.idempotence` must not be `false`). Use ")
        .append("`org.apache.kafka.connect.converters.ByteArrayConverter` as key and value ")
        .append("converter so records carry the message bytes unchanged.\n");
    Map<String, List<ConfigDef.ConfigKey>> byGroup = new TreeMap<>();
    List<String> groups = MllpSourceConfig.CONFIG_DEF.groups();
    for (ConfigDef.ConfigKey k : MllpSourceConfig.CONFIG_DEF.configKeys().values()) {
      byGroup.computeIfAbsent(k.group, g -> new java.util.ArrayList<>()).add(k);
    }
    for (String g : groups) {
      sb.append("\n## ")
          .append(g)
          .append("\n\n")
          .append("| key | type | default | valid values | importance | description |\n")
          .append("|---|---|---|---|---|---|\n");
      List<ConfigDef.ConfigKey> keys =
          byGroup.get(g).stream()
              .sorted((a, b) -> Integer.compare(a.orderInGroup, b.orderInGroup))
              .collect(Collectors.toList());
      for (ConfigDef.ConfigKey k : keys) {
        String def =
            !k.hasDefault()
                ? "(required)"
                : k.defaultValue == null
                    ? "null"
                    : "`" + ConfigDef.convertToString(k.defaultValue, k.type) + "`";
        if (k.hasDefault() && "".equals(ConfigDef.convertToString(k.defaultValue, k.type))) {
          def = "\"\"";
        }
        String valid = k.validator == null ? "" : k.validator.toString();
        if (k.recommender instanceof MllpSourceConfig.ValuesRecommender r) {
          valid = r.validValues(k.name, Map.of()).toString();
        }
        sb.append("| `")
            .append(k.name)
            .append("` | ")
            .append(k.type.name().toLowerCase(java.util.Locale.ROOT))
            .append(" | ")
            .append(def)
            .append(" | ")
            .append(escape(valid))
            .append(" | ")
            .append(k.importance.name().toLowerCase(java.util.Locale.ROOT))
            .append(" | ")
            .append(escape(k.documentation))
            .append(" |\n");
      }
    }
    return sb.toString();
  }

  private static String escape(String s) {
    return s.replace("|", "\\|").replace("\n", " ");
  }

  public static void main(String[] args) throws IOException {
    Path out = Paths.get(args.length > 0 ? args[0] : "docs/mllp-source-config.md");
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, markdown(), StandardCharsets.UTF_8);
  }
}
