//! TLS to PostgreSQL with rustls, with libpq's `sslmode` meanings:
//!
//! | mode | encrypted | certificate chain checked | host name checked |
//! |---|---|---|---|
//! | `disable` | no | — | — |
//! | `require` | yes | no | no |
//! | `verify-ca` | yes | yes | no |
//! | `verify-full` | yes | yes | yes |
//!
//! Certificates are checked against the system's trusted roots plus, when given,
//! the PEM certificates of `root_cert` (libpq's `sslrootcert`).

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

/// How a connection uses TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    /// Plain TCP.
    #[default]
    Disable,
    /// Encrypted, server not authenticated.
    Require,
    /// Encrypted, certificate signed by a trusted authority.
    VerifyCa,
    /// Encrypted, trusted certificate issued for the host connected to.
    VerifyFull,
}

impl FromStr for SslMode {
    type Err = TlsError;

    fn from_str(text: &str) -> Result<Self, TlsError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "disable" => Ok(Self::Disable),
            "require" => Ok(Self::Require),
            "verify-ca" => Ok(Self::VerifyCa),
            "verify-full" => Ok(Self::VerifyFull),
            other => Err(TlsError::UnknownMode(other.to_owned())),
        }
    }
}

/// TLS settings of the database connections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// Whether and how strictly to use TLS.
    pub mode: SslMode,
    /// Extra trusted roots (PEM), e.g. a cloud provider's CA or a self-signed certificate.
    pub root_cert: Option<PathBuf>,
}

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Not one of the four modes.
    #[error("unknown sslmode '{0}'; use disable, require, verify-ca or verify-full")]
    UnknownMode(String),
    /// The root certificate file could not be read.
    #[error("cannot read the root certificate file {path}: {reason}")]
    RootCert {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// No root certificate is trusted, so no server could be verified.
    #[error(
        "no trusted root certificates: the system has none and no root certificate file was given"
    )]
    NoRoots,
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

impl TlsOptions {
    /// The rustls configuration for this mode, or `None` for [`SslMode::Disable`].
    pub fn client_config(&self) -> Result<Option<ClientConfig>, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()?;
        let config = match self.mode {
            SslMode::Disable => return Ok(None),
            SslMode::Require => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
                .with_no_client_auth(),
            SslMode::VerifyCa => {
                let chain =
                    WebPkiServerVerifier::builder_with_provider(Arc::new(self.roots()?), provider)
                        .build()
                        .map_err(|error| {
                            TlsError::Rustls(rustls::Error::General(error.to_string()))
                        })?;
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(AnyHostName(chain)))
                    .with_no_client_auth()
            }
            SslMode::VerifyFull => builder
                .with_root_certificates(self.roots()?)
                .with_no_client_auth(),
        };
        Ok(Some(config))
    }

    fn roots(&self) -> Result<RootCertStore, TlsError> {
        let mut roots = RootCertStore::empty();
        let (added, _ignored) =
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        let mut trusted = added;
        if let Some(path) = &self.root_cert {
            let failure = |reason: String| TlsError::RootCert {
                path: path.clone(),
                reason,
            };
            let certificates = CertificateDer::pem_file_iter(path)
                .map_err(|error| failure(error.to_string()))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|error| failure(error.to_string()))?;
            if certificates.is_empty() {
                return Err(failure("it holds no PEM certificate".to_owned()));
            }
            for certificate in certificates {
                roots
                    .add(certificate)
                    .map_err(|error| failure(error.to_string()))?;
                trusted += 1;
            }
        }
        if trusted == 0 {
            return Err(TlsError::NoRoots);
        }
        Ok(roots)
    }
}

/// `require`: encrypt, but accept whatever certificate the server presents (the
/// handshake signatures are still checked, so the session is with the key holder).
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the full chain check, except that the certificate need not name
/// the host connected to.
#[derive(Debug)]
struct AnyHostName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
