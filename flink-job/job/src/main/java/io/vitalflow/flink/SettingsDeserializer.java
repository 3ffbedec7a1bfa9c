package io.vitalflow.flink;

import io.vitalflow.avro.registry.CcompatClient;
import io.vitalflow.avro.registry.RegistryAvroDeserializer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** patients.settings (Avro PatientSettings, Confluent wire format) to {@link PatientSetting}. */
class SettingsDeserializer implements KafkaRecordDeserializationSchema<PatientSetting> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(SettingsDeserializer.class);
  private final String registryUrl;
  private transient RegistryAvroDeserializer avro;

  SettingsDeserializer(String registryUrl) {
    this.registryUrl = registryUrl;
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    avro = new RegistryAvroDeserializer(new CcompatClient(registryUrl), false);
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<PatientSetting> out) {
    if (record.value() == null)
      return; // a tombstone: the setting is gone, the state keeps the last scale
    try {
      GenericRecord r = (GenericRecord) avro.deserialize(record.topic(), record.value());
      Object pid = r.get("patient_id");
      Object scale = r.get("spo2_scale");
      Object at = r.get("updated_at");
      if (pid == null) return;
      out.collect(
          new PatientSetting(
              pid.toString(),
              scale == null ? 1 : ((Number) scale).intValue(),
              at == null ? record.timestamp() * 1000L : ((Number) at).longValue())); // µs
    } catch (RuntimeException e) {
      String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
      LOG.warn(
          "patients.settings record at partition {} offset {} skipped: {}",
          record.partition(),
          record.offset(),
          e.getMessage());
      LOG.debug("skipped settings record key {}", key);
    }
  }

  @Override
  public TypeInformation<PatientSetting> getProducedType() {
    return TypeInformation.of(PatientSetting.class);
  }
}
