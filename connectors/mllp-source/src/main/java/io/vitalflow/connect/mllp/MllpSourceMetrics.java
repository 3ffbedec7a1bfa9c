package io.vitalflow.connect.mllp;

import io.vitalflow.bridge.MllpServer;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task's metrics as an MBean {@code io.vitalflow.connect.mllp:type=mllp-source-task,
 * connector=NAME,port=PORT}: received, ACKed (AA), NAKed (AR + AE), bytes, ACK latency.
 */
public final class MllpSourceMetrics implements MllpSourceMetricsMBean {
  private static final Logger log = LoggerFactory.getLogger(MllpSourceMetrics.class);

  private final MllpServer server;
  private final ObjectName name;
  private final AtomicLong commitFailures = new AtomicLong();

  private MllpSourceMetrics(MllpServer server, ObjectName name) {
    this.server = server;
    this.name = name;
  }

  static ObjectName objectName(String connector, int port) throws JMException {
    return new ObjectName(
        "io.vitalflow.connect.mllp:type=mllp-source-task,connector="
            // quoted only when it must be, as Kafka's own MBeans (Sanitizer.jmxSanitize): a quoted
            // value is not read by the Prometheus JMX exporter's rules
            + org.apache.kafka.common.utils.Sanitizer.jmxSanitize(connector)
            + ",port="
            + port);
  }

  static MllpSourceMetrics register(String connector, int port, MllpServer server) {
    ObjectName n = null;
    try {
      n = objectName(connector, port);
      MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
      if (mbs.isRegistered(n)) {
        mbs.unregisterMBean(n);
      }
      MllpSourceMetrics m = new MllpSourceMetrics(server, n);
      mbs.registerMBean(m, n);
      return m;
    } catch (JMException e) {
      log.warn("MLLP source metrics not registered: {}", e.toString());
      return new MllpSourceMetrics(server, null);
    }
  }

  void unregister() {
    if (name == null) {
      return;
    }
    try {
      ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
    } catch (JMException e) {
      // already gone
    }
  }

  void commitFailed() {
    commitFailures.incrementAndGet();
  }

  private MllpServer.Stats stats() {
    try {
      return server.stats();
    } catch (IllegalArgumentException closed) {
      return new MllpServer.Stats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }
  }

  @Override
  public long getReceived() {
    return stats().received();
  }

  @Override
  public long getAcked() {
    return stats().accepted();
  }

  @Override
  public long getNaked() {
    MllpServer.Stats s = stats();
    return s.rejected() + s.errors();
  }

  @Override
  public long getRejected() {
    return stats().rejected();
  }

  @Override
  public long getErrors() {
    return stats().errors();
  }

  @Override
  public long getDuplicates() {
    return stats().duplicates();
  }

  @Override
  public long getBytes() {
    return stats().bytes();
  }

  @Override
  public long getConnectionsOpen() {
    return stats().connectionsOpen();
  }

  @Override
  public long getUnsettled() {
    return stats().unsettled();
  }

  @Override
  public long getCommitFailures() {
    return commitFailures.get();
  }

  @Override
  public double getAckLatencyAvgMs() {
    MllpServer.Stats s = stats();
    return s.ackCount() == 0 ? 0 : s.ackMicrosTotal() / 1000.0 / s.ackCount();
  }

  @Override
  public double getAckLatencyMaxMs() {
    return stats().ackMicrosMax() / 1000.0;
  }
}
