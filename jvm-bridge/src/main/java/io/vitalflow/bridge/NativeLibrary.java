package io.vitalflow.bridge;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Loads {@code libvitalflow_jni}, once per class loader that holds this class.
 *
 * <p>Search order:
 * <ol>
 *   <li>the system property {@value #PATH_PROPERTY}: an absolute path to the library;</li>
 *   <li>{@code System.loadLibrary("vitalflow_jni")}, i.e. {@code java.library.path};</li>
 *   <li>the jar resource {@code native/<os>-<arch>/libvitalflow_jni.so} (for example
 *       {@code native/linux-x86_64/}), extracted under a unique temporary name and loaded from
 *       there.</li>
 * </ol>
 *
 * <p>A JVM refuses to load one library file into two class loaders ("already loaded in another
 * classloader"). Kafka Connect gives every plugin its own class loader and Flink gives every job
 * submission a new one, so each copy of this class may need its own copy of the library: the
 * resource is always extracted under a fresh name, and a library found by steps 1 or 2 that
 * another class loader already holds is copied to a fresh name too. Extracted files are deleted
 * when the JVM exits; they stay until then because the Rust panic backtrace reads symbols from the
 * file. Set {@value #DELETE_PROPERTY}{@code =true} to delete them right after loading instead (the
 * mapping stays valid on Linux and macOS; backtraces then lose their symbols).
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

    private static final String OTHER_LOADER = "another classloader";

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
                UnsatisfiedLinkError again = new UnsatisfiedLinkError(
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
                failure = new UnsatisfiedLinkError(
                        "cannot load the vitalflow native library for " + classifier() + "; tried: "
                                + String.join("; ", attempts)
                                + ". Set -D" + PATH_PROPERTY + "=/path/to/" + System.mapLibraryName(LIBRARY_NAME)
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

    /** Where the library was loaded from (a path, or {@code java.library.path}); null if not loaded. */
    public static synchronized String loadedFrom() {
        return loadedFrom;
    }

    /** The {@code <os>-<arch>} directory name under {@code native/} in the jar, e.g. {@code linux-x86_64}. */
    public static String classifier() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.startsWith("linux") ? "linux"
                : os.startsWith("mac") || os.startsWith("darwin") ? "osx"
                : os.startsWith("windows") ? "windows" : os.replaceAll("[^a-z0-9]", "");
        String a = switch (arch) {
            case "amd64", "x86_64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch_64";
            default -> arch.replaceAll("[^a-z0-9_]", "");
        };
        return o + "-" + a;
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
            if (String.valueOf(e.getMessage()).contains(OTHER_LOADER)) {
                Path onPath = findOnLibraryPath();
                if (onPath != null) {
                    return loadCopy(onPath);
                }
            }
            attempts.add("System.loadLibrary(\"" + LIBRARY_NAME + "\"): " + e.getMessage());
        }
        String resource = "native/" + classifier() + "/" + System.mapLibraryName(LIBRARY_NAME);
        try (InputStream in = NativeLibrary.class.getClassLoader() == null
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
            if (String.valueOf(e.getMessage()).contains(OTHER_LOADER)) {
                return loadCopy(path);
            }
            throw e;
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
        for (String dir : System.getProperty("java.library.path", "").split(java.io.File.pathSeparator)) {
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
        Path tmp = dir == null
                ? Files.createTempFile(prefix, suffix)
                : Files.createTempFile(Files.createDirectories(Paths.get(dir)), prefix, suffix);
        tmp.toFile().deleteOnExit();
        return tmp;
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
