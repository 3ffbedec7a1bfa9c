//! Reading input files (or standard input) and walking their messages: plain
//! files of many messages, batch files and MLLP-framed streams alike.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// One message of an input, for commands and their error reports.
pub struct MessageRef<'a> {
    /// The file name, or `-` for standard input.
    pub source: &'a str,
    /// 1-based position of the message in its source.
    pub index: usize,
    /// Byte offset of the message in its source.
    pub offset: usize,
    pub bytes: &'a [u8],
}

impl MessageRef<'_> {
    /// `FILE: message N (byte B)`, for error reports. Offsets in errors are
    /// shifted to the same file-absolute scale with [`MessageRef::error`].
    pub fn locate(&self) -> String {
        format!(
            "{}: message {} (byte {})",
            self.source, self.index, self.offset
        )
    }

    /// An error found in this message, its offset made relative to the file.
    pub fn error(&self, e: vitalflow_core::Hl7Error) -> Error {
        Error::Message(e.shifted(self.offset).to_string())
    }
}

fn read_source(path: &Path) -> io::Result<Vec<u8>> {
    let mut data = Vec::new();
    if path == Path::new("-") {
        io::stdin().lock().read_to_end(&mut data)?;
    } else {
        data = std::fs::read(path)?;
    }
    Ok(data)
}

/// Calls `f` for every message of every input (standard input when `files` is
/// empty). Errors (an unreadable file, a message that does not split or that
/// `f` rejects) are reported on standard error and counted; the walk goes on.
/// Returns the number of errors. `f` returns `Err(Stop)` to end the walk early.
pub fn for_each_message(
    files: &[PathBuf],
    mut f: impl FnMut(&MessageRef<'_>) -> Result<(), Error>,
) -> usize {
    let stdin = [PathBuf::from("-")];
    let files = if files.is_empty() { &stdin[..] } else { files };
    let mut errors = 0;
    for path in files {
        let name = path.display().to_string();
        let data = match read_source(path) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("vitalflow: {name}: {e}");
                errors += 1;
                continue;
            }
        };
        let mut index = 0;
        for item in vitalflow_core::split::messages(&data) {
            match item {
                Ok((offset, bytes)) => {
                    index += 1;
                    let m = MessageRef {
                        source: &name,
                        index,
                        offset,
                        bytes,
                    };
                    // A bug in the library must not cost the user the rest of
                    // the file: the message is reported and the walk goes on.
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&m)))
                        .unwrap_or_else(|_| {
                            Err(Error::Message("internal error (reported above)".into()))
                        });
                    match result {
                        Ok(()) => {}
                        Err(Error::Message(e)) => {
                            eprintln!("vitalflow: {}: {e}", m.locate());
                            errors += 1;
                        }
                        Err(Error::Stop) => return errors,
                    }
                }
                // Bytes that are no message (text before the first MSH, a broken
                // MLLP frame): the error carries the byte offset.
                Err(e) => {
                    eprintln!("vitalflow: {name}: {e}");
                    errors += 1;
                }
            }
        }
    }
    errors
}

/// Why a message's handler failed.
pub enum Error {
    /// The message is bad: reported, and the walk goes on.
    Message(String),
    /// Stop reading (the output went away).
    Stop,
}
