//! The binary forms of what the streaming rules keep and take across the JVM
//! seam, in the envelope of `vitalflow-envelope` (docs/contract.md, "The
//! envelope"):
//!
//! - [`PatientState::to_bytes`] / [`PatientState::from_bytes`]: a patient's
//!   rule state (kind 4), kept by the Flink job in keyed state and savepoints.
//!   `from_bytes` also reads the JSON of [`PatientState::to_json`], the form
//!   written before this format (savepoints of earlier versions restore).
//! - [`write_rows`] / [`read_rows`]: one patient's observations of one message
//!   (kind 3), made when the message is parsed and applied by a later step,
//!   so that the step does not parse the message again.
//!
//! Layout of a state (after the header), in this order:
//!
//! ```text
//! timed f64 x5      resp_rate, spo2, systolic, pulse, temperature   (see "timed")
//! timed bool        oxygen
//! timed letter      consciousness (u8 ASCII A, C, V, P or U)
//! timed f64         glucose
//! u8 spo2_scale     1 or 2
//! i64 clock         i64::MIN: none
//! u8 has_input      then, when 1, the input: f64 resp_rate, f64 spo2, u8 scale,
//!                   u8 oxygen (0 air, 1 oxygen, 255 unknown), f64 systolic,
//!                   f64 pulse, u8 consciousness (0 unknown), f64 temperature
//! u8 has_score      then, when 1: u8 total, u8 band (0 LOW .. 3 HIGH),
//!                   7 x u8 subscores (255 missing), params missing, bool complete
//! count baseline    each: i64 at, i64 until (i64::MIN: open), u8 total
//! params active     the parameters whose single-parameter-3 alert is active
//! bool news2_rise
//! count glucose     each: i64 at, u8 level
//! count hypo        each: i64 at, bool level2
//! ```
//! "params": a count, then each parameter as its index in `Parameter::ALL`
//! (resp_rate 0, spo2, oxygen, systolic, pulse, consciousness, temperature 6).
//! "timed": u8 present (0/1), then the value, i64 at and bool clock_error.
//! f64 missing values are NaN.

use vitalflow_core::Consciousness;
use vitalflow_envelope::{EnvelopeError, Kind, Reader, Writer};

use crate::alerts::{
    ActiveAlerts, BaselineEntry, GlucoseEntry, HypoRaised, Observation, PatientState, Reading,
    Timed,
};
use crate::news2::{Band, News2Input, News2Score, Parameter, Spo2Scale, Subscores};

fn bad(e: EnvelopeError) -> String {
    format!("bad patient state: {e}")
}

fn letter_number(c: Consciousness) -> u8 {
    c.letter() as u8
}

fn letter(n: u8, at: usize) -> Result<Consciousness, EnvelopeError> {
    (n as char)
        .to_string()
        .parse()
        .map_err(|_| EnvelopeError::BadValue(at))
}

/// A list of parameters, in its order: `count`, then each as its index in
/// `Parameter::ALL`.
fn put_parameters(w: &mut Writer<'_>, ps: &[Parameter]) {
    w.count(ps.len());
    for p in ps {
        w.u8(Parameter::ALL.iter().position(|q| q == p).unwrap_or(0) as u8);
    }
}

fn get_parameters(r: &mut Reader<'_>) -> Result<Vec<Parameter>, EnvelopeError> {
    r.list(1, |r| {
        let at = r.position();
        let i = usize::from(r.u8()?);
        Parameter::ALL
            .get(i)
            .copied()
            .ok_or(EnvelopeError::BadValue(at))
    })
}

fn band_number(b: Band) -> u8 {
    match b {
        Band::Low => 0,
        Band::LowMedium => 1,
        Band::Medium => 2,
        Band::High => 3,
    }
}

fn band(n: u8, at: usize) -> Result<Band, EnvelopeError> {
    match n {
        0 => Ok(Band::Low),
        1 => Ok(Band::LowMedium),
        2 => Ok(Band::Medium),
        3 => Ok(Band::High),
        _ => Err(EnvelopeError::BadValue(at)),
    }
}

fn scale(n: u8, at: usize) -> Result<Spo2Scale, EnvelopeError> {
    Spo2Scale::from_number(n).ok_or(EnvelopeError::BadValue(at))
}

fn put_timed<T: Copy>(w: &mut Writer<'_>, t: &Option<Timed<T>>, put: impl Fn(&mut Writer<'_>, T)) {
    match t {
        None => {
            w.u8(0);
        }
        Some(t) => {
            w.u8(1);
            put(w, t.value);
            w.i64(t.at).bool(t.clock_error);
        }
    }
}

fn get_timed<T>(
    r: &mut Reader<'_>,
    get: impl Fn(&mut Reader<'_>) -> Result<T, EnvelopeError>,
) -> Result<Option<Timed<T>>, EnvelopeError> {
    if !r.bool()? {
        return Ok(None);
    }
    let value = get(r)?;
    Ok(Some(Timed {
        value,
        at: r.i64()?,
        clock_error: r.bool()?,
    }))
}

fn opt_i64(v: i64) -> Option<i64> {
    Some(v).filter(|&v| v != i64::MIN)
}

impl PatientState {
    /// Appends the state in its binary form (the module docs).
    pub fn to_bytes(&self, out: &mut Vec<u8>) {
        let mut w = Writer::new(out, Kind::PatientState);
        let f = |w: &mut Writer<'_>, v: f64| {
            w.f64(v);
        };
        for t in [
            &self.resp_rate,
            &self.spo2,
            &self.systolic,
            &self.pulse,
            &self.temperature,
        ] {
            put_timed(&mut w, t, f);
        }
        put_timed(&mut w, &self.oxygen, |w, v| {
            w.bool(v);
        });
        put_timed(&mut w, &self.consciousness, |w, v| {
            w.u8(letter_number(v));
        });
        put_timed(&mut w, &self.glucose, f);
        w.u8(self.spo2_scale.number());
        w.i64(self.clock.unwrap_or(i64::MIN));
        match &self.last_input {
            None => {
                w.u8(0);
            }
            Some(i) => {
                w.u8(1)
                    .opt_f64(i.resp_rate)
                    .opt_f64(i.spo2)
                    .u8(i.spo2_scale.number())
                    .u8(i.oxygen.map_or(u8::MAX, u8::from))
                    .opt_f64(i.systolic)
                    .opt_f64(i.pulse)
                    .u8(i.consciousness.map_or(0, letter_number))
                    .opt_f64(i.temperature);
            }
        }
        match &self.last_score {
            None => {
                w.u8(0);
            }
            Some(s) => {
                w.u8(1).u8(s.total).u8(band_number(s.band));
                for p in Parameter::ALL {
                    w.u8(s.subscores.get(p).unwrap_or(u8::MAX));
                }
                put_parameters(&mut w, &s.missing);
                w.bool(s.complete);
            }
        }
        w.count(self.baseline.len());
        for b in &self.baseline {
            w.i64(b.at).i64(b.until.unwrap_or(i64::MIN)).u8(b.total);
        }
        put_parameters(&mut w, &self.active.single_parameter_3);
        w.bool(self.active.news2_rise);
        w.count(self.glucose_history.len());
        for g in &self.glucose_history {
            w.i64(g.at).u8(g.level);
        }
        w.count(self.hypo_raised.len());
        for h in &self.hypo_raised {
            w.i64(h.at).bool(h.level2);
        }
    }

    /// Reads a state written by [`PatientState::to_bytes`], or by
    /// [`PatientState::to_json`] (earlier versions kept the JSON).
    pub fn from_bytes(bytes: &[u8]) -> Result<PatientState, String> {
        if !Reader::is_envelope(bytes) {
            return PatientState::from_json(bytes);
        }
        read_state(bytes).map_err(bad)
    }
}

fn read_state(bytes: &[u8]) -> Result<PatientState, EnvelopeError> {
    let mut r = Reader::open(bytes, Kind::PatientState)?;
    let f = |r: &mut Reader<'_>| r.f64();
    let resp_rate = get_timed(&mut r, f)?;
    let spo2 = get_timed(&mut r, f)?;
    let systolic = get_timed(&mut r, f)?;
    let pulse = get_timed(&mut r, f)?;
    let temperature = get_timed(&mut r, f)?;
    let oxygen = get_timed(&mut r, |r| r.bool())?;
    let consciousness = get_timed(&mut r, |r| {
        let at = r.position();
        letter(r.u8()?, at)
    })?;
    let glucose = get_timed(&mut r, f)?;
    let at = r.position();
    let spo2_scale = scale(r.u8()?, at)?;
    let clock = opt_i64(r.i64()?);
    let last_input = if r.bool()? {
        let resp_rate = r.opt_f64()?;
        let spo2 = r.opt_f64()?;
        let at = r.position();
        let spo2_scale = scale(r.u8()?, at)?;
        let at = r.position();
        let oxygen = match r.u8()? {
            0 => Some(false),
            1 => Some(true),
            u8::MAX => None,
            _ => return Err(EnvelopeError::BadValue(at)),
        };
        let systolic = r.opt_f64()?;
        let pulse = r.opt_f64()?;
        let at = r.position();
        let consciousness = match r.u8()? {
            0 => None,
            n => Some(letter(n, at)?),
        };
        Some(News2Input {
            resp_rate,
            spo2,
            spo2_scale,
            oxygen,
            systolic,
            pulse,
            consciousness,
            temperature: r.opt_f64()?,
        })
    } else {
        None
    };
    let last_score = if r.bool()? {
        let total = r.u8()?;
        let at = r.position();
        let band = band(r.u8()?, at)?;
        let mut sub = [None; 7];
        for s in &mut sub {
            *s = Some(r.u8()?).filter(|&v| v != u8::MAX);
        }
        let subscores = Subscores {
            resp_rate: sub[0],
            spo2: sub[1],
            oxygen: sub[2],
            systolic: sub[3],
            pulse: sub[4],
            consciousness: sub[5],
            temperature: sub[6],
        };
        Some(News2Score {
            total,
            band,
            subscores,
            missing: get_parameters(&mut r)?,
            complete: r.bool()?,
        })
    } else {
        None
    };
    let baseline = r.list(17, |r| {
        Ok(BaselineEntry {
            at: r.i64()?,
            until: opt_i64(r.i64()?),
            total: r.u8()?,
        })
    })?;
    let active = ActiveAlerts {
        single_parameter_3: get_parameters(&mut r)?,
        news2_rise: r.bool()?,
    };
    let glucose_history = r.list(9, |r| {
        Ok(GlucoseEntry {
            at: r.i64()?,
            level: r.u8()?,
        })
    })?;
    let hypo_raised = r.list(9, |r| {
        Ok(HypoRaised {
            at: r.i64()?,
            level2: r.bool()?,
        })
    })?;
    Ok(PatientState {
        resp_rate,
        spo2,
        oxygen,
        systolic,
        pulse,
        consciousness,
        temperature,
        glucose,
        spo2_scale,
        clock,
        last_input,
        last_score,
        baseline,
        active,
        glucose_history,
        hypo_raised,
    })
}

/// One patient's part of one message, as a step takes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PatientRows {
    /// MSH-11-1 of the message (the step decides whether it is scored).
    pub processing_id: Option<String>,
    /// The observations (in message order), with their receipt time and
    /// clock-error flag already applied.
    pub observations: Vec<Observation>,
    /// The patient's rows scored at their receipt time (wrong device clock),
    /// counting rows that give no observation too.
    pub clock_errors: u32,
}

/// Reading tags of [`write_rows`]: the `Reading` variants in declaration order.
fn reading_tag(r: &Reading) -> u8 {
    match r {
        Reading::RespRate(_) => 0,
        Reading::Spo2(_) => 1,
        Reading::Oxygen(_) => 2,
        Reading::Fio2(_) => 3,
        Reading::O2Flow(_) => 4,
        Reading::Systolic(_) => 5,
        Reading::Pulse(_) => 6,
        Reading::Consciousness(_) => 7,
        Reading::Temperature(_) => 8,
        Reading::GlucoseMgDl(_) => 9,
        Reading::GlucoseMmolL(_) => 10,
    }
}

/// Appends one patient's rows (kind 3): `str processing_id`, `i32
/// clock_errors`, `count`, then per observation `u8 tag`, the value (f64; u8
/// 0/1 for oxygen; the ASCII letter for consciousness), `i64 observed_at`,
/// `i64 received_at` (i64::MIN: unknown) and `bool clock_error`.
pub fn write_rows(out: &mut Vec<u8>, rows: &PatientRows) {
    let mut w = Writer::new(out, Kind::PatientRows);
    w.str(rows.processing_id.as_deref())
        .i32(i32::try_from(rows.clock_errors).unwrap_or(i32::MAX))
        .count(rows.observations.len());
    for o in &rows.observations {
        w.u8(reading_tag(&o.reading));
        match o.reading {
            Reading::Oxygen(b) => {
                w.bool(b);
            }
            Reading::Consciousness(c) => {
                w.u8(letter_number(c));
            }
            Reading::RespRate(v)
            | Reading::Spo2(v)
            | Reading::Fio2(v)
            | Reading::O2Flow(v)
            | Reading::Systolic(v)
            | Reading::Pulse(v)
            | Reading::Temperature(v)
            | Reading::GlucoseMgDl(v)
            | Reading::GlucoseMmolL(v) => {
                w.f64(v);
            }
        }
        w.i64(o.observed_at)
            .i64(o.received_at.unwrap_or(i64::MIN))
            .bool(o.clock_error);
    }
}

/// Reads what [`write_rows`] wrote.
pub fn read_rows(bytes: &[u8]) -> Result<PatientRows, String> {
    read_rows_envelope(bytes).map_err(|e| format!("bad patient rows: {e}"))
}

fn read_rows_envelope(bytes: &[u8]) -> Result<PatientRows, EnvelopeError> {
    let mut r = Reader::open(bytes, Kind::PatientRows)?;
    let processing_id = r.str()?.map(str::to_owned);
    let at = r.position();
    let clock_errors = u32::try_from(r.i32()?).map_err(|_| EnvelopeError::BadValue(at))?;
    // tag, a value of at least one byte, two times and the clock-error flag
    let observations = r.list(19, |r| {
        let at = r.position();
        let reading = match r.u8()? {
            0 => Reading::RespRate(r.f64()?),
            1 => Reading::Spo2(r.f64()?),
            2 => Reading::Oxygen(r.bool()?),
            3 => Reading::Fio2(r.f64()?),
            4 => Reading::O2Flow(r.f64()?),
            5 => Reading::Systolic(r.f64()?),
            6 => Reading::Pulse(r.f64()?),
            7 => {
                let at = r.position();
                Reading::Consciousness(letter(r.u8()?, at)?)
            }
            8 => Reading::Temperature(r.f64()?),
            9 => Reading::GlucoseMgDl(r.f64()?),
            10 => Reading::GlucoseMmolL(r.f64()?),
            _ => return Err(EnvelopeError::BadValue(at)),
        };
        Ok(Observation {
            reading,
            observed_at: r.i64()?,
            received_at: opt_i64(r.i64()?),
            clock_error: r.bool()?,
        })
    })?;
    Ok(PatientRows {
        processing_id,
        observations,
        clock_errors,
    })
}
