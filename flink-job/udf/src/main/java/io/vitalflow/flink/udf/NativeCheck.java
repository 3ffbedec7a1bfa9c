package io.vitalflow.flink.udf;

import io.vitalflow.bridge.NativeBridge;

/**
 * Loads the native library when a function opens, so that a load failure names the cause up front.
 */
final class NativeCheck {
  private NativeCheck() {}

  static void ensureLoaded() {
    NativeBridge.ensureLoaded();
  }
}
