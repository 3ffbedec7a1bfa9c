//! Glucose classification on mg/dL (ADA levels): defined in `vitalflow-core`,
//! which classifies every extracted glucose row, and re-exported here so the
//! scoring paths (`vitalflow_scoring::glucose::GlucoseStatus`) stay valid.
//!
//! ```
//! use vitalflow_scoring::glucose::{classify, GlucoseStatus};
//! assert_eq!(classify(69.9), GlucoseStatus::HypoL1);
//! ```

pub use vitalflow_core::glucose::{classify, try_classify, GlucoseStatus};
