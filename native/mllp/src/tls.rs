//! rustls server configuration from PEM files (ring as the crypto provider).

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::RootCertStore;

use crate::config::TlsFiles;

/// Builds the acceptor, or says which file is wrong and why.
pub fn acceptor(files: &TlsFiles) -> Result<tokio_rustls::TlsAcceptor, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert_chain)
        .and_then(|it| it.collect::<Result<_, _>>())
        .map_err(|e| format!("TLS certificate chain {}: {e}", files.cert_chain.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "TLS certificate chain {}: no CERTIFICATE in the file",
            files.cert_chain.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&files.private_key).map_err(|e| {
        format!(
            "TLS private key {}: {e} (an unencrypted PKCS#8, PKCS#1 or SEC1 PEM key is needed)",
            files.private_key.display()
        )
    })?;
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let builder = match &files.client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            let cas = CertificateDer::pem_file_iter(ca)
                .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                .map_err(|e| format!("TLS client CA {}: {e}", ca.display()))?;
            for c in cas {
                roots
                    .add(c)
                    .map_err(|e| format!("TLS client CA {}: {e}", ca.display()))?;
            }
            if roots.is_empty() {
                return Err(format!(
                    "TLS client CA {}: no CERTIFICATE in the file",
                    ca.display()
                ));
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| format!("TLS client CA {}: {e}", ca.display()))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let config = builder
        .with_single_cert(certs, key)
        .map_err(|e| format!("TLS certificate and key: {e}"))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}
