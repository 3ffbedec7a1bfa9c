package io.vitalflow.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vitalflow.avro.Schemas;
import io.vitalflow.avro.Topics;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * One contract, four readers: schemas/topics.tsv in the repository, {@link Topics} (the copy in the
 * vitalflow-schemas jar), {@code tests/stack/stack.sh topics} (what the stack creates and
 * registers) and the .avsc files under schemas/ agree. Needs no running stack.
 */
class ContractAgreementTest {
  private static final Path REPO = LocalStack.repoRoot();

  private static List<Topics.Topic> repositoryFile() throws IOException {
    try (Reader r = Files.newBufferedReader(REPO.resolve("schemas/topics.tsv"))) {
      return Topics.parse(r);
    }
  }

  @Test
  void theJarCarriesTheRepositorysTopicsTsv() throws IOException {
    assertEquals(repositoryFile(), Topics.all());
  }

  @Test
  void stackShTopicsListsWhatTopicsSays() {
    List<String> expected = new ArrayList<>();
    for (Topics.Topic t : Topics.all()) {
      expected.add(
          String.join(
              " ",
              t.name(),
              Integer.toString(t.partitions()),
              t.cleanupPolicy(),
              t.value(),
              t.hasAvroValue() ? t.valueSubject() : "-"));
    }
    List<String> printed = LocalStack.runScript("topics").lines().toList();
    assertEquals(expected, printed);
  }

  @Test
  void everyNamedValueSchemaExistsAndIsTheRecordTheJarCarries() throws IOException {
    for (Topics.Topic t : Topics.all()) {
      if (!t.hasAvroValue()) continue;
      Path file = REPO.resolve("schemas").resolve(t.valueSchemaFile());
      assertTrue(Files.isRegularFile(file), t.name() + ": " + file + " missing");
      Schema fromRepo = new Schema.Parser().parse(Files.readString(file, StandardCharsets.UTF_8));
      assertEquals(Schema.Type.RECORD, fromRepo.getType(), file.toString());
      assertEquals(Schemas.forTopic(t.name()), fromRepo, t.name());
      assertEquals(t.valueSchemaFile(), Schemas.TOPIC_FILES.get(t.name()));
    }
    assertEquals(Topics.avroValueFiles(), Schemas.TOPIC_FILES);
  }

  @Test
  void everyAvscFileUnderSchemasIsRegisteredForATopic() throws IOException {
    Set<String> files = new TreeSet<>();
    try (Stream<Path> s = Files.list(REPO.resolve("schemas"))) {
      s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".avsc")).forEach(files::add);
    }
    assertTrue(files.size() >= 5, "schemas/*.avsc: " + files);
    Set<String> named = new TreeSet<>(Topics.avroValueFiles().values());
    assertEquals(files, named, "every schemas/*.avsc is the value schema of a topic in topics.tsv");
  }
}
