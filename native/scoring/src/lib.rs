//! NEWS2 (Royal College of Physicians, 2017) and glucose (ADA) scoring, and the
//! alert rules the streaming job applies per patient. Pure functions, no I/O.
//!
//! Depends on `vitalflow-core` for the vocabulary extraction shares
//! (`Consciousness`, `GlucoseStatus`, `VitalKind`), re-exported under
//! [`news2`] and [`glucose`]; the core never depends on this crate.

pub mod alerts;
pub mod glucose;
pub mod ids;
pub mod news2;
pub mod observation;
pub mod wire;
