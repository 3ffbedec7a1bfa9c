package io.vitalflow.connect.mllp;

import io.vitalflow.bridge.MllpServer;
import io.vitalflow.bridge.MllpServerException;
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
  private volatile MllpSourceMetrics metrics;
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
    server = listen(c, BIND_RETRY);
    builder = new RecordBuilder(host, port);
    maxRecords = config.getInt(MllpSourceConfig.POLL_MAX_RECORDS);
    pollTimeout = Duration.ofMillis(config.getLong(MllpSourceConfig.POLL_TIMEOUT_MS));
    metrics = MllpSourceMetrics.register(name, port, server);
    log.info("MLLP source listening on {}{}", listener, config.tls() ? " (TLS)" : "");
  }

  /**
   * How long a task waits for its port while it is in use. The worker stops and starts tasks on a
   * rebalance (a broker outage causes one), and when the old instance's stop is late (its thread
   * still blocked on the unreachable broker), the new instance in the same worker finds the port
   * still held by it; without waiting, the new task failed for good and the senders got no answer.
   */
  static final Duration BIND_RETRY = Duration.ofSeconds(60);

  /** Starts the listener, retrying while the port is in use, for up to {@code retry}. */
  MllpServer listen(MllpServer.Config c, Duration retry) {
    long deadline = System.nanoTime() + retry.toNanos();
    boolean warned = false;
    while (true) {
      try {
        return MllpServer.start(c);
      } catch (IllegalArgumentException e) {
        boolean inUse =
            e instanceof MllpServerException m
                && m.kind() == MllpServerException.Kind.ADDRESS_IN_USE;
        if (!inUse || System.nanoTime() - deadline > 0) {
          cleanUp();
          throw new ConnectException(
              "MLLP listener "
                  + listener
                  + ": "
                  + e.getMessage()
                  + (inUse ? " (still in use after " + retry.toSeconds() + " s)" : ""),
              e);
        }
        if (!warned) {
          log.warn(
              "MLLP listener {}: the port is in use (an earlier instance of this task still"
                  + " stopping?); retrying for up to {} s",
              listener,
              retry.toSeconds());
          warned = true;
        }
        try {
          Thread.sleep(250);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          cleanUp();
          throw new ConnectException("MLLP listener " + listener + ": interrupted", ie);
        }
      }
    }
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
        MllpSourceMetrics m = metrics;
        if (m != null) {
          m.commitFailed();
        }
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
    // the metrics bean first: a new instance of this task (a rebalance) may bind the port as soon
    // as it is closed, and registers the same bean name then
    cleanUp();
    MllpServer s = server;
    if (s != null) {
      s.close();
    }
    log.info("MLLP source on {} stopped", listener);
  }

  private void cleanUp() {
    if (metrics != null) {
      metrics.unregister();
      metrics = null; // once: a second stop must not unregister a newer instance's bean
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
