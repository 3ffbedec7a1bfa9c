//! What starting an MLLP server fails with. Each kind has a stable code that
//! crosses JNI as a number (`io.vitalflow.bridge.MllpServerException.Kind`), so
//! the connector tells a busy port from a bad certificate without reading text.

use std::io;

/// A server that could not start.
#[derive(Debug, thiserror::Error)]
pub enum MllpError {
    /// A setting that cannot work (names the setting).
    #[error("{0}")]
    Config(String),
    /// The listen address is held by another socket (an earlier task instance
    /// still stopping, or another program): worth retrying for a while.
    #[error("listen on {addr}: {source}")]
    AddressInUse { addr: String, source: io::Error },
    /// Any other failure to open the listener (no such address, no permission).
    #[error("listen on {addr}: {source}")]
    Listen { addr: String, source: io::Error },
    /// The TLS files are missing, unreadable or do not match (names the file).
    #[error("{0}")]
    Tls(String),
    /// The server's runtime could not start (threads, descriptors).
    #[error("MLLP server runtime: {0}")]
    Runtime(io::Error),
}

impl MllpError {
    /// The stable code of this kind: 1 config, 2 address in use, 3 listen,
    /// 4 TLS, 5 runtime.
    pub fn code(&self) -> u8 {
        match self {
            MllpError::Config(_) => 1,
            MllpError::AddressInUse { .. } => 2,
            MllpError::Listen { .. } => 3,
            MllpError::Tls(_) => 4,
            MllpError::Runtime(_) => 5,
        }
    }

    /// Classifies a failure to bind `addr`.
    pub fn listen(addr: &str, source: io::Error) -> MllpError {
        let addr = addr.to_string();
        if source.kind() == io::ErrorKind::AddrInUse {
            MllpError::AddressInUse { addr, source }
        } else {
            MllpError::Listen { addr, source }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_port_is_its_own_kind() {
        let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = held.local_addr().unwrap().to_string();
        let e = std::net::TcpListener::bind(&addr).unwrap_err();
        let e = MllpError::listen(&addr, e);
        assert!(matches!(e, MllpError::AddressInUse { .. }), "{e:?}");
        assert_eq!(e.code(), 2);
        let other = MllpError::listen("x", io::Error::from(io::ErrorKind::PermissionDenied));
        assert_eq!(other.code(), 3);
    }
}
