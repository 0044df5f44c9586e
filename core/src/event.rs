//! What a contact point reports happened, for measurement. Reports are built from these alone.

use crate::desk::{DeskName, Task};
use crate::evidence::{MlaResult, Notice};
use crate::network::LossReason;
use crate::operator::{ActionName, ActionRefusal};
use crate::request::Response;
use crate::request::{RequestId, RequestKind};
use crate::road::{AgreementIndex, ProviderIndex};
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
    /// Sent again; `via`: the fallback channel it went by (`None`: the register's entry).
    Resent { attempt: u32, via: Option<u8> },
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
    /// Receiver: early notice given to the requester (Budapest Art. 29(6)).
    NoticeGiven { notice: Notice },
    /// Requester: early notice received.
    NoticeReceived { notice: Notice },
    /// Requester: withdrew the request from `to` on that notice (its 24/7 outcome).
    Withdrawn { to: StateCode, notice: Notice },
    /// Receiver: the requester withdrew the request; no further work on it.
    WithdrawalReceived,
    /// Receiver: executing the preservation started the hold, until `until` (renewals
    /// included) unless an MLA request arrives first.
    HoldStarted { until: SimTime },
    /// Receiver: the hold lapsed with no MLA request: the provider may delete.
    HoldLapsed,
    /// Requester: the data is usable as it is (the 24/7 step, or the provider on a direct
    /// order, disclosed it: no MLA needed).
    DisclosedDirectly,
    /// Requester: the central authority drafts no MLA request for this preservation.
    MlaNotPursued { to: StateCode },
    /// Requester: its central authority finished drafting the MLA request.
    MlaDrafted,
    /// Requester: the MLA request is translated into a language `to` accepts.
    MlaTranslated,
    /// Requester: the MLA request left for `to`'s central authority.
    MlaSent { to: StateCode },
    /// Receiver: the MLA request arrived; the hold ran until `hold_until`.
    MlaReceived { hold_until: SimTime, in_time: bool },
    /// Receiver: its central authority decided the MLA request.
    MlaExecuted { result: MlaResult },
    /// Requester: the answer to the MLA request came back (the evidence outcome).
    MlaAnswered { result: MlaResult },
    /// A desk with counted officers: the work joined its queue.
    Queued { desk: DeskName, task: Task },
    /// An officer started the work.
    WorkStarted { desk: DeskName, task: Task },
    /// The officer finished it.
    WorkDone { desk: DeskName, task: Task },
    /// Member: the request came while its desk is not staffed; handed to its hub.
    HandedToHub { hub: StateCode },
    /// Hub: a member's request came in.
    HubReceived { member: StateCode },
    /// Hub: acknowledged; handed back to the member, which alone can execute it.
    HandedBack { member: StateCode },
    /// Member: the hub handed it back, acknowledged: to execute in its open hours.
    HandBackReceived,
    /// Receiver: verifying the requesting authority before executing.
    VerificationStarted { how: crate::profile::VerifyHow },
    /// Receiver: verified; execution goes on.
    VerificationPassed,
    /// Receiver: not verified (a forgery caught, or a requesting desk that did not send
    /// it): refused, final.
    VerificationFailed,
    /// Requester: a person answered the receiver's call-back (`sent_it`: the desk did
    /// send the request).
    CallBackAnswered { sent_it: bool },
    /// Requester: the request went as a direct order to `provider` under `agreement` (its
    /// `Sent` names the provider's home state).
    OrderSent { provider: ProviderIndex, agreement: AgreementIndex },
    /// Provider's home: the order reached `provider`'s desk, in this roster mode of the
    /// desk; the agreement's deadline for it falls at `deadline_at`.
    OrderReceived { from: StateCode, provider: ProviderIndex, mode: Mode, deadline_at: SimTime },
    /// Provider's home: the order goes to the state's review, which holds the data until
    /// `until`.
    ReviewStarted { until: SimTime },
    /// Provider's home: the data is produced and held until the review ends.
    HeldForReview,
    /// Provider's home: the provider answered the order.
    OrderAnswered { response: Response },
}

impl EventKind {
    /// Whether this ends the 24/7 step of a request at its requester.
    pub fn is_final_at_requester(&self) -> bool {
        matches!(
            self,
            EventKind::Expired { .. }
                | EventKind::Undeliverable { .. }
                | EventKind::Unfinished { .. }
                | EventKind::Withdrawn { .. }
                | EventKind::ResponseReceived {
                    response: Response::Fulfilled { .. }
                        | Response::Refused { .. }
                        | Response::TooLate
                        | Response::Unverified
                }
        )
    }

    /// Whether this ends the evidence step after a successful 24/7 step (the MLA leg, or a
    /// disclosure that needs none). An exercise's end closes an MLA leg as `Unfinished`.
    pub fn ends_evidence_step(&self) -> bool {
        matches!(self, EventKind::DisclosedDirectly | EventKind::MlaNotPursued { .. } | EventKind::MlaAnswered { .. })
    }
}
