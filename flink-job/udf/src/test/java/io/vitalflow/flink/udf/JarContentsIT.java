package io.vitalflow.flink.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The packaged UDF jar carries our classes and the native library and nothing that could clash with
 * Flink's class path (no Flink, Avro, Kafka, logging or other third-party classes).
 */
class JarContentsIT {
  static File jar() {
    File f = new File(System.getProperty("vitalflow.udf.jar", "target/vitalflow-flink-udf.jar"));
    assertTrue(f.isFile(), "the UDF jar is not built: " + f);
    return f;
  }

  @Test
  void onlyOurClassesAndTheNativeLibrary() throws Exception {
    List<String> foreign = new ArrayList<>();
    boolean so = false;
    boolean functions = false;
    try (JarFile j = new JarFile(jar())) {
      for (JarEntry e : java.util.Collections.list(j.entries())) {
        String n = e.getName();
        if (e.isDirectory()) continue;
        if (n.equals("native/linux-x86_64/libvitalflow_jni.so")) {
          so = true;
          assertTrue(e.getSize() > 1_000_000, "library size " + e.getSize());
        } else if (n.startsWith("io/vitalflow/bridge/")
            || n.startsWith("io/vitalflow/flink/udf/")) {
          functions |= n.equals("io/vitalflow/flink/udf/Hl7Vitals.class");
        } else if (!n.equals("META-INF/MANIFEST.MF")) {
          foreign.add(n);
        }
      }
    }
    assertTrue(so, "no native library in the jar");
    assertTrue(functions, "no UDF classes in the jar");
    assertEquals(List.of(), foreign, "entries that do not belong in the UDF jar");
  }

  /**
   * The jar alone, in a class loader of its own (as ADD JAR gives it), loads the library and
   * answers.
   */
  @Test
  void theBridgeRunsFromTheJarInItsOwnClassLoader() throws Exception {
    try (URLClassLoader l = new URLClassLoader(new URL[] {jar().toURI().toURL()}, null)) {
      Class<?> h = Class.forName("io.vitalflow.bridge.Hl7", true, l);
      assertEquals(l, h.getClassLoader());
      Object v =
          h.getMethod("query", byte[].class, String.class)
              .invoke(
                  null,
                  UdfTest.ORU.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                  "PID-3-1");
      assertEquals("P1", v);
    }
  }
}
