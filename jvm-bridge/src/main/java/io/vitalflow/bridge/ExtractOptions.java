package io.vitalflow.bridge;

import java.lang.ref.Cleaner;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How to extract: the zone for HL7 timestamps without an offset, and the site's own vital-sign
 * codes added to the built-in table ({@code vital_codes.tsv} format: system, code, kind, unit[,
 * implied unit, description], tab-separated). Registered once in the native library and referred to
 * by id; thread-safe and immutable. {@link #close()} (or garbage collection) releases it.
 */
public final class ExtractOptions implements AutoCloseable {
  static {
    NativeBridge.ensureLoaded();
  }

  private static final Cleaner CLEANER = Cleaner.create();
  private static final Map<String, ExtractOptions> BY_ZONE = new ConcurrentHashMap<>();

  /** UTC and the built-in codes. */
  public static final ExtractOptions DEFAULT = new ExtractOptions(0, "UTC", false);

  private final long id;
  private final String zone;
  private final Cleaner.Cleanable cleanable;

  private ExtractOptions(long id, String zone, boolean release) {
    this.id = id;
    this.zone = zone;
    this.cleanable = release ? CLEANER.register(this, new Release(id)) : null;
  }

  private record Release(long id) implements Runnable {
    @Override
    public void run() {
      release0(id);
    }
  }

  /** Built-in codes and {@code zone} (null: UTC); shared instances, one per zone. */
  public static ExtractOptions zone(ZoneId zone) {
    if (zone == null || zone.equals(ZoneOffset.UTC) || zone.getId().equals("UTC")) {
      return DEFAULT;
    }
    return BY_ZONE.computeIfAbsent(
        zone.getId(), z -> new ExtractOptions(create0(z, null, null), z, false));
  }

  /**
   * Options with {@code zone} (null: UTC) and a site's code rows added to the built-in table (a row
   * with the same system and code replaces the built-in one).
   *
   * @throws IllegalArgumentException for an unknown zone or a malformed code table
   */
  public static ExtractOptions create(ZoneId zone, String siteCodesTsv) {
    return create(zone, siteCodesTsv, null);
  }

  /**
   * {@link #create(ZoneId, String)} with a site's settings: the device clock tolerance and the
   * hypoglycaemia thresholds (null: the defaults).
   *
   * @throws IllegalArgumentException for an unknown zone, a malformed code table or settings out of
   *     range (the message names the setting)
   */
  public static ExtractOptions create(ZoneId zone, String siteCodesTsv, SiteSettings settings) {
    String z = zone == null ? null : zone.getId();
    String json = settings == null ? null : settings.toJson();
    return new ExtractOptions(create0(z, siteCodesTsv, json), z == null ? "UTC" : z, true);
  }

  /**
   * A site's settings for extraction and scoring.
   *
   * @param clockTolerance how far after its receipt an observation time may be before it is a
   *     device clock error (default 5 minutes)
   * @param hypoL1MgDl hypoglycaemia level 1 below this, mg/dL (default 70)
   * @param hypoL2MgDl level 2 below this, mg/dL (default 54)
   * @param hypoL1MmolL level 1 below this, mmol/L (default 3.9; JBDS 4.0)
   * @param hypoL2MmolL level 2 below this, mmol/L (default 3.0)
   */
  public record SiteSettings(
      java.time.Duration clockTolerance,
      double hypoL1MgDl,
      double hypoL2MgDl,
      double hypoL1MmolL,
      double hypoL2MmolL)
      implements java.io.Serializable {
    /** The defaults: 5 minutes, ADA thresholds. */
    public static final SiteSettings DEFAULTS =
        new SiteSettings(java.time.Duration.ofMinutes(5), 70, 54, 3.9, 3.0);

    String toJson() {
      return "{\"clock_tolerance_ms\":"
          + clockTolerance.toMillis()
          + ",\"glucose\":{\"hypo_l1_mg_dl\":"
          + hypoL1MgDl
          + ",\"hypo_l2_mg_dl\":"
          + hypoL2MgDl
          + ",\"hypo_l1_mmol_l\":"
          + hypoL1MmolL
          + ",\"hypo_l2_mmol_l\":"
          + hypoL2MmolL
          + "}}";
    }
  }

  long id() {
    return id;
  }

  /** The zone id for timestamps without an offset. */
  public String zoneId() {
    return zone;
  }

  /**
   * Releases options made by {@link #create}; shared ones ({@link #DEFAULT}, {@link #zone}) stay.
   */
  @Override
  public void close() {
    if (cleanable != null) {
      cleanable.clean();
    }
  }

  @Override
  public String toString() {
    return "ExtractOptions[" + zone + (cleanable != null ? ", site codes" : "") + "]";
  }

  private static native long create0(String zone, String siteCodesTsv, String settingsJson);

  private static native void release0(long id);
}
