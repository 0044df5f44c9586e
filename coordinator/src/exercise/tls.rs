//! The console over TLS: access tokens in plain HTTP are readable by anyone on the way, so
//! a console that listens beyond loopback is served over HTTPS, with a certificate the
//! user gives (`--console-cert`, `--console-key`) or one issued for the run by a CA made
//! for it (written to `OUT/console-ca.pem`, for the players' browsers to trust).

use anyhow::{anyhow, Context};
use pocnet_node::pki::{CertificateAuthority, Validity};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// How the console is served.
#[derive(Debug, Clone, Default)]
pub struct ConsoleTlsOptions {
    /// A certificate and key of the user's (PEM).
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    /// Serve HTTPS even on loopback.
    pub force: bool,
    /// Names players reach the console by (DNS names or addresses), for the issued
    /// certificate.
    pub names: Vec<String>,
}

/// This machine's name, as the kernel has it (`None` when it cannot be read).
pub fn host_name() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    let name = name.trim();
    (!name.is_empty() && name.len() <= 253 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'))
        .then(|| name.to_string())
}

/// The host the printed links name: the first `--console-name`, else the listen
/// address, else (a wildcard address) this machine's name. `warning`: what to say when
/// players may not reach it by that name.
pub fn link_host(options: &ConsoleTlsOptions, listen: SocketAddr) -> (String, Option<String>) {
    let bracket = |h: String| if h.contains(':') && !h.starts_with('[') { format!("[{h}]") } else { h };
    if let Some(name) = options.names.first() {
        return (bracket(name.clone()), None);
    }
    if !listen.ip().is_unspecified() {
        return (bracket(listen.ip().to_string()), None);
    }
    let warning = |host: &str| {
        format!(
            "the console listens on {listen} with no --console-name: the links name {host}; if players reach this \
             machine by another name or address, add --console-name NAME (the links and the certificate use it)"
        )
    };
    match host_name() {
        Some(host) => {
            let w = warning(&host);
            (host, Some(w))
        }
        None => ("localhost".into(), Some(warning("localhost"))),
    }
}

/// Handshakes in progress at once. Every connection is accepted at once and its handshake
/// runs apart; beyond this many, the oldest handshake still in progress is dropped, so
/// connections that say nothing cannot keep a browser waiting.
const HANDSHAKES_MAX: usize = 256;
/// Handshakes one address may have in progress; beyond, its own oldest is dropped first.
const HANDSHAKES_PER_ADDRESS_MAX: usize = 32;
/// How long a client may take to finish its handshake (a browser takes milliseconds).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(3);
/// Accepted connections waiting for the HTTP server.
const ACCEPTED_QUEUE_MAX: usize = 64;

/// The acceptor to serve with, or `None` for plain HTTP (loopback, not forced); writes
/// the issued certificate's CA to `out/console-ca.pem`.
pub fn acceptor(options: &ConsoleTlsOptions, listen: SocketAddr, out: &Path) -> anyhow::Result<Option<TlsAcceptor>> {
    let (chain, key) = match (&options.cert, &options.key) {
        (Some(cert), Some(key)) => {
            let read = |p: &Path| pocnet_node::files::read_regular(p, pocnet_node::tls::PEM_BYTES_MAX);
            let chain = CertificateDer::pem_slice_iter(&read(cert)?)
                .collect::<Result<Vec<_>, _>>()
                .with_context(|| format!("{}: not a PEM certificate", cert.display()))?;
            let key = PrivateKeyDer::from_pem_slice(&read(key)?)
                .with_context(|| format!("{}: not a PEM private key", key.display()))?;
            (chain, key)
        }
        (None, None) if listen.ip().is_loopback() && !options.force => return Ok(None),
        (None, None) => {
            let ca = CertificateAuthority::new("pocnet exercise console CA")?;
            let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
            if !listen.ip().is_unspecified() {
                names.push(listen.ip().to_string());
            }
            names.extend(options.names.iter().cloned());
            if listen.ip().is_unspecified() && options.names.is_empty() {
                names.extend(host_name());
            }
            names.dedup();
            let issued = ca.issue_server(&names, Validity::RUN)?;
            let ca_path = out.join("console-ca.pem");
            pocnet_node::files::write_atomic(&ca_path, ca.cert_pem().as_bytes())?;
            let chain = CertificateDer::pem_slice_iter(issued.cert_pem.as_bytes()).collect::<Result<Vec<_>, _>>()?;
            let key = PrivateKeyDer::from_pem_slice(issued.key_pem.as_bytes())?;
            (chain, key)
        }
        _ => return Err(anyhow!("--console-cert and --console-key go together")),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the console's certificate and key")?;
    Ok(Some(TlsAcceptor::from(Arc::new(config))))
}

/// A TCP listener whose connections come out TLS-terminated. Every connection is
/// accepted at once and handshakes in a task of its own within `HANDSHAKE_TIMEOUT`; the
/// handshakes in progress are bounded by dropping the oldest (the address's own first), so
/// idle connections never hold a browser back.
pub struct TlsListener {
    accepted: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

/// The handshakes in progress, oldest first.
#[derive(Default)]
struct InProgress {
    next: u64,
    handshakes: BTreeMap<u64, (IpAddr, AbortHandle)>,
}

impl InProgress {
    /// Records a handshake from `ip`; returns those dropped to make room for it.
    fn admit(&mut self, seq: u64, ip: IpAddr, handle: AbortHandle) -> Vec<AbortHandle> {
        self.handshakes.insert(seq, (ip, handle));
        let mut dropped = Vec::new();
        let from_ip: Vec<u64> = self.handshakes.iter().filter(|(_, (a, _))| *a == ip).map(|(s, _)| *s).collect();
        for seq in &from_ip[..from_ip.len().saturating_sub(HANDSHAKES_PER_ADDRESS_MAX)] {
            dropped.extend(self.handshakes.remove(seq).map(|(_, h)| h));
        }
        while self.handshakes.len() > HANDSHAKES_MAX {
            dropped.extend(self.handshakes.pop_first().map(|(_, (_, h))| h));
        }
        dropped
    }
}

type Shared = Arc<Mutex<InProgress>>;

fn lock(book: &Shared) -> std::sync::MutexGuard<'_, InProgress> {
    match book.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl TlsListener {
    pub fn new(listener: TcpListener, acceptor: TlsAcceptor) -> std::io::Result<TlsListener> {
        let local = listener.local_addr()?;
        let (tx, accepted) = mpsc::channel(ACCEPTED_QUEUE_MAX);
        let book: Shared = Arc::default();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, peer)) = listener.accept().await else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                // Held while the task is recorded, so that it cannot end before it is.
                let mut in_progress = lock(&book);
                let seq = in_progress.next;
                in_progress.next += 1;
                let task = tokio::spawn(handshake(acceptor.clone(), tcp, peer, tx.clone(), book.clone(), seq));
                let dropped = in_progress.admit(seq, peer.ip(), task.abort_handle());
                drop(in_progress);
                for handle in dropped {
                    handle.abort();
                }
            }
        });
        Ok(TlsListener { accepted, local })
    }
}

/// One connection's handshake, within its time limit; a finished one goes to the server.
async fn handshake(
    acceptor: TlsAcceptor,
    tcp: TcpStream,
    peer: SocketAddr,
    tx: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
    book: Shared,
    seq: u64,
) {
    let done = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await;
    // No longer in progress: it cannot be dropped to make room while it waits for the server.
    lock(&book).handshakes.remove(&seq);
    if let Ok(Ok(tls)) = done {
        let _ = tx.send((tls, peer)).await;
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.accepted.recv().await {
            Some(next) => next,
            // The accept task ended: nothing more will ever come.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
