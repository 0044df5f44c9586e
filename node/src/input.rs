//! What the node's loop takes in ([`Input`]) and how a node stops ([`Failure`]): the
//! vocabulary the network tasks and the loop share.

use crate::deliver::{Delivery, DeliveryError};
use crate::framing::FrameError;
use crate::journal::JournalError;
use pocnet_core::limits;
use pocnet_core::wire::{Envelope, FailureCause, PeerFrame, ToNode};
use pocnet_core::StateCode;
use tokio::sync::oneshot;

/// Inputs the loop takes, one at a time.
pub enum Input {
    Control(Result<Option<ToNode>, FrameError>),
    /// A peer's batch, read and attributed to the state its certificate names.
    Batch {
        from: StateCode,
        envelopes: Vec<Envelope>,
        reply: oneshot::Sender<PeerFrame>,
    },
    /// A peer connected and proved who it is; the loop says whether to serve it (the
    /// connection serves both directions).
    PeerConnected {
        peer: StateCode,
        connection: quinn::Connection,
        admit: oneshot::Sender<bool>,
    },
    /// A delivery task wrote every batch of the window ending `until` to `to` (not yet
    /// necessarily queued there).
    Written {
        until: pocnet_core::SimTime,
        to: StateCode,
    },
    /// A delivery task ended: every batch queued at `to`, or the delivery failed.
    Delivered {
        to: StateCode,
        result: Result<Delivery, DeliveryError>,
    },
}

/// Why a node stops: a typed cause (which the coordinator decides on) and what happened.
#[derive(Debug, thiserror::Error)]
#[error("{cause}: {detail}")]
pub struct Failure {
    pub cause: FailureCause,
    pub detail: String,
    /// The coordinator said stop: not a failure, the node exits quietly.
    pub stopped: bool,
}

impl Failure {
    pub fn new(cause: FailureCause, detail: impl Into<String>) -> Failure {
        Failure {
            cause,
            detail: limits::truncated(&detail.into(), 4 * limits::REASON_BYTES_MAX).to_string(),
            stopped: false,
        }
    }

    pub fn setup(detail: impl Into<String>) -> Failure {
        Failure::new(FailureCause::Setup, detail)
    }

    pub fn protocol(detail: impl Into<String>) -> Failure {
        Failure::new(FailureCause::Protocol, detail)
    }

    pub fn stopped() -> Failure {
        Failure { cause: FailureCause::Protocol, detail: "stopped by the coordinator".into(), stopped: true }
    }
}

impl From<JournalError> for Failure {
    /// Another state's journal will not become this one's by restarting: the setup is
    /// unusable. Anything else of the journal's (a full disk) a restart may cure.
    fn from(e: JournalError) -> Failure {
        let cause = match e {
            JournalError::OtherState { .. } => FailureCause::Setup,
            _ => FailureCause::Journal,
        };
        Failure::new(cause, e.to_string())
    }
}

/// Whether the coordinator refused this node because another node for its state is
/// registered and alive.
pub fn is_second_node(e: &FrameError) -> bool {
    closed_with(e, pocnet_core::wire::SECOND_NODE_CODE)
}

/// Whether the stream failed because the peer closed the connection with `code`, whether
/// this side was reading or writing at the time.
fn closed_with(e: &FrameError, code: u32) -> bool {
    let closed = match e {
        FrameError::Read(quinn::ReadError::ConnectionLost(c))
        | FrameError::Write(quinn::WriteError::ConnectionLost(c)) => c,
        _ => return false,
    };
    matches!(closed, quinn::ConnectionError::ApplicationClosed(c) if c.error_code == quinn::VarInt::from_u32(code))
}

/// Queue between the network tasks and the loop.
pub const INPUT_QUEUE_MAX: usize = 1024;
/// Whether a control stream ended because the coordinator stopped the run (read or
/// written when it closed).
pub fn is_stop(e: &FrameError) -> bool {
    closed_with(e, pocnet_core::wire::STOP_CODE)
}
