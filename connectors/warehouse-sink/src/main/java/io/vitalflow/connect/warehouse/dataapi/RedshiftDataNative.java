package io.vitalflow.connect.warehouse.dataapi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The natives of libvitalflow_redshift_data (crate native/redshift-data, aws-sdk-redshiftdata). The
 * library is looked up, once per JVM, next to this class's jar (the plugin's lib/), then in the
 * system property {@code vitalflow.redshift.data.library}, then on java.library.path. It is a
 * separate library from libvitalflow_jni: the Flink job and the source connector never load the AWS
 * SDK.
 */
public final class RedshiftDataNative {
  public static final String LIBRARY = "libvitalflow_redshift_data.so";
  private static volatile boolean loaded;

  private RedshiftDataNative() {}

  public static synchronized void load() {
    if (loaded) return;
    String explicit = System.getProperty("vitalflow.redshift.data.library");
    if (explicit != null && !explicit.isBlank()) {
      System.load(Path.of(explicit).toAbsolutePath().toString());
    } else {
      Path beside = besideJar();
      if (beside != null && Files.isRegularFile(beside)) {
        System.load(beside.toAbsolutePath().toString());
      } else {
        System.loadLibrary("vitalflow_redshift_data");
      }
    }
    loaded = true;
  }

  private static Path besideJar() {
    try {
      var src = RedshiftDataNative.class.getProtectionDomain().getCodeSource();
      if (src == null) return null;
      Path p = Path.of(src.getLocation().toURI());
      return Files.isDirectory(p) ? p.resolve(LIBRARY) : p.resolveSibling(LIBRARY);
    } catch (URISyntaxException | RuntimeException e) {
      return null;
    }
  }

  /** Copies the library from a stream to a private temp file and loads it (for tests). */
  static void loadFrom(InputStream in) {
    try {
      Path f = Files.createTempFile("vitalflow_redshift_data", ".so");
      Files.copy(in, f, StandardCopyOption.REPLACE_EXISTING);
      System.load(f.toString());
      loaded = true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A client for these settings (key, value, key, value...); returns its handle. */
  static native long open0(String[] settings);

  /**
   * ExecuteStatement, DescribeStatement polled until done, and when there is a result,
   * GetStatementResult (all pages). Params alternate name, value. Returns [column count, column
   * names..., row values... (null = SQL NULL)].
   */
  static native String[] execute0(long handle, String sql, String[] params);

  /**
   * BatchExecuteStatement (one transaction), DescribeStatement polled until done. Returns the
   * statement id.
   */
  static native String batch0(long handle, String[] sqls);

  static native void close0(long handle);

  /** The native library's version (crate version). */
  static native String version0();
}
