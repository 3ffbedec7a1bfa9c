//! A blocking MLLP client: one TCP connection, one message at a time, each
//! answered by an ACK frame before the next is sent.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

const START: u8 = 0x0B;
const END: [u8; 2] = [0x1C, 0x0D];
/// The largest ACK accepted.
const MAX_FRAME: usize = 1 << 20;

/// Frames a message for MLLP: `0x0B`, the message, `0x1C 0x0D`.
pub fn encode(msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(msg.len() + 3);
    out.push(START);
    out.extend_from_slice(msg);
    out.extend_from_slice(&END);
    out
}

/// What went wrong talking to the listener.
#[derive(Debug)]
pub enum ClientError {
    Io(io::Error),
    Timeout(Duration),
    Closed,
    BadFrame(String),
    BadAck(String),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Io(e) => write!(f, "{e}"),
            ClientError::Timeout(d) => write!(f, "no ACK within {:.1}s", d.as_secs_f64()),
            ClientError::Closed => f.write_str("connection closed before the ACK"),
            ClientError::BadFrame(s) => write!(f, "bad MLLP frame: {s}"),
            ClientError::BadAck(s) => write!(f, "bad ACK: {s}"),
        }
    }
}

impl From<io::Error> for ClientError {
    fn from(e: io::Error) -> Self {
        ClientError::Io(e)
    }
}

/// The acknowledgment: MSA-1 code, MSA-2 control id, MSA-3 / ERR text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    pub code: String,
    pub control_id: Option<String>,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckClass {
    /// AA or CA.
    Accepted,
    /// AE or CE.
    Error,
    /// AR or CR, or anything else.
    Rejected,
}

impl Ack {
    pub fn class(&self) -> AckClass {
        match self.code.as_str() {
            "AA" | "CA" => AckClass::Accepted,
            "AE" | "CE" => AckClass::Error,
            _ => AckClass::Rejected,
        }
    }

    /// Reads MSA-1, MSA-2 and MSA-3 (else ERR-8, else ERR-3) of an ACK message.
    pub fn parse(msg: &[u8]) -> Result<Ack, String> {
        let parsed = vitalflow_core::Message::parse(msg).map_err(|e| e.to_string())?;
        let get = |p: &str| -> Option<String> {
            let path: vitalflow_core::Path = p.parse().ok()?;
            parsed
                .get(&path)
                .map(|e| e.decoded().into_owned())
                .filter(|s| !s.is_empty())
        };
        let code = get("MSA-1").ok_or("no MSA-1 acknowledgment code")?;
        let text = get("MSA-3")
            .or_else(|| get("ERR-8"))
            .or_else(|| get("ERR-3"));
        Ok(Ack {
            code,
            control_id: get("MSA-2"),
            text,
        })
    }
}

/// A connection to an MLLP listener.
pub struct Client {
    stream: TcpStream,
    timeout: Duration,
    buf: Vec<u8>,
}

impl Client {
    /// Connects to `addr` (HOST:PORT), trying each address it resolves to.
    pub fn connect(addr: &str, timeout: Duration) -> io::Result<Client> {
        let mut last = io::Error::new(io::ErrorKind::NotFound, "address resolves to nothing");
        for a in addr.to_socket_addrs()? {
            match TcpStream::connect_timeout(&a, timeout) {
                Ok(stream) => {
                    stream.set_nodelay(true)?;
                    return Ok(Client {
                        stream,
                        timeout,
                        buf: Vec::new(),
                    });
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Sends one message and waits for its ACK.
    pub fn send(&mut self, msg: &[u8]) -> Result<Ack, ClientError> {
        self.stream.write_all(&encode(msg))?;
        self.stream.flush()?;
        let frame = self.read_frame()?;
        Ack::parse(&frame).map_err(ClientError::BadAck)
    }

    /// Reads one frame, within the timeout.
    fn read_frame(&mut self) -> Result<Vec<u8>, ClientError> {
        let deadline = Instant::now() + self.timeout;
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(frame) = self.take_frame()? {
                return Ok(frame);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ClientError::Timeout(self.timeout));
            }
            self.stream.set_read_timeout(Some(left))?;
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(ClientError::Closed),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(ClientError::Timeout(self.timeout))
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn take_frame(&mut self) -> Result<Option<Vec<u8>>, ClientError> {
        // Bytes before the start block (stray newlines) are dropped.
        match self.buf.iter().position(|&b| b == START) {
            Some(0) => {}
            Some(i) => {
                self.buf.drain(..i);
            }
            None => {
                self.buf.clear();
                return Ok(None);
            }
        }
        if let Some(end) = self.buf.windows(2).position(|w| w == END) {
            let frame = self.buf[1..end].to_vec();
            self.buf.drain(..end + 2);
            return Ok(Some(frame));
        }
        if self.buf.len() > MAX_FRAME {
            return Err(ClientError::BadFrame(format!(
                "no end block within {MAX_FRAME} bytes"
            )));
        }
        Ok(None)
    }
}
