//! Extraction options, cached: building the code table is not free, and the JVM
//! passes only a zone name (or null for UTC).

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, OnceLock, RwLock};

use vitalflow_core::ExtractOptions;

use crate::BridgeError;

static DEFAULT: OnceLock<Arc<ExtractOptions>> = OnceLock::new();
static BY_ZONE: OnceLock<RwLock<HashMap<String, Arc<ExtractOptions>>>> = OnceLock::new();

/// The options for `zone` (an IANA name such as `Europe/London`); `None` is UTC.
pub fn for_zone(zone: Option<&str>) -> Result<Arc<ExtractOptions>, BridgeError> {
    let default = DEFAULT.get_or_init(|| Arc::new(ExtractOptions::default()));
    let Some(zone) = zone else {
        return Ok(default.clone());
    };
    if zone == "UTC" || zone == "Z" {
        return Ok(default.clone());
    }
    let map = BY_ZONE.get_or_init(|| RwLock::new(HashMap::new()));
    if let Some(o) = map.read().unwrap_or_else(|p| p.into_inner()).get(zone) {
        return Ok(o.clone());
    }
    let tz = chrono_tz::Tz::from_str(zone)
        .map_err(|_| BridgeError::Argument(format!("unknown time zone {zone:?}")))?;
    let opts = Arc::new(ExtractOptions {
        zone: tz,
        codes: default.codes.clone(),
        ..ExtractOptions::default()
    });
    map.write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(zone.to_string(), opts.clone());
    Ok(opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_resolve_and_unknown_ones_are_argument_errors() {
        assert_eq!(for_zone(None).unwrap().zone, chrono_tz::UTC);
        assert_eq!(
            for_zone(Some("Europe/London")).unwrap().zone,
            chrono_tz::Europe::London
        );
        assert!(matches!(
            for_zone(Some("Mars/Olympus")),
            Err(BridgeError::Argument(_))
        ));
    }
}

/// Options registered from Java (`io.vitalflow.bridge.ExtractOptions`), by id;
/// id 0 is the default (UTC, built-in codes). Ids, not pointers, cross JNI: a
/// stale or foreign id is an argument error, never a dangling pointer.
static REGISTRY: vitalflow_ffi::HandleTable<ExtractOptions> = vitalflow_ffi::HandleTable::new();

/// A site's settings beyond the zone and the codes, as JSON from Java
/// (`ExtractOptions.create`): `{"clock_tolerance_ms": 300000, "glucose":
/// {"hypo_l1_mg_dl": 70, "hypo_l2_mg_dl": 54, "hypo_l1_mmol_l": 3.9,
/// "hypo_l2_mmol_l": 3.0}}`; every key optional.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct SiteSettings {
    clock_tolerance_ms: Option<i64>,
    glucose: Option<vitalflow_core::glucose::GlucoseThresholds>,
}

/// Registers options for `zone` (None: UTC) with a site's code rows added to the
/// built-in table (`vital_codes.tsv` format); returns the id.
pub fn register(zone: Option<&str>, site_codes: Option<&str>) -> Result<i64, BridgeError> {
    register_with(zone, site_codes, None)
}

/// [`register`] with the site's settings (JSON, see [`SiteSettings`]).
pub fn register_with(
    zone: Option<&str>,
    site_codes: Option<&str>,
    settings: Option<&str>,
) -> Result<i64, BridgeError> {
    let settings: SiteSettings = match settings {
        None => SiteSettings::default(),
        Some(json) => serde_json::from_str(json)
            .map_err(|e| BridgeError::Argument(format!("site settings: {e}")))?,
    };
    if let Some(g) = &settings.glucose {
        g.validate().map_err(BridgeError::Argument)?;
    }
    if settings.clock_tolerance_ms.is_some_and(|t| t < 0) {
        return Err(BridgeError::Argument(
            "site settings: clock_tolerance_ms must not be negative".into(),
        ));
    }
    let base = for_zone(zone)?;
    let codes = match site_codes {
        None => base.codes.clone(),
        Some(tsv) => base
            .codes
            .with_site_codes(tsv)
            .map_err(|e| BridgeError::Argument(format!("site code table: {e}")))?,
    };
    let defaults = ExtractOptions::default();
    Ok(REGISTRY.insert(ExtractOptions {
        zone: base.zone,
        codes,
        clock_tolerance: settings
            .clock_tolerance_ms
            .map_or(defaults.clock_tolerance, chrono::TimeDelta::milliseconds),
        glucose: settings.glucose.unwrap_or(defaults.glucose),
    }))
}

/// The options registered as `id` (0: the default).
pub fn by_id(id: i64) -> Result<Arc<ExtractOptions>, BridgeError> {
    if id == 0 {
        return for_zone(None);
    }
    REGISTRY
        .get(id)
        .ok_or_else(|| BridgeError::Argument(format!("extract options {id} are closed or unknown")))
}

/// Forgets the options registered as `id`; unknown ids are ignored.
pub fn release(id: i64) {
    REGISTRY.remove(id);
}

#[cfg(test)]
mod registry_tests {
    use super::*;

    #[test]
    fn register_lookup_release() {
        let id = register(
            Some("Europe/Paris"),
            Some("LN\t99999-9\tHEART_RATE\t/min\n"),
        )
        .unwrap();
        let o = by_id(id).unwrap();
        assert_eq!(o.zone, chrono_tz::Europe::Paris);
        assert!(o.codes.len() > for_zone(None).unwrap().codes.len());
        release(id);
        assert!(matches!(by_id(id), Err(BridgeError::Argument(_))));
        assert!(by_id(0).is_ok());
        assert!(matches!(
            register(None, Some("nonsense")),
            Err(BridgeError::Argument(_))
        ));
    }
}
