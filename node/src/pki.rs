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
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: std::io::Error },
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
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now + time::Duration::seconds(validity.not_before_secs);
        params.not_after = now + time::Duration::seconds(validity.not_after_secs);
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
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now + time::Duration::seconds(validity.not_before_secs);
        params.not_after = now + time::Duration::seconds(validity.not_after_secs);
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(IssuedCertificate { cert_pem: cert.pem(), key_pem: key.serialize_pem() })
    }
}

/// Writes a file readable by its owner only (private keys).
pub fn write_private(path: &Path, contents: &str) -> Result<(), PkiError> {
    use std::io::Write;
    let err = |source| PkiError::Write { path: path.display().to_string(), source };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(err)?;
    file.write_all(contents.as_bytes()).map_err(err)
}

/// Writes a public file (certificates).
pub fn write_public(path: &Path, contents: &str) -> Result<(), PkiError> {
    std::fs::write(path, contents).map_err(|source| PkiError::Write { path: path.display().to_string(), source })
}
