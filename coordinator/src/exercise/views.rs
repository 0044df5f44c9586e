//! Requests as the people in an exercise read them, rebuilt from the events alone.

use pocnet_core::event::EventKind;
use pocnet_core::wire::Response;
use pocnet_core::{Art42, Event, Inject, RequestId, RequestKind, SimTime, StateCode};
use std::collections::BTreeMap;

/// Where a request stands, from what both sides reported.
#[derive(Debug, Clone)]
pub struct RequestView {
    pub id: RequestId,
    pub from: StateCode,
    pub to: StateCode,
    pub kind: RequestKind,
    pub language: String,
    pub details: Option<Art42>,
    pub scheduled: SimTime,
    pub evidence_deleted_at: Option<SimTime>,
    pub delivered: Option<SimTime>,
    pub acknowledged: Option<SimTime>,
    pub translation_ready: Option<SimTime>,
    pub forwarded: Option<SimTime>,
    /// When the receiver executed it, and how (fulfilled, refused: ground, evidence gone).
    pub executed: Option<(SimTime, String)>,
    /// The requester's final word: the response, expiry, unfinished...
    pub outcome: Option<(SimTime, String)>,
    pub escalations: usize,
    /// Every event, in order: (time, where, what).
    pub history: Vec<(SimTime, StateCode, String)>,
}

impl RequestView {
    /// The receiver's step as a person reads it.
    pub fn status(&self) -> &'static str {
        if let Some((_, how)) = &self.executed {
            return if how.starts_with("refused") {
                "refused"
            } else if how.starts_with("evidence") {
                "evidence gone"
            } else {
                "fulfilled"
            };
        }
        if self.outcome.is_some() {
            return "closed";
        }
        if self.forwarded.is_some() {
            "with central authority"
        } else if self.acknowledged.is_some() {
            "acknowledged"
        } else if self.delivered.is_some() {
            "new"
        } else {
            "in transit"
        }
    }

    /// Whether the receiver still has something to do.
    pub fn pending_at_receiver(&self) -> bool {
        self.executed.is_none() && self.outcome.is_none() && self.delivered.is_some()
    }
}

/// How a person reads an event.
pub fn describe(kind: &EventKind) -> String {
    match kind {
        EventKind::Sent { to, kind, .. } => format!("sent to {to}: {kind}"),
        EventKind::Delivered { from, mode } => format!("delivered from {from} (desk {mode})"),
        EventKind::Acknowledged { mode } => format!("acknowledged (desk {mode})"),
        EventKind::Forwarded => "handed to the central authority".into(),
        EventKind::Fulfilled => "fulfilled".into(),
        EventKind::Refused { ground } => format!("refused: {ground}"),
        EventKind::AcknowledgementReceived => "acknowledgement received".into(),
        EventKind::LateAcknowledgement => "late acknowledgement: came after the requester gave up".into(),
        EventKind::ResponseReceived { response } => format!("response received: {}", response_name(response)),
        EventKind::Expired { reason } => format!("expired: {reason}"),
        EventKind::LateResponse { response } => format!("late response: {}", response_name(response)),
        EventKind::Resent { attempt } => format!("resent (attempt {attempt})"),
        EventKind::Undeliverable { reason } => format!("undeliverable: {reason}"),
        EventKind::Escalated => "escalated to the duty officer".into(),
        EventKind::EscalationReceived => "escalation received: the requester called".into(),
        EventKind::Translation { ms } => {
            format!("translation asked for, ready in {}", pocnet_core::time::format_duration_ms(*ms))
        }
        EventKind::EvidenceGone => "executed, but the provider had deleted the data".into(),
        EventKind::Lost { to, reason } => format!("a message to {to} was lost ({reason})"),
        EventKind::Unfinished { reason } => format!("unfinished: {reason}"),
        EventKind::ActionRejected { action, reason } => format!("could not {action}: {reason}"),
    }
}

fn response_name(r: &Response) -> String {
    match r {
        Response::Fulfilled { reveals: Some(next) } => format!("fulfilled; reveals a provider in {next}"),
        Response::Fulfilled { reveals: None } => "fulfilled".into(),
        Response::Refused { ground } => format!("refused: {ground}"),
        Response::TooLate => "too late: the data was deleted".into(),
        Response::Forwarded => "handed to the central authority".into(),
    }
}

/// Every request the events mention, by id.
pub fn requests(events: &[Event], injects: &BTreeMap<u32, Inject>) -> BTreeMap<RequestId, RequestView> {
    let mut views: BTreeMap<RequestId, RequestView> = BTreeMap::new();
    for e in events {
        if let EventKind::Sent { to, kind, scheduled } = &e.kind {
            let inject = injects.get(&e.id.case);
            let details = inject.map(|i| {
                let mut d = i.details.clone();
                if e.id.link > 0 {
                    d.custodian =
                        format!("a service provider in {to}, revealed by the traffic data of the previous link");
                }
                d
            });
            views.entry(e.id).or_insert(RequestView {
                id: e.id,
                from: e.state,
                to: *to,
                kind: *kind,
                language: inject.map(|i| i.language.clone()).unwrap_or_else(|| "en".into()),
                details,
                scheduled: *scheduled,
                evidence_deleted_at: inject.and_then(|i| i.evidence_deleted_at),
                delivered: None,
                acknowledged: None,
                translation_ready: None,
                forwarded: None,
                executed: None,
                outcome: None,
                escalations: 0,
                history: Vec::new(),
            });
        }
        let Some(v) = views.get_mut(&e.id) else { continue };
        v.history.push((e.at, e.state, describe(&e.kind)));
        let at_receiver = e.state == v.to;
        match &e.kind {
            EventKind::Delivered { .. } if at_receiver => v.delivered = v.delivered.or(Some(e.at)),
            EventKind::Acknowledged { .. } => v.acknowledged = Some(e.at),
            EventKind::Translation { ms } => v.translation_ready = Some(e.at.plus_ms(*ms)),
            EventKind::Forwarded => v.forwarded = Some(e.at),
            EventKind::Fulfilled | EventKind::Refused { .. } | EventKind::EvidenceGone => {
                v.executed = Some((e.at, describe(&e.kind)))
            }
            EventKind::EscalationReceived => v.escalations += 1,
            k if k.is_final_at_requester() => v.outcome = Some((e.at, describe(k))),
            _ => {}
        }
    }
    views
}
