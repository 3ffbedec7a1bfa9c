package io.vitalflow.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/** The Kafka client property options: defaults, command-line syntax, reserved keys. */
class JobOptionsKafkaPropertiesTest {
  @Test
  void defaultsBatchTheFetchesAndKeepTheTransactionTimeout() {
    Configuration conf = JobOptions.fromArgs(new String[0]);
    Properties c =
        JobOptions.properties(conf, JobOptions.CONSUMER_PROPERTIES, JobOptions.CONSUMER_RESERVED);
    assertEquals("65536", c.getProperty("fetch.min.bytes"));
    assertEquals("25", c.getProperty("fetch.max.wait.ms"));
    Properties p =
        JobOptions.properties(conf, JobOptions.PRODUCER_PROPERTIES, JobOptions.PRODUCER_RESERVED);
    assertEquals("900000", p.getProperty("transaction.timeout.ms"));
  }

  @Test
  void givenOnTheCommandLineTheyReplaceTheDefaults() {
    Configuration conf =
        JobOptions.fromArgs(
            new String[] {
              "--kafka.consumer", "fetch.min.bytes:1,max.partition.fetch.bytes:2097152",
              "--kafka.producer", "linger.ms:0,transaction.timeout.ms:60000"
            });
    Properties c =
        JobOptions.properties(conf, JobOptions.CONSUMER_PROPERTIES, JobOptions.CONSUMER_RESERVED);
    assertEquals("1", c.getProperty("fetch.min.bytes"));
    assertEquals("2097152", c.getProperty("max.partition.fetch.bytes"));
    assertNull(c.getProperty("fetch.max.wait.ms"), "the given map replaces the default map");
    Properties p =
        JobOptions.properties(conf, JobOptions.PRODUCER_PROPERTIES, JobOptions.PRODUCER_RESERVED);
    assertEquals("0", p.getProperty("linger.ms"));
    assertEquals("60000", p.getProperty("transaction.timeout.ms"));
  }

  @Test
  void aKeyTheJobSetsItselfIsRefusedByName() {
    Configuration conf =
        JobOptions.fromArgs(new String[] {"--kafka.consumer", "isolation.level:read_uncommitted"});
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                JobOptions.properties(
                    conf, JobOptions.CONSUMER_PROPERTIES, JobOptions.CONSUMER_RESERVED));
    assertTrue(e.getMessage().contains("vitalflow.kafka.consumer"), e.getMessage());
    assertTrue(e.getMessage().contains("isolation.level"), e.getMessage());
    Configuration conf2 = JobOptions.fromArgs(new String[] {"--kafka.producer", "acks:1"});
    assertThrows(
        IllegalArgumentException.class,
        () ->
            JobOptions.properties(
                conf2, JobOptions.PRODUCER_PROPERTIES, JobOptions.PRODUCER_RESERVED));
  }
}
