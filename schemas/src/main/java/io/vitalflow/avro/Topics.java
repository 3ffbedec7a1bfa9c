package io.vitalflow.avro;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Kafka topics of vitalflow, read from {@code schemas/topics.tsv} as this jar carries it (the
 * same file that {@code tests/stack/stack.sh} and the Rust crate {@code vitalflow-schemas} read).
 *
 * <p>The file has one topic per line, tab-separated: {@code topic partitions cleanup_policy value
 * description}; {@code value} is either {@code bytes} (raw bytes, no registered schema) or the name
 * of an {@code .avsc} file under {@code schemas/}, registered as {@code <topic>-value}. Lines
 * starting with {@code #} and blank lines are ignored.
 */
public final class Topics {
  /** The classpath resource holding topics.tsv. */
  public static final String RESOURCE = "/io/vitalflow/avro/topics.tsv";

  /** The {@code value} column of a topic whose records are raw bytes. */
  public static final String BYTES = "bytes";

  /** One line of topics.tsv. */
  public record Topic(
      String name, int partitions, String cleanupPolicy, String value, String description) {
    /** True when record values are Avro with a registered schema. */
    public boolean hasAvroValue() {
      return !BYTES.equals(value);
    }

    /** The .avsc file name of the record values, e.g. {@code VitalSign.avsc}. */
    public String valueSchemaFile() {
      if (!hasAvroValue()) {
        throw new IllegalStateException("topic " + name + " carries raw bytes, no Avro schema");
      }
      return value;
    }

    /** The registry subject of the record values: {@code <topic>-value}. */
    public String valueSubject() {
      return Schemas.valueSubject(name);
    }
  }

  private static final List<Topic> ALL = load();

  private Topics() {}

  /** Every topic, in the order of topics.tsv. */
  public static List<Topic> all() {
    return ALL;
  }

  /** The topic called {@code name}. */
  public static Topic get(String name) {
    for (Topic t : ALL) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    throw new IllegalArgumentException("no topic " + name + " in topics.tsv");
  }

  /** Topics whose values are Avro, mapped to their .avsc file, in the order of topics.tsv. */
  public static Map<String, String> avroValueFiles() {
    Map<String, String> m = new LinkedHashMap<>();
    for (Topic t : ALL) {
      if (t.hasAvroValue()) {
        m.put(t.name(), t.valueSchemaFile());
      }
    }
    return Collections.unmodifiableMap(m);
  }

  /** Parses topics.tsv text; a malformed line fails with its line number. */
  public static List<Topic> parse(Reader reader) throws IOException {
    List<Topic> out = new ArrayList<>();
    BufferedReader in = new BufferedReader(reader);
    String line;
    int n = 0;
    while ((line = in.readLine()) != null) {
      n++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\t", -1);
      if (f.length != 5) {
        throw new IllegalArgumentException(
            "topics.tsv line " + n + ": expected 5 tab-separated columns, found " + f.length);
      }
      int partitions;
      try {
        partitions = Integer.parseInt(f[1]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "topics.tsv line " + n + ": partitions '" + f[1] + "' is not a number", e);
      }
      if (partitions < 1) {
        throw new IllegalArgumentException("topics.tsv line " + n + ": partitions must be >= 1");
      }
      if (!f[2].equals("delete") && !f[2].equals("compact")) {
        throw new IllegalArgumentException(
            "topics.tsv line " + n + ": cleanup policy '" + f[2] + "' is not delete or compact");
      }
      if (!f[3].equals(BYTES) && !f[3].endsWith(".avsc")) {
        throw new IllegalArgumentException(
            "topics.tsv line " + n + ": value '" + f[3] + "' is neither bytes nor an .avsc file");
      }
      for (Topic t : out) {
        if (t.name().equals(f[0])) {
          throw new IllegalArgumentException("topics.tsv line " + n + ": topic " + f[0] + " twice");
        }
      }
      out.add(new Topic(f[0], partitions, f[2], f[3], f[4]));
    }
    return List.copyOf(out);
  }

  private static List<Topic> load() {
    try (InputStream in = Topics.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is not on the classpath");
      }
      return parse(new InputStreamReader(in, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
