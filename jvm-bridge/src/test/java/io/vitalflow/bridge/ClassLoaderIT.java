package io.vitalflow.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar in isolated class loaders, as Kafka Connect (one loader per plugin) and Flink (a
 * new user-code loader per job submission) use it. The loaders' parent is the platform loader, so
 * nothing of the bridge comes from the test's own class path.
 */
class ClassLoaderIT {
  static URL jar;

  @BeforeAll
  static void jar() throws Exception {
    Path p =
        Paths.get(
            System.getProperty(
                "vitalflow.bridge.jar", "target/vitalflow-jvm-bridge-0.1.0-SNAPSHOT.jar"));
    assertTrue(Files.isRegularFile(p), "run after `mvn package`: " + p);
    jar = p.toUri().toURL();
  }

  static URLClassLoader isolated(String name) {
    return new URLClassLoader(name, new URL[] {jar}, ClassLoader.getPlatformClassLoader());
  }

  static Object call(
      ClassLoader loader, String cls, String method, Class<?>[] types, Object... args)
      throws Throwable {
    Method m = loader.loadClass(cls).getMethod(method, types);
    try {
      return m.invoke(null, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  static String query(ClassLoader loader, String path) throws Throwable {
    return (String)
        call(
            loader,
            "io.vitalflow.bridge.Hl7",
            "query",
            new Class<?>[] {byte[].class, String.class},
            Messages.monitor(),
            path);
  }

  static int vitalsCount(ClassLoader loader) throws Throwable {
    return ((List<?>)
            call(
                loader,
                "io.vitalflow.bridge.Vitals",
                "extract",
                new Class<?>[] {byte[].class},
                (Object) Messages.monitor()))
        .size();
  }

  static String loadedFrom(ClassLoader loader) throws Throwable {
    return (String)
        call(loader, "io.vitalflow.bridge.NativeLibrary", "loadedFrom", new Class<?>[0]);
  }

  /** Two Connect plugins, each with its own copy of the bridge, used at the same time. */
  @Test
  void twoPluginClassLoadersEachCarryingTheBridge() throws Throwable {
    try (URLClassLoader a = isolated("plugin-a");
        URLClassLoader b = isolated("plugin-b")) {
      assertEquals("12345", query(a, "PID-3-1"));
      assertEquals("12345", query(b, "PID-3-1"));
      assertEquals(7, vitalsCount(a));
      assertEquals(7, vitalsCount(b));
      assertNotSame(a.loadClass("io.vitalflow.bridge.Hl7"), b.loadClass("io.vitalflow.bridge.Hl7"));
      assertTrue(loadedFrom(a).startsWith("jar:native/linux-x86_64/"), loadedFrom(a));
      assertTrue(loadedFrom(b).startsWith("jar:native/linux-x86_64/"), loadedFrom(b));

      // The exception a native call throws is the class of the caller's own loader.
      for (URLClassLoader l : List.of(a, b)) {
        Throwable t = assertThrows(Throwable.class, () -> query(l, "bad path"));
        assertSame(l.loadClass("io.vitalflow.bridge.Hl7Exception"), t.getClass());
      }

      // Both at once, from several threads.
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<String>> fs = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
          ClassLoader l = i % 2 == 0 ? a : b;
          fs.add(
              pool.submit(
                  () -> {
                    try {
                      return query(l, "PID-3-1");
                    } catch (Throwable t) {
                      throw new RuntimeException(t);
                    }
                  }));
        }
        for (Future<String> f : fs) {
          assertEquals("12345", f.get());
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  /** A Flink job cancelled and resubmitted in the same TaskManager: a new loader each time. */
  @Test
  void jobCancelledAndResubmittedInTheSameJvm() throws Throwable {
    List<WeakReference<ClassLoader>> old = new ArrayList<>();
    for (int submission = 0; submission < 5; submission++) {
      URLClassLoader job = isolated("job-" + submission);
      assertEquals("12345", query(job, "PID-3-1"));
      assertEquals(7, vitalsCount(job));
      old.add(new WeakReference<>(job));
      job.close(); // cancel: Flink closes the user-code class loader
    }
    // Nothing native holds on to the old loaders (no global references are kept), so they can be
    // collected and their library copies unloaded.
    for (int i = 0; i < 20 && old.stream().anyMatch(r -> r.get() != null); i++) {
      System.gc();
      Thread.sleep(50);
    }
    long alive = old.stream().filter(r -> r.get() != null).count();
    System.out.println("class loaders still reachable after GC: " + alive + " of " + old.size());
    try (URLClassLoader again = isolated("job-after-gc")) {
      assertEquals("12345", query(again, "PID-3-1"));
    }
  }

  /** An explicit library path used by two loaders: the second gets a private copy. */
  @Test
  void overridePathSharedByTwoClassLoaders() throws Throwable {
    Path built =
        Paths.get(
            System.getProperty("vitalflow.native.built", "../target/release/libvitalflow_jni.so"));
    assertTrue(Files.isRegularFile(built), built.toString());
    System.setProperty(NativeLibrary.PATH_PROPERTY, built.toString());
    try (URLClassLoader a = isolated("override-a");
        URLClassLoader b = isolated("override-b")) {
      assertEquals("12345", query(a, "PID-3-1"));
      assertEquals("12345", query(b, "PID-3-1"));
      String fa = loadedFrom(a);
      String fb = loadedFrom(b);
      assertTrue(fa.startsWith(built.toAbsolutePath().toString()), fa);
      assertTrue(fb.startsWith(built.toAbsolutePath().toString()), fb);
      assertTrue(fa.contains("private copy") || fb.contains("private copy"), fa + " / " + fb);
    } finally {
      System.clearProperty(NativeLibrary.PATH_PROPERTY);
    }
  }

  /** The first failure is cached and rethrown with a clear message. */
  @Test
  void firstFailureIsCachedAndRethrown() throws Throwable {
    System.setProperty(NativeLibrary.PATH_PROPERTY, "/nonexistent/libvitalflow_jni.so");
    try (URLClassLoader l = isolated("broken")) {
      Throwable first =
          assertThrows(
              UnsatisfiedLinkError.class,
              () -> call(l, "io.vitalflow.bridge.NativeLibrary", "load", new Class<?>[0]));
      assertTrue(
          first.getMessage().contains("/nonexistent/libvitalflow_jni.so"), first.getMessage());
      assertTrue(first.getMessage().contains(NativeLibrary.PATH_PROPERTY), first.getMessage());
      System.clearProperty(
          NativeLibrary.PATH_PROPERTY); // would succeed now, but the failure is cached
      Throwable second =
          assertThrows(
              UnsatisfiedLinkError.class,
              () -> call(l, "io.vitalflow.bridge.NativeLibrary", "load", new Class<?>[0]));
      assertTrue(second.getMessage().contains("failed to load earlier"), second.getMessage());
      assertSame(first, second.getCause());
    } finally {
      System.clearProperty(NativeLibrary.PATH_PROPERTY);
    }
  }

  /** The parent-first alternative: the bridge in a parent loader, shared by child loaders. */
  @Test
  void parentFirstSharesOneCopy() throws Throwable {
    try (URLClassLoader parent = isolated("parent");
        URLClassLoader c1 = new URLClassLoader("child-1", new URL[0], parent);
        URLClassLoader c2 = new URLClassLoader("child-2", new URL[0], parent)) {
      assertEquals("12345", query(c1, "PID-3-1"));
      assertEquals("12345", query(c2, "PID-3-1"));
      assertSame(c1.loadClass("io.vitalflow.bridge.Hl7"), c2.loadClass("io.vitalflow.bridge.Hl7"));
    }
  }
}
