//! The simulator's physiology: one model per patient, deterministic for a seed.
//!
//! Each patient has a baseline (drawn once), slow random-walk drift around it
//! (an AR(1) process per parameter, so consecutive readings are correlated the
//! way a real patient's are) and a little measurement noise on top. A
//! deteriorating patient follows a correlated, sepsis-like course from an onset
//! point: respiratory rate and pulse rise, SpO2 and systolic pressure fall,
//! temperature climbs, supplemental oxygen is started once SpO2 drops, and new
//! confusion appears late. Patients on SpO2 scale 2 (hypercapnic respiratory
//! failure) run a lower baseline saturation. Some patients have point-of-care
//! glucose measured, a few of them prone to hypoglycaemia.
//!
//! Progress through the run is a fraction `0.0..=1.0`, so a deterioration plays
//! out over whatever duration the user simulates.

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use vitalflow_scoring::news2::Consciousness;

/// Physiological limits every simulated value stays within.
pub mod limits {
    pub const RESP_RATE: (f64, f64) = (4.0, 60.0);
    pub const SPO2: (f64, f64) = (60.0, 100.0);
    pub const SYSTOLIC: (f64, f64) = (55.0, 240.0);
    pub const DIASTOLIC: (f64, f64) = (25.0, 140.0);
    pub const PULSE: (f64, f64) = (30.0, 200.0);
    pub const TEMPERATURE: (f64, f64) = (34.0, 42.0);
    /// mg/dL.
    pub const GLUCOSE: (f64, f64) = (25.0, 550.0);
    /// FiO2 %.
    pub const FIO2: (f64, f64) = (21.0, 100.0);
    /// O2 flow L/min.
    pub const O2_FLOW: (f64, f64) = (0.5, 15.0);
}

/// How supplemental oxygen is charted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Oxygen {
    /// Fraction of inspired oxygen, percent (LOINC 3150-0).
    Fio2(f64),
    /// Oxygen flow, L/min (LOINC 3151-8).
    Flow(f64),
}

/// How a patient's glucometer reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlucoseUnit {
    MgDl,
    MmolL,
}

/// Point-of-care glucose for a patient.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlucoseProfile {
    /// mg/dL.
    pub baseline: f64,
    pub unit: GlucoseUnit,
    /// Prone to hypoglycaemia (on insulin).
    pub hypo_prone: bool,
    /// Measured on average every this many readings.
    pub every: u32,
}

/// A deteriorating patient's course.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Deterioration {
    /// Fraction of the run at which it starts.
    pub onset: f64,
    /// Fraction of the run it takes to reach full severity.
    pub ramp: f64,
    /// Scales the size of every change (0.85..1.2).
    pub magnitude: f64,
}

/// What is drawn once per patient.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub resp_rate: f64,
    pub spo2: f64,
    pub systolic: f64,
    pub pulse: f64,
    pub temperature: f64,
    /// On SpO2 scale 2 (a clinical decision; not carried by HL7, see the README).
    pub spo2_scale2: bool,
    /// Supplemental oxygen from the start.
    pub oxygen: Option<Oxygen>,
    /// Oxygen is charted as FiO2 (ventilated/ICU style) rather than flow.
    pub charts_fio2: bool,
    pub deterioration: Option<Deterioration>,
    pub glucose: Option<GlucoseProfile>,
}

impl Profile {
    /// Draws a patient. `deteriorating` is decided by the caller so that a run
    /// has a predictable number of them.
    pub fn draw(rng: &mut ChaCha8Rng, deteriorating: bool) -> Profile {
        let spo2_scale2 = rng.random_bool(0.12);
        let charts_fio2 = rng.random_bool(0.4);
        let spo2 = if spo2_scale2 {
            rng.random_range(88.0..92.0)
        } else {
            rng.random_range(95.5..99.0)
        };
        let oxygen = if spo2_scale2 || rng.random_bool(0.15) {
            Some(if charts_fio2 {
                Oxygen::Fio2(rng.random_range(24.0_f64..35.0).round())
            } else {
                Oxygen::Flow(rng.random_range(1.0_f64..3.0).round())
            })
        } else {
            None
        };
        let deterioration = deteriorating.then(|| Deterioration {
            onset: rng.random_range(0.1..0.4),
            ramp: rng.random_range(0.35..0.55),
            magnitude: rng.random_range(0.85..1.2),
        });
        let glucose = rng.random_bool(0.35).then(|| {
            let hypo_prone = rng.random_bool(0.4);
            GlucoseProfile {
                baseline: if hypo_prone {
                    rng.random_range(85.0..130.0)
                } else {
                    rng.random_range(95.0..210.0)
                },
                unit: if rng.random_bool(0.5) {
                    GlucoseUnit::MgDl
                } else {
                    GlucoseUnit::MmolL
                },
                hypo_prone,
                every: rng.random_range(3..7),
            }
        });
        Profile {
            resp_rate: rng.random_range(12.0..18.0),
            spo2,
            systolic: rng.random_range(112.0..145.0),
            pulse: rng.random_range(58.0..88.0),
            temperature: rng.random_range(36.3..37.3),
            spo2_scale2,
            oxygen,
            charts_fio2,
            deterioration,
            glucose,
        }
    }
}

/// One set of observations, rounded as a device or nurse would chart them.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// breaths/min, whole.
    pub resp_rate: f64,
    /// %, whole.
    pub spo2: f64,
    /// mmHg, whole.
    pub systolic: f64,
    pub diastolic: f64,
    pub mean: f64,
    /// beats/min, whole (ECG).
    pub pulse: f64,
    /// The pulse oximeter's pulse rate: the ECG rate give or take a beat or two.
    pub oximeter_pulse: f64,
    /// Pain score 0-10 (not a vital sign: exercises the reader's skipping of other codes).
    pub pain: u8,
    /// °C, one decimal.
    pub temperature: f64,
    pub consciousness: Consciousness,
    /// `None` on room air.
    pub oxygen: Option<Oxygen>,
    /// mg/dL when a glucose was measured at this reading.
    pub glucose: Option<f64>,
}

/// A patient's state through the run.
#[derive(Debug)]
pub struct Patient {
    pub profile: Profile,
    rng: ChaCha8Rng,
    /// AR(1) drift per parameter: resp, spo2, systolic, pulse, temperature, glucose.
    drift: [f64; 6],
    confused: bool,
    readings: u32,
}

/// Drift standard deviations and persistence.
const DRIFT_SD: [f64; 6] = [0.7, 0.45, 3.0, 2.2, 0.05, 10.0];
const DRIFT_KEEP: f64 = 0.85;

impl Patient {
    /// A patient whose whole course is determined by `seed`.
    pub fn new(seed: u64, deteriorating: bool) -> Patient {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let profile = Profile::draw(&mut rng, deteriorating);
        Patient {
            profile,
            rng,
            drift: [0.0; 6],
            confused: false,
            readings: 0,
        }
    }

    /// Severity of the deterioration at `progress` (0 = none, 1 = full).
    pub fn severity(&self, progress: f64) -> f64 {
        match self.profile.deterioration {
            None => 0.0,
            Some(d) => {
                let x = ((progress - d.onset) / d.ramp).clamp(0.0, 1.0);
                // smoothstep: slow start, steady worsening, plateau
                x * x * (3.0 - 2.0 * x)
            }
        }
    }

    fn gauss(&mut self) -> f64 {
        // Box-Muller; 1 - u keeps the logarithm finite.
        let u1: f64 = 1.0 - self.rng.random::<f64>();
        let u2: f64 = self.rng.random::<f64>();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// The next reading, at `progress` through the run (`0.0..=1.0`).
    pub fn step(&mut self, progress: f64) -> Reading {
        for (i, sd) in DRIFT_SD.iter().enumerate() {
            let g = self.gauss();
            self.drift[i] = DRIFT_KEEP * self.drift[i] + sd * g;
        }
        let s = self.severity(progress);
        let m = self.profile.deterioration.map_or(1.0, |d| d.magnitude);
        let p = self.profile.clone();

        // Supplemental oxygen: a deteriorating patient is put on it (or has it
        // turned up) once the saturation falls.
        let oxygen = if s > 0.4 {
            Some(if p.charts_fio2 {
                Oxygen::Fio2(
                    (28.0 + 40.0 * s)
                        .round()
                        .clamp(limits::FIO2.0, limits::FIO2.1),
                )
            } else {
                Oxygen::Flow(
                    (2.0 + 6.0 * s)
                        .round()
                        .clamp(limits::O2_FLOW.0, limits::O2_FLOW.1),
                )
            })
        } else {
            p.oxygen
        };
        // Oxygen started for the deterioration props the saturation up a little.
        let o2_support = if s > 0.4 && p.oxygen.is_none() {
            2.5
        } else {
            0.0
        };

        let noise = |x: &mut Self, sd: f64| sd * x.gauss();
        let resp = p.resp_rate + 15.0 * m * s + self.drift[0] + noise(self, 0.4);
        let spo2 = p.spo2 - 11.0 * m * s + o2_support + self.drift[1] + noise(self, 0.3);
        let systolic = p.systolic - 48.0 * m * s + self.drift[2] + noise(self, 2.0);
        let diastolic = systolic * 0.62 + 4.0 + noise(self, 3.0);
        let pulse = p.pulse + 50.0 * m * s + self.drift[3] + noise(self, 1.5);
        let temperature = p.temperature + 2.4 * m * s + self.drift[4] + noise(self, 0.08);

        let round = |v: f64, (lo, hi): (f64, f64)| v.round().clamp(lo, hi);
        let systolic = round(systolic, limits::SYSTOLIC);
        let diastolic = round(diastolic, limits::DIASTOLIC).min(systolic - 15.0);
        let mean = ((systolic + 2.0 * diastolic) / 3.0).round();

        // New confusion late in the course; once confused, stays so.
        if s > 0.8 && !self.confused {
            self.confused = self.rng.random_bool(0.6);
        }
        let consciousness = if !self.confused {
            Consciousness::A
        } else if s >= 0.99 && self.rng.random_bool(0.25) {
            Consciousness::V
        } else {
            Consciousness::C
        };

        let glucose = match p.glucose {
            Some(g) if self.readings % g.every == 0 => {
                let hypo = g.hypo_prone && self.rng.random_bool(0.3);
                let v = if hypo {
                    self.rng.random_range(38.0..68.0)
                } else {
                    // sepsis raises glucose (stress hyperglycaemia)
                    g.baseline + 60.0 * s + self.drift[5] + 6.0 * self.gauss()
                };
                Some(v.round().clamp(limits::GLUCOSE.0, limits::GLUCOSE.1))
            }
            _ => None,
        };
        self.readings += 1;
        let pulse = round(pulse, limits::PULSE);
        let oximeter_pulse = round(pulse + 1.2 * self.gauss(), limits::PULSE);
        let pain = (2.0 * self.rng.random::<f64>() + 5.0 * s)
            .round()
            .clamp(0.0, 10.0) as u8;

        Reading {
            resp_rate: round(resp, limits::RESP_RATE),
            spo2: round(spo2, limits::SPO2),
            systolic,
            diastolic,
            mean,
            pulse,
            oximeter_pulse,
            pain,
            temperature: ((temperature * 10.0).round() / 10.0)
                .clamp(limits::TEMPERATURE.0, limits::TEMPERATURE.1),
            consciousness,
            oxygen,
            glucose,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vitalflow_scoring::news2::{score, News2Input, Spo2Scale};

    fn run(seed: u64, deteriorating: bool, n: u32) -> (Patient, Vec<Reading>) {
        let mut p = Patient::new(seed, deteriorating);
        let readings = (0..n)
            .map(|i| p.step(f64::from(i) / f64::from(n - 1)))
            .collect();
        (p, readings)
    }

    fn news2(p: &Profile, r: &Reading) -> u8 {
        score(&News2Input {
            resp_rate: Some(r.resp_rate),
            spo2: Some(r.spo2),
            spo2_scale: if p.spo2_scale2 {
                Spo2Scale::Scale2
            } else {
                Spo2Scale::Scale1
            },
            oxygen: Some(r.oxygen.is_some()),
            systolic: Some(r.systolic),
            pulse: Some(r.pulse),
            consciousness: Some(r.consciousness),
            temperature: Some(r.temperature),
        })
        .total
    }

    #[test]
    fn same_seed_same_course() {
        for seed in [0, 1, 42, u64::MAX] {
            let (a, ra) = run(seed, true, 30);
            let (b, rb) = run(seed, true, 30);
            assert_eq!(a.profile, b.profile);
            assert_eq!(ra, rb);
        }
        let (_, r1) = run(1, false, 30);
        let (_, r2) = run(2, false, 30);
        assert_ne!(r1, r2, "different seeds give different courses");
    }

    #[test]
    fn values_stay_within_physiological_ranges() {
        let within = |v: f64, (lo, hi): (f64, f64)| v >= lo && v <= hi;
        for seed in 0..200 {
            let (p, readings) = run(seed, seed % 2 == 0, 60);
            for r in &readings {
                assert!(within(r.resp_rate, limits::RESP_RATE), "{r:?}");
                assert!(within(r.spo2, limits::SPO2), "{r:?}");
                assert!(within(r.systolic, limits::SYSTOLIC), "{r:?}");
                assert!(within(r.diastolic, limits::DIASTOLIC), "{r:?}");
                assert!(
                    r.diastolic < r.systolic && r.mean > r.diastolic && r.mean < r.systolic,
                    "{r:?}"
                );
                assert!(within(r.pulse, limits::PULSE), "{r:?}");
                assert!(within(r.oximeter_pulse, limits::PULSE), "{r:?}");
                assert!((r.oximeter_pulse - r.pulse).abs() <= 6.0, "{r:?}");
                assert!(r.pain <= 10);
                assert!(within(r.temperature, limits::TEMPERATURE), "{r:?}");
                if let Some(g) = r.glucose {
                    assert!(within(g, limits::GLUCOSE), "{r:?}");
                }
                match r.oxygen {
                    Some(Oxygen::Fio2(f)) => assert!(within(f, limits::FIO2) && f > 21.0),
                    Some(Oxygen::Flow(f)) => assert!(within(f, limits::O2_FLOW)),
                    None => {}
                }
                assert_eq!(r.resp_rate.fract(), 0.0);
                assert_eq!((r.temperature * 10.0).round(), r.temperature * 10.0);
            }
            if p.profile.deterioration.is_none() {
                // A stable patient stays broadly stable.
                for r in &readings {
                    assert!(
                        r.resp_rate >= 8.0 && r.resp_rate <= 24.0,
                        "seed {seed}: {r:?}"
                    );
                    assert!(r.pulse >= 45.0 && r.pulse <= 110.0, "seed {seed}: {r:?}");
                    assert_eq!(r.consciousness, Consciousness::A);
                }
            }
        }
    }

    #[test]
    fn deteriorating_patients_news2_rises() {
        for seed in 0..50 {
            let (p, readings) = run(seed, true, 48);
            let first: u32 = readings[..4]
                .iter()
                .map(|r| u32::from(news2(&p.profile, r)))
                .sum();
            let last: u32 = readings[44..]
                .iter()
                .map(|r| u32::from(news2(&p.profile, r)))
                .sum();
            let (first, last) = (first as f64 / 4.0, last as f64 / 4.0);
            assert!(last >= first + 5.0, "seed {seed}: NEWS2 {first} -> {last}");
            assert!(last >= 7.0, "seed {seed}: ends at NEWS2 {last}");
            // Correlated: every parameter moves the way sepsis moves it.
            let (a, z) = (&readings[0], &readings[47]);
            assert!(
                z.resp_rate > a.resp_rate && z.pulse > a.pulse,
                "seed {seed}"
            );
            assert!(
                z.systolic < a.systolic && z.temperature > a.temperature,
                "seed {seed}"
            );
            assert!(z.oxygen.is_some(), "seed {seed}: on oxygen by the end");
        }
    }

    #[test]
    fn stable_patients_score_low() {
        let mut high = 0;
        for seed in 0..100 {
            let (p, readings) = run(seed, false, 24);
            let mean: f64 = readings
                .iter()
                .map(|r| f64::from(news2(&p.profile, r)))
                .sum::<f64>()
                / 24.0;
            if mean >= 5.0 {
                high += 1;
            }
        }
        assert!(
            high <= 3,
            "{high} of 100 stable patients scored medium or high on average"
        );
    }

    #[test]
    fn population_has_every_flavour() {
        let profiles: Vec<Profile> = (0..200).map(|s| Patient::new(s, false).profile).collect();
        assert!(profiles.iter().any(|p| p.spo2_scale2));
        assert!(profiles
            .iter()
            .any(|p| matches!(p.oxygen, Some(Oxygen::Fio2(_)))));
        assert!(profiles
            .iter()
            .any(|p| matches!(p.oxygen, Some(Oxygen::Flow(_)))));
        assert!(profiles
            .iter()
            .any(|p| p.glucose.is_some_and(|g| g.unit == GlucoseUnit::MmolL)));
        assert!(profiles
            .iter()
            .any(|p| p.glucose.is_some_and(|g| g.unit == GlucoseUnit::MgDl)));
        // Some hypos actually happen.
        let hypos = (0..200)
            .flat_map(|s| run(s, false, 40).1)
            .filter(|r| r.glucose.is_some_and(|g| g < 70.0))
            .count();
        assert!(hypos > 5, "{hypos} hypos");
    }
}
