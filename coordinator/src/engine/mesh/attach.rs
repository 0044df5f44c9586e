//! A deployment's nodes run on their own hosts: the coordinator listens where they connect,
//! with the certificate `pocnet pki init` made for it (`pocnet run --attach FILE`).

use anyhow::{anyhow, Context};
use pocnet_node::files::read_text;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Largest deployment file read.
const DEPLOYMENT_BYTES_MAX: u64 = 64 * 1024;

#[derive(Debug, Clone)]
pub struct Attach {
    pub listen: SocketAddr,
    /// The directory `pocnet pki init` wrote.
    pub pki: PathBuf,
}

impl Attach {
    /// Reads a deployment file: `coordinator = "HOST:PORT"` and `pki = "DIR"` (relative to
    /// the file).
    pub fn load(path: &Path) -> anyhow::Result<Attach> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            coordinator: String,
            pki: PathBuf,
        }
        let text = read_text(path, DEPLOYMENT_BYTES_MAX)?;
        let raw: Raw = toml::from_str(&text).map_err(|e| {
            let at = e.span().map(|s| text[..s.start.min(text.len())].lines().count().max(1)).unwrap_or(1);
            anyhow!("{}:{at}: {}", path.display(), e.message())
        })?;
        let listen = raw
            .coordinator
            .parse()
            .with_context(|| format!("{}: coordinator `{}` is not HOST:PORT", path.display(), raw.coordinator))?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(Attach { listen, pki: base.join(raw.pki) })
    }
}
