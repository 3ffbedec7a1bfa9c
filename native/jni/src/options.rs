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
