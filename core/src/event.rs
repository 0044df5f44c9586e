//! What a contact point reports happened, for measurement. Reports are built from these alone.

use crate::network::LossReason;
use crate::operator::{ActionName, ActionRefusal};
use crate::request::Response;
use crate::request::{RequestId, RequestKind};
use crate::roster::Mode;
use crate::state::StateCode;
use crate::time::SimTime;
use serde::{Deserialize, Serialize};

/// One thing that happened at one contact point, at one scenario time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub at: SimTime,
    /// The contact point where it happened.
    pub state: StateCode,
    pub id: RequestId,
    pub kind: EventKind,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum EventKind {
    /// Requester: the request left (scheduled is the inject time).
    Sent { to: StateCode, kind: RequestKind, scheduled: SimTime },
    /// Receiver: the request arrived, in this roster mode.
    Delivered { from: StateCode, mode: Mode },
    /// Receiver: a person acknowledged it, in this roster mode.
    Acknowledged { mode: Mode },
    /// Receiver: handed to the central authority.
    Forwarded,
    /// Receiver: executed.
    Fulfilled,
    /// Receiver: refused, on this ground.
    Refused { ground: String },
    /// Requester: the acknowledgement came back.
    AcknowledgementReceived,
    /// Requester: an acknowledgement came after it had given up (outside the figures).
    LateAcknowledgement,
    /// Requester: a response came back (final unless `Forwarded`).
    ResponseReceived { response: Response },
    /// Requester: gave up waiting for a final response from `to`, after `waited_ms`.
    Expired { to: StateCode, waited_ms: u64 },
    /// Requester: a final response came after it had given up (the outcome stays expired).
    LateResponse { response: Response },
    /// Requester: no acknowledgement yet, so the request went again (attempt 2, 3...).
    Resent { attempt: u32 },
    /// Requester: no delivery receipt from `to` after `attempts` sends.
    Undeliverable { to: StateCode, attempts: u32 },
    /// Requester: called the receiver's duty officer.
    Escalated,
    /// Receiver: an escalation came in.
    EscalationReceived,
    /// Receiver: the request is in a language it does not accept; translation takes `ms`.
    Translation { ms: u64 },
    /// Receiver: executed after the provider had deleted the data.
    EvidenceGone,
    /// Either side: an envelope about this request never arrived (modelled network fault).
    Lost { to: StateCode, reason: LossReason },
    /// Requester: the exercise ended (at `ended_at`) with this request still open at `to`.
    Unfinished { to: StateCode, ended_at: SimTime },
    /// Receiver (played by a person): an action that could not be taken, and why.
    ActionRejected { action: ActionName, reason: ActionRefusal },
}

impl EventKind {
    /// Whether this ends a request at its requester (the request has an outcome).
    pub fn is_final_at_requester(&self) -> bool {
        matches!(
            self,
            EventKind::Expired { .. }
                | EventKind::Undeliverable { .. }
                | EventKind::Unfinished { .. }
                | EventKind::ResponseReceived {
                    response: Response::Fulfilled { .. } | Response::Refused { .. } | Response::TooLate
                }
        )
    }
}
