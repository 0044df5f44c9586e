//! One request's life as its events tell it, at the requester and at the receiver: the one
//! reading of the events that the ledger (after the run) and the exercise console (while
//! it runs) both use.

use pocnet_core::event::EventKind;
use pocnet_core::road::{AgreementIndex, ProviderIndex};
use pocnet_core::{DeskName, Event, Mode, Notice, RequestId, RequestKind, Response, SimTime, StateCode, Task};

/// What the receiver's execution gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Execution {
    Fulfilled,
    Refused {
        ground: String,
    },
    /// Executed after the provider had deleted the data.
    EvidenceGone,
    /// Refused: the requesting authority could not be verified.
    Unverified,
}

/// A receiver's verification of a request: how, when it started, and when and how it
/// ended (`true`: verified).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verification {
    pub how: pocnet_core::profile::VerifyHow,
    pub started: SimTime,
    pub ended: Option<(SimTime, bool)>,
}

/// Where a request stands for the receiving desk, as a person reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    InTransit,
    New,
    Acknowledged,
    WithCentralAuthority,
    Fulfilled,
    Refused,
    EvidenceGone,
    /// The requester's outcome came without an execution (expired, undeliverable,
    /// unfinished).
    Closed,
}

impl Stage {
    pub fn as_str(&self) -> &'static str {
        match self {
            Stage::InTransit => "in transit",
            Stage::New => "new",
            Stage::Acknowledged => "acknowledged",
            Stage::WithCentralAuthority => "with central authority",
            Stage::Fulfilled => "fulfilled",
            Stage::Refused => "refused",
            Stage::EvidenceGone => "evidence gone",
            Stage::Closed => "closed",
        }
    }
}

/// The times of an MLA leg's steps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MlaSteps {
    pub drafted: Option<SimTime>,
    pub translated: Option<SimTime>,
    pub sent: Option<SimTime>,
    /// At the requested state's central authority; `in_time`: before the hold lapsed.
    pub arrived: Option<SimTime>,
    pub in_time: Option<bool>,
    pub executed: Option<SimTime>,
    /// The answer back at the requester.
    pub answered: Option<SimTime>,
}

/// A direct order's steps, as they happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderSteps {
    pub provider: ProviderIndex,
    pub agreement: AgreementIndex,
    /// At the provider's desk, in its roster mode then, and the agreement's deadline.
    pub received: Option<(SimTime, Mode, SimTime)>,
    /// When the review by the provider's state ends (orders it reviews).
    pub review_until: Option<SimTime>,
    /// Produced, and held for the review.
    pub held: Option<SimTime>,
    /// The provider answered.
    pub answered: Option<SimTime>,
}

impl OrderSteps {
    /// Answered after the agreement's deadline, or not answered by it (the request ended
    /// at `ended` without an answer).
    pub fn deadline_breached(&self, ended: SimTime) -> bool {
        let Some((_, _, deadline)) = self.received else { return false };
        self.answered.unwrap_or(ended) > deadline
    }

    /// Received while the provider's desk was not staffed (on call or closed).
    pub fn received_unstaffed(&self) -> bool {
        self.received.is_some_and(|(_, mode, _)| mode != Mode::Staffed)
    }
}

/// The request as it left its requester.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Departure {
    pub at: SimTime,
    pub from: StateCode,
    pub to: StateCode,
    pub kind: RequestKind,
    /// When the investigators needed it (the inject time, or the time a chain link was
    /// revealed): every latency counts from here.
    pub scheduled: SimTime,
}

/// The events of one request, split by side.
#[derive(Debug, Default)]
pub struct Life<'e> {
    pub departure: Option<Departure>,
    pub requester: Vec<&'e Event>,
    pub receiver: Vec<&'e Event>,
    /// The direct order it went as, read once from the events ([`Life::order`]).
    order: Option<OrderSteps>,
}

impl<'e> Life<'e> {
    /// The life of request `id` sent by `from`, from every event about it (in time order).
    pub fn of(from: StateCode, events: &[&'e Event]) -> Life<'e> {
        let departure = events.iter().find_map(|e| match e.kind {
            EventKind::Sent { to, kind, scheduled } if e.state == from => {
                Some(Departure { at: e.at, from, to, kind, scheduled })
            }
            _ => None,
        });
        let Some(d) = departure else { return Life::default() };
        // The receiver's side is every other state's: the requested state's, and its
        // regional hub's when the hub took the request.
        let mut life = Life {
            departure,
            requester: events.iter().copied().filter(|e| e.state == d.from).collect(),
            receiver: events.iter().copied().filter(|e| e.state != d.from).collect(),
            order: None,
        };
        life.order = life.read_order();
        life
    }

    fn at_receiver(&self, pred: impl Fn(&EventKind) -> bool) -> Vec<&'e Event> {
        self.receiver.iter().copied().filter(|e| pred(&e.kind)).collect()
    }

    fn at_requester(&self, pred: impl Fn(&EventKind) -> bool) -> Vec<&'e Event> {
        self.requester.iter().copied().filter(|e| pred(&e.kind)).collect()
    }

    pub fn deliveries(&self) -> Vec<&'e Event> {
        self.at_receiver(|k| matches!(k, EventKind::Delivered { .. }))
    }

    pub fn acknowledgements(&self) -> Vec<&'e Event> {
        self.at_receiver(|k| matches!(k, EventKind::Acknowledged { .. }))
    }

    pub fn forwardings(&self) -> Vec<&'e Event> {
        self.at_receiver(|k| matches!(k, EventKind::Forwarded))
    }

    pub fn translations(&self) -> Vec<&'e Event> {
        self.at_receiver(|k| matches!(k, EventKind::Translation { .. }))
    }

    pub fn executions(&self) -> Vec<&'e Event> {
        self.at_receiver(|k| execution(k).is_some())
    }

    /// The requester's final events of the 24/7 step (exactly one when the life is whole).
    /// An exercise's end after a fulfilment ends the evidence step, not this one.
    pub fn finals(&self) -> Vec<&'e Event> {
        let mut fulfilled = false;
        let mut finals = Vec::new();
        for e in self.requester.iter().copied().filter(|e| e.kind.is_final_at_requester()) {
            if fulfilled && matches!(e.kind, EventKind::Unfinished { .. }) {
                continue;
            }
            fulfilled |= matches!(e.kind, EventKind::ResponseReceived { response: Response::Fulfilled { .. } });
            finals.push(e);
        }
        finals
    }

    /// The requester's final events of the evidence step that follows a fulfilment (none
    /// when it is not modelled; exactly one when it is and the life is whole).
    pub fn evidence_finals(&self) -> Vec<&'e Event> {
        let mut fulfilled = false;
        let mut finals = Vec::new();
        for e in &self.requester {
            match &e.kind {
                EventKind::ResponseReceived { response: Response::Fulfilled { .. } } => fulfilled = true,
                EventKind::Unfinished { .. } if fulfilled => finals.push(*e),
                kind if kind.ends_evidence_step() => finals.push(*e),
                _ => {}
            }
        }
        finals
    }

    /// Whether an MLA leg started (drafting, at the requester; a hold, at the receiver).
    pub fn evidence_step_started(&self) -> bool {
        self.requester.iter().any(|e| matches!(e.kind, EventKind::MlaDrafted | EventKind::MlaSent { .. }))
    }

    /// The direct order it went as, if it did.
    pub fn order(&self) -> Option<OrderSteps> {
        self.order
    }

    fn read_order(&self) -> Option<OrderSteps> {
        let (provider, agreement) = self.requester.iter().find_map(|e| match e.kind {
            EventKind::OrderSent { provider, agreement } => Some((provider, agreement)),
            _ => None,
        })?;
        let at_provider = |pred: fn(&EventKind) -> bool| self.receiver.iter().find(|e| pred(&e.kind)).map(|e| e.at);
        Some(OrderSteps {
            provider,
            agreement,
            received: self.receiver.iter().find_map(|e| match e.kind {
                EventKind::OrderReceived { mode, deadline_at, .. } => Some((e.at, mode, deadline_at)),
                _ => None,
            }),
            review_until: self.receiver.iter().find_map(|e| match e.kind {
                EventKind::ReviewStarted { until } => Some(until),
                _ => None,
            }),
            held: at_provider(|k| *k == EventKind::HeldForReview),
            answered: at_provider(|k| matches!(k, EventKind::OrderAnswered { .. })),
        })
    }

    /// The early notice the receiver gave, if any.
    pub fn notice(&self) -> Option<(SimTime, Notice)> {
        self.receiver.iter().find_map(|e| match &e.kind {
            EventKind::NoticeGiven { notice } => Some((e.at, notice.clone())),
            _ => None,
        })
    }

    /// The preservation hold: until when it ran (renewals included).
    pub fn hold_until(&self) -> Option<SimTime> {
        self.receiver.iter().find_map(|e| match e.kind {
            EventKind::HoldStarted { until } => Some(until),
            _ => None,
        })
    }

    /// The regional hub the request was handed to, if any.
    pub fn hub(&self) -> Option<StateCode> {
        self.receiver.iter().find_map(|e| match e.kind {
            EventKind::HandedToHub { hub } => Some(hub),
            _ => None,
        })
    }

    /// Whether the hub handed it back to the requested state to execute.
    pub fn handed_back(&self) -> bool {
        self.receiver.iter().any(|e| matches!(e.kind, EventKind::HandedBack { .. }))
    }

    /// The MLA leg's steps, as they happened.
    pub fn mla(&self) -> MlaSteps {
        let at_requester = |pred: fn(&EventKind) -> bool| self.requester.iter().find(|e| pred(&e.kind)).map(|e| e.at);
        let received = self.receiver.iter().find_map(|e| match e.kind {
            EventKind::MlaReceived { in_time, .. } => Some((e.at, in_time)),
            _ => None,
        });
        let executed = self.receiver.iter().find_map(|e| match &e.kind {
            EventKind::MlaExecuted { result } => Some((e.at, result.clone())),
            _ => None,
        });
        MlaSteps {
            drafted: at_requester(|k| *k == EventKind::MlaDrafted),
            translated: at_requester(|k| *k == EventKind::MlaTranslated),
            sent: at_requester(|k| matches!(k, EventKind::MlaSent { .. })),
            arrived: received.map(|(t, _)| t),
            in_time: received.map(|(_, in_time)| in_time),
            executed: executed.as_ref().map(|(t, _)| *t),
            answered: at_requester(|k| matches!(k, EventKind::MlaAnswered { .. })),
        }
    }

    pub fn delivered(&self) -> Option<(SimTime, Mode)> {
        self.deliveries().first().and_then(|e| match e.kind {
            EventKind::Delivered { mode, .. } => Some((e.at, mode)),
            _ => None,
        })
    }

    pub fn acknowledged(&self) -> Option<(SimTime, Mode)> {
        self.acknowledgements().first().and_then(|e| match e.kind {
            EventKind::Acknowledged { mode } => Some((e.at, mode)),
            _ => None,
        })
    }

    /// When the translation was asked for, and how long it takes (with translators
    /// counted: from the acknowledgement until a translator was done, waiting included).
    pub fn translation(&self) -> Option<(SimTime, u64)> {
        let drawn = self.translations().first().and_then(|e| match e.kind {
            EventKind::Translation { ms } => Some((e.at, ms)),
            _ => None,
        });
        drawn.or_else(|| {
            let done = self.at_receiver(|k| {
                matches!(k, EventKind::WorkDone { desk: DeskName::Translation, task: Task::Translate })
            });
            let (asked, _) = self.acknowledged()?;
            done.first().map(|e| (asked, e.at.since(asked)))
        })
    }

    pub fn forwarded(&self) -> Option<SimTime> {
        self.forwardings().first().map(|e| e.at)
    }

    pub fn executed(&self) -> Option<(SimTime, Execution)> {
        self.executions().iter().find_map(|e| Some((e.at, execution(&e.kind)?)))
    }

    /// When the final response (not the interim `forwarded`) reached the requester.
    pub fn response_received(&self) -> Option<SimTime> {
        self.requester
            .iter()
            .find(|e| matches!(&e.kind, EventKind::ResponseReceived { response } if *response != Response::Forwarded))
            .map(|e| e.at)
    }

    /// When the requester first heard that a person answered: an acknowledgement, or any
    /// response (a response answers for the acknowledgement too). Late ones included.
    pub fn answer_heard(&self) -> Option<SimTime> {
        self.requester
            .iter()
            .find(|e| {
                matches!(
                    e.kind,
                    EventKind::AcknowledgementReceived
                        | EventKind::LateAcknowledgement
                        | EventKind::ResponseReceived { .. }
                        | EventKind::LateResponse { .. }
                )
            })
            .map(|e| e.at)
    }

    /// The receiver's verification: how, when it started, when and how it ended.
    pub fn verification(&self) -> Option<Verification> {
        let (started, how) = self.receiver.iter().find_map(|e| match e.kind {
            EventKind::VerificationStarted { how } => Some((e.at, how)),
            _ => None,
        })?;
        let ended = self.receiver.iter().find_map(|e| match e.kind {
            EventKind::VerificationPassed => Some((e.at, true)),
            EventKind::VerificationFailed => Some((e.at, false)),
            _ => None,
        });
        Some(Verification { how, started, ended })
    }

    /// The first send reached a stale register entry (lost at once, to nobody).
    pub fn first_send_dead(&self) -> bool {
        let Some(d) = self.departure else { return false };
        self.requester.iter().any(|e| {
            e.at == d.at
                && matches!(&e.kind, EventKind::Lost { to, reason: pocnet_core::network::LossReason::StaleRegisterEntry } if *to == d.to)
        })
    }

    /// The fallback channels its resends went by, in order.
    pub fn fallbacks(&self) -> Vec<u8> {
        self.requester
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::Resent { via, .. } => via,
                _ => None,
            })
            .collect()
    }

    pub fn resends(&self) -> usize {
        self.at_requester(|k| matches!(k, EventKind::Resent { .. })).len()
    }

    pub fn escalated(&self) -> bool {
        self.requester.iter().any(|e| e.kind == EventKind::Escalated)
    }

    pub fn escalations_received(&self) -> usize {
        self.at_receiver(|k| *k == EventKind::EscalationReceived).len()
    }

    /// Messages about it the network model lost, either way.
    pub fn lost(&self) -> usize {
        self.requester.iter().chain(&self.receiver).filter(|e| matches!(e.kind, EventKind::Lost { .. })).count()
    }

    pub fn late_acknowledgement(&self) -> bool {
        self.requester.iter().any(|e| e.kind == EventKind::LateAcknowledgement)
    }

    pub fn late_responses(&self) -> usize {
        self.at_requester(|k| matches!(k, EventKind::LateResponse { .. })).len()
    }

    /// The receiver's step as a person reads it.
    pub fn stage(&self) -> Stage {
        if let Some((_, how)) = self.executed() {
            return match how {
                Execution::Fulfilled => Stage::Fulfilled,
                Execution::Refused { .. } | Execution::Unverified => Stage::Refused,
                Execution::EvidenceGone => Stage::EvidenceGone,
            };
        }
        if !self.finals().is_empty() {
            Stage::Closed
        } else if self.forwarded().is_some() {
            Stage::WithCentralAuthority
        } else if self.acknowledged().is_some() {
            Stage::Acknowledged
        } else if self.delivered().is_some() {
            Stage::New
        } else {
            Stage::InTransit
        }
    }

    /// Whether the receiver still has something to do.
    pub fn pending_at_receiver(&self) -> bool {
        self.executed().is_none() && self.finals().is_empty() && self.delivered().is_some()
    }
}

/// Every request the events mention, with its events, in id order.
pub fn by_request(events: &[Event]) -> std::collections::BTreeMap<RequestId, Vec<&Event>> {
    let mut by_id: std::collections::BTreeMap<RequestId, Vec<&Event>> = std::collections::BTreeMap::new();
    for e in events {
        by_id.entry(e.id).or_default().push(e);
    }
    by_id
}

/// The receiver's event that executes a request (fulfils, refuses, finds the data gone),
/// as its execution: the one list [`Life::executions`] and [`Life::executed`] read.
fn execution(kind: &EventKind) -> Option<Execution> {
    match kind {
        EventKind::Fulfilled => Some(Execution::Fulfilled),
        EventKind::Refused { ground } => Some(Execution::Refused { ground: ground.clone() }),
        EventKind::EvidenceGone => Some(Execution::EvidenceGone),
        EventKind::VerificationFailed => Some(Execution::Unverified),
        // A provider's answer to a direct order is its execution.
        EventKind::OrderAnswered { response: Response::Fulfilled { .. } } => Some(Execution::Fulfilled),
        EventKind::OrderAnswered { response: Response::TooLate } => Some(Execution::EvidenceGone),
        EventKind::OrderAnswered { response: Response::Refused { ground } } => {
            Some(Execution::Refused { ground: ground.clone() })
        }
        EventKind::OrderAnswered { response: Response::Unverified } => Some(Execution::Unverified),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::OrderSteps;
    use pocnet_core::{Mode, SimTime};

    #[test]
    fn an_order_breaches_its_deadline_answered_after_it_or_unanswered_when_the_request_ended_after_it() {
        let steps = |answered| OrderSteps {
            provider: 0,
            agreement: 0,
            received: Some((SimTime(0), Mode::Closed, SimTime(100))),
            review_until: None,
            held: None,
            answered,
        };
        assert!(!steps(Some(SimTime(100))).deadline_breached(SimTime(500)), "answered at the deadline");
        assert!(steps(Some(SimTime(101))).deadline_breached(SimTime(101)));
        assert!(!steps(None).deadline_breached(SimTime(100)), "unanswered, ended by the deadline");
        assert!(steps(None).deadline_breached(SimTime(101)), "unanswered past the deadline");
        let never_received = OrderSteps { received: None, ..steps(None) };
        assert!(!never_received.deadline_breached(SimTime(1_000)), "no receipt, no deadline");
        assert!(steps(None).received_unstaffed());
    }
}
