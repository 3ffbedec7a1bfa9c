//! A blocking MLLP client: one TCP connection, one message at a time, each
//! answered by an ACK frame before the next is sent.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use vitalflow_core::mllp::{encode, Decoder, MllpError, DEFAULT_MAX_FRAME};

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
    decoder: Decoder,
    /// The socket's read timeout as last set, so that it is set only when it changes.
    read_timeout: Option<Duration>,
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
                        decoder: Decoder::new(DEFAULT_MAX_FRAME),
                        read_timeout: None,
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
        let mut first = true;
        let mut chunk = [0u8; 4096];
        loop {
            match self.decoder.next_frame() {
                Some(Ok(frame)) => return Ok(frame),
                // Stray bytes between frames are skipped.
                Some(Err(MllpError::Garbage { .. })) => continue,
                Some(Err(e)) => return Err(ClientError::BadFrame(e.to_string())),
                None => {}
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ClientError::Timeout(self.timeout));
            }
            // The first read of a frame may wait the whole timeout, which is what the socket is
            // set to after the first message; later reads of the same frame wait what is left.
            let wait = if first { self.timeout } else { left };
            first = false;
            if self.read_timeout != Some(wait) {
                self.stream.set_read_timeout(Some(wait))?;
                self.read_timeout = Some(wait);
            }
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(ClientError::Closed),
                Ok(n) => self.decoder.feed(&chunk[..n]),
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
}
