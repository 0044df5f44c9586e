//! The console over TLS: access tokens in plain HTTP are readable by anyone on the way, so
//! a console that listens beyond loopback is served over HTTPS, with a certificate the
//! user gives (`--console-cert`, `--console-key`) or one issued for the run by a CA made
//! for it (written to `OUT/console-ca.pem`, for the players' browsers to trust).

use anyhow::{anyhow, Context};
use pocnet_node::pki::{CertificateAuthority, Validity};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
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

/// Handshakes in progress at once; more connections wait in the kernel's backlog.
const HANDSHAKES_MAX: usize = 32;
/// How long a browser may take to finish its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
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

/// A TCP listener whose connections come out TLS-terminated; handshakes run apart, a few
/// at a time and each within its time limit, so that one slow client blocks no one.
pub struct TlsListener {
    accepted: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    pub fn new(listener: TcpListener, acceptor: TlsAcceptor) -> std::io::Result<TlsListener> {
        let local = listener.local_addr()?;
        let (tx, accepted) = mpsc::channel(ACCEPTED_QUEUE_MAX);
        let permits = Arc::new(tokio::sync::Semaphore::new(HANDSHAKES_MAX));
        tokio::spawn(async move {
            loop {
                let Ok(permit) = permits.clone().acquire_owned().await else { return };
                let Ok((tcp, peer)) = listener.accept().await else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    if let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                        let _ = tx.send((tls, peer)).await;
                    }
                    drop(permit);
                });
            }
        });
        Ok(TlsListener { accepted, local })
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
