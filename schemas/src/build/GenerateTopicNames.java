import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Build step of the schemas module (exec-maven-plugin, phase generate-sources; run as a Java
 * single-file program): writes {@code io.vitalflow.avro.TopicNames}, one constant per line of
 * {@code topics.tsv}, so Java production code names topics through the contract file rather than
 * copying its strings.
 *
 * <p>Usage: {@code java GenerateTopicNames.java <topics.tsv> <output source root>}
 */
public final class GenerateTopicNames {
  private GenerateTopicNames() {}

  public static void main(String[] args) throws IOException {
    Path tsv = Path.of(args[0]);
    Path out = Path.of(args[1], "io", "vitalflow", "avro", "TopicNames.java");
    StringBuilder src = new StringBuilder();
    src.append("package io.vitalflow.avro;\n\n")
        .append("/**\n * The Kafka topics of {@code schemas/topics.tsv}, one constant per line: generated at build\n")
        .append(" * time by {@code schemas/src/build/GenerateTopicNames.java}; edit topics.tsv, not this file.\n */\n")
        .append("public final class TopicNames {\n  private TopicNames() {}\n");
    List<String> seen = new ArrayList<>();
    int lineNo = 0;
    for (String line : Files.readAllLines(tsv, StandardCharsets.UTF_8)) {
      lineNo++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] cols = line.split("\t", -1);
      if (cols.length != 5) {
        throw new IllegalArgumentException(tsv + " line " + lineNo + ": expected 5 columns");
      }
      String name = cols[0];
      String constant = name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
      if (!constant.matches("[A-Z][A-Z0-9_]*") || seen.contains(constant)) {
        throw new IllegalArgumentException(
            tsv + " line " + lineNo + ": topic " + name + " gives no unique Java name");
      }
      seen.add(constant);
      String doc = cols[4].replace("*/", "*&#47;").replace("@", "{@literal @}");
      src.append("\n  /** ").append(doc).append(" */\n")
          .append("  public static final String ").append(constant).append(" = \"")
          .append(name).append("\";\n");
    }
    src.append("}\n");
    Files.createDirectories(out.getParent());
    String text = src.toString();
    if (!Files.exists(out) || !Files.readString(out, StandardCharsets.UTF_8).equals(text)) {
      Files.writeString(out, text, StandardCharsets.UTF_8);
    }
  }
}
