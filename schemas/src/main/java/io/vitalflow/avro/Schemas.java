package io.vitalflow.avro;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * The Avro schemas of the vitalflow topics, read from the {@code schemas/*.avsc} files that this
 * jar carries (the same files the Rust crate {@code vitalflow-schemas} embeds). Each is registered
 * under {@code <topic>-value} with compatibility BACKWARD.
 */
public final class Schemas {
  /**
   * topic -> schema file name of its record values, in the order of topics.tsv (see {@link
   * Topics}).
   */
  public static final Map<String, String> TOPIC_FILES = Topics.avroValueFiles();

  private Schemas() {}

  /** The registry subject of a topic's record values. */
  public static String valueSubject(String topic) {
    return topic + "-value";
  }

  /** The text of schema file {@code name} (e.g. "VitalSign.avsc"). */
  public static String text(String name) {
    try (InputStream in = Schemas.class.getResourceAsStream("/io/vitalflow/avro/schemas/" + name)) {
      if (in == null) throw new IllegalArgumentException("no schema file " + name);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The parsed schema of file {@code name}; each file is self-contained. */
  public static Schema parse(String name) {
    return new Schema.Parser().parse(text(name));
  }

  /** The parsed schema of a topic's record values. */
  public static Schema forTopic(String topic) {
    String f = TOPIC_FILES.get(topic);
    if (f == null) throw new IllegalArgumentException("no Avro schema for topic " + topic);
    return parse(f);
  }
}
