//! The node's side of the control protocol: connect to the coordinator (waiting for one
//! that is not up yet), say who it is, take the setup, then forward every control frame
//! into the node's loop.

use crate::framing::{read_frame, read_frame_parted, write_frame, FrameError};
use crate::input::{is_second_node, is_stop, Failure, Input};
use pocnet_core::limits;
use pocnet_core::wire::{FromNode, InstanceId, RunId, ToNode};
use pocnet_core::{Agenda, ContactPoint, StateCode};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How long a node started on its own waits for its coordinator to come up.
pub const COORDINATOR_WAIT: Duration = Duration::from_secs(120);
/// How long one attempt to reach the coordinator may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("connect to the coordinator at {addr}: {reason}")]
    Endpoint { addr: SocketAddr, reason: quinn::ConnectError },
    /// The coordinator answered and the TLS handshake failed: a certificate problem, which
    /// will not fix itself by waiting.
    #[error("handshake with the coordinator at {addr}: {reason}")]
    Tls { addr: SocketAddr, reason: quinn::ConnectionError },
    #[error("no coordinator at {addr} within {waited:?}: {last}")]
    NotUp { addr: SocketAddr, waited: Duration, last: String },
}

/// Connects to the coordinator, trying again while it is not up yet: a standalone node
/// may start before the coordinator (`pocnet run --attach`).
pub async fn connect(
    endpoint: &quinn::Endpoint,
    config: quinn::ClientConfig,
    addr: SocketAddr,
) -> Result<quinn::Connection, ConnectError> {
    let deadline = Instant::now() + COORDINATOR_WAIT;
    let mut backoff = Duration::from_millis(100);
    loop {
        let connecting = endpoint
            .connect_with(config.clone(), addr, crate::tls::COORDINATOR_NAME)
            .map_err(|reason| ConnectError::Endpoint { addr, reason })?;
        let last = match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
            Ok(Ok(conn)) => return Ok(conn),
            Ok(Err(reason)) if crate::tls::is_tls_refusal(&reason) => return Err(ConnectError::Tls { addr, reason }),
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("no handshake within {CONNECT_TIMEOUT:?}"),
        };
        if Instant::now() + backoff > deadline {
            return Err(ConnectError::NotUp { addr, waited: COORDINATOR_WAIT, last });
        }
        tracing::info!("coordinator at {addr} not answering ({last}); trying again in {backoff:?}");
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
}

/// `Hello`: the state (which the certificate must name), where peers reach it, its clock,
/// and this process's instance.
pub async fn hello(
    control: &mut quinn::SendStream,
    state: StateCode,
    listen: SocketAddr,
    instance: InstanceId,
) -> Result<(), FrameError> {
    let wall_clock_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    write_frame(control, &FromNode::Hello { state, listen: listen.to_string(), wall_clock_ms, instance }).await
}

/// A random instance id for this process (`/dev/urandom`).
pub fn new_instance() -> std::io::Result<InstanceId> {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(InstanceId(bytes))
}

/// What the coordinator hands a node before the run.
pub struct Setup {
    pub run: RunId,
    pub agenda: Agenda,
    pub register: BTreeMap<StateCode, SocketAddr>,
}

/// Reads the setup frames: configuration and register, injects, exercise inputs, the end.
pub async fn receive_setup(control: &mut quinn::RecvStream, state: StateCode) -> Result<Setup, Failure> {
    let setup = |detail: String| Failure::setup(detail);
    let frame = read_frame(control).await.map_err(|e| stopped_or(e, setup))?;
    let Some(ToNode::Setup { run, config, register }) = frame else {
        return Err(setup("the coordinator did not send a setup".into()));
    };
    if config.state != state {
        return Err(setup(format!("setup is for {}, this node is {state}", config.state)));
    }
    if register.len() > limits::STATES_MAX {
        return Err(setup(format!(
            "register of {} entries exceeds the limit of {}",
            register.len(),
            limits::STATES_MAX
        )));
    }
    let mut addresses = BTreeMap::new();
    for entry in register {
        let addr = entry
            .address
            .parse()
            .map_err(|e| setup(format!("register entry {}: address `{}`: {e}", entry.state, entry.address)))?;
        addresses.insert(entry.state, addr);
    }
    let contact_point = ContactPoint::new(*config).map_err(|e| setup(format!("contact point configuration: {e}")))?;
    let mut agenda = Agenda::new(contact_point);
    loop {
        match read_frame(control).await.map_err(|e| stopped_or(e, setup))? {
            Some(ToNode::Injects(injects)) => {
                for inject in injects {
                    agenda.add_inject(inject).map_err(|e| setup(format!("inject: {e}")))?;
                }
            }
            Some(ToNode::Exercise { at, input }) => {
                agenda.add_exercise_input(at, input).map_err(|e| setup(format!("exercise input: {e}")))?
            }
            Some(ToNode::SetupDone) => return Ok(Setup { run, agenda, register: addresses }),
            other => return Err(setup(format!("expected injects or the end of the setup, got {other:?}"))),
        }
    }
}

fn stopped_or(e: FrameError, otherwise: impl Fn(String) -> Failure) -> Failure {
    if is_stop(&e) {
        Failure::stopped()
    } else if is_second_node(&e) {
        otherwise(
            "the coordinator refused this node: another node for its state is registered and alive \
                   (a second process with the same certificate, not a restart)"
                .into(),
        )
    } else {
        otherwise(format!("control stream: {e}"))
    }
}

/// Forwards every control frame into the node's loop until the stream ends. A frame whose
/// first byte came must be whole within this (a stalled coordinator fails the node).
const CONTROL_FRAME_WITHIN: Duration = Duration::from_secs(30);

pub fn spawn_reader(mut recv: quinn::RecvStream, tx: mpsc::Sender<Input>) {
    tokio::spawn(async move {
        loop {
            let frame = read_frame_parted::<ToNode>(&mut recv, CONTROL_FRAME_WITHIN).await;
            let end = !matches!(frame, Ok(Some(_)));
            if tx.send(Input::Control(frame)).await.is_err() || end {
                return;
            }
        }
    });
}
