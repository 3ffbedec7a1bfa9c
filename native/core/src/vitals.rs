//! Vital-sign extraction: one [`VitalSign`] per OBX that carries a recognised
//! vital sign.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::glucose::GlucoseStatus;

/// The kinds of vital sign vitalflow recognises (SPEC.md "Vital signs").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VitalKind {
    Temperature,
    SystolicBp,
    DiastolicBp,
    MeanBp,
    HeartRate,
    RespiratoryRate,
    Spo2,
    Glucose,
    Consciousness,
    InspiredO2,
}

/// One row per recognised OBX. Field names are the contract's (JSON and Avro).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VitalSign {
    /// MSH-10.
    pub message_control_id: String,
    /// 1-based position of the OBX among the message's OBX segments.
    pub obx_index: u32,
    /// OBX-1.
    pub set_id: Option<String>,
    /// PID-3-1 of the first repetition.
    pub patient_id: Option<String>,
    /// PID-3-4-1.
    pub patient_id_authority: Option<String>,
    /// PV1-19-1.
    pub encounter_id: Option<String>,
    /// PV1-3, as sent (components joined by the component separator, unescaped).
    pub location: Option<String>,
    pub kind: VitalKind,
    /// OBX-3-1.
    pub code: String,
    /// OBX-3-3.
    pub code_system: Option<String>,
    /// The number as sent; `None` for text-valued kinds.
    pub value: Option<f64>,
    /// SN comparator (`<`, `>`, `<=`, `>=`, `=`, `<>`), kept but ignored for scoring.
    pub comparator: Option<String>,
    /// Text value for text-valued kinds (CONSCIOUSNESS: A, C, V, P or U).
    pub text: Option<String>,
    /// OBX-6-1, as sent.
    pub unit: Option<String>,
    /// The value in the canonical unit.
    pub normalized_value: Option<f64>,
    /// The canonical unit (UCUM), e.g. `Cel`, `mm[Hg]`.
    pub normalized_unit: Option<String>,
    /// OBX-14, else OBR-7, else MSH-7, in UTC.
    #[serde(with = "rfc3339_opt")]
    pub observed_at: Option<DateTime<Utc>>,
    /// OBX-11.
    pub status: Option<String>,
    /// OBX-18-1.
    pub device_id: Option<String>,
    /// GLUCOSE only.
    pub glucose_status: Option<GlucoseStatus>,
}

mod rfc3339_opt {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(t) => s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        s.map(|s| {
            DateTime::parse_from_rfc3339(&s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(serde::de::Error::custom)
        })
        .transpose()
    }
}

/// How to extract: the zone for timestamps without an offset, and the code table.
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// Zone for HL7 timestamps that carry no offset (default UTC).
    pub zone: chrono_tz::Tz,
    /// The vital-sign code table (built-in codes plus a site's own).
    pub codes: std::sync::Arc<crate::codes::CodeTable>,
}

impl Default for ExtractOptions {
    fn default() -> Self {
        ExtractOptions { zone: chrono_tz::UTC, codes: crate::codes::CodeTable::builtin() }
    }
}

/// Extracts one [`VitalSign`] per OBX that carries a recognised vital sign.
pub fn extract(message: &[u8], options: &ExtractOptions) -> Result<Vec<VitalSign>, crate::Hl7Error> {
    let _ = (message, options);
    todo!()
}
