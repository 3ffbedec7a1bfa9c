package io.vitalflow.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The library bundled in the jar ({@code target/classes/native/linux-x86_64/}) exports the
 * production entry points and no test or benchmark native: its dynamic symbols, read with {@code nm
 * -D --defined-only} (binutils), are checked by name. The test build that Surefire loads ({@code
 * -Dvitalflow.native.path}) is checked to have them, so the test can tell the two apart.
 */
class NativeExportsTest {

  private static final List<String> TEST_NATIVES =
      List.of(
          "Java_io_vitalflow_bridge_NativeBridge_noop",
          "Java_io_vitalflow_bridge_NativeBridge_noopGuarded",
          "Java_io_vitalflow_bridge_NativeBridge_echo0",
          "Java_io_vitalflow_bridge_NativeBridge_panic0",
          "Java_io_vitalflow_bridge_NativeBridge_coreLoop0");

  private static final List<String> PRODUCTION =
      List.of(
          "JNI_OnLoad",
          "Java_io_vitalflow_bridge_Hl7_fields0",
          "Java_io_vitalflow_bridge_Hl7_query0",
          "Java_io_vitalflow_bridge_MessageView_parse0",
          "Java_io_vitalflow_bridge_Vitals_extract0",
          "Java_io_vitalflow_bridge_Vitals_extractBatch0",
          "Java_io_vitalflow_bridge_Vitals_extractStream0",
          "Java_io_vitalflow_bridge_News2_score0",
          "Java_io_vitalflow_bridge_AvroVitals_encode0",
          "Java_io_vitalflow_bridge_ExtractOptions_create0",
          "Java_io_vitalflow_bridge_ExtractOptions_release0",
          "Java_io_vitalflow_bridge_NativeBridge_messageParses0",
          "Java_io_vitalflow_bridge_NativeBridge_version0",
          "Java_io_vitalflow_bridge_MllpServer_start0",
          "Java_io_vitalflow_bridge_MllpServer_poll0",
          "Java_io_vitalflow_bridge_MllpServer_ack0",
          "Java_io_vitalflow_bridge_MllpServer_fail0",
          "Java_io_vitalflow_bridge_MllpServer_port0",
          "Java_io_vitalflow_bridge_MllpServer_stats0",
          "Java_io_vitalflow_bridge_MllpServer_close0",
          "Java_io_vitalflow_bridge_PatientStream_step0",
          "Java_io_vitalflow_bridge_PatientStream_stepRows0",
          "Java_io_vitalflow_bridge_PatientStream_setScale0",
          "Java_io_vitalflow_bridge_PatientStream_tick0",
          "Java_io_vitalflow_bridge_PatientStream_discardableAfter0");

  static Set<String> exportedJniSymbols(Path library) throws IOException, InterruptedException {
    assertTrue(Files.isRegularFile(library), "library " + library.toAbsolutePath());
    Process p =
        new ProcessBuilder("nm", "-D", "--defined-only", library.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), "nm -D --defined-only " + library + ": " + out);
    Set<String> names = new TreeSet<>();
    for (String line : out.split("\n")) {
      String[] cols = line.trim().split("\\s+");
      String name = cols[cols.length - 1];
      if (name.startsWith("Java_") || name.startsWith("JNI_")) {
        names.add(name);
      }
    }
    return names;
  }

  @Test
  void theBundledLibraryExportsOnlyProductionEntryPoints() throws Exception {
    Path bundled =
        Paths.get(
            System.getProperty(
                "vitalflow.native.bundled",
                "target/classes/native/linux-x86_64/libvitalflow_jni.so"));
    Set<String> symbols = exportedJniSymbols(bundled);
    assertEquals(new TreeSet<>(PRODUCTION), symbols, "JNI exports of " + bundled);
    for (String t : TEST_NATIVES) {
      assertFalse(symbols.contains(t), t + " in " + bundled);
    }
  }

  @Test
  void theTestBuildHasTheTestNatives() throws Exception {
    String path = System.getProperty(NativeLibrary.PATH_PROPERTY);
    assertTrue(
        path != null, "Surefire sets -D" + NativeLibrary.PATH_PROPERTY + " to the test build");
    Set<String> symbols = exportedJniSymbols(Paths.get(path));
    assertTrue(symbols.containsAll(TEST_NATIVES), symbols.toString());
    assertTrue(symbols.containsAll(PRODUCTION), symbols.toString());
  }

  @Test
  void platformsAreNamedAndUnsupportedOnesRefused() {
    assertEquals("linux-x86_64", NativeLibrary.classifier("Linux", "amd64"));
    assertEquals("linux-aarch64", NativeLibrary.classifier("Linux", "aarch64"));
    assertEquals("osx-aarch64", NativeLibrary.classifier("Mac OS X", "aarch64"));
    assertEquals(null, NativeLibrary.unsupportedReason("linux-x86_64"));
    assertTrue(
        NativeLibrary.unsupportedReason("osx-aarch64")
            .contains("known but this jar bundles no library"));
    assertTrue(NativeLibrary.unsupportedReason("sunos-sparcv9").contains("is not supported"));
  }

  @Test
  void staleCopiesWithAFreeLockAreRemovedAndLockedOnesKept() throws Exception {
    Path dir = Files.createTempDirectory("vitalflow-native-stale");
    Path stale = Files.createFile(dir.resolve("libvitalflow_jni-1.so"));
    Files.createFile(dir.resolve("libvitalflow_jni-1.so.lck"));
    Path noLock = Files.createFile(dir.resolve("libvitalflow_jni-2.so"));
    Path held = Files.createFile(dir.resolve("libvitalflow_jni-3.so"));
    Path heldLock = Files.createFile(dir.resolve("libvitalflow_jni-3.so.lck"));
    try (java.nio.channels.FileChannel ch =
            java.nio.channels.FileChannel.open(heldLock, java.nio.file.StandardOpenOption.WRITE);
        java.nio.channels.FileLock lock = ch.lock()) {
      assertEquals(1, NativeLibrary.removeStaleCopies(dir, "libvitalflow_jni-", ".so"));
      assertTrue(lock.isValid());
    }
    assertFalse(Files.exists(stale), "copy of a gone JVM removed");
    assertFalse(Files.exists(dir.resolve("libvitalflow_jni-1.so.lck")));
    assertTrue(Files.exists(noLock), "copy without a lock file kept");
    assertTrue(Files.exists(held), "copy whose lock is held kept");
  }
}
