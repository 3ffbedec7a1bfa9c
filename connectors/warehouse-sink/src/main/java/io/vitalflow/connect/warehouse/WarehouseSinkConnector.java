package io.vitalflow.connect.warehouse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * Kafka Connect sink of vitals.observations, vitals.scores, vitals.alerts and patients into the
 * warehouse model (PostgreSQL, Redshift over JDBC, or the Redshift Data API). See
 * docs/warehouse.md.
 */
public class WarehouseSinkConnector extends SinkConnector {
  static final String VERSION = versionOf();

  private Map<String, String> props;

  private static String versionOf() {
    String v = WarehouseSinkConnector.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-SNAPSHOT" : v;
  }

  @Override
  public String version() {
    return VERSION;
  }

  @Override
  public void start(Map<String, String> props) {
    new WarehouseSinkConfig(props); // fail early with the ConfigException naming the key
    this.props = Map.copyOf(props);
  }

  @Override
  public Class<? extends Task> taskClass() {
    return WarehouseSinkTask.class;
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    List<Map<String, String>> out = new ArrayList<>();
    for (int i = 0; i < maxTasks; i++) {
      // each task knows its number, so that what it leaves behind (the Data API's staging tables)
      // is told apart from what other tasks of the connector are using
      Map<String, String> task = new HashMap<>(props);
      task.put(WarehouseSinkConfig.TASK_NUMBER, Integer.toString(i));
      out.add(task);
    }
    return out;
  }

  @Override
  public void stop() {}

  @Override
  public ConfigDef config() {
    return WarehouseSinkConfig.CONFIG_DEF;
  }
}
