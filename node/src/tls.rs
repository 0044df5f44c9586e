//! Mutual TLS for every QUIC connection, and who is at the other end.
//!
//! Both ends present a certificate issued by the network's CA. A client checks the
//! server's name as usual (so a stale register entry pointing elsewhere fails the
//! handshake); a server reads the client's state from the client's certificate. The
//! state a certificate names is the only sender a node accepts messages from.

use pocnet_core::wire::ALPN;
use pocnet_core::StateCode;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::RootCertStore;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The DNS name on the coordinator's certificate.
pub const COORDINATOR_NAME: &str = "coordinator.pocnet";

/// Who a certificate names.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    State(StateCode),
    Coordinator,
}

impl Identity {
    pub fn certificate_name(&self) -> String {
        match self {
            Identity::State(code) => code.certificate_name(),
            Identity::Coordinator => COORDINATOR_NAME.to_string(),
        }
    }
}

impl std::fmt::Display for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Identity::State(code) => write!(f, "{code}"),
            Identity::Coordinator => f.write_str("coordinator"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {reason}")]
    File { path: String, reason: String },
    #[error("{0}")]
    Input(crate::files::FileError),
    #[error("{what}: {reason}")]
    Pem { what: &'static str, reason: String },
    #[error("TLS configuration: {0}")]
    Config(String),
    #[error("{0}")]
    Identity(#[from] IdentityError),
    #[error("cannot open a QUIC endpoint on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdentityError {
    #[error("the peer presented no certificate")]
    NoCertificate,
    #[error("the certificate cannot be parsed: {0}")]
    Unparsable(String),
    #[error("the certificate names no pocnet identity (expected one DNS name `<iso3>.state.pocnet` or `{COORDINATOR_NAME}`), found {0:?}")]
    NoPocnetName(Vec<String>),
    #[error("the certificate names several pocnet identities: {0:?}")]
    SeveralNames(Vec<String>),
}

/// Reads the identity a DER certificate names.
pub fn identity_of(cert_der: &[u8]) -> Result<Identity, IdentityError> {
    let (_, cert) =
        x509_parser::parse_x509_certificate(cert_der).map_err(|e| IdentityError::Unparsable(e.to_string()))?;
    let san = cert.subject_alternative_name().map_err(|e| IdentityError::Unparsable(e.to_string()))?;
    let names: Vec<String> = san
        .map(|ext| {
            ext.value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    x509_parser::extensions::GeneralName::DNSName(s) => Some(s.to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let identities: Vec<Identity> = names.iter().filter_map(|n| parse_name(n)).collect();
    match identities.as_slice() {
        [one] => Ok(*one),
        [] => Err(IdentityError::NoPocnetName(names)),
        _ => Err(IdentityError::SeveralNames(names)),
    }
}

fn parse_name(name: &str) -> Option<Identity> {
    if name == COORDINATOR_NAME {
        return Some(Identity::Coordinator);
    }
    let code = name.strip_suffix(".state.pocnet")?;
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    StateCode::parse(&code.to_ascii_uppercase()).ok().map(Identity::State)
}

/// The identity of the peer on an established connection (its certificate was verified
/// against the CA during the handshake).
pub fn peer_identity(conn: &quinn::Connection) -> Result<Identity, IdentityError> {
    let certs = conn
        .peer_identity()
        .and_then(|any| any.downcast::<Vec<CertificateDer<'static>>>().ok())
        .ok_or(IdentityError::NoCertificate)?;
    let leaf = certs.first().ok_or(IdentityError::NoCertificate)?;
    identity_of(leaf)
}

/// Largest certificate, key or CA file read.
pub const PEM_BYTES_MAX: u64 = 1 << 20;

/// This endpoint's certificate chain and key, and the CA it trusts.
pub struct Credentials {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    roots: Arc<RootCertStore>,
    identity: Identity,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("identity", &self.identity).finish_non_exhaustive()
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

impl Credentials {
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8], ca_pem: &[u8]) -> Result<Credentials, TlsError> {
        let pem = |what, e: rustls::pki_types::pem::Error| TlsError::Pem { what, reason: e.to_string() };
        let chain = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| pem("certificate", e))?;
        let leaf =
            chain.first().ok_or(TlsError::Pem { what: "certificate", reason: "no certificate in PEM".into() })?;
        let identity = identity_of(leaf)?;
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| pem("private key", e))?;
        let mut roots = RootCertStore::empty();
        for ca in CertificateDer::pem_slice_iter(ca_pem) {
            roots
                .add(ca.map_err(|e| pem("CA certificate", e))?)
                .map_err(|e| TlsError::Pem { what: "CA certificate", reason: e.to_string() })?;
        }
        if roots.is_empty() {
            return Err(TlsError::Pem { what: "CA certificate", reason: "no certificate in PEM".into() });
        }
        Ok(Credentials { chain, key, roots: Arc::new(roots), identity })
    }

    /// Loads PEM files; errors name the file.
    pub fn load(cert: &Path, key: &Path, ca: &Path) -> Result<Credentials, TlsError> {
        // PEM files are small; a FIFO, a device or a huge file is refused, not read.
        let read = |p: &Path| crate::files::read_regular(p, PEM_BYTES_MAX).map_err(TlsError::Input);
        let (c, k, a) = (read(cert)?, read(key)?, read(ca)?);
        Credentials::from_pem(&c, &k, &a).map_err(|e| match e {
            TlsError::Pem { what, reason } => {
                let path = match what {
                    "private key" => key,
                    "CA certificate" => ca,
                    _ => cert,
                };
                TlsError::File { path: path.display().to_string(), reason: format!("{what}: {reason}") }
            }
            TlsError::Identity(e) => TlsError::File { path: cert.display().to_string(), reason: e.to_string() },
            other => other,
        })
    }

    pub fn identity(&self) -> Identity {
        self.identity
    }

    pub fn server_config(&self) -> Result<quinn::ServerConfig, TlsError> {
        let cfg = |e: &dyn std::fmt::Display| TlsError::Config(e.to_string());
        let verifier =
            WebPkiClientVerifier::builder_with_provider(self.roots.clone(), provider()).build().map_err(|e| cfg(&e))?;
        let mut tls = rustls::ServerConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(|e| cfg(&e))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(self.chain.clone(), self.key.clone_key())
            .map_err(|e| cfg(&e))?;
        tls.alpn_protocols = vec![ALPN.to_vec()];
        let crypto = quinn::crypto::rustls::QuicServerConfig::try_from(tls).map_err(|e| cfg(&e))?;
        let mut config = quinn::ServerConfig::with_crypto(Arc::new(crypto));
        config.transport_config(transport_config());
        limit_incoming(&mut config);
        Ok(config)
    }

    /// The client configuration of a node's connection to its coordinator: keep-alive
    /// every `CONTROL_KEEP_ALIVE`, so that either end notices the other gone within
    /// `CONTROL_IDLE_TIMEOUT` (a node killed on another host sends no close).
    pub fn control_client_config(&self) -> Result<quinn::ClientConfig, TlsError> {
        let mut config = self.client_config()?;
        let mut t = base_transport_config();
        t.keep_alive_interval(Some(CONTROL_KEEP_ALIVE));
        let idle = quinn::IdleTimeout::try_from(CONTROL_IDLE_TIMEOUT).map_err(|e| TlsError::Config(e.to_string()))?;
        t.max_idle_timeout(Some(idle));
        config.transport_config(Arc::new(t));
        Ok(config)
    }

    pub fn client_config(&self) -> Result<quinn::ClientConfig, TlsError> {
        let cfg = |e: &dyn std::fmt::Display| TlsError::Config(e.to_string());
        let mut tls = rustls::ClientConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(|e| cfg(&e))?
            .with_root_certificates(self.roots.clone())
            .with_client_auth_cert(self.chain.clone(), self.key.clone_key())
            .map_err(|e| cfg(&e))?;
        tls.alpn_protocols = vec![ALPN.to_vec()];
        let crypto = quinn::crypto::rustls::QuicClientConfig::try_from(tls).map_err(|e| cfg(&e))?;
        let mut config = quinn::ClientConfig::new(Arc::new(crypto));
        config.transport_config(transport_config());
        Ok(config)
    }

    /// A QUIC endpoint that accepts connections from and opens connections to the mesh.
    pub fn endpoint(&self, listen: SocketAddr) -> Result<quinn::Endpoint, TlsError> {
        let bind = |source| TlsError::Bind { addr: listen, source };
        let socket = udp_socket(listen).map_err(bind)?;
        let runtime = quinn::default_runtime()
            .ok_or_else(|| bind(std::io::Error::other("no async runtime for the QUIC endpoint")))?;
        let mut endpoint =
            quinn::Endpoint::new(quinn::EndpointConfig::default(), Some(self.server_config()?), socket, runtime)
                .map_err(bind)?;
        endpoint.set_default_client_config(self.client_config()?);
        Ok(endpoint)
    }

    /// The same, on a socket that can lose, delay and cut off datagrams beneath QUIC
    /// (transport tests and exercises); the socket is returned for cuts and heals.
    pub fn endpoint_with_faults(
        &self,
        listen: SocketAddr,
        loss: f64,
        delay: Duration,
        seed: u64,
    ) -> Result<(quinn::Endpoint, Arc<crate::lossy::LossySocket>), TlsError> {
        let bind = |source| TlsError::Bind { addr: listen, source };
        let socket = udp_socket(listen).map_err(bind)?;
        let runtime = quinn::default_runtime()
            .ok_or_else(|| bind(std::io::Error::other("no async runtime for the QUIC endpoint")))?;
        let socket = runtime.wrap_udp_socket(socket).map_err(bind)?;
        let faulty = Arc::new(crate::lossy::LossySocket::new(socket, loss, delay, seed));
        let mut endpoint = quinn::Endpoint::new_with_abstract_socket(
            quinn::EndpointConfig::default(),
            Some(self.server_config()?),
            faulty.clone(),
            runtime,
        )
        .map_err(bind)?;
        endpoint.set_default_client_config(self.client_config()?);
        Ok((endpoint, faulty))
    }
}

/// Whether a failed connection is a TLS refusal (an alert) rather than nobody answering.
pub fn is_tls_refusal(e: &quinn::ConnectionError) -> bool {
    let crypto = |code: quinn::TransportErrorCode| (0x100..0x200).contains(&u64::from(code));
    match e {
        quinn::ConnectionError::TransportError(t) => crypto(t.code),
        quinn::ConnectionError::ConnectionClosed(c) => crypto(c.error_code),
        _ => false,
    }
}

/// Keep-alive on a node's control connection (few: one per node).
pub const CONTROL_KEEP_ALIVE: Duration = Duration::from_secs(2);
/// A control connection silent this long is dead: its node (or coordinator) is gone.
pub const CONTROL_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Socket buffers asked for; the kernel caps them at net.core.rmem_max / wmem_max.
pub const UDP_BUFFER_BYTES: usize = 4 << 20;

/// A UDP socket with large buffers: a burst of handshakes (a mesh starting, a node
/// talking to many peers at once) overflows the default receive buffer on loopback, and
/// QUIC then waits out retransmission timeouts.
fn udp_socket(addr: SocketAddr) -> std::io::Result<std::net::UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    // Best effort: a smaller buffer still works, only less well under bursts.
    let _ = socket.set_recv_buffer_size(UDP_BUFFER_BYTES);
    let _ = socket.set_send_buffer_size(UDP_BUFFER_BYTES);
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

/// Keep-alive every 25 s: at 5 s a large mesh spends a core on keep-alives at rest. Flow
/// control bounds what a peer can make this endpoint hold: `PEER_STREAMS_MAX` streams of
/// one frame each, `CONNECTION_RECEIVE_WINDOW_BYTES` in all.
fn transport_config() -> Arc<quinn::TransportConfig> {
    Arc::new(base_transport_config())
}

fn base_transport_config() -> quinn::TransportConfig {
    use pocnet_core::limits;
    let mut t = quinn::TransportConfig::default();
    t.keep_alive_interval(Some(Duration::from_secs(25)));
    t.max_idle_timeout(Some(quinn::IdleTimeout::from(quinn::VarInt::from_u32(120_000))));
    t.max_concurrent_bidi_streams(quinn::VarInt::from_u32(limits::PEER_STREAMS_MAX));
    t.max_concurrent_uni_streams(quinn::VarInt::from_u32(0));
    let window = |bytes: u64| quinn::VarInt::from_u64(bytes).unwrap_or(quinn::VarInt::MAX);
    t.stream_receive_window(window(limits::STREAM_RECEIVE_WINDOW_BYTES));
    t.receive_window(window(limits::CONNECTION_RECEIVE_WINDOW_BYTES));
    t.send_window(limits::CONNECTION_RECEIVE_WINDOW_BYTES);
    t
}

/// Connection attempts an endpoint buffers, and their bytes: a flood of QUIC Initials is
/// refused beyond these instead of growing memory.
fn limit_incoming(config: &mut quinn::ServerConfig) {
    use pocnet_core::limits;
    config.max_incoming(limits::INCOMING_CONNECTIONS_MAX as usize);
    config.incoming_buffer_size(limits::INCOMING_BUFFER_BYTES_MAX);
    config.incoming_buffer_size_total(limits::INCOMING_BUFFER_BYTES_TOTAL_MAX);
}
