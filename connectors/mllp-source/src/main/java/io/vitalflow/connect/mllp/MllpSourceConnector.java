package io.vitalflow.connect.mllp;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;

/**
 * HL7 v2 over MLLP into Kafka. Each task runs the native MLLP server on one port; a message is
 * answered AA only once the worker's producer has written it with acks=all (which {@link #validate}
 * requires through {@code producer.override.acks=all}).
 */
public class MllpSourceConnector extends SourceConnector {
  private Map<String, String> props;
  private MllpSourceConfig config;

  @Override
  public String version() {
    return Version.get();
  }

  @Override
  public void start(Map<String, String> props) {
    String[] problem = MllpSourceConfig.producerProblem(props);
    if (problem != null) {
      throw new ConfigException(problem[0], props.get(problem[0]), problem[1]);
    }
    this.config = new MllpSourceConfig(props);
    this.props = Map.copyOf(props);
  }

  @Override
  public Class<? extends Task> taskClass() {
    return MllpSourceTask.class;
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    List<Integer> ports = config.ports();
    if (ports.size() > maxTasks) {
      throw new ConfigException(
          "tasks.max",
          maxTasks,
          "one task per port: "
              + MllpSourceConfig.LISTEN_PORTS
              + " lists "
              + ports.size()
              + " ports");
    }
    List<Map<String, String>> out = new ArrayList<>();
    for (int port : ports) {
      Map<String, String> t = new HashMap<>(props);
      t.put(MllpSourceConfig.TASK_PORT, Integer.toString(port));
      out.add(t);
    }
    return out;
  }

  @Override
  public void stop() {}

  @Override
  public ConfigDef config() {
    return MllpSourceConfig.CONFIG_DEF;
  }

  /** The ConfigDef's checks, plus: the connector's producer must use acks=all. */
  @Override
  public Config validate(Map<String, String> connectorConfigs) {
    Config result = super.validate(connectorConfigs);
    String[] problem = MllpSourceConfig.producerProblem(connectorConfigs);
    if (problem != null) {
      ConfigValue v =
          new ConfigValue(
              problem[0], connectorConfigs.get(problem[0]), List.of(), new ArrayList<>());
      v.addErrorMessage(problem[1]);
      result.configValues().add(v);
    }
    String tasksMax = connectorConfigs.get("tasks.max");
    if (tasksMax != null) {
      for (ConfigValue v : result.configValues()) {
        if (v.name().equals(MllpSourceConfig.LISTEN_PORTS)
            && v.errorMessages().isEmpty()
            && v.value() instanceof List<?> ports) {
          try {
            if (ports.size() > Integer.parseInt(tasksMax.trim())) {
              v.addErrorMessage(
                  "one task per port: tasks.max="
                      + tasksMax
                      + " is less than the "
                      + ports.size()
                      + " ports listed");
            }
          } catch (NumberFormatException ignored) {
            // the worker reports a bad tasks.max itself
          }
        }
      }
    }
    return result;
  }

  @Override
  public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
    return ExactlyOnceSupport.UNSUPPORTED;
  }
}
