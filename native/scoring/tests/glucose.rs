use vitalflow_scoring::glucose::{classify, try_classify, GlucoseStatus::*};

#[test]
fn ada_boundaries() {
    for (v, expected) in [
        (20.0, HypoL2),
        (53.9, HypoL2),
        (53.999, HypoL2),
        (54.0, HypoL1),
        (69.9, HypoL1),
        (70.0, Normal),
        (100.0, Normal),
        (180.0, Normal),
        (180.1, Hyper),
        (250.0, Hyper),
        (250.1, HyperSevere),
        (600.0, HyperSevere),
    ] {
        assert_eq!(classify(v), expected, "{v}");
        assert_eq!(try_classify(v), Some(expected), "{v}");
    }
}

#[test]
fn molar_conversion_examples() {
    // 3.0 mmol/L × 18.016 = 54.05 mg/dL: level 1, not level 2.
    assert_eq!(classify(3.0 * 18.016), HypoL1);
    // 3.9 mmol/L = 70.26 mg/dL: normal.
    assert_eq!(classify(3.9 * 18.016), Normal);
}

#[test]
fn names_and_nan() {
    assert_eq!(try_classify(f64::NAN), None);
    assert_eq!(classify(f64::NEG_INFINITY), HypoL2);
    assert_eq!(HypoL1.to_string(), "HYPO_L1");
    assert_eq!(
        serde_json::to_value(HyperSevere).unwrap(),
        serde_json::json!("HYPER_SEVERE")
    );
    assert!(HypoL2.is_hypo() && HypoL1.is_hypo() && !Normal.is_hypo());
}
