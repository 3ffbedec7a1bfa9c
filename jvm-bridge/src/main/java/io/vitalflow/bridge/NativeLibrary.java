package io.vitalflow.bridge;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Loads {@code libvitalflow_jni}, once per class loader that holds this class.
 *
 * <p>Search order:
 *
 * <ol>
 *   <li>the system property {@value #PATH_PROPERTY}: an absolute path to the library;
 *   <li>{@code System.loadLibrary("vitalflow_jni")}, i.e. {@code java.library.path};
 *   <li>the jar resource {@code native/<os>-<arch>/libvitalflow_jni.so} (for example {@code
 *       native/linux-x86_64/}), extracted under a unique temporary name and loaded from there.
 * </ol>
 *
 * <p>A JVM refuses to load one library file into two class loaders ("already loaded in another
 * classloader"). Kafka Connect gives every plugin its own class loader and Flink gives every job
 * submission a new one, so each copy of this class may need its own copy of the library: the
 * resource is always extracted under a fresh name, and a library found by steps 1 or 2 that another
 * class loader already holds is copied to a fresh name too. Extracted files are deleted when the
 * JVM exits; they stay until then because the Rust panic backtrace reads symbols from the file. Set
 * {@value #DELETE_PROPERTY}{@code =true} to delete them right after loading instead (the mapping
 * stays valid on Linux and macOS; backtraces then lose their symbols).
 *
 * <p>Each extracted copy has a lock file next to it ({@code <copy>.lck}), locked while this JVM
 * lives. Before extracting, copies left by earlier JVMs (a crash, a kill) are removed: those whose
 * lock file can be locked, i.e. whose JVM is gone.
 *
 * <p>The jar resource directory comes from {@code os.name}/{@code os.arch} ({@link #classifier()}).
 * Bundled: {@link #BUNDLED}. Known platform names that a build could add with a second library in
 * the jar: {@link #KNOWN_NOT_BUNDLED}. Anything else is refused with a message that names the
 * platform.
 *
 * <p>The first failure is cached: later calls rethrow it, with every attempt listed, instead of
 * trying again and failing differently.
 */
public final class NativeLibrary {
  /** System property: absolute path of the library to load instead of searching. */
  public static final String PATH_PROPERTY = "vitalflow.native.path";

  /** System property: directory for extracted copies (default {@code java.io.tmpdir}). */
  public static final String TMPDIR_PROPERTY = "vitalflow.native.tmpdir";

  /** System property: delete an extracted copy right after loading it (default false). */
  public static final String DELETE_PROPERTY = "vitalflow.native.deleteAfterLoad";

  /** The library name given to {@code System.loadLibrary}. */
  public static final String LIBRARY_NAME = "vitalflow_jni";

  /** Platforms whose library this jar carries. */
  public static final Set<String> BUNDLED = Set.of("linux-x86_64");

  /** Platform names the loader knows but this jar carries no library for. */
  public static final Set<String> KNOWN_NOT_BUNDLED =
      Set.of("linux-aarch64", "osx-aarch64", "osx-x86_64", "windows-x86_64");

  private static final String LOCK_SUFFIX = ".lck";

  /** Locks of this class loader's extracted copies, held (never released) while the JVM lives. */
  private static final List<FileLock> HELD = new ArrayList<>();

  private static volatile boolean loaded;
  private static String loadedFrom;
  private static UnsatisfiedLinkError failure;

  private NativeLibrary() {}

  /** Loads the library if this class loader has not yet; rethrows the first failure. */
  public static void load() {
    if (loaded) {
      return;
    }
    synchronized (NativeLibrary.class) {
      if (loaded) {
        return;
      }
      if (failure != null) {
        UnsatisfiedLinkError again =
            new UnsatisfiedLinkError(
                "vitalflow native library failed to load earlier in this class loader: "
                    + failure.getMessage());
        again.initCause(failure);
        throw again;
      }
      List<String> attempts = new ArrayList<>();
      try {
        loadedFrom = search(attempts);
        loaded = true;
      } catch (Throwable t) {
        failure =
            new UnsatisfiedLinkError(
                "cannot load the vitalflow native library for "
                    + classifier()
                    + "; tried: "
                    + String.join("; ", attempts)
                    + ". Set -D"
                    + PATH_PROPERTY
                    + "=/path/to/"
                    + System.mapLibraryName(LIBRARY_NAME)
                    + " or use a jvm-bridge jar built for this platform.");
        failure.initCause(t);
        throw failure;
      }
    }
  }

  /** Whether the library is loaded in this class loader. */
  public static boolean isLoaded() {
    return loaded;
  }

  /**
   * Where the library was loaded from (a path, or {@code java.library.path}); null if not loaded.
   */
  public static synchronized String loadedFrom() {
    return loadedFrom;
  }

  /**
   * The {@code <os>-<arch>} directory name under {@code native/} in the jar, e.g. {@code
   * linux-x86_64}.
   */
  public static String classifier() {
    return classifier(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
  }

  /** The classifier of an {@code os.name} and {@code os.arch}. */
  static String classifier(String osName, String osArch) {
    String os = osName.toLowerCase(Locale.ROOT);
    String arch = osArch.toLowerCase(Locale.ROOT);
    String o =
        os.startsWith("linux")
            ? "linux"
            : os.startsWith("mac") || os.startsWith("darwin")
                ? "osx"
                : os.startsWith("windows") ? "windows" : os.replaceAll("[^a-z0-9]", "");
    String a =
        switch (arch) {
          case "amd64", "x86_64", "x64" -> "x86_64";
          case "aarch64", "arm64" -> "aarch64";
          default -> arch.replaceAll("[^a-z0-9_]", "");
        };
    return o + "-" + a;
  }

  /**
   * Why the jar cannot serve {@code classifier}, or null if it carries its library: a known
   * platform without a bundled library, or an unsupported one.
   */
  static String unsupportedReason(String classifier) {
    if (BUNDLED.contains(classifier)) {
      return null;
    }
    if (KNOWN_NOT_BUNDLED.contains(classifier)) {
      return "platform "
          + classifier
          + " is known but this jar bundles no library for it (bundled: "
          + BUNDLED
          + "); build libvitalflow_jni for it and add it as native/"
          + classifier
          + "/";
    }
    return "platform "
        + classifier
        + " (os.name="
        + System.getProperty("os.name")
        + ", os.arch="
        + System.getProperty("os.arch")
        + ") is not supported (bundled: "
        + BUNDLED
        + "; known: "
        + KNOWN_NOT_BUNDLED
        + ")";
  }

  private static String search(List<String> attempts) throws IOException {
    String override = System.getProperty(PATH_PROPERTY);
    if (override != null && !override.isBlank()) {
      Path path = Paths.get(override).toAbsolutePath();
      try {
        return loadPath(path);
      } catch (UnsatisfiedLinkError e) {
        attempts.add("-D" + PATH_PROPERTY + "=" + path + ": " + e.getMessage());
        throw e; // an explicit override that fails is not silently replaced
      }
    }
    try {
      System.loadLibrary(LIBRARY_NAME);
      return "java.library.path";
    } catch (UnsatisfiedLinkError e) {
      // Another class loader may hold the file (the JDK lets one loader load a file, and says
      // so only in the error's text, which is never parsed here): a private copy is a new file.
      // A library that cannot load at all fails as a copy too, and the search goes on.
      Path onPath = findOnLibraryPath();
      if (onPath != null) {
        try {
          return loadCopy(onPath);
        } catch (UnsatisfiedLinkError copy) {
          e.addSuppressed(copy);
        }
      }
      attempts.add("System.loadLibrary(\"" + LIBRARY_NAME + "\"): " + e.getMessage());
    }
    String unsupported = unsupportedReason(classifier());
    if (unsupported != null) {
      attempts.add("jar resource: " + unsupported);
      throw new UnsatisfiedLinkError(unsupported);
    }
    String resource = "native/" + classifier() + "/" + System.mapLibraryName(LIBRARY_NAME);
    try (InputStream in =
        NativeLibrary.class.getClassLoader() == null
            ? ClassLoader.getSystemResourceAsStream(resource)
            : NativeLibrary.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        attempts.add("jar resource " + resource + ": not found");
        throw new UnsatisfiedLinkError("resource " + resource + " not found");
      }
      Path tmp = createTemp();
      try {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        System.load(tmp.toString());
      } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
        attempts.add("jar resource " + resource + " extracted to " + tmp + ": " + e.getMessage());
        throw e;
      } finally {
        deleteAfterLoad(tmp);
      }
      return "jar:" + resource;
    }
  }

  /** Loads {@code path}, or a private copy of it when another class loader holds that file. */
  private static String loadPath(Path path) throws IOException {
    try {
      System.load(path.toString());
      return path.toString();
    } catch (UnsatisfiedLinkError e) {
      // Another class loader may hold this file (see search): try a private copy; a library that
      // cannot load at all fails as a copy too, and the first error is the one reported.
      if (!Files.isRegularFile(path)) {
        throw e;
      }
      try {
        return loadCopy(path);
      } catch (UnsatisfiedLinkError copy) {
        e.addSuppressed(copy);
        throw e;
      }
    }
  }

  private static String loadCopy(Path original) throws IOException {
    Path tmp = createTemp();
    try {
      Files.copy(original, tmp, StandardCopyOption.REPLACE_EXISTING);
      System.load(tmp.toString());
    } finally {
      deleteAfterLoad(tmp);
    }
    return original + " (private copy " + tmp.getFileName() + ")";
  }

  private static Path findOnLibraryPath() {
    String name = System.mapLibraryName(LIBRARY_NAME);
    for (String dir :
        System.getProperty("java.library.path", "").split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty()) {
        Path p = Paths.get(dir, name);
        if (Files.isRegularFile(p)) {
          return p;
        }
      }
    }
    return null;
  }

  private static Path createTemp() throws IOException {
    String dir = System.getProperty(TMPDIR_PROPERTY);
    String name = System.mapLibraryName(LIBRARY_NAME);
    int dot = name.lastIndexOf('.');
    String prefix = (dot > 0 ? name.substring(0, dot) : name) + "-";
    String suffix = dot > 0 ? name.substring(dot) : "";
    Path parent =
        dir == null
            ? Paths.get(System.getProperty("java.io.tmpdir"))
            : Files.createDirectories(Paths.get(dir));
    removeStaleCopies(parent, prefix, suffix);
    Path tmp = Files.createTempFile(parent, prefix, suffix);
    Path lock = lockFile(tmp);
    FileChannel channel =
        FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    synchronized (HELD) {
      HELD.add(channel.lock());
    }
    tmp.toFile().deleteOnExit();
    lock.toFile().deleteOnExit();
    return tmp;
  }

  private static Path lockFile(Path copy) {
    return copy.resolveSibling(copy.getFileName() + LOCK_SUFFIX);
  }

  /**
   * Deletes extracted copies in {@code dir} whose lock file is free (their JVM has exited without
   * deleting them). A copy without a lock file is left alone (it may be being created right now),
   * and so is one whose lock is held by any JVM, this one included.
   *
   * @return how many copies were deleted
   */
  static int removeStaleCopies(Path dir, String prefix, String suffix) {
    int removed = 0;
    try (DirectoryStream<Path> copies = Files.newDirectoryStream(dir, prefix + "*" + suffix)) {
      for (Path copy : copies) {
        Path lock = lockFile(copy);
        if (!Files.isRegularFile(lock)) {
          continue;
        }
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE)) {
          FileLock l = ch.tryLock();
          if (l == null) {
            continue; // another JVM holds it
          }
          try {
            Files.deleteIfExists(copy);
            removed++;
          } finally {
            l.release();
          }
          Files.deleteIfExists(lock);
        } catch (OverlappingFileLockException inUseHere) {
          // this JVM holds it (another class loader's copy)
        } catch (IOException ignored) {
          // best effort: a copy we cannot inspect is left alone
        }
      }
    } catch (IOException ignored) {
      // best effort: an unreadable directory only means nothing is cleaned
    }
    return removed;
  }

  private static void deleteAfterLoad(Path tmp) {
    // POSIX keeps the mapping of an unlinked file; Windows cannot delete a loaded DLL.
    // deleteOnExit (set in createTemp) covers the default.
    if (Boolean.getBoolean(DELETE_PROPERTY)
        && !System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // best effort: deleteOnExit remains
      }
    }
  }
}
