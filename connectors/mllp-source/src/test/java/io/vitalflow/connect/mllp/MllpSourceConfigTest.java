package io.vitalflow.connect.mllp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vitalflow.avro.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

class MllpSourceConfigTest {
  static Map<String, String> valid() {
    Map<String, String> m = new HashMap<>();
    m.put("name", "mllp");
    m.put("connector.class", MllpSourceConnector.class.getName());
    m.put("tasks.max", "2");
    m.put(MllpSourceConfig.LISTEN_PORTS, "2575,2576");
    m.put(MllpSourceConfig.PRODUCER_ACKS, "all");
    return m;
  }

  private static Map<String, List<String>> errors(Config c) {
    return c.configValues().stream()
        .filter(v -> !v.errorMessages().isEmpty())
        .collect(Collectors.toMap(ConfigValue::name, ConfigValue::errorMessages));
  }

  @Test
  void defaultsAreTheContractTopicsAndPatientKeys() {
    MllpSourceConfig c = new MllpSourceConfig(valid());
    assertEquals("hl7.raw", c.getString(MllpSourceConfig.TOPIC));
    assertEquals("hl7.invalid", c.getString(MllpSourceConfig.INVALID_TOPIC));
    assertEquals("patient_id", c.getString(MllpSourceConfig.KEY_STRATEGY));
    assertEquals(List.of(2575, 2576), c.ports());
    assertEquals(30_000L, c.ackTimeout().toMillis());
    assertEquals(0L, c.getLong(MllpSourceConfig.DEDUPE_WINDOW_MS));
  }

  /** The default topics are topics.tsv's (the contract's one list), both carrying raw bytes. */
  @Test
  void defaultTopicsAreInTopicsTsv() {
    for (String t :
        List.of(MllpSourceConfig.TOPIC_DEFAULT, MllpSourceConfig.INVALID_TOPIC_DEFAULT)) {
      assertEquals(Topics.BYTES, Topics.get(t).value(), t);
    }
  }

  @Test
  void badValuesAreConfigExceptionsNamingTheKey() {
    Object[][] cases = {
      {MllpSourceConfig.LISTEN_PORTS, "2575,x"},
      {MllpSourceConfig.LISTEN_PORTS, "70000"},
      {MllpSourceConfig.LISTEN_PORTS, "2575,2575"},
      {MllpSourceConfig.KEY_STRATEGY, "pid"},
      {MllpSourceConfig.MAX_FRAME_BYTES, "10"},
      {MllpSourceConfig.ACK_TIMEOUT_MS, "0"},
      {MllpSourceConfig.DEDUPE_WINDOW_MS, "-1"},
      {MllpSourceConfig.TOPIC, ""},
    };
    for (Object[] c : cases) {
      Map<String, String> m = valid();
      m.put((String) c[0], (String) c[1]);
      ConfigException e =
          assertThrows(ConfigException.class, () -> new MllpSourceConfig(m), c[0] + "=" + c[1]);
      assertTrue(e.getMessage().contains((String) c[0]), e.getMessage());
    }
    Map<String, String> m = valid();
    m.remove(MllpSourceConfig.LISTEN_PORTS);
    ConfigException e = assertThrows(ConfigException.class, () -> new MllpSourceConfig(m));
    assertTrue(e.getMessage().contains(MllpSourceConfig.LISTEN_PORTS), e.getMessage());
    Map<String, String> half = valid();
    half.put(MllpSourceConfig.TLS_CERT_CHAIN, "/etc/x.pem");
    e = assertThrows(ConfigException.class, () -> new MllpSourceConfig(half));
    assertTrue(e.getMessage().contains(MllpSourceConfig.TLS_PRIVATE_KEY), e.getMessage());
  }

  @Test
  void validateRequiresAcksAllOnTheConnectorsProducer() {
    MllpSourceConnector connector = new MllpSourceConnector();
    assertTrue(
        errors(connector.validate(valid())).isEmpty(),
        errors(connector.validate(valid())).toString());
    for (String acks : new String[] {null, "1", "0"}) {
      Map<String, String> m = valid();
      if (acks == null) {
        m.remove(MllpSourceConfig.PRODUCER_ACKS);
      } else {
        m.put(MllpSourceConfig.PRODUCER_ACKS, acks);
      }
      Map<String, List<String>> errs = errors(connector.validate(m));
      assertTrue(errs.containsKey(MllpSourceConfig.PRODUCER_ACKS), errs.toString());
      ConfigException e = assertThrows(ConfigException.class, () -> connector.start(m));
      assertTrue(e.getMessage().contains(MllpSourceConfig.PRODUCER_ACKS), e.getMessage());
    }
    Map<String, String> m = valid();
    m.put(MllpSourceConfig.PRODUCER_IDEMPOTENCE, "false");
    assertTrue(errors(connector.validate(m)).containsKey(MllpSourceConfig.PRODUCER_IDEMPOTENCE));
    m = valid();
    m.put(MllpSourceConfig.PRODUCER_ACKS, "-1");
    assertTrue(errors(connector.validate(m)).isEmpty());
    m.put(MllpSourceConfig.KEY_STRATEGY, "pid");
    assertTrue(errors(connector.validate(m)).containsKey(MllpSourceConfig.KEY_STRATEGY));
  }

  @Test
  void oneTaskPerPort() {
    MllpSourceConnector connector = new MllpSourceConnector();
    connector.start(valid());
    List<Map<String, String>> tasks = connector.taskConfigs(2);
    assertEquals(
        List.of("2575", "2576"),
        tasks.stream().map(t -> t.get(MllpSourceConfig.TASK_PORT)).collect(Collectors.toList()));
    ConfigException e = assertThrows(ConfigException.class, () -> connector.taskConfigs(1));
    assertTrue(e.getMessage().contains("tasks.max"), e.getMessage());
    Map<String, String> m = valid();
    m.put("tasks.max", "1");
    assertTrue(errors(connector.validate(m)).containsKey(MllpSourceConfig.LISTEN_PORTS));
  }

  @Test
  void tlsSettingsAreShownOnceACertificateIsSet() {
    Map<String, String> m = valid();
    Map<String, ConfigValue> byName =
        new MllpSourceConnector()
            .validate(m).configValues().stream()
                .collect(Collectors.toMap(ConfigValue::name, v -> v));
    assertTrue(!byName.get(MllpSourceConfig.TLS_CLIENT_CA).visible());
    m.put(MllpSourceConfig.TLS_CERT_CHAIN, "/etc/s.pem");
    m.put(MllpSourceConfig.TLS_PRIVATE_KEY, "/etc/s.key");
    byName =
        new MllpSourceConnector()
            .validate(m).configValues().stream()
                .collect(Collectors.toMap(ConfigValue::name, v -> v));
    assertTrue(byName.get(MllpSourceConfig.TLS_CLIENT_CA).visible());
    assertEquals(
        List.of("patient_id", "control_id", "none"),
        byName.get(MllpSourceConfig.KEY_STRATEGY).recommendedValues());
    assertEquals(
        org.apache.kafka.common.config.ConfigDef.Type.PASSWORD,
        MllpSourceConfig.CONFIG_DEF
            .configKeys()
            .get(MllpSourceConfig.TLS_PRIVATE_KEY_PASSWORD)
            .type);
  }

  @Test
  void theCheckedInConfigReferenceIsGeneratedFromTheConfigDef() throws IOException {
    Path doc =
        Paths.get(System.getProperty("vitalflow.docs", "../../docs"), "mllp-source-config.md");
    String generated = ConfigReference.markdown();
    if (Boolean.getBoolean("vitalflow.docs.update")) {
      Files.writeString(doc, generated, StandardCharsets.UTF_8);
    }
    assertTrue(Files.exists(doc), doc + " is missing: run with -Dvitalflow.docs.update=true");
    assertEquals(
        generated,
        Files.readString(doc, StandardCharsets.UTF_8),
        doc + " differs from the ConfigDef: run with -Dvitalflow.docs.update=true");
    for (String key : MllpSourceConfig.CONFIG_DEF.names()) {
      assertTrue(generated.contains("`" + key + "`"), key);
    }
  }
}
