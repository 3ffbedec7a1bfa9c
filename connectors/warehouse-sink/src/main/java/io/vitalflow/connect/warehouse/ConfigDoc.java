package io.vitalflow.connect.warehouse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Generates docs/warehouse-sink-config.md from {@link WarehouseSinkConfig#CONFIG_DEF}: {@code mvn
 * -B -ntp -pl connectors/warehouse-sink -am compile exec:java@config-doc} (ConfigDocTest fails when
 * the checked-in file differs).
 */
public final class ConfigDoc {
  private ConfigDoc() {}

  public static String markdown() {
    StringBuilder b = new StringBuilder();
    b.append("# Warehouse sink connector: configuration reference\n\n")
        .append(
            "<!-- generated from WarehouseSinkConfig by io.vitalflow.connect.warehouse.ConfigDoc; do not edit.\n")
        .append(
            "     Regenerate: mvn -B -ntp -pl connectors/warehouse-sink -am compile exec:java@config-doc -->\n\n")
        .append(
            "`connector.class=io.vitalflow.connect.warehouse.WarehouseSinkConnector`. See docs/warehouse.md.\n");
    ConfigDef def = WarehouseSinkConfig.CONFIG_DEF;
    String group = null;
    List<ConfigDef.ConfigKey> keys =
        def.configKeys().values().stream()
            .sorted(
                java.util.Comparator.comparingInt(
                        (ConfigDef.ConfigKey k) -> def.groups().indexOf(k.group))
                    .thenComparingInt(k -> k.orderInGroup))
            .toList();
    for (ConfigDef.ConfigKey k : keys) {
      if (!k.group.equals(group)) {
        group = k.group;
        b.append("\n## ")
            .append(group)
            .append("\n\n")
            .append("| Key | Type | Default | Valid values | Importance | Description |\n")
            .append("|---|---|---|---|---|---|\n");
      }
      String dflt =
          !k.hasDefault()
              ? "(required)"
              : k.defaultValue == null
                  ? "null"
                  : k.type == ConfigDef.Type.PASSWORD
                      ? "[hidden]"
                      : "`" + ConfigDef.convertToString(k.defaultValue, k.type) + "`";
      if ("``".equals(dflt)) dflt = "\"\"";
      b.append("| `")
          .append(k.name)
          .append("` | ")
          .append(k.type.toString().toLowerCase(java.util.Locale.ROOT))
          .append(" | ")
          .append(dflt)
          .append(" | ")
          .append(k.validator == null ? "" : cell(k.validator.toString()))
          .append(" | ")
          .append(k.importance.toString().toLowerCase(java.util.Locale.ROOT))
          .append(" | ")
          .append(cell(k.documentation))
          .append(" |\n");
    }
    return b.toString();
  }

  private static String cell(String s) {
    return s.replace("|", "\\|").replace("\n", " ");
  }

  public static void main(String[] args) throws IOException {
    Path out = Path.of(args.length > 0 ? args[0] : "docs/warehouse-sink-config.md");
    Files.writeString(out, markdown(), StandardCharsets.UTF_8);
    System.out.println("wrote " + out.toAbsolutePath().normalize());
  }
}
