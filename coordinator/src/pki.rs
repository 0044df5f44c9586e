//! `pocnet pki`: a network's CA and the certificates of its contact points and coordinator,
//! on disk, for deployments where nodes run on their own hosts (`pocnet run --attach`).
//!
//! Layout of DIR: `ca.pem`, `ca.key`, `coordinator.pem`, `coordinator.key`, and
//! `<iso3>.pem`, `<iso3>.key` for each state (lower-case code). Keys are written 0600.

use crate::scenario;
use anyhow::{bail, Context};
use pocnet_core::StateCode;
use pocnet_node::pki::{write_private, write_public, CertificateAuthority, Validity};
use pocnet_node::tls::Identity;
use std::path::{Path, PathBuf};

pub fn cert_paths(dir: &Path, identity: Identity) -> (PathBuf, PathBuf) {
    let name = match identity {
        Identity::State(code) => code.as_str().to_ascii_lowercase(),
        Identity::Coordinator => "coordinator".to_string(),
    };
    (dir.join(format!("{name}.pem")), dir.join(format!("{name}.key")))
}

/// The states a register or scenario file names.
pub fn states_of(file: &Path) -> anyhow::Result<Vec<StateCode>> {
    if let Ok(s) = scenario::load(file, &scenario::Overrides::default()) {
        return Ok(s.states.iter().map(|e| e.code).collect());
    }
    let text = pocnet_node::files::read_text(file, crate::scenario::SCENARIO_BYTES_MAX)?;
    let value: toml::Value = toml::from_str(&text).with_context(|| format!("{}: not TOML", file.display()))?;
    let entries = value
        .get("contact_points")
        .or_else(|| value.get("states"))
        .and_then(toml::Value::as_array)
        .with_context(|| format!("{}: neither a scenario nor a register ([[contact_points]])", file.display()))?;
    entries
        .iter()
        .map(|e| {
            let code = e.get("code").and_then(toml::Value::as_str).unwrap_or_default();
            StateCode::parse(code).with_context(|| format!("{}: entry code `{code}`", file.display()))
        })
        .collect()
}

fn validity(days: u32) -> Validity {
    Validity { not_before_secs: -3_600, not_after_secs: i64::from(days) * 86_400 }
}

/// Makes a CA and a certificate for the coordinator and each state of `register`.
pub fn init(dir: &Path, register: &Path, days: u32, force: bool) -> anyhow::Result<Vec<String>> {
    let states = states_of(register)?;
    if dir.join("ca.key").exists() && !force {
        bail!("{} already holds a CA (ca.key); use --force to replace it and every certificate", dir.display());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    let ca = CertificateAuthority::new("pocnet network CA")?;
    write_public(&dir.join("ca.pem"), ca.cert_pem())?;
    write_private(&dir.join("ca.key"), ca.key_pem())?;
    let mut written = vec!["ca.pem".to_string(), "ca.key".to_string()];
    for identity in std::iter::once(Identity::Coordinator).chain(states.into_iter().map(Identity::State)) {
        written.extend(issue_with(&ca, dir, identity, days)?);
    }
    Ok(written)
}

fn issue_with(ca: &CertificateAuthority, dir: &Path, identity: Identity, days: u32) -> anyhow::Result<Vec<String>> {
    let issued = ca.issue(identity, validity(days))?;
    let (cert, key) = cert_paths(dir, identity);
    write_public(&cert, &issued.cert_pem)?;
    write_private(&key, &issued.key_pem)?;
    Ok([cert, key].iter().filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())).collect())
}

/// Issues (or renews) the certificate of one state, or of the coordinator, with DIR's CA.
pub fn issue(dir: &Path, who: &str, days: u32) -> anyhow::Result<Vec<String>> {
    let read = |name: &str| pocnet_node::files::read_text(&dir.join(name), pocnet_node::tls::PEM_BYTES_MAX);
    let ca = CertificateAuthority::load(&read("ca.pem")?, &read("ca.key")?).context("load the CA")?;
    let identity = if who == "coordinator" {
        Identity::Coordinator
    } else {
        Identity::State(StateCode::parse(who).map_err(|e| anyhow::anyhow!("{e}"))?)
    };
    issue_with(&ca, dir, identity, days)
}
