//! One node's life: credentials, the QUIC endpoint, the coordinator's setup, the journal
//! replayed, then the loop (node.rs) until the run ends.

use crate::control::{self, ConnectError};
use crate::framing::write_frame;
use crate::input::{Failure, INPUT_QUEUE_MAX};
use crate::journal::Journal;
use crate::node::{replay, Node, Parts};
use crate::refusals::Refusals;
use crate::serve::{spawn_accept, Gate};
use crate::tls::{Credentials, Identity, TlsError};
use pocnet_core::wire::FromNode;
use pocnet_core::StateCode;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

#[derive(Debug, Clone)]
pub struct NodeArgs {
    pub state: StateCode,
    pub coordinator: SocketAddr,
    pub listen: SocketAddr,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub ca: PathBuf,
    /// Where to journal accepted batches and completed windows; replayed at start.
    pub journal: Option<PathBuf>,
    /// Share of outgoing UDP datagrams to drop beneath QUIC (transport test).
    pub udp_loss: f64,
    /// Delay added to every outgoing UDP datagram beneath QUIC.
    pub udp_delay: Duration,
    /// Batches one peer may send per second (and in one burst); beyond, they are refused
    /// with a rate-limit answer that honest senders meet with back-off.
    pub peer_batches_per_second: u32,
}

/// Default batches per second (and burst) one peer may send: far above what a mesh
/// window rate needs, low enough to stop a flood.
pub const PEER_BATCHES_PER_SECOND: u32 = 20_000;

/// How a node's life ended, for its exit code.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("{0}")]
    Tls(#[from] TlsError),
    #[error("{cert}: the certificate names {named}, not {state}")]
    WrongCertificate { cert: String, named: Identity, state: StateCode },
    #[error("{0}")]
    Connect(#[from] ConnectError),
    #[error("the coordinator: {0}")]
    Control(String),
    #[error("cannot draw this node's instance id from /dev/urandom: {0}")]
    Instance(std::io::Error),
    #[error("{0}")]
    Failed(#[from] Failure),
}

impl NodeError {
    /// The coordinator said stop: the node exits without an error.
    pub fn is_stop(&self) -> bool {
        matches!(self, NodeError::Failed(f) if f.stopped)
    }
}

pub async fn run(args: NodeArgs) -> Result<(), NodeError> {
    let credentials = Credentials::load(&args.cert, &args.key, &args.ca)?;
    if credentials.identity() != Identity::State(args.state) {
        return Err(NodeError::WrongCertificate {
            cert: args.cert.display().to_string(),
            named: credentials.identity(),
            state: args.state,
        });
    }
    let (endpoint, socket) =
        credentials.endpoint_with_faults(args.listen, args.udp_loss, args.udp_delay, args.state.key())?;
    let listen = endpoint.local_addr().map_err(|source| TlsError::Bind { addr: args.listen, source })?;
    let instance = control::new_instance().map_err(NodeError::Instance)?;
    tracing::info!(state = %args.state, %listen, %instance, "contact point up");

    let coordinator = control::connect(&endpoint, credentials.control_client_config()?, args.coordinator).await?;
    let (mut control, mut control_rx) =
        coordinator.open_bi().await.map_err(|e| NodeError::Control(format!("open the control stream: {e}")))?;
    control::hello(&mut control, args.state, advertised_address(listen, args.coordinator), instance)
        .await
        .map_err(|e| NodeError::Control(e.to_string()))?;

    let refusals = Refusals::shared(args.state.as_str());
    let (tx, rx) = mpsc::channel(INPUT_QUEUE_MAX);
    let prepared = async {
        let mut setup = control::receive_setup(&mut control_rx, args.state).await?;
        let (journal, last_window) = match &args.journal {
            Some(path) => recover(path, &mut setup, args.state)?,
            None => (None, None),
        };
        let ready = FromNode::Ready { next_event: setup.agenda.next_event() };
        write_frame(&mut control, &ready).await.map_err(|e| Failure::protocol(format!("control stream: {e}")))?;
        Ok::<_, Failure>((setup, journal, last_window))
    }
    .await;
    let result = match prepared {
        Err(failure) => Err(failure),
        Ok((setup, journal, last_window)) => {
            let gate = Gate::new(setup.register.keys().copied().collect(), refusals.clone());
            spawn_accept(endpoint.clone(), gate, tx.clone());
            control::spawn_reader(control_rx, tx.clone());
            let mut node = Node::new(Parts {
                state: args.state,
                agenda: setup.agenda,
                register: setup.register,
                endpoint: endpoint.clone(),
                control,
                tx,
                refusals,
                journal,
                last_window,
                socket,
                peer_batches_per_second: args.peer_batches_per_second,
            });
            let result = node.serve(rx).await;
            control = node.control;
            result
        }
    };
    if let Err(failure) = &result {
        if !failure.stopped {
            tracing::error!(state = %args.state, "{failure}");
            let report = FromNode::Failed { cause: failure.cause, detail: failure.detail.clone() };
            let _ = write_frame(&mut control, &report).await;
        }
    }
    close(control, &coordinator, &endpoint).await;
    result.map_err(NodeError::Failed)
}

/// Closing a connection discards unsent stream data: waits until the coordinator has the
/// last frame (or a short while) before closing.
async fn close(mut control: quinn::SendStream, coordinator: &quinn::Connection, endpoint: &quinn::Endpoint) {
    let _ = control.finish();
    let _ = tokio::time::timeout(Duration::from_secs(2), control.stopped()).await;
    coordinator.close(0u32.into(), b"bye");
    endpoint.close(0u32.into(), b"bye");
    let _ = tokio::time::timeout(Duration::from_secs(2), endpoint.wait_idle()).await;
}

/// Opens the node's journal and replays it through the same core: a restarted node comes
/// back to the same state, with the same seqs (another state's journal is refused).
fn recover(
    path: &std::path::Path,
    setup: &mut control::Setup,
    state: StateCode,
) -> Result<(Option<Journal>, Option<crate::node::LastWindow>), Failure> {
    let (journal, records) = Journal::open(path, setup.run, state)?;
    let replayed = records.len();
    let last = replay(&mut setup.agenda, records);
    if replayed > 0 {
        tracing::warn!(%state, "recovered from the journal: {replayed} records");
    }
    Ok((Some(journal), last))
}

/// The address other contact points should use: the bound one, or, when bound to all
/// interfaces (`0.0.0.0`, as in a container), the local address on the route to the
/// coordinator (a connected UDP socket tells it without sending anything).
fn advertised_address(listen: SocketAddr, coordinator: SocketAddr) -> SocketAddr {
    if !listen.ip().is_unspecified() {
        return listen;
    }
    let bind: SocketAddr =
        if coordinator.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { (std::net::Ipv6Addr::UNSPECIFIED, 0).into() };
    std::net::UdpSocket::bind(bind)
        .and_then(|s| s.connect(coordinator).and_then(|()| s.local_addr()))
        .map(|local| SocketAddr::new(local.ip(), listen.port()))
        .unwrap_or(listen)
}
