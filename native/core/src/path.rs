//! Paths: `SEG[(n)]-F[(r)][-C[-S]]`.
use crate::error::{ErrorKind, Hl7Error};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub segment: [u8; 3],
    pub segment_index: usize,
    pub field: usize,
    pub repetition: usize,
    pub component: Option<usize>,
    pub subcomponent: Option<usize>,
}

impl std::str::FromStr for Path {
    type Err = Hl7Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Err(ErrorKind::BadPath(s.to_string()).into())
    }
}
