package io.vitalflow.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * The Java half of the contract agreement test (the Rust half is {@code
 * native/jni/tests/contract.rs}): every enum of {@code schemas/*.avsc} that the bridge mirrors has
 * the same constants in the same order here, because rows and scores cross JNI as ordinals. An enum
 * added to a schema must be either mirrored and listed here or listed as not mirrored, so drift
 * fails this test.
 */
class ContractTest {

  /** Schema enums the bridge has no Java enum for (they never cross JNI). */
  private static final Set<String> NOT_MIRRORED = Set.of("AlertKind");

  private static Path schemasDir() {
    return Paths.get(System.getProperty("vitalflow.schemas", "../schemas"));
  }

  private static void collect(Schema s, String file, Map<String, List<String>> out) {
    switch (s.getType()) {
      case ENUM:
        {
          List<String> prev = out.put(s.getName(), s.getEnumSymbols());
          if (prev != null) {
            assertEquals(prev, s.getEnumSymbols(), "enum " + s.getName() + " differs in " + file);
          }
          break;
        }
      case RECORD:
        for (Schema.Field f : s.getFields()) {
          collect(f.schema(), file, out);
        }
        break;
      case UNION:
        s.getTypes().forEach(t -> collect(t, file, out));
        break;
      case ARRAY:
        collect(s.getElementType(), file, out);
        break;
      case MAP:
        collect(s.getValueType(), file, out);
        break;
      default:
        break;
    }
  }

  private static Map<String, List<String>> avscEnums() throws IOException {
    Map<String, List<String>> out = new TreeMap<>();
    List<Path> files = new ArrayList<>();
    try (Stream<Path> list = Files.list(schemasDir())) {
      list.filter(p -> p.toString().endsWith(".avsc")).sorted().forEach(files::add);
    }
    assertTrue(files.size() >= 5, "schemas/*.avsc found in " + schemasDir().toAbsolutePath());
    for (Path p : files) {
      collect(new Schema.Parser().parse(p.toFile()), p.getFileName().toString(), out);
    }
    return out;
  }

  private static List<String> names(Enum<?>[] values) {
    return Arrays.stream(values).map(Enum::name).toList();
  }

  @Test
  void javaEnumsHaveTheSchemaSymbolsInTheSchemaOrder() throws IOException {
    Map<String, List<String>> enums = avscEnums();
    Map<String, List<String>> mirrored =
        Map.of(
            "VitalKind", names(VitalKind.values()),
            "GlucoseStatus", names(GlucoseStatus.values()),
            "News2Band", names(News2.Band.values()));
    for (String name : enums.keySet()) {
      assertTrue(
          mirrored.containsKey(name) || NOT_MIRRORED.contains(name),
          "schema enum "
              + name
              + " is neither mirrored by a Java enum here nor listed as not mirrored");
    }
    for (Map.Entry<String, List<String>> e : mirrored.entrySet()) {
      assertEquals(enums.get(e.getKey()), e.getValue(), "Java enum for " + e.getKey());
    }
  }

  @Test
  void consciousnessAndParameterOrdinalsAreTheNativeLayout() {
    // score0 takes ACVPU as an ordinal and packs subscores in this parameter order
    // (native/jni/src/news2.rs)
    assertEquals(List.of("A", "C", "V", "P", "U"), names(News2.Consciousness.values()));
    assertEquals(
        List.of("RESP_RATE", "SPO2", "OXYGEN", "SYSTOLIC", "PULSE", "CONSCIOUSNESS", "TEMPERATURE"),
        names(News2Parameter.values()));
  }

  @Test
  void errorKindsHaveUniqueStableCodes() {
    // the names, numbers and HL7 codes are held to the Rust table by native/jni/tests/contract.rs
    Set<Integer> codes = new java.util.HashSet<>();
    for (Hl7Exception.Kind k : Hl7Exception.Kind.values()) {
      assertTrue(codes.add(k.code()), "duplicate code " + k.code());
      assertEquals(k, Hl7Exception.Kind.ofCode(k.code()));
      assertTrue(Set.of(100, 101, 102, 103, 200, 207).contains(k.hl7ErrorCode()), k.name());
    }
    assertEquals(Hl7Exception.Kind.UNKNOWN, Hl7Exception.Kind.ofCode(9999));
  }
}
