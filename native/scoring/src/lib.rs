//! NEWS2 (Royal College of Physicians, 2017) and glucose (ADA) scoring, and the
//! alert rules the streaming job applies per patient. Pure functions, no I/O.

pub mod alerts;
pub mod glucose;
pub mod news2;
