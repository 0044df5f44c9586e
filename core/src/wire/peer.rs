//! The peer protocol: what one contact point's node sends another, and the answer.
//!
//! A sender opens one bidirectional stream per batch and writes `PeerFrame::Batch`; the
//! receiver answers `Accepted` once every envelope is queued (and journalled), or
//! `Rejected` with a typed reason.

use crate::evidence::{DataClass, MlaResult, Notice};
pub use crate::request::Response;
use crate::request::{Art42, Inject, RequestId, RequestKind};
use crate::state::StateCode;
use crate::time::SimTime;
use serde::{Deserialize, Serialize};

/// One message between contact points, stamped with scenario times.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub from: StateCode,
    pub to: StateCode,
    /// Per-sender sequence number: `(from, seq)` identifies the message for duplicate drops.
    pub seq: u64,
    pub sent_at: SimTime,
    /// `sent_at` + link delay; the receiver handles it at exactly this time.
    pub deliver_at: SimTime,
    pub message: Message,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Message {
    /// Boxed: a request is far larger than every other message.
    Request(Box<Request>),
    /// The receiving node has the request (automatic, at delivery): the requester stops
    /// resending. Not a person's acknowledgement.
    Receipt {
        id: RequestId,
    },
    /// A person at the receiving contact point has seen the request.
    Acknowledgement {
        id: RequestId,
    },
    Response {
        id: RequestId,
        response: Response,
    },
    /// The requester calls the receiver's duty officer about a request not yet answered.
    Escalation {
        id: RequestId,
    },
    /// Early notice (Budapest Art. 29(6)): preservation will not ensure the data's
    /// availability, or would threaten the investigation's confidentiality.
    EarlyNotice {
        id: RequestId,
        notice: Notice,
    },
    /// The requester withdraws the request (after an early notice).
    Withdraw {
        id: RequestId,
    },
    /// Central authority to central authority: the MLA request that follows a preservation.
    MlaRequest {
        id: RequestId,
    },
    /// Central authority to central authority: how the MLA request ended.
    MlaResponse {
        id: RequestId,
        result: MlaResult,
    },
    /// A member to its regional hub: a request that came while the member is not staffed.
    HubForward {
        request: Box<Request>,
        requester: StateCode,
    },
    /// The hub to the member: acknowledged; execute it in your open hours.
    HandBack {
        id: RequestId,
    },
    /// Verification: the receiver calls the requesting desk back (on the register's
    /// number) to confirm it sent request `id`.
    CallBack {
        id: RequestId,
    },
    /// The requesting desk's answer to a call-back: it did send it, or it did not.
    CallBackAnswer {
        id: RequestId,
        sent_it: bool,
    },
    /// The issuing state to a provider's desk (hosted by the provider's home state): a
    /// direct order under an agreement, by the agreement's own system (not the 24/7
    /// network). The provider answers with [`Message::Response`].
    Order {
        request: Box<Request>,
        provider: crate::road::ProviderIndex,
        agreement: crate::road::AgreementIndex,
    },
}

impl Message {
    /// Whether it is addressed by the register's entry (a new request, a call to the duty
    /// officer, a verification call-back), not an answer on a thread already open: only
    /// these reach a stale entry.
    pub fn through_register(&self) -> bool {
        matches!(self, Message::Request(_) | Message::Escalation { .. } | Message::CallBack { .. })
    }

    /// Whether it travels by a channel of its own (between central authorities for MLA, an
    /// agreement's system for a direct order), which may add its own delay to the link's,
    /// untouched by the 24/7 network's faults.
    pub fn is_by_channel(&self) -> bool {
        matches!(self, Message::MlaRequest { .. } | Message::MlaResponse { .. } | Message::Order { .. })
    }
}

/// A request as sent by the requesting contact point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub id: RequestId,
    pub kind: RequestKind,
    pub language: String,
    /// When the investigators needed it (the inject time): latencies count from here.
    pub scheduled: SimTime,
    pub details: Art42,
    /// When the provider deletes the data, whatever its class (a per-inject override).
    pub evidence_deleted_at: Option<SimTime>,
    /// States still to be revealed along the chain after this link (Art. 43).
    pub chain: Vec<StateCode>,
    /// The classes of data asked for; the holding state's retention of each, from
    /// `data_created_at`, gives its deletion time.
    pub data: Vec<DataClass>,
    /// When the data was created (the case's start minus the data's age).
    pub data_created_at: Option<SimTime>,
    /// A forgery over the genuine channel (the scenario knows; the receiver does not).
    pub forged: bool,
}

impl Request {
    /// The one constructor: the request an inject sends (its first link). Each field is the
    /// inject's; the inject's own defaults are [`Inject::new`]'s. The encoding is the
    /// struct's, untouched.
    pub fn of(inject: Inject) -> Request {
        Request {
            id: inject.id,
            kind: inject.kind,
            language: inject.language,
            scheduled: inject.at,
            details: inject.details,
            evidence_deleted_at: inject.evidence_deleted_at,
            chain: inject.chain,
            data: inject.data,
            data_created_at: inject.data_created_at,
            forged: inject.forged,
        }
    }
}

/// Frames on a node-to-node stream: the sender writes `Batch`, the receiver answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum PeerFrame {
    Batch {
        from: StateCode,
        envelopes: Vec<Envelope>,
    },
    /// Every envelope of the batch is queued at the receiver.
    Accepted {
        count: u32,
    },
    /// The receiver refused the batch, for this reason (some say: send again later).
    Rejected {
        reason: Rejection,
    },
}

/// Why a receiver refused a batch. Typed: senders decide on it (back off or give up),
/// transport reports count it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Rejection {
    /// More batches a second than the receiver takes from one peer: send again after this.
    RateLimited { retry_after_ms: u32 },
    /// The receiver's inbox is full: send again after this.
    InboxFull { retry_after_ms: u32 },
    /// More envelopes (or bytes) in one batch than a batch may hold.
    TooLarge { envelopes: u32 },
    /// An envelope claims a sender other than the state the certificate names.
    WrongSender { claimed: StateCode, certified: StateCode },
    /// An envelope is for another contact point.
    WrongReceiver { to: StateCode },
    /// An envelope breaks the virtual clock: due before the receiver's horizon, or with a
    /// delay other than the network model's.
    OutOfTime,
    /// The frame could not be read (truncated, too large, malformed, another version).
    BadFrame,
    /// The frame was not a batch.
    UnexpectedFrame,
    /// The stream stalled mid-frame.
    Timeout,
    /// An envelope carries more than a request may (text, chain links) or names a state
    /// outside the register.
    BadContent,
}

impl Rejection {
    /// The reason's name, without its details.
    pub fn name(&self) -> &'static str {
        match self {
            Rejection::RateLimited { .. } => "rate_limited",
            Rejection::InboxFull { .. } => "inbox_full",
            Rejection::TooLarge { .. } => "too_large",
            Rejection::WrongSender { .. } => "wrong_sender",
            Rejection::WrongReceiver { .. } => "wrong_receiver",
            Rejection::OutOfTime => "out_of_time",
            Rejection::BadFrame => "bad_frame",
            Rejection::UnexpectedFrame => "unexpected_frame",
            Rejection::Timeout => "timeout",
            Rejection::BadContent => "bad_content",
        }
    }

    /// Whether the sender should send the same batch again, and after how long.
    pub fn retry_after_ms(&self) -> Option<u32> {
        match self {
            Rejection::RateLimited { retry_after_ms } | Rejection::InboxFull { retry_after_ms } => {
                Some(*retry_after_ms)
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::RateLimited { retry_after_ms } => write!(f, "rate limited (retry after {retry_after_ms} ms)"),
            Rejection::InboxFull { retry_after_ms } => write!(f, "inbox full (retry after {retry_after_ms} ms)"),
            Rejection::TooLarge { envelopes } => write!(f, "batch of {envelopes} envelopes exceeds the batch limits"),
            Rejection::WrongSender { claimed, certified } => {
                write!(f, "envelope claims to come from {claimed}, the certificate names {certified}")
            }
            Rejection::WrongReceiver { to } => write!(f, "envelope for {to}"),
            Rejection::OutOfTime => f.write_str("envelope outside the virtual clock's window"),
            Rejection::BadFrame => f.write_str("unreadable frame"),
            Rejection::UnexpectedFrame => f.write_str("not a batch"),
            Rejection::Timeout => f.write_str("stream stalled mid-frame"),
            Rejection::BadContent => f.write_str("envelope beyond the limits or naming a state outside the register"),
        }
    }
}

impl Envelope {
    /// Whether everything this envelope carries is within the limits a request may carry,
    /// and every state it names is one of the run (`known`). A receiver checks this
    /// before its core sees the envelope: a peer with a genuine certificate can still send
    /// anything.
    pub fn check(&self, known: impl Fn(StateCode) -> bool) -> Result<(), Rejection> {
        use crate::limits::{CHAIN_LINKS_MAX, DATA_CLASSES_MAX, LANGUAGE_BYTES_MAX, TEXT_FIELD_BYTES_MAX};
        let ok = match &self.message {
            Message::Request(r) | Message::Order { request: r, .. } => {
                r.chain.len() <= CHAIN_LINKS_MAX
                    && r.data.len() <= DATA_CLASSES_MAX
                    && r.chain.iter().all(|s| known(*s))
                    && r.language.len() <= LANGUAGE_BYTES_MAX
                    && r.details.within_limits()
            }
            Message::Response { response: Response::Fulfilled { reveals, lost }, .. } => {
                reveals.is_none_or(&known) && lost.len() <= DATA_CLASSES_MAX
            }
            Message::Response { response: Response::Refused { ground }, .. } => ground.len() <= TEXT_FIELD_BYTES_MAX,
            Message::EarlyNotice { notice: Notice::WillNotEnsureAvailability { gone }, .. } => {
                gone.len() <= DATA_CLASSES_MAX
            }
            Message::MlaResponse { result: MlaResult::Refused { ground }, .. } => ground.len() <= TEXT_FIELD_BYTES_MAX,
            Message::MlaResponse { result: MlaResult::Disclosed { lost }, .. } => lost.len() <= DATA_CLASSES_MAX,
            Message::HubForward { request: r, requester } => {
                known(*requester)
                    && r.chain.len() <= CHAIN_LINKS_MAX
                    && r.data.len() <= DATA_CLASSES_MAX
                    && r.chain.iter().all(|s| known(*s))
                    && r.language.len() <= LANGUAGE_BYTES_MAX
                    && r.details.within_limits()
            }
            Message::Receipt { .. }
            | Message::HandBack { .. }
            | Message::Acknowledgement { .. }
            | Message::Escalation { .. }
            | Message::EarlyNotice { .. }
            | Message::Withdraw { .. }
            | Message::MlaRequest { .. }
            | Message::MlaResponse { .. }
            | Message::CallBack { .. }
            | Message::CallBackAnswer { .. } => true,
            Message::Response { .. } => true,
        };
        if ok && known(self.from) && known(self.to) {
            Ok(())
        } else {
            Err(Rejection::BadContent)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Request;
    use crate::evidence::DataClass;
    use crate::request::{Art42, Inject, RequestId, RequestKind};
    use crate::state::StateCode;
    use crate::time::SimTime;

    fn code(s: &str) -> StateCode {
        StateCode::parse(s).expect("code")
    }

    #[test]
    fn an_inject_left_to_its_defaults_says_who_asks_whom_and_nothing_more() {
        let (fra, vnm) = (code("FRA"), code("VNM"));
        let inject = Inject::new(SimTime(7), fra, vnm, RequestKind::Preservation);
        assert_eq!(inject.id, RequestId { case: 0, link: 0 });
        assert_eq!(inject.language, "en");
        assert_eq!(inject.details.authority, "FRA 24/7 point of contact");
        assert_eq!(inject.details.custodian, "a service provider in VNM");
        assert!(inject.details.mla_to_follow && inject.details.confidential);
        assert!(inject.chain.is_empty() && inject.data.is_empty() && !inject.forged);
        assert_eq!((inject.evidence_deleted_at, inject.data_created_at), (None, None));
        assert_eq!(inject.details, Art42::new(fra, vnm));
    }

    #[test]
    fn the_request_an_inject_sends_carries_every_field_of_it() {
        let inject = Inject {
            id: RequestId { case: 3, link: 0 },
            language: "fr".into(),
            evidence_deleted_at: Some(SimTime(9)),
            chain: vec![code("BRA")],
            data: vec![DataClass::Traffic],
            data_created_at: Some(SimTime(1)),
            forged: true,
            ..Inject::new(SimTime(5), code("FRA"), code("VNM"), RequestKind::TrafficDisclosure)
        };
        let request = Request::of(inject.clone());
        let back = Inject {
            id: request.id,
            at: request.scheduled,
            kind: request.kind,
            language: request.language,
            details: request.details,
            evidence_deleted_at: request.evidence_deleted_at,
            chain: request.chain,
            data: request.data,
            data_created_at: request.data_created_at,
            forged: request.forged,
            ..inject.clone()
        };
        assert_eq!(back, inject);
    }
}
