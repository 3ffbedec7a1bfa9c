package io.vitalflow.connect.mllp;

import io.vitalflow.bridge.MllpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One port's native MLLP server. {@link #poll} hands the worker batches of received messages as
 * records; {@link #commitRecord} releases each message's ACK once the worker's producer has it (AA,
 * or AR for invalid input), or answers AE when the record was not written. Logs name control ids,
 * never message content.
 */
public class MllpSourceTask extends SourceTask {
  private static final Logger log = LoggerFactory.getLogger(MllpSourceTask.class);

  private volatile MllpServer server;
  private volatile boolean stopping;
  private RecordBuilder builder;
  private int maxRecords;
  private Duration pollTimeout;
  private MllpSourceMetrics metrics;
  private Path decryptedKey;
  private String listener;

  @Override
  public String version() {
    return Version.get();
  }

  @Override
  public void start(Map<String, String> props) {
    MllpSourceConfig config = new MllpSourceConfig(props);
    String portText = props.get(MllpSourceConfig.TASK_PORT);
    if (portText == null) {
      throw new ConnectException("task config without " + MllpSourceConfig.TASK_PORT);
    }
    int port = Integer.parseInt(portText);
    String host = config.getString(MllpSourceConfig.LISTEN_HOST);
    listener = host + ":" + port;
    String name = props.getOrDefault("name", "mllp-source");
    String source = config.getString(MllpSourceConfig.SOURCE_NAME);
    MllpServer.Config c = serverConfig(config, host, port, source == null ? name : source);
    try {
      server = MllpServer.start(c);
    } catch (IllegalArgumentException e) {
      cleanUp();
      throw new ConnectException("MLLP listener " + listener + ": " + e.getMessage(), e);
    }
    builder = new RecordBuilder(host, port);
    maxRecords = config.getInt(MllpSourceConfig.POLL_MAX_RECORDS);
    pollTimeout = Duration.ofMillis(config.getLong(MllpSourceConfig.POLL_TIMEOUT_MS));
    metrics = MllpSourceMetrics.register(name, port, server);
    log.info("MLLP source listening on {}{}", listener, config.tls() ? " (TLS)" : "");
  }

  MllpServer.Config serverConfig(MllpSourceConfig config, String host, int port, String source) {
    MllpServer.Config c =
        new MllpServer.Config()
            .listen(host, port)
            .topics(
                config.getString(MllpSourceConfig.TOPIC),
                config.getString(MllpSourceConfig.INVALID_TOPIC))
            .source(source)
            .keyStrategy(config.getString(MllpSourceConfig.KEY_STRATEGY))
            .maxFrameBytes(config.getInt(MllpSourceConfig.MAX_FRAME_BYTES))
            .ackTimeout(config.ackTimeout())
            .idleTimeout(Duration.ofMillis(config.getLong(MllpSourceConfig.IDLE_TIMEOUT_MS)))
            .dedupeWindow(Duration.ofMillis(config.getLong(MllpSourceConfig.DEDUPE_WINDOW_MS)))
            .maxConnections(config.getInt(MllpSourceConfig.MAX_CONNECTIONS))
            .maxInFlight(config.getInt(MllpSourceConfig.MAX_IN_FLIGHT));
    if (config.tls()) {
      String key = config.getString(MllpSourceConfig.TLS_PRIVATE_KEY);
      Password password = config.keyPassword();
      if (password != null && !password.value().isEmpty()) {
        try {
          decryptedKey =
              PemKeys.decryptToPrivateFile(Paths.get(key), password.value().toCharArray());
        } catch (IOException | java.security.GeneralSecurityException e) {
          throw new ConnectException(
              MllpSourceConfig.TLS_PRIVATE_KEY
                  + " "
                  + key
                  + ": cannot decrypt with "
                  + MllpSourceConfig.TLS_PRIVATE_KEY_PASSWORD
                  + ": "
                  + e.getMessage(),
              e);
        }
        key = decryptedKey.toString();
      }
      c.tls(
          config.getString(MllpSourceConfig.TLS_CERT_CHAIN),
          key,
          config.getString(MllpSourceConfig.TLS_CLIENT_CA));
    }
    return c;
  }

  @Override
  public List<SourceRecord> poll() {
    MllpServer s = server;
    if (stopping || s == null) {
      return null;
    }
    List<MllpServer.Received> batch;
    try {
      batch = s.pollBatch(maxRecords, pollTimeout);
    } catch (IllegalArgumentException e) {
      if (stopping) {
        return null;
      }
      throw new ConnectException("MLLP listener " + listener + ": " + e.getMessage(), e);
    }
    if (batch.isEmpty()) {
      return null;
    }
    List<SourceRecord> out = new ArrayList<>(batch.size());
    for (MllpServer.Received m : batch) {
      if (m.invalid()) {
        log.info(
            "invalid input on {} (control id {}) to {}",
            listener,
            m.controlId().isEmpty() ? "none" : m.controlId(),
            m.topic());
      }
      out.add(builder.build(m));
    }
    return out;
  }

  /**
   * The worker's producer has the record (metadata non-null): release its ACK. A null metadata
   * means the record was not written (dropped by a transform or by errors.tolerance=all): the
   * sender gets AE and resends.
   */
  @Override
  public void commitRecord(SourceRecord record, RecordMetadata metadata) {
    long id = RecordBuilder.messageId(record);
    MllpServer s = server;
    if (id < 0 || s == null) {
      return;
    }
    try {
      if (metadata != null) {
        s.ack(id);
      } else {
        s.fail(id, "the record was not written to Kafka by the Connect worker");
        metrics.commitFailed();
      }
    } catch (IllegalArgumentException e) {
      if (!stopping) {
        throw e;
      }
    }
  }

  @Override
  public void stop() {
    stopping = true;
    MllpServer s = server;
    if (s != null) {
      s.close();
    }
    cleanUp();
    log.info("MLLP source on {} stopped", listener);
  }

  private void cleanUp() {
    if (metrics != null) {
      metrics.unregister();
    }
    if (decryptedKey != null) {
      try {
        Files.deleteIfExists(decryptedKey);
      } catch (IOException e) {
        log.warn("could not delete the decrypted key copy {}: {}", decryptedKey, e.toString());
      }
    }
  }
}
