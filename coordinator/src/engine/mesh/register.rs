//! Registrations: every connection to the coordinator, for the whole run, within limits.
//!
//! One task accepts connections as long as the coordinator's endpoint is open, so that a
//! flood of QUIC Initials never waits in quinn's queue where it would crowd out a node
//! that restarts: at most `REGISTRATIONS_IN_PROGRESS_MAX` handshakes run at once (every node
//! of the largest register at the same moment, and room for a flood beside them), each with
//! its first frame within `HANDSHAKE_TIMEOUT_MS`. A registration is mutual TLS with the
//! run's CA, then `Hello` naming the state the certificate names and the node process's
//! instance; the supervisor decides whether it expected it (a second live node for a state
//! is refused, a node back from a restart is taken: `supervise.rs`).

use crate::engine::mesh::SharedRefusals;
use pocnet_core::limits::{HANDSHAKE_TIMEOUT_MS, REGISTRATIONS_IN_PROGRESS_MAX, STATES_MAX};
use pocnet_core::wire::{FromNode, InstanceId, RefusalKind};
use pocnet_core::StateCode;
use pocnet_node::framing::read_frame;
use pocnet_node::refusals::record;
use pocnet_node::tls::{peer_identity, Identity};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Semaphore};

pub struct Registration {
    pub state: StateCode,
    /// The node process: with the certificate's state, its identity.
    pub instance: InstanceId,
    pub conn: quinn::Connection,
    pub send: quinn::SendStream,
    pub recv: quinn::RecvStream,
    pub listen: SocketAddr,
    /// The node's clock minus the coordinator's, at registration.
    pub clock_offset_ms: i64,
}

/// Registrations waiting for the supervisor.
pub const REGISTRATIONS_QUEUED_MAX: usize = STATES_MAX;

/// Accepts connections until the endpoint closes; sends each good registration on.
pub fn spawn_accept(endpoint: quinn::Endpoint, refusals: SharedRefusals, tx: mpsc::Sender<Registration>) {
    let permits = Arc::new(Semaphore::new(REGISTRATIONS_IN_PROGRESS_MAX));
    tokio::spawn(async move {
        while let Some(incoming) = endpoint.accept().await {
            let remote = incoming.remote_address().to_string();
            let Ok(permit) = permits.clone().try_acquire_owned() else {
                incoming.refuse();
                record(&refusals, RefusalKind::TooManyHandshakes, &remote, &"handshake refused");
                continue;
            };
            let (tx, refusals) = (tx.clone(), refusals.clone());
            tokio::spawn(async move {
                let within = Duration::from_millis(HANDSHAKE_TIMEOUT_MS);
                let result = match tokio::time::timeout(within, handshake(incoming)).await {
                    Ok(result) => result,
                    Err(_) => Err((RefusalKind::Handshake, format!("no registration within {within:?}"))),
                };
                drop(permit);
                match result {
                    Ok(r) => {
                        if let Err(mpsc::error::TrySendError::Full(r)) = tx.try_send(r) {
                            r.conn.close(4u32.into(), b"busy");
                            record(
                                &refusals,
                                RefusalKind::Registration,
                                r.state.as_str(),
                                &"too many registrations at once",
                            );
                        }
                    }
                    Err((kind, detail)) => record(&refusals, kind, &remote, &detail),
                }
            });
        }
    });
}

/// A node's registration: mutual TLS, then `Hello` naming the state its certificate names.
async fn handshake(incoming: quinn::Incoming) -> Result<Registration, (RefusalKind, String)> {
    let remote = incoming.remote_address();
    let conn = async { incoming.accept()?.await }
        .await
        .map_err(|e| (RefusalKind::Handshake, format!("handshake from {remote}: {e}")))?;
    let state = match peer_identity(&conn) {
        Ok(Identity::State(state)) => state,
        Ok(Identity::Coordinator) => {
            conn.close(1u32.into(), b"identity");
            return Err((
                RefusalKind::WrongRole,
                format!("{remote}: a coordinator certificate cannot register as a node"),
            ));
        }
        Err(e) => {
            conn.close(1u32.into(), b"identity");
            return Err((RefusalKind::NoIdentity, format!("{remote}: {e}")));
        }
    };
    let (send, mut recv) =
        conn.accept_bi().await.map_err(|e| (RefusalKind::Registration, format!("{state} at {remote}: {e}")))?;
    match read_frame::<FromNode>(&mut recv).await {
        Ok(Some(FromNode::Hello { state: claimed, listen, wall_clock_ms, instance })) if claimed == state => {
            let listen = listen
                .parse()
                .map_err(|e| (RefusalKind::Registration, format!("{state}: listen address `{listen}`: {e}")))?;
            // The Hello left the node about half a round trip ago.
            let half_rtt_ms = i64::try_from(conn.rtt().as_millis() / 2).unwrap_or(0);
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
                .unwrap_or(0);
            let clock_offset_ms = wall_clock_ms - (now_ms - half_rtt_ms);
            Ok(Registration { state, instance, conn, send, recv, listen, clock_offset_ms })
        }
        Ok(Some(FromNode::Hello { state: claimed, .. })) => {
            conn.close(1u32.into(), b"identity");
            Err((RefusalKind::Registration, format!("certificate names {state} but the node says it is {claimed}")))
        }
        Ok(other) => Err((RefusalKind::Registration, format!("{state}: expected Hello, got {other:?}"))),
        Err(e) => Err((RefusalKind::Registration, format!("{state}: {e}"))),
    }
}
