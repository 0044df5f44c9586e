//! `pocnet pki`: a network's CA and the certificates of its contact points and coordinator,
//! on disk, for deployments where nodes run on their own hosts (`pocnet run --attach`).
//!
//! Layout of DIR: `ca.pem`, `ca.key`, `coordinator.pem`, `coordinator.key`, and
//! `<iso3>.pem`, `<iso3>.key` for each state (lower-case code). Keys are written 0600, as
//! new files renamed into place (never through a symbolic link, never keeping an old
//! file's mode). `init` refuses a folder that already holds keys or certificates (a node
//! host's `ca.pem`, `vnm.pem`, `vnm.key`) unless forced.

use crate::scenario;
use pocnet_core::StateCode;
use pocnet_node::files::FileError;
use pocnet_node::pki::{write_private, write_public, CertificateAuthority, PkiError, Validity};
use pocnet_node::tls::Identity;
use std::path::{Path, PathBuf};

/// The shortest validity `--days` takes.
pub const DAYS_MIN: u32 = 1;
/// The longest validity `--days` takes: ten years.
pub const DAYS_MAX: u32 = 3650;

#[derive(Debug, thiserror::Error)]
pub enum PkiFilesError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{path}: not TOML: {source}")]
    NotToml { path: String, source: toml::de::Error },
    #[error("{path}: neither a scenario nor a register ([[contact_points]])")]
    NotARegister { path: String },
    #[error("{path}: entry code: {source}")]
    Code { path: String, source: pocnet_core::state::StateCodeError },
    #[error("{dir} already holds pocnet keys or certificates ({}); use --force to replace them", found.join(", "))]
    Occupied { dir: String, found: Vec<String> },
    #[error("cannot read {dir}: {source}")]
    ReadDir { dir: String, source: std::io::Error },
    #[error("cannot create {dir}: {source}")]
    CreateDir { dir: String, source: std::io::Error },
    #[error("--days {days}: a certificate is valid for {DAYS_MIN} to {DAYS_MAX} days")]
    Days { days: u64 },
    #[error("neither `coordinator` nor a state: {0}")]
    Who(pocnet_core::state::StateCodeError),
    #[error("load the CA: {0}")]
    LoadCa(PkiError),
    #[error(transparent)]
    Pki(#[from] PkiError),
}

pub fn cert_paths(dir: &Path, identity: Identity) -> (PathBuf, PathBuf) {
    let name = match identity {
        Identity::State(code) => code.as_str().to_ascii_lowercase(),
        Identity::Coordinator => "coordinator".to_string(),
    };
    (dir.join(format!("{name}.pem")), dir.join(format!("{name}.key")))
}

/// The states a register or scenario file names.
pub fn states_of(file: &Path) -> Result<Vec<StateCode>, PkiFilesError> {
    if let Ok(s) = scenario::load(file, &scenario::Overrides::default()) {
        return Ok(s.states.iter().map(|e| e.code).collect());
    }
    let path = file.display().to_string();
    let text = pocnet_node::files::read_text(file, crate::scenario::SCENARIO_BYTES_MAX)?;
    let value: toml::Value =
        toml::from_str(&text).map_err(|source| PkiFilesError::NotToml { path: path.clone(), source })?;
    let entries = value
        .get("contact_points")
        .or_else(|| value.get("states"))
        .and_then(toml::Value::as_array)
        .ok_or_else(|| PkiFilesError::NotARegister { path: path.clone() })?;
    entries
        .iter()
        .map(|e| {
            let code = e.get("code").and_then(toml::Value::as_str).unwrap_or_default();
            StateCode::parse(code).map_err(|source| PkiFilesError::Code { path: path.clone(), source })
        })
        .collect()
}

/// `--days` checked: from [`DAYS_MIN`] to [`DAYS_MAX`] days.
pub fn days(days: u64) -> Result<u32, PkiFilesError> {
    u32::try_from(days).ok().filter(|d| (DAYS_MIN..=DAYS_MAX).contains(d)).ok_or(PkiFilesError::Days { days })
}

fn validity(days: u32) -> Result<Validity, PkiFilesError> {
    let days = self::days(u64::from(days))?;
    Ok(Validity { not_before_secs: -3_600, not_after_secs: i64::from(days) * 86_400 })
}

/// The keys and certificates (`*.key`, `*.pem`) already in `dir`, by name, sorted.
fn keys_and_certificates(dir: &Path) -> Result<Vec<String>, PkiFilesError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(PkiFilesError::ReadDir { dir: dir.display().to_string(), source }),
    };
    let mut found: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".pem") || n.ends_with(".key"))
        .collect();
    found.sort();
    Ok(found)
}

/// Makes a CA and a certificate for the coordinator and each state of `register`.
pub fn init(dir: &Path, register: &Path, days: u32, force: bool) -> Result<Vec<String>, PkiFilesError> {
    let validity = validity(days)?;
    let states = states_of(register)?;
    let found = keys_and_certificates(dir)?;
    if !found.is_empty() && !force {
        return Err(PkiFilesError::Occupied { dir: dir.display().to_string(), found });
    }
    std::fs::create_dir_all(dir)
        .map_err(|source| PkiFilesError::CreateDir { dir: dir.display().to_string(), source })?;
    let ca = CertificateAuthority::new("pocnet network CA")?;
    write_public(&dir.join("ca.pem"), ca.cert_pem())?;
    write_private(&dir.join("ca.key"), ca.key_pem())?;
    let mut written = vec!["ca.pem".to_string(), "ca.key".to_string()];
    for identity in std::iter::once(Identity::Coordinator).chain(states.into_iter().map(Identity::State)) {
        written.extend(issue_with(&ca, dir, identity, validity)?);
    }
    Ok(written)
}

fn issue_with(
    ca: &CertificateAuthority,
    dir: &Path,
    identity: Identity,
    validity: Validity,
) -> Result<Vec<String>, PkiFilesError> {
    let issued = ca.issue(identity, validity)?;
    let (cert, key) = cert_paths(dir, identity);
    write_public(&cert, &issued.cert_pem)?;
    write_private(&key, &issued.key_pem)?;
    Ok([cert, key].iter().filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())).collect())
}

/// Issues (or renews) the certificate of one state, or of the coordinator, with DIR's CA.
pub fn issue(dir: &Path, who: &str, days: u32) -> Result<Vec<String>, PkiFilesError> {
    let validity = validity(days)?;
    let read = |name: &str| pocnet_node::files::read_text(&dir.join(name), pocnet_node::tls::PEM_BYTES_MAX);
    let ca = CertificateAuthority::load(&read("ca.pem")?, &read("ca.key")?).map_err(PkiFilesError::LoadCa)?;
    let identity = if who == "coordinator" {
        Identity::Coordinator
    } else {
        Identity::State(StateCode::parse(who).map_err(PkiFilesError::Who)?)
    };
    issue_with(&ca, dir, identity, validity)
}
