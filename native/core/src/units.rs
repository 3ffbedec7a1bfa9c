//! Units of vital signs: UCUM codes, their common spellings, and IEEE 11073
//! MDC unit codes, with the conversions to each kind's canonical unit.
//!
//! ```
//! use vitalflow_core::units::{Unit, convert};
//! assert_eq!(Unit::parse("[degF]"), Some(Unit::Fahrenheit));
//! assert_eq!(Unit::parse("268192"), Some(Unit::Celsius)); // MDC_DIM_DEGC
//! assert_eq!(Unit::parse("266560"), Some(Unit::Fahrenheit)); // MDC_DIM_FAHR
//! assert_eq!(Unit::parse("268160"), None); // not a temperature unit
//! assert_eq!(Unit::parse("mmHg"), Some(Unit::MmHg));
//! assert!((convert(98.6, Unit::Fahrenheit, Unit::Celsius).unwrap() - 37.0).abs() < 1e-9);
//! assert!((convert(5.5, Unit::MmolPerL, Unit::MgPerDl).unwrap() - 99.088).abs() < 1e-9);
//! assert!((convert(16.0, Unit::KPa, Unit::MmHg).unwrap() - 120.00992).abs() < 1e-9);
//! assert_eq!(convert(120.0, Unit::MmHg, Unit::Celsius), None);
//! ```

use crate::charset::trim_text;

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
    /// A dimensionless fraction (UCUM `1`): FiO2 charted as `0.40`.
    Fraction,
}

/// Glucose: mg/dL per mmol/L (docs/contract.md; molar mass of glucose 180.16 g/mol).
pub const GLUCOSE_MG_DL_PER_MMOL_L: f64 = 18.016;
/// mmHg per kPa.
pub const MMHG_PER_KPA: f64 = 7.50062;

impl Unit {
    /// Reads a unit as sent in OBX-6-1 (or OBX-6-4): UCUM, common spellings
    /// (case-insensitive) and IEEE 11073 MDC unit codes (partition 4,
    /// `262144 + term`) or their reference ids (`MDC_DIM_...`).
    pub fn parse(text: &str) -> Option<Unit> {
        let t = trim_text(text);
        if let Some(u) = Unit::from_mdc_code(t) {
            return Some(u);
        }
        if let Some(u) = Unit::from_mdc_mnemonic(t) {
            return Some(u);
        }
        // UCUM is case-sensitive in principle, but feeds are not; none of the
        // spellings below collide when folded.
        // Folded into a buffer on the stack (no allocation per reading); no
        // spelling below is longer than 16 bytes. Only ASCII letters change,
        // so the bytes stay UTF-8.
        let mut buf = [0u8; 16];
        let folded = buf.get_mut(..t.len())?;
        folded.copy_from_slice(t.as_bytes());
        folded.make_ascii_lowercase();
        let lower = std::str::from_utf8(folded).ok()?;
        Some(match lower {
            "cel" | "°c" | "ºc" | "℃" | "c" | "degc" | "deg c" | "deg. c" | "celsius" => {
                Unit::Celsius
            }
            "[degf]" | "degf" | "°f" | "ºf" | "℉" | "f" | "deg f" | "deg. f" | "fahrenheit" => {
                Unit::Fahrenheit
            }
            "mm[hg]" | "mmhg" | "mm hg" | "mm(hg)" | "mm_hg" => Unit::MmHg,
            "kpa" => Unit::KPa,
            "/min" | "1/min" | "{beats}/min" | "{beat}/min" | "{breaths}/min" | "{breath}/min"
            | "{pulse}/min" | "bpm" | "beats/min" | "beat/min" | "breaths/min" | "breath/min"
            | "/m" | "per min" | "rpm" | "brpm" => Unit::PerMin,
            "%" | "percent" | "%{saturation}" | "%{o2}" => Unit::Percent,
            "mg/dl" | "mg/100ml" => Unit::MgPerDl,
            "mmol/l" | "mm/l" => Unit::MmolPerL,
            "l/min" | "lpm" | "l/m" => Unit::LPerMin,
            "1" | "{fraction}" | "fraction" | "{ratio}" | "ratio" => Unit::Fraction,
            _ => return None,
        })
    }

    /// An MDC unit code (ISO/IEEE 11073-10101, partition 4, sent as
    /// `262144 + term code`): 262688 `MDC_DIM_PERCENT`, 264864
    /// `MDC_DIM_BEAT_PER_MIN`, 264928 `MDC_DIM_RESP_PER_MIN`, 266016
    /// `MDC_DIM_MMHG`, 265987 `MDC_DIM_KILO_PASCAL`, 266560 `MDC_DIM_FAHR`,
    /// 268192 `MDC_DIM_DEGC`, 264274 `MDC_DIM_MILLI_G_PER_DL`, 266866
    /// `MDC_DIM_MILLI_MOLE_PER_L`, 265216 `MDC_DIM_X_L_PER_MIN`. Other codes
    /// (268160 is a vascular resistance unit, not °F) are not known.
    pub fn from_mdc_code(code: &str) -> Option<Unit> {
        Some(match trim_text(code) {
            "262688" => Unit::Percent,
            "264864" | "264928" | "264896" => Unit::PerMin,
            "266016" => Unit::MmHg,
            "265987" => Unit::KPa,
            "266560" => Unit::Fahrenheit,
            "268192" => Unit::Celsius,
            "264274" => Unit::MgPerDl,
            "266866" => Unit::MmolPerL,
            "265216" => Unit::LPerMin,
            _ => return None,
        })
    }

    /// An MDC unit reference id (`MDC_DIM_FAHR`, `MDC_DIM_DEGC`, ...), as sent
    /// in OBX-6-2; case-insensitive.
    pub fn from_mdc_mnemonic(text: &str) -> Option<Unit> {
        let t = trim_text(text);
        // Compared as bytes: the text may be any UTF-8, and byte 8 need not be
        // a character boundary unless the first eight bytes are the ASCII prefix.
        if t.len() < 8 || !t.as_bytes()[..8].eq_ignore_ascii_case(b"MDC_DIM_") {
            return None;
        }
        const NAMES: [(&str, Unit); 12] = [
            ("PERCENT", Unit::Percent),
            ("BEAT_PER_MIN", Unit::PerMin),
            ("RESP_PER_MIN", Unit::PerMin),
            ("PULS_PER_MIN", Unit::PerMin),
            ("MMHG", Unit::MmHg),
            ("MM_HG", Unit::MmHg),
            ("KILO_PASCAL", Unit::KPa),
            ("FAHR", Unit::Fahrenheit),
            ("DEGC", Unit::Celsius),
            ("MILLI_G_PER_DL", Unit::MgPerDl),
            ("MILLI_MOLE_PER_L", Unit::MmolPerL),
            ("X_L_PER_MIN", Unit::LPerMin),
        ];
        let rest = &t.as_bytes()[8..];
        NAMES
            .iter()
            .find(|(name, _)| rest.eq_ignore_ascii_case(name.as_bytes()))
            .map(|&(_, u)| u)
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
            Unit::Fraction => "1",
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
        (Fraction, Percent) => value * 100.0,
        (Percent, Fraction) => value / 100.0,
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
            ("266560", Unit::Fahrenheit),
            ("MDC_DIM_FAHR", Unit::Fahrenheit),
            ("mdc_dim_degc", Unit::Celsius),
            ("265987", Unit::KPa),
            ("264274", Unit::MgPerDl),
            ("266866", Unit::MmolPerL),
            ("265216", Unit::LPerMin),
            ("C", Unit::Celsius),
            ("degC", Unit::Celsius),
            ("°C", Unit::Celsius),
            ("F", Unit::Fahrenheit),
            ("°F", Unit::Fahrenheit),
            ("beats/min", Unit::PerMin),
            ("breaths/min", Unit::PerMin),
            ("mm Hg", Unit::MmHg),
            ("mg/dl", Unit::MgPerDl),
            ("mmol/l", Unit::MmolPerL),
            ("L/min", Unit::LPerMin),
        ] {
            assert_eq!(Unit::parse(s), Some(u), "{s}");
        }
        assert_eq!(Unit::parse("furlongs"), None);
        // 268160 is MDC_DIM_DYNE_SEC_PER_M_SQ_PER_CM_5, 266048 MDC_DIM_CM_H2O,
        // 268224 nothing vitalflow knows: none of them is a guess at a unit.
        assert_eq!(Unit::parse("268160"), None);
        assert_eq!(Unit::parse("266048"), None);
        assert_eq!(Unit::parse("268224"), None);
        assert_eq!(Unit::parse("MDC_DIM_KELVIN"), None);
        // Non-ASCII text around byte 8 (found by the Java fuzz test): no panic.
        for odd in [
            "mm[Hg]1Ü4160000",
            "262688¸",
            "2026110á213900",
            "MDC_DIMÜ",
            "ÜÜÜÜÜÜÜÜÜ",
        ] {
            assert_eq!(Unit::parse(odd), None, "{odd}");
            assert_eq!(Unit::from_mdc_mnemonic(odd), None, "{odd}");
        }
        assert_eq!(Unit::parse(""), None);
    }

    #[test]
    fn conversions() {
        assert!((convert(212.0, Unit::Fahrenheit, Unit::Celsius).unwrap() - 100.0).abs() < 1e-12);
        assert!((convert(32.0, Unit::Fahrenheit, Unit::Celsius).unwrap()).abs() < 1e-12);
        assert!((convert(3.0, Unit::MmolPerL, Unit::MgPerDl).unwrap() - 54.048).abs() < 1e-12);
        assert!((convert(1.0, Unit::KPa, Unit::MmHg).unwrap() - 7.50062).abs() < 1e-12);
        assert_eq!(convert(5.0, Unit::MmolPerL, Unit::Percent), None);
        assert!((convert(0.4, Unit::Fraction, Unit::Percent).unwrap() - 40.0).abs() < 1e-12);
        assert_eq!(Unit::parse("1"), Some(Unit::Fraction));
        assert_eq!(Unit::parse("{fraction}"), Some(Unit::Fraction));
    }
}
