//! Zero-copy HL7 v2 message model.
use crate::error::Hl7Error;
use crate::path::Path;
use std::borrow::Cow;

/// A parsed message: spans into the caller's bytes.
pub struct Message<'a> {
    input: &'a [u8],
}

/// One element (field, repetition, component or subcomponent) of a message;
/// its value is decoded on demand.
#[derive(Debug, Clone, Copy)]
pub struct Element<'a> {
    raw: &'a [u8],
}

impl<'a> Element<'a> {
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }
    pub fn decoded(&self) -> Cow<'a, str> {
        String::from_utf8_lossy(self.raw)
    }
}

impl<'a> Message<'a> {
    pub fn parse(input: &'a [u8]) -> Result<Message<'a>, Hl7Error> {
        Ok(Message { input })
    }
    pub fn input(&self) -> &'a [u8] {
        self.input
    }
    pub fn get(&self, _path: &Path) -> Option<Element<'a>> {
        todo!()
    }
}
