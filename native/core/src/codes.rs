//! The vital-sign code table: which OBX-3 codes are vital signs, of what kind,
//! in what unit; and which coded values mean which ACVPU level.
//!
//! The built-in table is `native/core/data/vital_codes.tsv` (and
//! `consciousness_values.tsv`), embedded at build time. A site extends it at run
//! time with a file in the same format, without a rebuild:
//!
//! ```
//! use vitalflow_core::codes::CodeTable;
//! use vitalflow_core::VitalKind;
//! let site = "LOCAL\tHR-MON\tHEART_RATE\t/min\t/min\tWard monitor heart rate\n";
//! let table = CodeTable::builtin().with_site_codes(site).unwrap();
//! assert_eq!(table.lookup("LOCAL", "HR-MON").unwrap().kind, VitalKind::HeartRate);
//! assert_eq!(table.lookup("LOINC", "8867-4").unwrap().kind, VitalKind::HeartRate);
//! assert_eq!(table.lookup("LN", "2951-2"), None); // sodium: not a vital sign
//! ```

use crate::charset::trim_text;
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, OnceLock};

use crate::consciousness::Consciousness;
use crate::units::Unit;
use crate::vitals::VitalKind;

const BUILTIN_CODES: &str = include_str!("../data/vital_codes.tsv");
const BUILTIN_CONSCIOUSNESS: &str = include_str!("../data/consciousness_values.tsv");

/// One row of the code table.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeEntry {
    pub kind: VitalKind,
    /// The canonical unit values are normalised to (`None` for text kinds).
    pub unit: Option<Unit>,
    /// The unit assumed when OBX-6 is empty (`None`: leave un-normalised).
    pub implied_unit: Option<Unit>,
    pub description: String,
}

/// FNV-1a: the table's keys are short codes from a file the site controls,
/// looked up once per OBX, where SipHash's set-up costs more than the lookup.
/// (HashDoS resistance is not needed: an attacker would have to write the
/// code table; message codes only ever look up.)
#[derive(Debug, Clone, Copy)]
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type Map<V> = HashMap<Box<str>, V, BuildHasherDefault<Fnv1a>>;

/// The code table. Cheap to share (`Arc`), immutable once built.
#[derive(Debug, Clone, Default)]
pub struct CodeTable {
    /// code -> (normalised system or "*", entry)
    codes: Map<Vec<(Box<str>, CodeEntry)>>,
    /// coded ACVPU values: code -> (normalised system or "*", letter)
    consciousness: Map<Vec<(Box<str>, Consciousness)>>,
}

/// Folds the names systems go by onto one: `LOINC` to `LN`, SNOMED CT to `SCT`.
pub fn normalize_system(system: &str) -> String {
    normalized_system(system).into_owned()
}

/// [`normalize_system`], borrowing where no upper-casing is needed (the
/// common case: systems are sent in capitals).
fn normalized_system(system: &str) -> Cow<'_, str> {
    let trimmed = trim_text(system);
    let s = if trimmed.bytes().any(|b| b.is_ascii_lowercase()) {
        Cow::Owned(trimmed.to_ascii_uppercase())
    } else {
        Cow::Borrowed(trimmed)
    };
    match &*s {
        "LN" | "LOINC" | "HTTP://LOINC.ORG" | "2.16.840.1.113883.6.1" => Cow::Borrowed("LN"),
        "SCT"
        | "SNOMED"
        | "SNOMEDCT"
        | "SNOMED CT"
        | "SNM"
        | "HTTP://SNOMED.INFO/SCT"
        | "2.16.840.1.113883.6.96" => Cow::Borrowed("SCT"),
        "MDC" | "ISO11073" | "ISO 11073" | "2.16.840.1.113883.6.24" => Cow::Borrowed("MDC"),
        _ => s,
    }
}

impl CodeTable {
    /// The built-in table (parsed once per process).
    pub fn builtin() -> Arc<CodeTable> {
        static BUILTIN: OnceLock<Arc<CodeTable>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                let mut t = CodeTable::default();
                t.add_codes(BUILTIN_CODES)
                    .expect("built-in vital_codes.tsv is valid");
                t.add_consciousness(BUILTIN_CONSCIOUSNESS)
                    .expect("built-in consciousness_values.tsv is valid");
                Arc::new(t)
            })
            .clone()
    }

    /// A copy of this table extended with a site's rows (the `vital_codes.tsv`
    /// format); a row with the same system and code replaces the existing one.
    pub fn with_site_codes(&self, tsv: &str) -> Result<Arc<CodeTable>, String> {
        let mut t = self.clone();
        t.add_codes(tsv)?;
        Ok(Arc::new(t))
    }

    /// The built-in table extended with the site file at `path`.
    pub fn builtin_with_file(path: &std::path::Path) -> Result<Arc<CodeTable>, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read code table {}: {e}", path.display()))?;
        Self::builtin()
            .with_site_codes(&text)
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    fn add_codes(&mut self, tsv: &str) -> Result<(), String> {
        for (n, line) in data_lines(tsv) {
            let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
            if cols.len() < 4 {
                return Err(format!(
                    "line {n}: expected system, code, kind, unit[, implied_unit, description]"
                ));
            }
            let kind = parse_kind(cols[2])
                .ok_or_else(|| format!("line {n}: unknown kind {:?}", cols[2]))?;
            let unit = parse_unit_col(cols[3]).map_err(|e| format!("line {n}: {e}"))?;
            let implied_unit = parse_unit_col(cols.get(4).copied().unwrap_or("-"))
                .map_err(|e| format!("line {n}: {e}"))?;
            let entry = CodeEntry {
                kind,
                unit,
                implied_unit,
                description: cols.get(5).unwrap_or(&"").to_string(),
            };
            let system = system_key(cols[0]);
            let rows = self.codes.entry(cols[1].into()).or_default();
            rows.retain(|(s, _)| *s != system);
            rows.push((system, entry));
        }
        Ok(())
    }

    fn add_consciousness(&mut self, tsv: &str) -> Result<(), String> {
        for (n, line) in data_lines(tsv) {
            let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
            if cols.len() < 3 {
                return Err(format!("line {n}: expected system, code, letter"));
            }
            let letter: Consciousness = cols[2]
                .parse()
                .map_err(|_| format!("line {n}: {:?} is not A, C, V, P or U", cols[2]))?;
            let system = system_key(cols[0]);
            let rows = self.consciousness.entry(cols[1].into()).or_default();
            rows.retain(|(s, _)| *s != system);
            rows.push((system, letter));
        }
        Ok(())
    }

    /// The entry for a code in a system; rows for any system (`*`) match
    /// whatever system was sent.
    pub fn lookup(&self, system: &str, code: &str) -> Option<&CodeEntry> {
        let rows = self.codes.get(trim_text(code))?;
        find(rows, system)
    }

    /// The ACVPU letter of a coded or lettered value.
    pub fn consciousness(&self, system: &str, code: &str) -> Option<Consciousness> {
        let code = trim_text(code);
        if code.len() == 1 {
            if let Ok(c) = code.parse() {
                return Some(c);
            }
        }
        find(self.consciousness.get(code)?, system).copied()
    }

    /// Number of code rows.
    pub fn len(&self) -> usize {
        self.codes.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

fn find<'t, T>(rows: &'t [(Box<str>, T)], system: &str) -> Option<&'t T> {
    if rows.len() == 1 && &*rows[0].0 == "*" {
        return Some(&rows[0].1);
    }
    let sys = normalized_system(system);
    rows.iter()
        .find(|(s, _)| **s == *sys)
        .or_else(|| rows.iter().find(|(s, _)| &**s == "*"))
        .map(|(_, e)| e)
}

fn system_key(s: &str) -> Box<str> {
    if s.trim() == "*" {
        "*".into()
    } else {
        normalize_system(s).into()
    }
}

fn data_lines(tsv: &str) -> impl Iterator<Item = (usize, &str)> {
    tsv.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
}

fn parse_unit_col(s: &str) -> Result<Option<Unit>, String> {
    if s == "-" || s.is_empty() {
        return Ok(None);
    }
    Unit::parse(s)
        .map(Some)
        .ok_or_else(|| format!("unknown unit {s:?}"))
}

fn parse_kind(s: &str) -> Option<VitalKind> {
    VitalKind::from_symbol(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_has_every_spec_code() {
        let t = CodeTable::builtin();
        for (sys, code, kind) in [
            ("LN", "8310-5", VitalKind::Temperature),
            ("MDC", "150344", VitalKind::Temperature),
            ("MDC", "150364", VitalKind::Temperature),
            ("LN", "8480-6", VitalKind::SystolicBp),
            ("MDC", "150021", VitalKind::SystolicBp),
            ("MDC", "150301", VitalKind::SystolicBp),
            ("LN", "8462-4", VitalKind::DiastolicBp),
            ("MDC", "150022", VitalKind::DiastolicBp),
            ("MDC", "150302", VitalKind::DiastolicBp),
            ("LN", "8478-0", VitalKind::MeanBp),
            ("MDC", "150023", VitalKind::MeanBp),
            ("MDC", "150303", VitalKind::MeanBp),
            ("LN", "8867-4", VitalKind::HeartRate),
            ("MDC", "147842", VitalKind::HeartRate),
            ("MDC", "149530", VitalKind::HeartRate),
            ("MDC", "149546", VitalKind::HeartRate),
            ("LOINC", "9279-1", VitalKind::RespiratoryRate),
            ("MDC", "151562", VitalKind::RespiratoryRate),
            ("MDC", "151578", VitalKind::RespiratoryRate),
            ("LN", "59408-5", VitalKind::Spo2),
            ("LN", "2708-6", VitalKind::Spo2),
            ("LN", "20564-1", VitalKind::Spo2),
            ("MDC", "150456", VitalKind::Spo2),
            ("LN", "2339-0", VitalKind::Glucose),
            ("LN", "2345-7", VitalKind::Glucose),
            ("LN", "41653-7", VitalKind::Glucose),
            ("LN", "14743-9", VitalKind::Glucose),
            ("LN", "14749-6", VitalKind::Glucose),
            ("LN", "15074-8", VitalKind::Glucose),
            ("MDC", "160184", VitalKind::Glucose),
            ("99LOCAL", "ACVPU", VitalKind::Consciousness),
            ("", "ACVPU", VitalKind::Consciousness),
            ("LN", "3150-0", VitalKind::InspiredO2),
            ("LN", "3151-8", VitalKind::InspiredO2),
        ] {
            assert_eq!(
                t.lookup(sys, code).map(|e| e.kind),
                Some(kind),
                "{sys} {code}"
            );
        }
        // Implied units (empty OBX-6): by the LOINC property for glucose.
        let implied = |sys: &str, code: &str| t.lookup(sys, code).unwrap().implied_unit;
        assert_eq!(implied("LN", "2339-0"), Some(Unit::MgPerDl));
        assert_eq!(implied("LN", "14743-9"), Some(Unit::MmolPerL));
        assert_eq!(implied("MDC", "160184"), None);
        assert_eq!(implied("LN", "8310-5"), None);
        assert_eq!(implied("MDC", "150456"), Some(Unit::Percent));
        assert_eq!(implied("MDC", "150303"), Some(Unit::MmHg));
        // A LOINC code sent under the MDC system is not a match.
        assert_eq!(t.lookup("MDC", "8867-4"), None);
    }

    #[test]
    fn consciousness_values() {
        let t = CodeTable::builtin();
        assert_eq!(t.consciousness("", "A"), Some(Consciousness::A));
        assert_eq!(t.consciousness("SCT", "422768004"), Some(Consciousness::U));
        assert_eq!(
            t.consciousness("SNOMED", "248234008"),
            Some(Consciousness::A)
        );
        assert_eq!(t.consciousness("SCT", "130987000"), Some(Consciousness::C));
        assert_eq!(t.consciousness("SCT", "300202002"), Some(Consciousness::V));
        assert_eq!(t.consciousness("", "X"), None);
    }

    #[test]
    fn site_rows_override_and_errors_name_the_line() {
        let t = CodeTable::builtin()
            .with_site_codes("LN\t8867-4\tRESPIRATORY_RATE\t/min\t/min\toverride\n")
            .unwrap();
        assert_eq!(
            t.lookup("LN", "8867-4").unwrap().kind,
            VitalKind::RespiratoryRate
        );
        let err = CodeTable::builtin()
            .with_site_codes("# c\nLN\tX\tNOT_A_KIND\t/min\n")
            .unwrap_err();
        assert!(
            err.contains("line 2") && err.contains("NOT_A_KIND"),
            "{err}"
        );
    }
}
