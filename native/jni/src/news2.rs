//! Natives of `io.vitalflow.bridge.News2`: primitives in, one `long` out (no
//! allocation on either side of the call).
//!
//! Input: doubles with NaN for a missing parameter; `spo2_scale` 1 or 2;
//! `oxygen` -1 unknown, 0 air, 1 oxygen; `consciousness` -1 missing, else the
//! ordinal of A, C, V, P, U.
//!
//! Output bits: 0..8 total, 8..16 band ordinal (LOW, LOW_MEDIUM, MEDIUM, HIGH),
//! 16..44 seven 4-bit subscores (15 = missing) in the order resp_rate, spo2,
//! oxygen, systolic, pulse, consciousness, temperature, 44..51 the `missing`
//! mask in the same order, bit 51 `complete`.

use jni::objects::JClass;
use jni::sys::{jdouble, jint, jlong};
use jni::EnvUnowned;
use vitalflow_scoring::news2::{
    self, Band, Consciousness, News2Input, News2Score, Parameter, Spo2Scale,
};

use crate::error::ThrowJava;
use crate::BridgeError;

/// `static native long score0(double respRate, double spo2, int spo2Scale,
/// int oxygen, double systolic, double pulse, int consciousness, double temperature)`.
#[allow(unsafe_code)] // exported JNI symbol
#[allow(clippy::too_many_arguments)] // mirrors the Java signature
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_vitalflow_bridge_News2_score0<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    resp_rate: jdouble,
    spo2: jdouble,
    spo2_scale: jint,
    oxygen: jint,
    systolic: jdouble,
    pulse: jdouble,
    consciousness: jint,
    temperature: jdouble,
) -> jlong {
    env.with_env(|_env| -> Result<jlong, BridgeError> {
        let input = input(
            resp_rate,
            spo2,
            spo2_scale,
            oxygen,
            systolic,
            pulse,
            consciousness,
            temperature,
        )?;
        Ok(pack(&news2::score(&input)))
    })
    .resolve::<ThrowJava>()
}

fn opt(v: f64) -> Option<f64> {
    (!v.is_nan()).then_some(v)
}

/// Builds the core's input from the Java primitives.
#[allow(clippy::too_many_arguments)]
pub fn input(
    resp_rate: f64,
    spo2: f64,
    spo2_scale: i32,
    oxygen: i32,
    systolic: f64,
    pulse: f64,
    consciousness: i32,
    temperature: f64,
) -> Result<News2Input, BridgeError> {
    let spo2_scale = match spo2_scale {
        1 => Spo2Scale::Scale1,
        2 => Spo2Scale::Scale2,
        s => {
            return Err(BridgeError::Argument(format!(
                "SpO2 scale must be 1 or 2, not {s}"
            )))
        }
    };
    let oxygen = match oxygen {
        -1 => None,
        0 => Some(false),
        1 => Some(true),
        o => {
            return Err(BridgeError::Argument(format!(
                "oxygen must be -1, 0 or 1, not {o}"
            )))
        }
    };
    let consciousness = match consciousness {
        -1 => None,
        c => match usize::try_from(c)
            .ok()
            .and_then(|i| CONSCIOUSNESS_BY_ORDINAL.get(i))
        {
            Some(level) => Some(*level),
            None => {
                return Err(BridgeError::Argument(format!(
                    "consciousness ordinal must be -1..=4, not {c}"
                )))
            }
        },
    };
    Ok(News2Input {
        resp_rate: opt(resp_rate),
        spo2: opt(spo2),
        spo2_scale,
        oxygen,
        systolic: opt(systolic),
        pulse: opt(pulse),
        consciousness,
        temperature: opt(temperature),
    })
}

/// The bit of a parameter in the subscore and `missing` layout (the order of
/// `io.vitalflow.bridge.News2Parameter`).
pub fn parameter_bit(p: Parameter) -> u32 {
    match p {
        Parameter::RespRate => 0,
        Parameter::Spo2 => 1,
        Parameter::Oxygen => 2,
        Parameter::Systolic => 3,
        Parameter::Pulse => 4,
        Parameter::Consciousness => 5,
        Parameter::Temperature => 6,
    }
}

/// The ordinal of a band in `News2Band` of `schemas/VitalsScore.avsc` and in
/// the Java enum `io.vitalflow.bridge.News2Score.Band` (held to the schema by
/// `tests/contract.rs`).
pub fn band_ordinal(band: Band) -> u8 {
    match band {
        Band::Low => 0,
        Band::LowMedium => 1,
        Band::Medium => 2,
        Band::High => 3,
    }
}

/// The ACVPU level of each ordinal of the `consciousness` argument of `score0`
/// (the order of the Java enum `io.vitalflow.bridge.News2.Consciousness`).
pub const CONSCIOUSNESS_BY_ORDINAL: [Consciousness; 5] = [
    Consciousness::A,
    Consciousness::C,
    Consciousness::V,
    Consciousness::P,
    Consciousness::U,
];

/// Packs a score into the `long` layout above.
pub fn pack(s: &News2Score) -> i64 {
    let band = u64::from(band_ordinal(s.band));
    let sub = &s.subscores;
    let subs = [
        sub.resp_rate,
        sub.spo2,
        sub.oxygen,
        sub.systolic,
        sub.pulse,
        sub.consciousness,
        sub.temperature,
    ];
    let mut v = u64::from(s.total) | band << 8;
    for (i, x) in subs.iter().enumerate() {
        let nibble = x.map_or(15u64, |x| u64::from(x.min(14)));
        v |= nibble << (16 + 4 * i);
    }
    for p in &s.missing {
        v |= 1u64 << (44 + parameter_bit(*p));
    }
    if s.complete {
        v |= 1 << 51;
    }
    v as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use vitalflow_scoring::news2::Subscores;

    #[test]
    fn packing_layout() {
        let s = News2Score {
            total: 7,
            band: Band::High,
            subscores: Subscores {
                resp_rate: Some(3),
                spo2: None,
                oxygen: Some(2),
                ..Default::default()
            },
            missing: vec![Parameter::Spo2, Parameter::Temperature],
            complete: false,
        };
        let v = pack(&s) as u64;
        assert_eq!(v & 0xff, 7);
        assert_eq!((v >> 8) & 0xff, 3);
        assert_eq!((v >> 16) & 0xf, 3);
        assert_eq!((v >> 20) & 0xf, 15);
        assert_eq!((v >> 24) & 0xf, 2);
        assert_eq!((v >> 44) & 0x7f, 0b100_0010);
        assert_eq!((v >> 51) & 1, 0);
    }

    #[test]
    fn input_validation() {
        let i = input(f64::NAN, 95.0, 2, 1, f64::NAN, 80.0, 0, 37.0).unwrap();
        assert_eq!(i.resp_rate, None);
        assert_eq!(i.spo2_scale, Spo2Scale::Scale2);
        assert_eq!(i.oxygen, Some(true));
        assert_eq!(i.consciousness, Some(Consciousness::A));
        assert!(input(f64::NAN, f64::NAN, 3, -1, f64::NAN, f64::NAN, -1, f64::NAN).is_err());
        assert!(input(f64::NAN, f64::NAN, 1, 2, f64::NAN, f64::NAN, -1, f64::NAN).is_err());
        assert!(input(f64::NAN, f64::NAN, 1, -1, f64::NAN, f64::NAN, 5, f64::NAN).is_err());
    }
}
