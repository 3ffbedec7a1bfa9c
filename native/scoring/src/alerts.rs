//! Alert rules applied per patient by the streaming job (and the CLI).
//! Implemented by the scoring work.
