//! The server side of a node: accept connections from peers, learn who they are from
//! their certificates, and read their batches, within limits everywhere.
//!
//! - at most `HANDSHAKES_IN_PROGRESS_MAX` handshakes at once, each within
//!   `HANDSHAKE_TIMEOUT_MS`; quinn itself holds at most `INCOMING_CONNECTIONS_MAX`
//!   connection attempts (tls.rs);
//! - a peer is a state of this run's register, named by a certificate of the run's CA;
//! - at most `PEER_CONNECTIONS_MAX` connections per peer (the node's loop decides) and
//!   `PEER_STREAMS_MAX` streams per connection (QUIC flow control, tls.rs);
//! - one frame per stream, whole within `STREAM_READ_TIMEOUT_MS`.
//!
//! Every refusal is counted (refusals.rs); what is accepted goes to the node's loop.

use crate::framing::{read_frame_within, write_frame, FrameError};
use crate::input::Input;
use crate::refusals::{record, SharedRefusals};
use crate::tls::{peer_identity, Identity};
use pocnet_core::limits::{HANDSHAKES_IN_PROGRESS_MAX, HANDSHAKE_TIMEOUT_MS, STREAM_READ_TIMEOUT_MS};
use pocnet_core::wire::{PeerFrame, RefusalKind, Rejection};
use pocnet_core::StateCode;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, Semaphore};

/// Who may connect: the states of this run's register.
#[derive(Clone)]
pub struct Gate {
    pub register: Arc<BTreeSet<StateCode>>,
    pub refusals: SharedRefusals,
    pub handshakes: Arc<Semaphore>,
}

impl Gate {
    pub fn new(register: BTreeSet<StateCode>, refusals: SharedRefusals) -> Gate {
        Gate {
            register: Arc::new(register),
            refusals,
            handshakes: Arc::new(Semaphore::new(HANDSHAKES_IN_PROGRESS_MAX)),
        }
    }
}

/// Accepts peer connections until the endpoint closes.
pub fn spawn_accept(endpoint: quinn::Endpoint, gate: Gate, tx: mpsc::Sender<Input>) {
    tokio::spawn(async move {
        while let Some(incoming) = endpoint.accept().await {
            let remote = incoming.remote_address().to_string();
            let Ok(permit) = gate.handshakes.clone().try_acquire_owned() else {
                incoming.refuse();
                record(&gate.refusals, RefusalKind::TooManyHandshakes, &remote, &"handshake refused");
                continue;
            };
            let (gate, tx) = (gate.clone(), tx.clone());
            tokio::spawn(async move {
                let admitted = admit(incoming, &gate, &remote).await;
                drop(permit);
                if let Some((peer, conn)) = admitted {
                    let (reply, answer) = oneshot::channel();
                    if tx.send(Input::PeerConnected { peer, connection: conn.clone(), admit: reply }).await.is_err() {
                        return;
                    }
                    if answer.await.unwrap_or(false) {
                        serve_peer_streams(peer, conn, tx, gate.refusals).await;
                    } else {
                        conn.close(3u32.into(), b"too many connections");
                        record(&gate.refusals, RefusalKind::TooManyConnections, peer.as_str(), &remote);
                    }
                }
            });
        }
    });
}

/// The handshake, then the peer's identity: a state of the register, or a refusal.
async fn admit(incoming: quinn::Incoming, gate: &Gate, remote: &str) -> Option<(StateCode, quinn::Connection)> {
    let within = Duration::from_millis(HANDSHAKE_TIMEOUT_MS);
    let conn = match tokio::time::timeout(within, async { incoming.accept()?.await }).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => {
            record(&gate.refusals, RefusalKind::Handshake, remote, &e);
            return None;
        }
        Err(_) => {
            record(&gate.refusals, RefusalKind::Handshake, remote, &format!("no handshake within {within:?}"));
            return None;
        }
    };
    match peer_identity(&conn) {
        Ok(Identity::State(code)) if gate.register.contains(&code) => Some((code, conn)),
        Ok(Identity::State(code)) => {
            conn.close(1u32.into(), b"not in the register");
            record(&gate.refusals, RefusalKind::NotInRegister, code.as_str(), &format!("{code} from {remote}"));
            None
        }
        Ok(Identity::Coordinator) => {
            conn.close(1u32.into(), b"coordinators do not send batches");
            record(&gate.refusals, RefusalKind::WrongRole, remote, &"a coordinator certificate on a peer connection");
            None
        }
        Err(e) => {
            conn.close(1u32.into(), b"identity");
            record(&gate.refusals, RefusalKind::NoIdentity, remote, &e);
            None
        }
    }
}

/// Serves the batches `peer` sends on `conn`, whichever side opened it. QUIC's stream
/// limit bounds how many run at once.
pub async fn serve_peer_streams(
    peer: StateCode,
    conn: quinn::Connection,
    tx: mpsc::Sender<Input>,
    refusals: SharedRefusals,
) {
    while let Ok((send, recv)) = conn.accept_bi().await {
        tokio::spawn(serve_stream(peer, send, recv, tx.clone(), refusals.clone()));
    }
}

async fn serve_stream(
    peer: StateCode,
    mut send: quinn::SendStream,
    mut recv: quinn::RecvStream,
    tx: mpsc::Sender<Input>,
    refusals: SharedRefusals,
) {
    let within = Duration::from_millis(STREAM_READ_TIMEOUT_MS);
    let refuse = |rejection: Rejection, detail: &dyn std::fmt::Display| {
        record(&refusals, RefusalKind::BatchRejected(rejection.clone()), peer.as_str(), detail);
        PeerFrame::Rejected { reason: rejection }
    };
    let answer = match read_frame_within::<PeerFrame>(&mut recv, within).await {
        Ok(Some(frame)) => match crate::acceptance::batch_from(peer, frame) {
            Ok(envelopes) => {
                let (reply, answer) = oneshot::channel();
                if tx.send(Input::Batch { from: peer, envelopes, reply }).await.is_err() {
                    return;
                }
                match answer.await {
                    Ok(a) => a,
                    Err(_) => return,
                }
            }
            Err(rejection) => refuse(rejection.clone(), &rejection),
        },
        Ok(None) => return,
        Err(FrameError::Timeout(t)) => refuse(Rejection::Timeout, &format!("no whole frame within {t:?}")),
        Err(e) => refuse(Rejection::BadFrame, &e),
    };
    let _ = write_frame(&mut send, &answer).await;
    let _ = send.finish();
    let _ = tokio::time::timeout(within, send.stopped()).await;
}
