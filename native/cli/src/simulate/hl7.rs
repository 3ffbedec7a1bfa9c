//! Rendering simulated readings as HL7 v2 ORU^R01 messages, in two styles:
//! IHE PCD-01 (device observations with IEEE 11073 MDC codes and units) and a
//! LOINC/UCUM flowsheet style as an EHR or a spot-check monitor sends it.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::physiology::{GlucoseUnit, Oxygen, Reading};
use vitalflow_core::units::{convert, Unit};
use vitalflow_scoring::news2::Consciousness;

/// Which message style a patient's feed uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// IHE PCD-01: MDC codes (`150456^MDC_PULS_OXIM_SAT_O2^MDC`), MDC units,
    /// OBX-14 with an offset, OBX-18 device EUI-64, OBX-11 `R`, HL7 2.6.
    Pcd01,
    /// LOINC codes, UCUM units, local time without offset, OBX-11 `F`, HL7 2.5.
    Loinc,
}

/// Who a message is about: the synthetic (obviously fake) identity of a patient.
#[derive(Debug, Clone)]
pub struct Identity {
    pub mrn: String,
    pub authority: String,
    pub family: String,
    pub given: String,
    /// YYYYMMDD.
    pub birth_date: String,
    pub sex: &'static str,
    pub unit: String,
    pub bed: String,
    pub visit: String,
    pub style: Style,
    /// The bedside monitor's EUI-64.
    pub monitor: String,
    /// The glucometer's serial number.
    pub glucometer: String,
    /// Temperature charted in °F.
    pub fahrenheit: bool,
    /// Consciousness charted as a SNOMED CT code (CWE) rather than the letter.
    pub snomed_acvpu: bool,
}

/// Escapes a text value for an HL7 field with the default encoding characters.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\E\\"),
            '|' => out.push_str("\\F\\"),
            '^' => out.push_str("\\S\\"),
            '&' => out.push_str("\\T\\"),
            '~' => out.push_str("\\R\\"),
            '\r' | '\n' => out.push_str("\\X0D\\"),
            c => out.push(c),
        }
    }
    out
}

/// How long after its observation time a monitor or flowsheet message is sent (its MSH-7).
pub const VITALS_SENT_AFTER_S: i64 = 2;
/// How long after its reading a glucometer message is sent (its MSH-7).
pub const GLUCOSE_SENT_AFTER_S: i64 = 5;

/// Formats a timestamp: PCD-01 in UTC with an explicit `+0000`, the LOINC
/// style in local time of `zone` without an offset (as many EHRs send it).
pub fn timestamp(t: DateTime<Utc>, style: Style, zone: Tz) -> String {
    match style {
        Style::Pcd01 => t.format("%Y%m%d%H%M%S+0000").to_string(),
        Style::Loinc => t.with_timezone(&zone).format("%Y%m%d%H%M%S").to_string(),
    }
}

/// °C to °F, to one decimal as a thermometer shows it.
fn fahrenheit(celsius: f64) -> f64 {
    let f = convert(celsius, Unit::Celsius, Unit::Fahrenheit).expect("°C converts to °F");
    (f * 10.0).round() / 10.0
}

/// mg/dL to mmol/L, to one decimal as a glucometer shows it.
fn mmol_per_l(mg_dl: f64) -> f64 {
    let v = convert(mg_dl, Unit::MgPerDl, Unit::MmolPerL).expect("mg/dL converts to mmol/L");
    (v * 10.0).round() / 10.0
}

fn num(v: f64) -> String {
    // Whole numbers without a trailing ".0"; others with what precision they carry.
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').to_string()
    }
}

struct Builder {
    segments: Vec<String>,
    obx: u32,
}

impl Builder {
    fn new() -> Builder {
        Builder {
            segments: Vec::new(),
            obx: 0,
        }
    }
    /// Adds a segment from its fields (index 0 is the segment id).
    fn seg(&mut self, fields: &[&str]) {
        let mut s = fields.join("|");
        // trailing empty fields are not sent
        while s.ends_with('|') {
            s.pop();
        }
        self.segments.push(s);
    }
    fn finish(self) -> Vec<u8> {
        let mut out = self.segments.join("\r");
        out.push('\r');
        out.into_bytes()
    }
}

/// The header segments shared by both message kinds.
#[allow(clippy::too_many_arguments)]
fn header(
    b: &mut Builder,
    id: &Identity,
    sending_app: &str,
    control_id: &str,
    sent: &str,
    observed: &str,
    service: &str,
) {
    let pcd = id.style == Style::Pcd01;
    let mut msh = vec![
        "MSH",
        "^~\\&",
        sending_app,
        "VITALFLOW_SIM",
        "VITALFLOW",
        "HOSPITAL",
        sent,
        "",
        "ORU^R01^ORU_R01",
        control_id,
        "P",
        if pcd { "2.6" } else { "2.5" },
    ];
    if pcd {
        // MSH-13..21: accept/application ack types and the PCD-01 profile.
        msh.extend([
            "",
            "",
            "AL",
            "NE",
            "",
            "UNICODE UTF-8",
            "",
            "",
            "IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO",
        ]);
    }
    b.seg(&msh);
    let pid3 = format!("{}^^^{}^MR", escape(&id.mrn), escape(&id.authority));
    let pid5 = format!("{}^{}^^^^^L", escape(&id.family), escape(&id.given));
    b.seg(&["PID", "1", "", &pid3, "", &pid5, "", &id.birth_date, id.sex]);
    let pv1_3 = format!("{}^{}^1", escape(&id.unit), escape(&id.bed));
    let pv1_19 = format!("{}^^^{}^VN", escape(&id.visit), escape(&id.authority));
    let mut pv1 = vec!["PV1", "1", "I", &pv1_3];
    pv1.extend(std::iter::repeat_n("", 15));
    pv1.push(&pv1_19);
    b.seg(&pv1);
    let placer = format!("{control_id}^VITALFLOW_SIM");
    b.seg(&[
        "OBR", "1", &placer, &placer, service, "", "", observed, observed,
    ]);
}

struct Obx<'a> {
    value_type: &'a str,
    code: &'a str,
    sub_id: &'a str,
    value: String,
    unit: &'a str,
    range: &'a str,
    flag: &'a str,
    status: &'a str,
    time: &'a str,
    device: &'a str,
}

impl Builder {
    fn obx(&mut self, o: Obx<'_>) {
        self.obx += 1;
        let set_id = self.obx.to_string();
        self.seg(&[
            "OBX",
            &set_id,
            o.value_type,
            o.code,
            o.sub_id,
            &o.value,
            o.unit,
            o.range,
            o.flag,
            "",
            "",
            o.status,
            "",
            "",
            o.time,
            "",
            "",
            "",
            o.device,
        ]);
    }
}

fn consciousness_letter(c: Consciousness) -> &'static str {
    match c {
        Consciousness::A => "A",
        Consciousness::C => "C",
        Consciousness::V => "V",
        Consciousness::P => "P",
        Consciousness::U => "U",
    }
}

fn consciousness_snomed(c: Consciousness) -> &'static str {
    match c {
        Consciousness::A => "248234008^Mentally alert^SCT",
        // SNOMED CT's 300202002 is "responds to voice" while the SPEC's list puts
        // it at C, and 130987000 (acute confusion) is not in the SPEC: new
        // confusion goes as the site's own code, which every reader takes.
        Consciousness::C => "C^New confusion^L",
        Consciousness::V => "255373000^Responds to voice^SCT",
        Consciousness::P => "450847001^Responds to pain^SCT",
        Consciousness::U => "422768004^Unresponsive^SCT",
    }
}

/// An ORU^R01 with one set of vital signs.
pub fn vitals_message(
    id: &Identity,
    control_id: &str,
    at: DateTime<Utc>,
    zone: Tz,
    r: &Reading,
) -> Vec<u8> {
    let mut b = Builder::new();
    let ts = timestamp(at, id.style, zone);
    let sent = timestamp(
        at + chrono::Duration::seconds(VITALS_SENT_AFTER_S),
        id.style,
        zone,
    );
    match id.style {
        Style::Pcd01 => {
            let dev = format!("{}^VITALFLOW_SIM^{}^EUI-64", id.monitor, id.monitor);
            let app = format!("MONITOR^{}^EUI-64", id.monitor);
            header(
                &mut b,
                id,
                &app,
                control_id,
                &sent,
                &ts,
                "182777000^monitoring of patient^SCT",
            );
            // The device hierarchy: the monitor itself carries no value (not a vital sign).
            b.obx(Obx {
                value_type: "",
                code: "69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC",
                sub_id: "1",
                value: String::new(),
                unit: "",
                range: "",
                flag: "",
                status: "X",
                time: "",
                device: &dev,
            });
            let (temp, temp_unit, temp_range) = if id.fahrenheit {
                (
                    fahrenheit(r.temperature),
                    "266560^MDC_DIM_FAHR^MDC",
                    "96.8-100.4",
                )
            } else {
                (r.temperature, "268192^MDC_DIM_DEGC^MDC", "36.0-38.0")
            };
            let rows: [(&str, &str, f64, &str, &str); 8] = [
                (
                    "150456^MDC_PULS_OXIM_SAT_O2^MDC",
                    "1.1.1.1",
                    r.spo2,
                    "262688^MDC_DIM_PERCENT^MDC",
                    "90-100",
                ),
                (
                    "149530^MDC_PULS_OXIM_PULS_RATE^MDC",
                    "1.1.1.2",
                    r.oximeter_pulse,
                    "264864^MDC_DIM_BEAT_PER_MIN^MDC",
                    "50-120",
                ),
                (
                    "147842^MDC_ECG_HEART_RATE^MDC",
                    "1.2.1.1",
                    r.pulse,
                    "264864^MDC_DIM_BEAT_PER_MIN^MDC",
                    "50-120",
                ),
                (
                    "151562^MDC_RESP_RATE^MDC",
                    "1.3.1.1",
                    r.resp_rate,
                    "264928^MDC_DIM_RESP_PER_MIN^MDC",
                    "8-30",
                ),
                (
                    "150021^MDC_PRESS_BLD_NONINV_SYS^MDC",
                    "1.4.1.1",
                    r.systolic,
                    "266016^MDC_DIM_MMHG^MDC",
                    "90-160",
                ),
                (
                    "150022^MDC_PRESS_BLD_NONINV_DIA^MDC",
                    "1.4.1.2",
                    r.diastolic,
                    "266016^MDC_DIM_MMHG^MDC",
                    "50-90",
                ),
                (
                    "150023^MDC_PRESS_BLD_NONINV_MEAN^MDC",
                    "1.4.1.3",
                    r.mean,
                    "266016^MDC_DIM_MMHG^MDC",
                    "60-110",
                ),
                (
                    "150364^MDC_TEMP_BODY^MDC",
                    "1.5.1.1",
                    temp,
                    temp_unit,
                    temp_range,
                ),
            ];
            for (code, sub_id, v, unit, range) in rows {
                b.obx(Obx {
                    value_type: "NM",
                    code,
                    sub_id,
                    value: num(v),
                    unit,
                    range,
                    flag: "",
                    status: "R",
                    time: &ts,
                    device: &dev,
                });
            }
            nurse_obx(&mut b, id, r, &ts, true);
        }
        Style::Loinc => {
            let app = "EHR_FLOWSHEET";
            header(
                &mut b,
                id,
                app,
                control_id,
                &sent,
                &ts,
                "34566-0^Vital signs with method details panel^LN",
            );
            let (temp, temp_unit) = if id.fahrenheit {
                (fahrenheit(r.temperature), "[degF]^degree Fahrenheit^UCUM")
            } else {
                (r.temperature, "Cel^degree Celsius^UCUM")
            };
            let rows: [(&str, f64, &str); 8] = [
                ("8867-4^Heart rate^LN", r.pulse, "/min^per minute^UCUM"),
                (
                    "9279-1^Respiratory rate^LN",
                    r.resp_rate,
                    "/min^per minute^UCUM",
                ),
                (
                    "59408-5^Oxygen saturation in Arterial blood by Pulse oximetry^LN",
                    r.spo2,
                    "%^percent^UCUM",
                ),
                (
                    "8480-6^Systolic blood pressure^LN",
                    r.systolic,
                    "mm[Hg]^millimeter of mercury^UCUM",
                ),
                (
                    "8462-4^Diastolic blood pressure^LN",
                    r.diastolic,
                    "mm[Hg]^millimeter of mercury^UCUM",
                ),
                (
                    "8478-0^Mean blood pressure^LN",
                    r.mean,
                    "mm[Hg]^millimeter of mercury^UCUM",
                ),
                ("8310-5^Body temperature^LN", temp, temp_unit),
                // Charted alongside, not a vital sign.
                (
                    "72514-3^Pain severity - 0-10 verbal numeric rating^LN",
                    f64::from(r.pain),
                    "{score}^score^UCUM",
                ),
            ];
            for (code, v, unit) in rows {
                b.obx(Obx {
                    value_type: "NM",
                    code,
                    sub_id: "",
                    value: num(v),
                    unit,
                    range: "",
                    flag: "",
                    status: "F",
                    // OBX-14 left out: the time comes from OBR-7.
                    time: "",
                    device: "",
                });
            }
            nurse_obx(&mut b, id, r, "", false);
        }
    }
    b.finish()
}

/// Oxygen and consciousness, charted by the nurse in both styles.
fn nurse_obx(b: &mut Builder, id: &Identity, r: &Reading, ts: &str, with_time: bool) {
    let status = "F";
    let time = if with_time { ts } else { "" };
    match r.oxygen {
        Some(Oxygen::Fio2(f)) => b.obx(Obx {
            value_type: "NM",
            code: "3150-0^Inhaled oxygen concentration^LN",
            sub_id: "",
            value: num(f),
            unit: "%^percent^UCUM",
            range: "",
            flag: "",
            status,
            time,
            device: "",
        }),
        Some(Oxygen::Flow(f)) => b.obx(Obx {
            value_type: "NM",
            code: "3151-8^Inhaled oxygen flow rate^LN",
            sub_id: "",
            value: num(f),
            unit: "L/min^liter per minute^UCUM",
            range: "",
            flag: "",
            status,
            time,
            device: "",
        }),
        None => b.obx(Obx {
            value_type: "NM",
            code: "3150-0^Inhaled oxygen concentration^LN",
            sub_id: "",
            value: "21".into(),
            unit: "%^percent^UCUM",
            range: "",
            flag: "",
            status,
            time,
            device: "",
        }),
    }
    b.obx(Obx {
        value_type: if id.snomed_acvpu { "CWE" } else { "ST" },
        code: "ACVPU^Level of consciousness (ACVPU)^L",
        sub_id: "",
        value: if id.snomed_acvpu {
            consciousness_snomed(r.consciousness).into()
        } else {
            consciousness_letter(r.consciousness).into()
        },
        unit: "",
        range: "",
        flag: "",
        status,
        time,
        device: "",
    });
}

/// An ORU^R01 from a point-of-care glucometer.
/// The ADT trigger events the simulator sends (HL7 v2.5 chapter 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdtEvent {
    /// A01 admit/visit notification: the patient arrives on the ward.
    Admit,
    /// A08 update patient information.
    Update,
    /// A03 discharge/end visit.
    Discharge,
}

impl AdtEvent {
    pub fn code(self) -> &'static str {
        match self {
            AdtEvent::Admit => "A01",
            AdtEvent::Update => "A08",
            AdtEvent::Discharge => "A03",
        }
    }
}

/// An ADT message from the EHR (v2.5, local time without offset as most EHRs send it):
/// MSH, EVN, PID with name, birth date and sex, PV1 with location, visit number and the
/// admit (PV1-44) or discharge (PV1-45) time.
pub fn adt_message(
    id: &Identity,
    event: AdtEvent,
    control_id: &str,
    at: DateTime<Utc>,
    zone: Tz,
) -> Vec<u8> {
    let mut b = Builder::new();
    let ts = timestamp(at, Style::Loinc, zone);
    let trigger = event.code();
    let structure = match event {
        // A08 uses the A01 message structure (HL7 v2.5 3.3.8).
        AdtEvent::Admit | AdtEvent::Update => "ADT_A01",
        AdtEvent::Discharge => "ADT_A03",
    };
    let msh9 = format!("ADT^{trigger}^{structure}");
    b.seg(&[
        "MSH",
        "^~\\&",
        "EHR_ADT",
        "VITALFLOW_SIM",
        "VITALFLOW",
        "HOSPITAL",
        &ts,
        "",
        &msh9,
        control_id,
        "P",
        "2.5",
    ]);
    b.seg(&["EVN", trigger, &ts]);
    let pid3 = format!("{}^^^{}^MR", escape(&id.mrn), escape(&id.authority));
    let pid5 = format!("{}^{}^^^^^L", escape(&id.family), escape(&id.given));
    b.seg(&["PID", "1", "", &pid3, "", &pid5, "", &id.birth_date, id.sex]);
    let pv1_3 = format!("{}^{}^1", escape(&id.unit), escape(&id.bed));
    let pv1_19 = format!("{}^^^{}^VN", escape(&id.visit), escape(&id.authority));
    let mut pv1: Vec<&str> = vec!["PV1", "1", "I", &pv1_3];
    pv1.extend(std::iter::repeat_n("", 15));
    pv1.push(&pv1_19);
    match event {
        AdtEvent::Admit | AdtEvent::Update => {
            pv1.extend(std::iter::repeat_n("", 24));
            pv1.push(&ts); // PV1-44 admit date/time
        }
        AdtEvent::Discharge => {
            pv1.extend(std::iter::repeat_n("", 25));
            pv1.push(&ts); // PV1-45 discharge date/time
        }
    }
    b.seg(&pv1);
    b.finish()
}

pub fn glucose_message(
    id: &Identity,
    unit: GlucoseUnit,
    control_id: &str,
    at: DateTime<Utc>,
    zone: Tz,
    mg_dl: f64,
) -> Vec<u8> {
    let mut b = Builder::new();
    let ts = timestamp(at, id.style, zone);
    let sent = timestamp(
        at + chrono::Duration::seconds(GLUCOSE_SENT_AFTER_S),
        id.style,
        zone,
    );
    let app = "GLUCOMETER_POC";
    header(
        &mut b,
        id,
        app,
        control_id,
        &sent,
        &ts,
        "41653-7^Glucose POC^LN",
    );
    let flag = if mg_dl < 54.0 {
        "LL"
    } else if mg_dl < 70.0 {
        "L"
    } else if mg_dl > 250.0 {
        "HH"
    } else if mg_dl > 180.0 {
        "H"
    } else {
        "N"
    };
    let (code, value, unit_field, range) = match (id.style, unit) {
        (Style::Pcd01, GlucoseUnit::MgDl) => (
            "160184^MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD^MDC",
            num(mg_dl),
            "mg/dL^mg/dL^UCUM",
            "70-180",
        ),
        (Style::Pcd01, GlucoseUnit::MmolL) => (
            "160184^MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD^MDC",
            num(mmol_per_l(mg_dl)),
            "mmol/L^mmol/L^UCUM",
            "3.9-10.0",
        ),
        (Style::Loinc, GlucoseUnit::MgDl) => (
            "41653-7^Glucose [Mass/volume] in Capillary blood by Glucometer^LN",
            num(mg_dl),
            "mg/dL^milligram per deciliter^UCUM",
            "70-180",
        ),
        (Style::Loinc, GlucoseUnit::MmolL) => (
            "14743-9^Glucose [Moles/volume] in Capillary blood by Glucometer^LN",
            num(mmol_per_l(mg_dl)),
            "mmol/L^millimole per liter^UCUM",
            "3.9-10.0",
        ),
    };
    b.obx(Obx {
        value_type: "NM",
        code,
        sub_id: "",
        value,
        unit: unit_field,
        range,
        flag,
        status: "F",
        time: &ts,
        device: &id.glucometer,
    });
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(num(97.0), "97");
        assert_eq!(num(37.2), "37.2");
        assert_eq!(num(5.55), "5.55");
    }

    #[test]
    fn escapes_delimiters() {
        assert_eq!(escape("a|b^c&d~e\\f"), "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f");
    }
}
