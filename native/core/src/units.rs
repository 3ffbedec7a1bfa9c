//! Units of vital signs: UCUM codes, their common spellings, and IEEE 11073
//! MDC unit codes, with the conversions to each kind's canonical unit.
//!
//! ```
//! use vitalflow_core::units::{Unit, convert};
//! assert_eq!(Unit::parse("[degF]"), Some(Unit::Fahrenheit));
//! assert_eq!(Unit::parse("268192"), Some(Unit::Celsius)); // MDC_DIM_DEGC
//! assert_eq!(Unit::parse("mmHg"), Some(Unit::MmHg));
//! assert!((convert(98.6, Unit::Fahrenheit, Unit::Celsius).unwrap() - 37.0).abs() < 1e-9);
//! assert!((convert(5.5, Unit::MmolPerL, Unit::MgPerDl).unwrap() - 99.088).abs() < 1e-9);
//! assert!((convert(16.0, Unit::KPa, Unit::MmHg).unwrap() - 120.00992).abs() < 1e-9);
//! assert_eq!(convert(120.0, Unit::MmHg, Unit::Celsius), None);
//! ```

/// A unit vitalflow can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    Celsius,
    Fahrenheit,
    MmHg,
    KPa,
    PerMin,
    Percent,
    MgPerDl,
    MmolPerL,
    LPerMin,
}

/// Glucose: mg/dL per mmol/L (docs/contract.md; molar mass of glucose 180.16 g/mol).
pub const GLUCOSE_MG_DL_PER_MMOL_L: f64 = 18.016;
/// mmHg per kPa.
pub const MMHG_PER_KPA: f64 = 7.50062;

impl Unit {
    /// Reads a unit as sent in OBX-6-1 (or OBX-6-2/OBX-6-4): UCUM, common
    /// spellings (case-insensitive) and MDC unit codes or mnemonics.
    pub fn parse(text: &str) -> Option<Unit> {
        let t = text.trim();
        // UCUM is case-sensitive in principle, but feeds are not; none of the
        // spellings below collide when folded.
        let lower = t.to_ascii_lowercase();
        Some(match lower.as_str() {
            "cel" | "°c" | "c" | "degc" | "deg c" | "celsius" | "268192" | "mdc_dim_degc" => {
                Unit::Celsius
            }
            "[degf]" | "degf" | "°f" | "f" | "deg f" | "fahrenheit" | "268160"
            | "mdc_dim_faren" | "mdc_dim_fahr" => Unit::Fahrenheit,
            "mm[hg]" | "mmhg" | "mm hg" | "mm(hg)" | "266016" | "mdc_dim_mmhg" => Unit::MmHg,
            "kpa" | "266048" | "mdc_dim_kilo_pascal" => Unit::KPa,
            "/min"
            | "1/min"
            | "{beats}/min"
            | "{beat}/min"
            | "{breaths}/min"
            | "{breath}/min"
            | "bpm"
            | "beats/min"
            | "breaths/min"
            | "/m"
            | "per min"
            | "rpm"
            | "brpm"
            | "264864"
            | "264928"
            | "mdc_dim_beat_per_min"
            | "mdc_dim_resp_per_min" => Unit::PerMin,
            "%" | "percent" | "262688" | "mdc_dim_percent" => Unit::Percent,
            "mg/dl" | "mg/100ml" | "mdc_dim_milli_g_per_dl" => Unit::MgPerDl,
            "mmol/l" | "mm/l" | "mdc_dim_milli_mole_per_l" => Unit::MmolPerL,
            "l/min" | "lpm" | "l/m" | "mdc_dim_x_l_per_min" => Unit::LPerMin,
            _ => return None,
        })
    }

    /// The UCUM code.
    pub fn ucum(self) -> &'static str {
        match self {
            Unit::Celsius => "Cel",
            Unit::Fahrenheit => "[degF]",
            Unit::MmHg => "mm[Hg]",
            Unit::KPa => "kPa",
            Unit::PerMin => "/min",
            Unit::Percent => "%",
            Unit::MgPerDl => "mg/dL",
            Unit::MmolPerL => "mmol/L",
            Unit::LPerMin => "L/min",
        }
    }
}

/// Converts `value` from one unit to another; `None` when the two measure
/// different things.
pub fn convert(value: f64, from: Unit, to: Unit) -> Option<f64> {
    use Unit::*;
    Some(match (from, to) {
        (a, b) if a == b => value,
        (Fahrenheit, Celsius) => (value - 32.0) * 5.0 / 9.0,
        (Celsius, Fahrenheit) => value * 9.0 / 5.0 + 32.0,
        (KPa, MmHg) => value * MMHG_PER_KPA,
        (MmHg, KPa) => value / MMHG_PER_KPA,
        (MmolPerL, MgPerDl) => value * GLUCOSE_MG_DL_PER_MMOL_L,
        (MgPerDl, MmolPerL) => value / GLUCOSE_MG_DL_PER_MMOL_L,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_spelling_is_read() {
        for (s, u) in [
            ("Cel", Unit::Celsius),
            ("[degF]", Unit::Fahrenheit),
            ("degF", Unit::Fahrenheit),
            ("mm[Hg]", Unit::MmHg),
            ("mmHg", Unit::MmHg),
            ("/min", Unit::PerMin),
            ("{beats}/min", Unit::PerMin),
            ("{breaths}/min", Unit::PerMin),
            ("bpm", Unit::PerMin),
            ("%", Unit::Percent),
            ("mg/dL", Unit::MgPerDl),
            ("mmol/L", Unit::MmolPerL),
            ("kPa", Unit::KPa),
            ("262688", Unit::Percent),
            ("264864", Unit::PerMin),
            ("264928", Unit::PerMin),
            ("266016", Unit::MmHg),
            ("268192", Unit::Celsius),
            ("268160", Unit::Fahrenheit),
            ("L/min", Unit::LPerMin),
        ] {
            assert_eq!(Unit::parse(s), Some(u), "{s}");
        }
        assert_eq!(Unit::parse("furlongs"), None);
        assert_eq!(Unit::parse(""), None);
    }

    #[test]
    fn conversions() {
        assert!((convert(212.0, Unit::Fahrenheit, Unit::Celsius).unwrap() - 100.0).abs() < 1e-12);
        assert!((convert(32.0, Unit::Fahrenheit, Unit::Celsius).unwrap()).abs() < 1e-12);
        assert!((convert(3.0, Unit::MmolPerL, Unit::MgPerDl).unwrap() - 54.048).abs() < 1e-12);
        assert!((convert(1.0, Unit::KPa, Unit::MmHg).unwrap() - 7.50062).abs() < 1e-12);
        assert_eq!(convert(5.0, Unit::MmolPerL, Unit::Percent), None);
    }
}
