package io.vitalflow.connect.warehouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/warehouse-sink-config.md must be what ConfigDoc generates from the ConfigDef today. */
class ConfigDocTest {
  @Test
  void checkedInReferenceIsCurrent() throws Exception {
    Path doc =
        Path.of(System.getProperty("vitalflow.repo", "../.."), "docs", "warehouse-sink-config.md");
    String expected = ConfigDoc.markdown();
    assertEquals(
        expected,
        Files.readString(doc),
        "docs/warehouse-sink-config.md is stale; regenerate: mvn -B -ntp -pl connectors/warehouse-sink -am compile exec:java@config-doc");
    for (String key : WarehouseSinkConfig.CONFIG_DEF.names())
      assertTrue(expected.contains("`" + key + "`"), key);
  }
}
