//! Paths into a message: `SEG[(n)]-F[(r)][-C[-S]]`, all 1-based as in the
//! HL7 standard.
//!
//! - `PID-3-1`: first component of the first repetition of PID-3;
//! - `PID-3(2)-1`: the same in the second repetition;
//! - `OBX(3)-5`: OBX-5 of the third OBX segment;
//! - `PID-3-4-2`: second subcomponent of PID-3-4.
//!
//! A field without `(r)` means its first repetition. `.` is accepted in place
//! of `-` (`PID.3.1`).
//!
//! ```
//! use vitalflow_core::Path;
//! let p: Path = "OBX(3)-5(2)-1-2".parse().unwrap();
//! assert_eq!((&p.segment, p.segment_index, p.field, p.repetition, p.component, p.subcomponent),
//!            (b"OBX", 3, 5, 2, Some(1), Some(2)));
//! assert_eq!(p.to_string(), "OBX(3)-5(2)-1-2");
//! assert!("PID-0".parse::<Path>().is_err());
//! assert!("PID".parse::<Path>().is_err());
//! ```

use std::fmt;

use crate::error::{ErrorKind, Hl7Error};

/// A parsed path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Path {
    pub segment: [u8; 3],
    /// 1-based occurrence of the segment.
    pub segment_index: usize,
    /// 1-based field number.
    pub field: usize,
    /// 1-based repetition.
    pub repetition: usize,
    pub component: Option<usize>,
    pub subcomponent: Option<usize>,
}

impl std::str::FromStr for Path {
    type Err = Hl7Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| Hl7Error::new(ErrorKind::BadPath(format!("{s:?}: {why}")));
        let mut parts = s.trim().split(['-', '.']);
        let (seg, seg_n) = split_index(parts.next().unwrap_or("")).map_err(|w| bad(&w))?;
        let seg = seg.as_bytes();
        if seg.len() != 3 || !seg.iter().all(|b| b.is_ascii_alphanumeric()) {
            return Err(bad("the segment id must be 3 letters or digits, e.g. PID"));
        }
        let segment = [
            seg[0].to_ascii_uppercase(),
            seg[1].to_ascii_uppercase(),
            seg[2].to_ascii_uppercase(),
        ];
        let (field, rep) = match parts.next() {
            Some(f) => split_index(f).map_err(|w| bad(&w))?,
            None => return Err(bad("a field number is required, e.g. PID-3")),
        };
        let field = number(field).ok_or_else(|| bad("the field must be a number from 1"))?;
        let component = parts
            .next()
            .map(|c| number(c).ok_or_else(|| bad("the component must be a number from 1")))
            .transpose()?;
        let subcomponent = parts
            .next()
            .map(|c| number(c).ok_or_else(|| bad("the subcomponent must be a number from 1")))
            .transpose()?;
        if parts.next().is_some() {
            return Err(bad("too many parts: SEG[(n)]-F[(r)][-C[-S]]"));
        }
        Ok(Path {
            segment,
            segment_index: seg_n.unwrap_or(1),
            field,
            repetition: rep.unwrap_or(1),
            component,
            subcomponent,
        })
    }
}

/// Splits `NAME(n)` into the name and `n`.
fn split_index(part: &str) -> Result<(&str, Option<usize>), String> {
    match part.find('(') {
        None => Ok((part, None)),
        Some(open) => {
            let inner = part[open + 1..]
                .strip_suffix(')')
                .ok_or_else(|| format!("unclosed parenthesis in {part:?}"))?;
            let n = number(inner).ok_or_else(|| format!("{inner:?} is not an index from 1"))?;
            Ok((&part[..open], Some(n)))
        }
    }
}

fn number(s: &str) -> Option<usize> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|&n| n >= 1)
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::str::from_utf8(&self.segment).unwrap_or("???"))?;
        if self.segment_index != 1 {
            write!(f, "({})", self.segment_index)?;
        }
        write!(f, "-{}", self.field)?;
        if self.repetition != 1 {
            write!(f, "({})", self.repetition)?;
        }
        if let Some(c) = self.component {
            write!(f, "-{c}")?;
        }
        if let Some(s) = self.subcomponent {
            write!(f, "-{s}")?;
        }
        Ok(())
    }
}
