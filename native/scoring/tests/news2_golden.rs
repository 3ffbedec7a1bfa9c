//! The NEWS2 chart at every boundary, for every parameter, including the
//! rounding that precedes banding.

use vitalflow_scoring::news2::{
    score, Band, Consciousness, News2Input, News2Json, News2Score, Parameter, Spo2Scale,
};

fn one(p: Parameter, v: f64) -> News2Input {
    let mut i = News2Input::default();
    match p {
        Parameter::RespRate => i.resp_rate = Some(v),
        Parameter::Spo2 => i.spo2 = Some(v),
        Parameter::Systolic => i.systolic = Some(v),
        Parameter::Pulse => i.pulse = Some(v),
        Parameter::Temperature => i.temperature = Some(v),
        Parameter::Oxygen | Parameter::Consciousness => unreachable!(),
    }
    i
}

fn check(p: Parameter, rows: &[(f64, u8)]) {
    for &(v, expected) in rows {
        let s = score(&one(p, v));
        assert_eq!(s.subscores.get(p), Some(expected), "{p} = {v}");
        assert_eq!(s.total, expected, "{p} = {v}: total");
    }
}

#[test]
fn resp_rate_boundaries() {
    check(
        Parameter::RespRate,
        &[
            (0.0, 3),
            (8.0, 3),
            (8.4, 3),
            (8.5, 1), // rounds to 9
            (9.0, 1),
            (11.0, 1),
            (11.49, 1),
            (11.5, 0), // 12
            (12.0, 0),
            (20.0, 0),
            (20.4, 0),
            (20.5, 2), // 21
            (21.0, 2),
            (24.0, 2),
            (24.5, 3), // 25
            (25.0, 3),
            (60.0, 3),
        ],
    );
}

#[test]
fn systolic_boundaries() {
    check(
        Parameter::Systolic,
        &[
            (60.0, 3),
            (90.0, 3),
            (90.49, 3),
            (90.5, 2), // 91
            (91.0, 2),
            (100.0, 2),
            (101.0, 1),
            (110.0, 1),
            (110.5, 0), // 111
            (111.0, 0),
            (219.0, 0),
            (219.49, 0),
            (219.5, 3), // 220
            (220.0, 3),
            (300.0, 3),
        ],
    );
}

#[test]
fn pulse_boundaries() {
    check(
        Parameter::Pulse,
        &[
            (20.0, 3),
            (40.0, 3),
            (40.5, 1), // 41
            (41.0, 1),
            (50.0, 1),
            (51.0, 0),
            (90.0, 0),
            (90.5, 1), // 91
            (91.0, 1),
            (110.0, 1),
            (111.0, 2),
            (130.0, 2),
            (130.5, 3), // 131
            (131.0, 3),
            (200.0, 3),
        ],
    );
}

#[test]
fn temperature_boundaries_and_rounding() {
    check(
        Parameter::Temperature,
        &[
            (30.0, 3),
            (35.0, 3),
            (35.04, 3), // 35.0
            (35.05, 1), // 35.1, although 35.05 is slightly below in binary
            (35.1, 1),
            (36.0, 1),
            (36.04, 1),
            (36.05, 0), // 36.1
            (36.1, 0),
            (38.0, 0),
            (38.04, 0), // 38.0
            (38.05, 1), // 38.1
            (38.1, 1),
            (39.0, 1),
            (39.04, 1),
            (39.05, 2), // 39.1
            (39.1, 2),
            (42.0, 2),
        ],
    );
}

#[test]
fn temperature_rounding_from_fahrenheit_conversion() {
    // 100.49 °F = 38.05 °C (to float precision): rounds to 38.1, scores 1.
    let c = (100.49 - 32.0) * 5.0 / 9.0;
    assert_eq!(
        score(&one(Parameter::Temperature, c)).subscores.temperature,
        Some(1)
    );
    // 100.4 °F = 38.0 °C: scores 0.
    let c = (100.4 - 32.0) * 5.0 / 9.0;
    assert_eq!(
        score(&one(Parameter::Temperature, c)).subscores.temperature,
        Some(0)
    );
}

#[test]
fn spo2_scale_1_ignores_oxygen_for_spo2() {
    for oxygen in [None, Some(false), Some(true)] {
        for &(v, expected) in &[
            (80.0, 3),
            (91.0, 3),
            (91.49, 3),
            (91.5, 2), // 92
            (92.0, 2),
            (93.0, 2),
            (94.0, 1),
            (95.0, 1),
            (95.5, 0), // 96
            (96.0, 0),
            (100.0, 0),
        ] {
            let s = score(&News2Input {
                spo2: Some(v),
                spo2_scale: Spo2Scale::Scale1,
                oxygen,
                ..Default::default()
            });
            assert_eq!(
                s.subscores.spo2,
                Some(expected),
                "scale 1 spo2 {v} oxygen {oxygen:?}"
            );
        }
    }
}

#[test]
fn spo2_scale_2_on_air_oxygen_and_unknown() {
    // (spo2, on air, on oxygen, oxygen unknown)
    let rows: &[(f64, u8, u8, u8)] = &[
        (70.0, 3, 3, 3),
        (83.0, 3, 3, 3),
        (83.5, 2, 2, 2), // 84
        (84.0, 2, 2, 2),
        (85.0, 2, 2, 2),
        (86.0, 1, 1, 1),
        (87.0, 1, 1, 1),
        (88.0, 0, 0, 0),
        (92.0, 0, 0, 0),
        (92.5, 0, 1, 0), // 93
        (93.0, 0, 1, 0),
        (94.0, 0, 1, 0),
        (95.0, 0, 2, 0),
        (96.0, 0, 2, 0),
        (96.5, 0, 3, 0), // 97
        (97.0, 0, 3, 0),
        (100.0, 0, 3, 0),
    ];
    for &(v, air, o2, unknown) in rows {
        for (oxygen, expected) in [(Some(false), air), (Some(true), o2), (None, unknown)] {
            let s = score(&News2Input {
                spo2: Some(v),
                spo2_scale: Spo2Scale::Scale2,
                oxygen,
                ..Default::default()
            });
            assert_eq!(
                s.subscores.spo2,
                Some(expected),
                "scale 2 spo2 {v} oxygen {oxygen:?}"
            );
            let oxygen_score = oxygen.map(|o| if o { 2 } else { 0 });
            assert_eq!(s.subscores.oxygen, oxygen_score);
            assert_eq!(s.total, expected + oxygen_score.unwrap_or(0));
            assert_eq!(s.missing.contains(&Parameter::Oxygen), oxygen.is_none());
        }
    }
}

#[test]
fn air_or_oxygen() {
    let s = |oxygen| {
        score(&News2Input {
            oxygen,
            ..Default::default()
        })
    };
    assert_eq!(s(Some(true)).subscores.oxygen, Some(2));
    assert_eq!(s(Some(false)).subscores.oxygen, Some(0));
    assert_eq!(s(None).subscores.oxygen, None);
    assert!(s(None).missing.contains(&Parameter::Oxygen));
}

#[test]
fn consciousness() {
    for (c, expected) in [
        (Consciousness::A, 0),
        (Consciousness::C, 3),
        (Consciousness::V, 3),
        (Consciousness::P, 3),
        (Consciousness::U, 3),
    ] {
        let s = score(&News2Input {
            consciousness: Some(c),
            ..Default::default()
        });
        assert_eq!(s.subscores.consciousness, Some(expected), "{c}");
    }
    for (text, c) in [
        ("a", Consciousness::A),
        ("C", Consciousness::C),
        (" v ", Consciousness::V),
        ("p", Consciousness::P),
        ("U", Consciousness::U),
    ] {
        assert_eq!(text.parse::<Consciousness>(), Ok(c));
    }
    assert!("X".parse::<Consciousness>().is_err());
    assert!("".parse::<Consciousness>().is_err());
    assert!("AV".parse::<Consciousness>().is_err());
}

#[test]
fn non_finite_values_are_missing() {
    for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        for p in [
            Parameter::RespRate,
            Parameter::Spo2,
            Parameter::Systolic,
            Parameter::Pulse,
            Parameter::Temperature,
        ] {
            let s = score(&one(p, v));
            assert_eq!(s.subscores.get(p), None);
            assert!(s.missing.contains(&p));
            assert_eq!(s.total, 0);
        }
    }
}

fn full(
    resp: f64,
    spo2: f64,
    oxygen: bool,
    sys: f64,
    pulse: f64,
    c: Consciousness,
    temp: f64,
) -> News2Score {
    score(&News2Input {
        resp_rate: Some(resp),
        spo2: Some(spo2),
        spo2_scale: Spo2Scale::Scale1,
        oxygen: Some(oxygen),
        systolic: Some(sys),
        pulse: Some(pulse),
        consciousness: Some(c),
        temperature: Some(temp),
    })
}

#[test]
fn bands() {
    use Consciousness::*;
    let normal = full(16.0, 98.0, false, 120.0, 70.0, A, 37.0);
    assert_eq!(
        (normal.total, normal.band, normal.complete),
        (0, Band::Low, true)
    );
    assert!(normal.missing.is_empty());

    let four = full(22.0, 95.0, false, 105.0, 70.0, A, 37.0); // 2+1+1
    assert_eq!((four.total, four.band), (4, Band::Low));

    let single_three = full(16.0, 98.0, false, 120.0, 70.0, V, 37.0);
    assert_eq!(
        (single_three.total, single_three.band),
        (3, Band::LowMedium)
    );

    let three_from_ones = full(10.0, 95.0, false, 105.0, 70.0, A, 37.0); // 1+1+1
    assert_eq!(
        (three_from_ones.total, three_from_ones.band),
        (3, Band::Low)
    );

    let five = full(22.0, 95.0, false, 105.0, 95.0, A, 37.0); // 2+1+1+1
    assert_eq!((five.total, five.band), (5, Band::Medium));

    let six = full(22.0, 95.0, true, 105.0, 70.0, A, 37.0); // 2+1+2+1
    assert_eq!((six.total, six.band), (6, Band::Medium));

    let six_with_three = full(16.0, 90.0, false, 120.0, 120.0, A, 38.5); // 3+2+1
    assert_eq!(
        (six_with_three.total, six_with_three.band),
        (6, Band::Medium)
    );

    let seven = full(22.0, 95.0, true, 105.0, 95.0, A, 37.0); // 2+1+2+1+1
    assert_eq!((seven.total, seven.band), (7, Band::High));

    let max = full(30.0, 85.0, true, 80.0, 150.0, U, 34.0);
    assert_eq!((max.total, max.band), (20, Band::High));
}

#[test]
fn missing_and_complete() {
    let s = score(&News2Input::default());
    assert_eq!(s.total, 0);
    assert_eq!(s.band, Band::Low);
    assert_eq!(s.missing, Parameter::ALL.to_vec());
    assert!(!s.complete);

    let s = score(&News2Input {
        pulse: Some(135.0),
        temperature: Some(39.5),
        ..Default::default()
    });
    assert_eq!(s.total, 5);
    assert_eq!(s.band, Band::Medium);
    assert_eq!(
        s.missing,
        vec![
            Parameter::RespRate,
            Parameter::Spo2,
            Parameter::Oxygen,
            Parameter::Systolic,
            Parameter::Consciousness
        ]
    );
    assert!(!s.complete);
}

#[test]
fn json_shape() {
    let s = score(&News2Input {
        resp_rate: Some(26.0),
        spo2: Some(97.0),
        systolic: Some(120.0),
        pulse: Some(80.0),
        consciousness: Some(Consciousness::A),
        temperature: Some(37.0),
        ..Default::default()
    });
    let v: serde_json::Value = serde_json::to_value(&s).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "total": 3,
            "band": "LOW_MEDIUM",
            "subscores": {
                "resp_rate": 3, "spo2": 0, "oxygen": null, "systolic": 0,
                "pulse": 0, "consciousness": 0, "temperature": 0
            },
            "missing": ["oxygen"],
            "complete": false
        })
    );
    let back: News2Score = serde_json::from_value(v).unwrap();
    assert_eq!(back, s);
}

#[test]
fn json_lines_input() {
    let j: News2Json = serde_json::from_str(
        r#"{"resp_rate": 22, "spo2": 95, "spo2_scale": 2, "oxygen": true, "systolic": 105.5,
            "pulse": null, "consciousness": "v", "temperature": 38.05, "patient": "ignored"}"#,
    )
    .unwrap();
    let i = j.into_input().unwrap();
    assert_eq!(
        i,
        News2Input {
            resp_rate: Some(22.0),
            spo2: Some(95.0),
            spo2_scale: Spo2Scale::Scale2,
            oxygen: Some(true),
            systolic: Some(105.5),
            pulse: None,
            consciousness: Some(Consciousness::V),
            temperature: Some(38.05),
        }
    );
    let s = score(&i);
    // 2 + 2 (scale 2, 95 on O2) + 2 + 1 (105.5 -> 106) + 3 + 1
    assert_eq!(s.total, 11);
    assert_eq!(s.missing, vec![Parameter::Pulse]);

    let empty: News2Json = serde_json::from_str("{}").unwrap();
    assert_eq!(empty.into_input().unwrap(), News2Input::default());

    for bad in [
        r#"{"spo2_scale": 3}"#,
        r#"{"spo2_scale": 1.5}"#,
        r#"{"spo2_scale": 0}"#,
        r#"{"consciousness": "X"}"#,
    ] {
        let j: News2Json = serde_json::from_str(bad).unwrap();
        assert!(j.into_input().is_err(), "{bad}");
    }
    assert!(serde_json::from_str::<News2Json>(r#"{"oxygen": "yes"}"#).is_err());
    assert!(serde_json::from_str::<News2Json>(r#"{"pulse": "80"}"#).is_err());
}

#[test]
fn display_names() {
    assert_eq!(Band::LowMedium.to_string(), "LOW_MEDIUM");
    assert_eq!(Parameter::RespRate.to_string(), "resp_rate");
    assert_eq!(Consciousness::P.to_string(), "P");
    assert_eq!("2".parse::<Spo2Scale>(), Ok(Spo2Scale::Scale2));
    assert!("3".parse::<Spo2Scale>().is_err());
    for b in [Band::Low, Band::LowMedium, Band::Medium, Band::High] {
        assert_eq!(
            serde_json::to_value(b).unwrap(),
            serde_json::Value::String(b.to_string())
        );
    }
    for p in Parameter::ALL {
        assert_eq!(
            serde_json::to_value(p).unwrap(),
            serde_json::Value::String(p.to_string())
        );
    }
}
