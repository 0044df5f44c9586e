//! The run's certificate authority and the certificates it issues (rcgen).
//!
//! Every contact point's certificate carries exactly one DNS name, `<iso3>.state.pocnet`;
//! the coordinator's carries `coordinator.pocnet`. Peers are identified by that name alone.

use crate::tls::Identity;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("certificate generation failed: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error(transparent)]
    File(#[from] crate::files::FileError),
    #[error("an instant {secs} s from now is beyond what a certificate can carry")]
    Validity { secs: i64 },
}

/// A certificate and its private key, PEM-encoded.
#[derive(Clone)]
pub struct IssuedCertificate {
    pub cert_pem: String,
    pub key_pem: String,
}

impl std::fmt::Debug for IssuedCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCertificate").field("key_pem", &"<redacted>").finish()
    }
}

/// A certificate authority for one run (or one deployment).
pub struct CertificateAuthority {
    issuer: Issuer<'static, KeyPair>,
    cert_pem: String,
    key_pem: String,
}

impl std::fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateAuthority").finish_non_exhaustive()
    }
}

/// Validity of an issued certificate, in seconds relative to now (negative = in the past).
#[derive(Copy, Clone, Debug)]
pub struct Validity {
    pub not_before_secs: i64,
    pub not_after_secs: i64,
}

impl Validity {
    /// From a day ago to a year ahead: enough for any run.
    pub const RUN: Validity = Validity { not_before_secs: -86_400, not_after_secs: 366 * 86_400 };

    /// Its two instants from now, or a typed error for one no certificate can carry
    /// (beyond the year 9999 of X.509's GeneralizedTime).
    fn instants(self) -> Result<(time::OffsetDateTime, time::OffsetDateTime), PkiError> {
        let now = time::OffsetDateTime::now_utc();
        let at = |secs: i64| {
            now.checked_add(time::Duration::seconds(secs))
                .filter(|t| (1950..=9999).contains(&t.year()))
                .ok_or(PkiError::Validity { secs })
        };
        Ok((at(self.not_before_secs)?, at(self.not_after_secs)?))
    }
}

impl CertificateAuthority {
    pub fn new(common_name: &str) -> Result<CertificateAuthority, PkiError> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, common_name);
        params.distinguished_name.push(DnType::OrganizationName, "pocnet");
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate()?;
        let cert = params.self_signed(&key)?;
        let key_pem = key.serialize_pem();
        Ok(CertificateAuthority { cert_pem: cert.pem(), key_pem, issuer: Issuer::new(params, key) })
    }

    /// A CA made earlier (`pocnet pki init`), from its certificate and private key.
    pub fn load(cert_pem: &str, key_pem: &str) -> Result<CertificateAuthority, PkiError> {
        let key = KeyPair::from_pem(key_pem)?;
        let issuer = Issuer::from_ca_cert_pem(cert_pem, key)?;
        Ok(CertificateAuthority { issuer, cert_pem: cert_pem.to_string(), key_pem: key_pem.to_string() })
    }

    /// The CA's private key (write it with [`write_private`]).
    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// Issues a certificate naming `identity`, for both ends of a mutual-TLS connection.
    pub fn issue(&self, identity: Identity, validity: Validity) -> Result<IssuedCertificate, PkiError> {
        let name = identity.certificate_name();
        let mut params = CertificateParams::new(vec![name.clone()])?;
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
        (params.not_before, params.not_after) = validity.instants()?;
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(IssuedCertificate { cert_pem: cert.pem(), key_pem: key.serialize_pem() })
    }
}

impl CertificateAuthority {
    /// Issues a server certificate (a web console's) naming `names`: DNS names or IP
    /// addresses, as a browser checks them.
    pub fn issue_server(&self, names: &[String], validity: Validity) -> Result<IssuedCertificate, PkiError> {
        let mut params = CertificateParams::new(names.to_vec())?;
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, names.first().cloned().unwrap_or_default());
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        (params.not_before, params.not_after) = validity.instants()?;
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(IssuedCertificate { cert_pem: cert.pem(), key_pem: key.serialize_pem() })
    }
}

/// Writes a file readable by its owner only (private keys): a new file of mode 0600
/// renamed over `path`, so that neither an old file's looser mode nor a symbolic link at
/// `path` decides where or how the key lands.
pub fn write_private(path: &Path, contents: &str) -> Result<(), PkiError> {
    Ok(crate::files::write_atomic_with_mode(path, contents.as_bytes(), Some(0o600))?)
}

/// Writes a public file (certificates), whole, replacing a symbolic link rather than
/// following it.
pub fn write_public(path: &Path, contents: &str) -> Result<(), PkiError> {
    Ok(crate::files::write_atomic(path, contents.as_bytes())?)
}
