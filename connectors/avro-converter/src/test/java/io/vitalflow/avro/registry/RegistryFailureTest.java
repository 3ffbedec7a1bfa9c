package io.vitalflow.avro.registry;

import static org.junit.jupiter.api.Assertions.*;

import io.vitalflow.avro.Schemas;
import io.vitalflow.avro.TestRecords;
import io.vitalflow.avro.connect.RegistryAvroConverter;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How the Connect converter reports registry failures: a registry that cannot answer (5xx, I/O
 * error) is Connect's RetriableException (the worker retries the record), a refusal (4xx, e.g.
 * subject or schema not found) a DataException (the record goes to the DLQ or fails the task).
 */
class RegistryFailureTest {
  private static final String TOPIC = "vitals.observations";
  private StubRegistry stub;
  private byte[] record;

  @BeforeEach
  void start() throws Exception {
    stub = new StubRegistry();
    stub.add(Schemas.valueSubject(TOPIC), Schemas.forTopic(TOPIC));
    record =
        new RegistryAvroSerializer(new CcompatClient(stub.url()), false)
            .serialize(TOPIC, TestRecords.vitalSign(Instant.parse("2026-11-20T06:00:00Z")));
  }

  @AfterEach
  void stop() {
    stub.close();
  }

  private RegistryAvroConverter converter(String url) {
    RegistryAvroConverter c = new RegistryAvroConverter();
    c.configure(Map.of("schema.registry.url", url), false);
    return c;
  }

  @Test
  void serverErrorsAreRetriableInBothDirections() {
    SchemaAndValue sv = converter(stub.url()).toConnectData(TOPIC, record);
    for (int status : new int[] {500, 502, 503, 504, 429}) {
      stub.failWith(status);
      RegistryAvroConverter fresh = converter(stub.url()); // nothing cached
      RetriableException in =
          assertThrows(RetriableException.class, () -> fresh.toConnectData(TOPIC, record));
      assertTrue(in.getMessage().contains(String.valueOf(status)), in.getMessage());
      assertInstanceOf(RegistryException.class, in.getCause());
      assertThrows(
          RetriableException.class, () -> fresh.fromConnectData(TOPIC, sv.schema(), sv.value()));
    }
    // the registry recovers: the same converter now converts the same record
    stub.failWith(0);
    RegistryAvroConverter c = converter(stub.url());
    assertEquals(sv, c.toConnectData(TOPIC, record));
  }

  @Test
  void anUnreachableRegistryIsRetriable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: connections are refused
    }
    RegistryAvroConverter c = converter("http://127.0.0.1:" + port + "/apis/ccompat/v7");
    RetriableException e =
        assertThrows(RetriableException.class, () -> c.toConnectData(TOPIC, record));
    assertInstanceOf(RegistryException.class, e.getCause());
    assertEquals(0, ((RegistryException) e.getCause()).status());
  }

  @Test
  void notFoundStaysADataException() {
    // an id the registry does not have: 404 (error_code 40403 "schema not found")
    byte[] unknownId = record.clone();
    unknownId[4] = 99;
    DataException e =
        assertThrows(
            DataException.class, () -> converter(stub.url()).toConnectData(TOPIC, unknownId));
    assertEquals(DataException.class, e.getClass());
    assertTrue(e.getMessage().contains("404"), e.getMessage());

    // a subject the registry does not have (error_code 40401 "subject not found")
    SchemaAndValue sv = converter(stub.url()).toConnectData(TOPIC, record);
    DataException s =
        assertThrows(
            DataException.class,
            () -> converter(stub.url()).fromConnectData("no.such.topic", sv.schema(), sv.value()));
    assertEquals(DataException.class, s.getClass());
    assertTrue(s.getMessage().contains("no.such.topic-value"), s.getMessage());

    // other refusals (400, 422) are about the request too
    for (int status : new int[] {400, 401, 403, 422}) {
      stub.failWith(status);
      DataException r =
          assertThrows(
              DataException.class, () -> converter(stub.url()).toConnectData(TOPIC, record));
      assertEquals(DataException.class, r.getClass(), "HTTP " + status);
    }
  }

  @Test
  void undecodableBytesAreADataException() {
    DataException e =
        assertThrows(
            DataException.class,
            () -> converter(stub.url()).toConnectData(TOPIC, new byte[] {1, 2}));
    assertEquals(DataException.class, e.getClass());
  }
}
