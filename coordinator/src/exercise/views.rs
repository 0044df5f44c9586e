//! Requests as the people in an exercise read them, from the events so far, through the
//! ledger's one reading of a request's life ([`crate::ledger::life`]).

use crate::ledger::life::{self, Execution, Life, Stage};
use pocnet_core::event::EventKind;
use pocnet_core::time::format_duration_ms;
use pocnet_core::{Art42, Event, Inject, MlaResult, RequestId, RequestKind, Response, SimTime, StateCode};
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
    pub stage: Stage,
}

impl RequestView {
    /// The receiver's step as a person reads it.
    pub fn status(&self) -> &'static str {
        self.stage.as_str()
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
        EventKind::Expired { to, waited_ms } => {
            format!("expired: no final response from {to} within {}", format_duration_ms(*waited_ms))
        }
        EventKind::LateResponse { response } => format!("late response: {}", response_name(response)),
        EventKind::Resent { attempt, via: None } => format!("resent (attempt {attempt})"),
        EventKind::Resent { attempt, via: Some(channel) } => {
            format!("resent by fallback channel {channel} (attempt {attempt})")
        }
        EventKind::Undeliverable { to, attempts } => {
            format!("undeliverable: no delivery receipt from {to} after {attempts} attempts")
        }
        EventKind::Escalated => "escalated to the duty officer".into(),
        EventKind::EscalationReceived => "escalation received: the requester called".into(),
        EventKind::Translation { ms } => format!("translation asked for, ready in {}", format_duration_ms(*ms)),
        EventKind::EvidenceGone => "executed, but the provider had deleted the data".into(),
        EventKind::Lost { to, reason } => format!("a message to {to} was lost ({reason})"),
        EventKind::Unfinished { to, ended_at } => {
            format!("unfinished: still open at {to} when the exercise ended at {ended_at}")
        }
        EventKind::ActionRejected { action, reason } => format!("could not {action}: {reason}"),
        EventKind::NoticeGiven { notice } => format!("early notice given: {notice}"),
        EventKind::NoticeReceived { notice } => format!("early notice received: {notice}"),
        EventKind::Withdrawn { to, notice } => format!("withdrawn from {to} on its notice: {notice}"),
        EventKind::WithdrawalReceived => "the requester withdrew it".into(),
        EventKind::HoldStarted { until } => format!("preservation hold until {until}"),
        EventKind::HoldLapsed => "the hold lapsed: no MLA request came".into(),
        EventKind::DisclosedDirectly => "usable as disclosed: no MLA request needed".into(),
        EventKind::MlaNotPursued { to } => format!("no MLA request to {to} follows"),
        EventKind::MlaDrafted => "MLA request drafted".into(),
        EventKind::MlaTranslated => "MLA request translated".into(),
        EventKind::MlaSent { to } => format!("MLA request sent to {to}'s central authority"),
        EventKind::MlaReceived { hold_until, in_time } => {
            let when = if *in_time { "before" } else { "after" };
            format!("MLA request received, {when} the hold's end at {hold_until}")
        }
        EventKind::MlaExecuted { result } => format!("MLA request decided: {}", mla_result_name(result)),
        EventKind::MlaAnswered { result } => format!("MLA answer received: {}", mla_result_name(result)),
        EventKind::Queued { desk, task } => format!("waiting at the {desk} to {}", task.as_str()),
        EventKind::WorkStarted { desk, task } => format!("an officer of the {desk} starts to {}", task.as_str()),
        EventKind::WorkDone { desk, task } => format!("the {desk} is done: {}", task.as_str()),
        EventKind::HandedToHub { hub } => format!("handed to the regional hub {hub} (the desk is not staffed)"),
        EventKind::HubReceived { member } => format!("taken by the hub for {member}"),
        EventKind::HandedBack { member } => format!("acknowledged by the hub, handed back to {member} to execute"),
        EventKind::HandBackReceived => "handed back by the hub: to execute here".into(),
        EventKind::VerificationStarted { how } => format!("verifying the requesting authority ({})", how.as_str()),
        EventKind::VerificationPassed => "verified: the requesting authority is confirmed".into(),
        EventKind::VerificationFailed => "refused: the requesting authority could not be verified".into(),
        EventKind::CallBackAnswered { sent_it: true } => "call-back answered: yes, we sent it".into(),
        EventKind::CallBackAnswered { sent_it: false } => "call-back answered: we never sent it".into(),
        EventKind::OrderSent { provider, .. } => format!("sent as a direct order to provider #{provider}"),
        EventKind::OrderReceived { from, mode, deadline_at, .. } => {
            format!("direct order from {from} at the provider's desk (desk {mode}), due by {deadline_at}")
        }
        EventKind::ReviewStarted { until } => format!("under review by the provider's state until {until}"),
        EventKind::HeldForReview => "produced; held until the review ends".into(),
        EventKind::OrderAnswered { response } => format!("provider answered: {}", response_name(response)),
    }
}

fn mla_result_name(r: &MlaResult) -> String {
    match r {
        MlaResult::Disclosed { lost } if lost.is_empty() => "disclosed".into(),
        MlaResult::Disclosed { lost } => {
            let lost: Vec<&str> = lost.iter().map(|c| c.as_str()).collect();
            format!("disclosed, partly ({} already gone)", lost.join(", "))
        }
        MlaResult::Refused { ground } => format!("refused: {ground}"),
        MlaResult::HoldLapsed => "too late: the hold had lapsed and the data was deleted".into(),
    }
}

fn response_name(r: &Response) -> String {
    match r {
        Response::Fulfilled { reveals, lost } => {
            let mut text = "fulfilled".to_string();
            if !lost.is_empty() {
                let lost: Vec<&str> = lost.iter().map(|c| c.as_str()).collect();
                text.push_str(&format!(", partly ({} already gone)", lost.join(", ")));
            }
            if let Some(next) = reveals {
                text.push_str(&format!("; reveals a provider in {next}"));
            }
            text
        }
        Response::Refused { ground } => format!("refused: {ground}"),
        Response::TooLate => "too late: the data was deleted".into(),
        Response::Forwarded => "handed to the central authority".into(),
        Response::Unverified => "refused: the requesting authority could not be verified".into(),
    }
}

fn execution_name(how: &Execution) -> String {
    match how {
        Execution::Fulfilled => describe(&EventKind::Fulfilled),
        Execution::Refused { ground } => describe(&EventKind::Refused { ground: ground.clone() }),
        Execution::EvidenceGone => describe(&EventKind::EvidenceGone),
        Execution::Unverified => describe(&EventKind::VerificationFailed),
    }
}

/// Every request the events mention, by id.
pub fn requests(events: &[Event], injects: &BTreeMap<u32, Inject>) -> BTreeMap<RequestId, RequestView> {
    let mut views: BTreeMap<RequestId, RequestView> = BTreeMap::new();
    for (id, events) in life::by_request(events) {
        let Some(sender) = events.iter().find(|e| matches!(e.kind, EventKind::Sent { .. })).map(|e| e.state) else {
            continue;
        };
        let life = Life::of(sender, &events);
        let Some(d) = life.departure else { continue };
        let inject = injects.get(&id.case);
        // A chain link's custodian is the provider the previous link's traffic data
        // revealed: worded as the core words it in the request itself.
        let previous = id.link.checked_sub(1).and_then(|l| views.get(&RequestId { case: id.case, link: l }));
        let details = inject.map(|i| {
            let mut d_ = i.details.clone();
            if let Some(p) = previous {
                d_.custodian = pocnet_core::request::revealed_custodian(d.to, p.to);
            }
            d_
        });
        let finals = life.finals();
        let view = RequestView {
            id,
            from: d.from,
            to: d.to,
            kind: d.kind,
            language: inject.map(|i| i.language.clone()).unwrap_or_else(|| "en".into()),
            details,
            scheduled: d.scheduled,
            evidence_deleted_at: inject.and_then(|i| i.evidence_deleted_at),
            delivered: life.delivered().map(|(t, _)| t),
            acknowledged: life.acknowledged().map(|(t, _)| t),
            translation_ready: life.translation().map(|(t, ms)| t.plus_ms(ms)),
            forwarded: life.forwarded(),
            executed: life.executed().map(|(t, how)| (t, execution_name(&how))),
            outcome: finals.first().map(|e| (e.at, describe(&e.kind))),
            escalations: life.escalations_received(),
            history: events.iter().map(|e| (e.at, e.state, describe(&e.kind))).collect(),
            stage: life.stage(),
        };
        views.insert(id, view);
    }
    views
}
