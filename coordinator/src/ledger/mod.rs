//! The ledger: the one typed record of what happened in a run, built once from the contact
//! points' events, with the accounting check. Every output is a projection of it:
//! `report.json`, `summary.md`, `junit.xml`, `report.html`, the thresholds, the
//! after-action review; the exercise console reads requests through [`life`] as they go.
//!
//! - [`life`]: one request's events read as its steps (delivered, acknowledged, executed...);
//! - [`reason`]: why each request ended as it did, typed, worded once.

pub mod life;
pub mod ping;
pub mod play;
pub mod reason;

use life::{Execution, Life, MlaSteps};
use ping::Ping;
use pocnet_core::event::EventKind;
use pocnet_core::{
    DataClass, DeskName, Event, Inject, MlaResult, Mode, Notice, RequestId, RequestKind, Response, SimTime, StateCode,
    Task,
};
use reason::{DisclosedBy, Executor, Reason};
use std::collections::BTreeMap;

/// How a request (and a case) ended. The first six are the 24/7 step's; with the
/// evidence step modelled, a successful preservation goes on to `Disclosed`, `HoldLapsed`,
/// `MlaRefused` or `MlaNotPursued`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Executed, for a request with no evidence window.
    Fulfilled,
    /// Executed before the provider deleted the data.
    Preserved,
    /// Usable evidence: disclosed on the MLA request, or by the 24/7 step itself.
    Disclosed,
    /// Executed after the provider deleted the data.
    EvidenceLost,
    /// The MLA request came after the hold lapsed and the data was gone.
    HoldLapsed,
    /// The requested state refused the MLA request.
    MlaRefused,
    /// No MLA request followed the preservation.
    MlaNotPursued,
    Refused,
    /// Withdrawn by the requester on an early notice.
    Withdrawn,
    /// The requester gave up waiting.
    Expired,
    /// No delivery receipt after every resend.
    Undeliverable,
    /// Still open (or not yet made) when the exercise ended.
    Unfinished,
}

impl Outcome {
    pub const ALL: [Outcome; 12] = [
        Outcome::Fulfilled,
        Outcome::Preserved,
        Outcome::Disclosed,
        Outcome::EvidenceLost,
        Outcome::HoldLapsed,
        Outcome::MlaRefused,
        Outcome::MlaNotPursued,
        Outcome::Refused,
        Outcome::Withdrawn,
        Outcome::Expired,
        Outcome::Undeliverable,
        Outcome::Unfinished,
    ];

    /// The name in reports and thresholds.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Fulfilled => "fulfilled",
            Outcome::Preserved => "preserved",
            Outcome::Disclosed => "disclosed",
            Outcome::EvidenceLost => "evidence_lost",
            Outcome::HoldLapsed => "hold_lapsed",
            Outcome::MlaRefused => "mla_refused",
            Outcome::MlaNotPursued => "mla_not_pursued",
            Outcome::Refused => "refused",
            Outcome::Withdrawn => "withdrawn",
            Outcome::Expired => "expired",
            Outcome::Undeliverable => "undeliverable",
            Outcome::Unfinished => "unfinished",
        }
    }

    /// The name as people read it (`evidence lost`).
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::EvidenceLost => "evidence lost",
            Outcome::HoldLapsed => "hold lapsed",
            Outcome::MlaRefused => "MLA refused",
            Outcome::MlaNotPursued => "MLA not pursued",
            Outcome::Fulfilled
            | Outcome::Preserved
            | Outcome::Disclosed
            | Outcome::Refused
            | Outcome::Withdrawn
            | Outcome::Expired
            | Outcome::Undeliverable
            | Outcome::Unfinished => self.as_str(),
        }
    }

    /// Executed in time: what the requester wanted (and, with the evidence step, usable).
    pub fn is_success(&self) -> bool {
        match self {
            Outcome::Fulfilled | Outcome::Preserved | Outcome::Disclosed => true,
            Outcome::EvidenceLost
            | Outcome::HoldLapsed
            | Outcome::MlaRefused
            | Outcome::MlaNotPursued
            | Outcome::Refused
            | Outcome::Withdrawn
            | Outcome::Expired
            | Outcome::Undeliverable
            | Outcome::Unfinished => false,
        }
    }

    /// An outcome of the evidence step, after a successful preservation.
    pub fn is_evidence_step(&self) -> bool {
        match self {
            Outcome::Disclosed | Outcome::HoldLapsed | Outcome::MlaRefused | Outcome::MlaNotPursued => true,
            Outcome::Fulfilled
            | Outcome::Preserved
            | Outcome::EvidenceLost
            | Outcome::Refused
            | Outcome::Withdrawn
            | Outcome::Expired
            | Outcome::Undeliverable
            | Outcome::Unfinished => false,
        }
    }
}

/// One request (an inject, or a link of its Art. 43 chain), everything the run says of it:
/// who asked whom for what, and one sub-record per concern (the 24/7 step, the evidence
/// step, the hub, verification and forgery, reachability). A new concern is a new
/// sub-record here and in `report.json`'s [`crate::report::RequestRecord`].
#[derive(Debug, Clone)]
pub struct Request {
    pub id: RequestId,
    pub kind: RequestKind,
    pub from: StateCode,
    pub to: StateCode,
    pub language: String,
    /// When the investigators needed it: every latency counts from here.
    pub scheduled: SimTime,
    /// The 24/7 step: delivery, acknowledgement, execution, the response.
    pub step: Step,
    /// How the request ended, evidence step included.
    pub outcome: Outcome,
    pub reason: Reason,
    pub outcome_at: SimTime,
    /// Exercises: the receiver was played by a person.
    pub receiver_played: bool,
    /// The evidence step: the data's deletion, the hold, the MLA leg.
    pub evidence: EvidenceStep,
    /// The regional hub that took it (the requested desk was not staffed).
    pub hub: Option<HubStep>,
    /// A forgery, and the receiver's verification.
    pub forgery: Forgery,
    /// Whether the register's entry reached the desk, and the fallbacks used.
    pub reach: Reach,
    /// The direct order it went as, instead of the 24/7 step (its `step` then records the
    /// provider's receipt and answer, and no latency of the 24/7 step).
    pub order: Option<life::OrderSteps>,
}

/// The 24/7 step of a request, as the requester and the receiver saw it.
#[derive(Debug, Clone)]
pub struct Step {
    pub delivered: Option<(SimTime, Mode)>,
    pub acknowledged: Option<(SimTime, Mode)>,
    pub translation_ms: Option<u64>,
    pub forwarded: Option<SimTime>,
    /// When the receiver fulfilled, refused or found the data gone.
    pub executed: Option<SimTime>,
    pub response_received: Option<SimTime>,
    pub resends: u32,
    pub escalated: bool,
    pub lost_messages: usize,
    /// The receiving contact point had it before its outcome.
    pub reached_desk: bool,
    /// An acknowledgement or execution after the requester had given up.
    pub late_answer: Option<SimTime>,
    /// The acknowledgement and the fulfilment that count (before the outcome).
    pub acknowledged_in_time: Option<SimTime>,
    pub fulfilled_in_time: Option<SimTime>,
    pub executed_in_time: bool,
    /// When the receiver fulfilled it, whether or not the requester heard in time: what a
    /// forger has once it is executed.
    pub fulfilled_at: Option<SimTime>,
    /// The state this link's traffic data revealed (Art. 43), if any.
    pub revealed: Option<StateCode>,
    /// The requested state's early notice (Budapest Art. 29(6)), when it gave one.
    pub notice: Option<(SimTime, Notice)>,
    /// How the 24/7 step ended, and when (the latency figures count answers before this).
    pub outcome: Outcome,
    pub at: SimTime,
}

/// The evidence step of a request: when the data goes, what was already gone, the hold and
/// the MLA leg.
#[derive(Debug, Clone)]
pub struct EvidenceStep {
    /// When the provider deletes the data (the inject's override), if it says.
    pub deleted_at: Option<SimTime>,
    /// Classes of data already gone when the preservation was executed (partial).
    pub lost_at_preservation: Vec<DataClass>,
    /// The preservation hold ran until then (with the evidence step modelled).
    pub hold_until: Option<SimTime>,
    pub mla: MlaSteps,
    /// When the requester had usable evidence.
    pub at: Option<SimTime>,
}

/// A regional hub took the request: which, and whether it handed it back to execute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HubStep {
    pub by: StateCode,
    pub handed_back: bool,
}

/// Forgery and verification.
#[derive(Debug, Clone)]
pub struct Forgery {
    /// A forgery over the genuine channel (its inject's).
    pub forged: bool,
    /// The receiver's verification: how, when it started, and when and how it ended
    /// (`true`: verified).
    pub verification: Option<life::Verification>,
}

/// Reachability through the register.
#[derive(Debug, Clone)]
pub struct Reach {
    /// Its first send reached a stale register entry.
    pub dead_entry: bool,
    /// The fallback channels its resends went by (indices of `network.fallbacks`).
    pub fallbacks: Vec<u8>,
}

impl Request {
    pub fn time_to_acknowledge_ms(&self) -> Option<u64> {
        self.step.acknowledged_in_time.map(|t| t.since(self.scheduled))
    }

    pub fn time_to_fulfil_ms(&self) -> Option<u64> {
        self.step.fulfilled_in_time.map(|t| t.since(self.scheduled))
    }

    pub fn time_to_outcome_ms(&self) -> u64 {
        self.outcome_at.since(self.scheduled)
    }

    /// From the scheduled time to usable evidence.
    pub fn time_to_evidence_ms(&self) -> Option<u64> {
        self.evidence.at.map(|t| t.since(self.scheduled))
    }

    /// Hold expiry minus the MLA request's arrival: the margin left (negative: too late).
    pub fn hold_margin_ms(&self) -> Option<i64> {
        Some(self.evidence.hold_until?.0 - self.evidence.mla.arrived?.0)
    }

    /// It went by the 24/7 step, not as a direct order to a provider: the 24/7 step's
    /// figures (acknowledgement, fulfilment, their SLA and thresholds) count it.
    pub fn by_24_7_step(&self) -> bool {
        self.order.is_none()
    }

    /// Answered by a person (acknowledged) or executed, before the outcome.
    pub fn answered(&self) -> bool {
        self.step.acknowledged_in_time.is_some() || self.step.executed_in_time
    }
}

/// One inject and the chain of requests it led to.
#[derive(Debug, Clone)]
pub struct Case {
    pub id: RequestId,
    pub from: StateCode,
    /// The requested state of each link, in order.
    pub path: Vec<StateCode>,
    pub kind: RequestKind,
    pub scheduled: SimTime,
    pub outcome: Outcome,
    pub reason: Reason,
    pub outcome_at: SimTime,
    /// Where the time to usable evidence went (disclosed cases).
    pub time_went: Option<TimeWent>,
    /// A forgery over the genuine channel.
    pub forged: bool,
}

impl Case {
    pub fn end_to_end_ms(&self) -> u64 {
        self.outcome_at.since(self.scheduled)
    }

    /// From the scheduled time to usable evidence (disclosed cases).
    pub fn time_to_evidence_ms(&self) -> Option<u64> {
        (self.outcome == Outcome::Disclosed).then(|| self.end_to_end_ms())
    }

    /// A preserved case an MLA request was to follow (whatever became of it).
    pub fn had_mla_leg(&self) -> bool {
        match &self.reason {
            Reason::Disclosed { by, .. } => *by == DisclosedBy::Mla,
            Reason::HoldLapsed { .. }
            | Reason::MlaRefused { .. }
            | Reason::MlaNotPursued { .. }
            | Reason::MlaUnfinished { .. } => true,
            Reason::Executed { .. }
            | Reason::TooLate { .. }
            | Reason::Refused { .. }
            | Reason::Unverified { .. }
            | Reason::Expired { .. }
            | Reason::Undeliverable { .. }
            | Reason::Unfinished { .. }
            | Reason::NotMade { .. }
            | Reason::Withdrawn { .. } => false,
        }
    }
}

/// Where a case's time went on its way to usable evidence, in milliseconds: the 24/7 step
/// (all links), and the last MLA leg's drafting, translation, transmission (both ways) and
/// the requested central authority's backlog and work. They add up to the whole time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeWent {
    pub step: u64,
    pub drafting: u64,
    pub translation: u64,
    pub transmission: u64,
    pub execution: u64,
}

impl TimeWent {
    pub const STAGES: [&'static str; 5] = ["24/7 step", "drafting", "translation", "transmission", "execution"];

    pub fn stages(&self) -> [u64; 5] {
        [self.step, self.drafting, self.translation, self.transmission, self.execution]
    }

    pub fn total(&self) -> u64 {
        self.stages().iter().sum()
    }

    /// The time of a disclosed link from its case's scheduled time.
    fn of(scheduled: SimTime, r: &Request) -> Option<TimeWent> {
        let evidence = r.evidence.at?;
        let m = &r.evidence.mla;
        let Some(sent) = m.sent else {
            // Disclosed by the 24/7 step: all of it was the 24/7 step.
            return Some(TimeWent { step: evidence.since(scheduled), ..TimeWent::default() });
        };
        let step_end = r.step.response_received.unwrap_or(r.step.at);
        let drafted = m.drafted.unwrap_or(sent);
        let translated = m.translated.unwrap_or(drafted);
        let arrived = m.arrived.unwrap_or(sent);
        let executed = m.executed.unwrap_or(arrived);
        Some(TimeWent {
            step: step_end.since(scheduled),
            drafting: drafted.since(step_end),
            translation: translated.since(drafted),
            transmission: arrived.since(sent) + evidence.since(executed),
            execution: executed.since(arrived),
        })
    }
}

/// Counts over the whole run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// Injects that are cases (pings not included).
    pub injects: usize,
    /// A communication check's pings.
    pub pings: usize,
    /// Cases by outcome.
    pub cases: BTreeMap<Outcome, usize>,
    /// Requests sent, chain links included.
    pub requests: usize,
    /// Final responses that came after the requester gave up.
    pub late_responses: usize,
    pub reached_not_answered: usize,
    pub never_reached: usize,
    /// Envelopes the network model lost, by reason (as people read it).
    pub lost_messages: BTreeMap<String, usize>,
}

impl Totals {
    pub fn cases_of(&self, outcome: Outcome) -> usize {
        self.cases.get(&outcome).copied().unwrap_or(0)
    }
}

/// A person's action the console could not take (exercises).
#[derive(Debug, Clone)]
pub struct RefusedAction {
    pub at: SimTime,
    pub state: StateCode,
    pub id: RequestId,
    pub action: pocnet_core::ActionName,
    pub reason: pocnet_core::ActionRefusal,
}

/// A piece of work at a desk whose officers are counted: when it joined the queue, when
/// an officer started it, when it was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskWork {
    pub state: StateCode,
    pub desk: DeskName,
    pub task: Task,
    pub id: RequestId,
    pub queued: SimTime,
    pub started: Option<SimTime>,
    pub done: Option<SimTime>,
}

impl DeskWork {
    pub fn waited_ms(&self) -> Option<u64> {
        self.started.map(|s| s.since(self.queued))
    }

    pub fn worked_ms(&self) -> Option<u64> {
        Some(self.done?.since(self.started?))
    }
}

/// The run, as it happened.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub cases: Vec<Case>,
    /// Every request in case order, each chain's links in order.
    pub requests: Vec<Request>,
    pub totals: Totals,
    pub windows: u64,
    pub last_input: Option<SimTime>,
    pub exercise_ended: Option<SimTime>,
    pub refused_actions: Vec<RefusedAction>,
    /// Work at desks whose officers are counted, in the order it joined their queues.
    pub desk_work: Vec<DeskWork>,
    /// A communication check's pings, in inject order.
    pub pings: Vec<Ping>,
    /// Exercises: what the people did at the contact points they played (`play.rs`).
    pub player_steps: Vec<play::PlayerStep>,
    /// Every escalation by a requester, in event order.
    pub escalations: Vec<play::Escalation>,
}

/// What a run's clock gives the ledger.
#[derive(Debug)]
pub struct Run<'r> {
    pub events: &'r [Event],
    /// Every inject: the scenario's, then those added during an exercise.
    pub injects: Vec<&'r Inject>,
    pub windows: u64,
    pub last_input: Option<SimTime>,
    pub exercise_ended: Option<SimTime>,
    /// States played by people.
    pub played: &'r [StateCode],
}

/// The events contradict each other, or the totals do not add up: a bug, and the run fails
/// loudly.
#[derive(Debug, thiserror::Error)]
#[error("accounting failed:\n  {}", .0.join("\n  "))]
pub struct AccountingError(pub Vec<String>);

/// Builds the ledger from a run's events; fails if anything does not add up.
pub fn build(run: &Run<'_>) -> Result<Ledger, AccountingError> {
    let is_ping = |i: &&&Inject| i.kind == RequestKind::Ping;
    let pings_made = run.injects.iter().filter(is_ping).count();
    let mut a = Accounting {
        by_id: life::by_request(run.events),
        known: std::collections::BTreeSet::new(),
        problems: Vec::new(),
        totals: Totals { injects: run.injects.len() - pings_made, pings: pings_made, ..Totals::default() },
        requests: Vec::new(),
    };
    let pings: Vec<Ping> = run.injects.iter().filter(is_ping).filter_map(|inject| a.ping(run, inject)).collect();
    let cases: Vec<Case> =
        run.injects.iter().filter(|i| !is_ping(i)).filter_map(|inject| a.case(run, inject)).collect();
    let Accounting { by_id, known, mut problems, totals, requests } = a;
    for id in by_id.keys().filter(|id| !known.contains(id)) {
        problems.push(format!("events for {id}, which no inject or chain created"));
    }
    let ended: usize = totals.cases.values().sum();
    if ended != totals.injects {
        problems.push(format!("{} injects but {ended} outcomes", totals.injects));
    }
    if pings.len() != totals.pings {
        problems.push(format!("{} pings but {} endings", totals.pings, pings.len()));
    }
    if !problems.is_empty() {
        return Err(AccountingError(problems));
    }
    let refused_actions = refused_actions(run.events);
    let desk_work = desk_work(run.events, &mut problems);
    if !problems.is_empty() {
        return Err(AccountingError(problems));
    }
    Ok(Ledger {
        desk_work,
        pings,
        cases,
        requests,
        totals,
        windows: run.windows,
        last_input: run.last_input,
        exercise_ended: run.exercise_ended,
        refused_actions,
        player_steps: play::player_steps(run.events, run.played),
        escalations: play::escalations(run.events),
    })
}

/// What `build` gathers while it walks the injects: the events by request, the requests
/// met, the problems found, the totals and the requests so far.
struct Accounting<'e> {
    by_id: BTreeMap<RequestId, Vec<&'e Event>>,
    known: std::collections::BTreeSet<RequestId>,
    problems: Vec<String>,
    totals: Totals,
    requests: Vec<Request>,
}

impl Accounting<'_> {
    /// A ping inject's ending, if it has one.
    fn ping(&mut self, run: &Run<'_>, inject: &Inject) -> Option<Ping> {
        let id = RequestId { case: inject.id.case, link: 0 };
        self.known.insert(id);
        let events = self.by_id.get(&id).cloned().unwrap_or_default();
        let life = Life::of(inject.from, &events);
        if life.departure.is_none() {
            match run.exercise_ended {
                Some(end) if inject.at >= end => {
                    return Some(Ping::not_made(id, inject.from, inject.to, inject.at, end))
                }
                _ => self.problems.push(format!("{id}: never sent by {}", inject.from)),
            }
            return None;
        }
        let request = request(id, inject, &life, run.played, &mut self.problems)?;
        if request.step.revealed.is_some() || request.outcome.is_evidence_step() {
            self.problems.push(format!("{id}: a ping that led to more than an answer"));
        }
        Some(Ping::of(&request, life.answer_heard()))
    }

    /// A case inject's case, its chain's requests kept, if it ended.
    fn case(&mut self, run: &Run<'_>, inject: &Inject) -> Option<Case> {
        let mut path = Vec::new();
        let first = self.requests.len();
        let not_made = self.chain(run, inject, &mut path);
        let ending = match not_made {
            Some(end) => Some((Outcome::Unfinished, Reason::NotMade { ended_at: end }, end, None)),
            None => case_ending(inject.at, &self.requests[first..]),
        };
        let (outcome, reason, outcome_at, time_went) = ending?;
        *self.totals.cases.entry(outcome).or_default() += 1;
        Some(Case {
            id: inject.id,
            from: inject.from,
            path,
            kind: inject.kind,
            scheduled: inject.at,
            outcome,
            reason,
            outcome_at,
            time_went,
            forged: inject.forged,
        })
    }

    /// Follows a case's chain link by link, counting each request; the time the exercise
    /// ended if the case was never made.
    fn chain(&mut self, run: &Run<'_>, inject: &Inject, path: &mut Vec<StateCode>) -> Option<SimTime> {
        let mut link: u16 = 0;
        loop {
            let id = RequestId { case: inject.id.case, link };
            self.known.insert(id);
            let events = self.by_id.get(&id).cloned().unwrap_or_default();
            let life = Life::of(inject.from, &events);
            if life.departure.is_none() {
                match run.exercise_ended {
                    // The exercise ended before this inject's time came: it was never made.
                    Some(end) if link == 0 && inject.at >= end => return Some(end),
                    _ => self.problems.push(format!("{id}: never sent by {}", inject.from)),
                }
                return None;
            }
            let request = request(id, inject, &life, run.played, &mut self.problems)?;
            self.count(&request, &life, &events);
            path.push(request.to);
            // The chain goes on when the 24/7 step revealed the next state, whatever the
            // evidence step of this link gives.
            let next = request.step.revealed.filter(|_| request.step.outcome.is_success());
            self.requests.push(request);
            match next {
                Some(_) if link < u16::MAX => link += 1,
                _ => return None,
            }
        }
    }

    /// Counts one request of a chain in the totals.
    fn count(&mut self, request: &Request, life: &Life<'_>, events: &[&Event]) {
        let totals = &mut self.totals;
        totals.requests += 1;
        totals.late_responses += life.late_responses();
        for e in events {
            if let EventKind::Lost { reason, .. } = &e.kind {
                *totals.lost_messages.entry(reason.to_string()).or_default() += 1;
            }
        }
        match (request.step.reached_desk, request.answered()) {
            (false, _) => totals.never_reached += 1,
            (true, false) => totals.reached_not_answered += 1,
            (true, true) => {}
        }
    }
}

/// The actions the contact points refused, as they were refused.
fn refused_actions(events: &[Event]) -> Vec<RefusedAction> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ActionRejected { action, reason } => {
                Some(RefusedAction { at: e.at, state: e.state, id: e.id, action: *action, reason: reason.clone() })
            }
            _ => None,
        })
        .collect()
}

/// Desk work from the desks' events; a start or an end without its queueing is a problem.
fn desk_work(events: &[Event], problems: &mut Vec<String>) -> Vec<DeskWork> {
    let mut work: Vec<DeskWork> = Vec::new();
    let mut open: BTreeMap<(StateCode, DeskName, RequestId, Task), usize> = BTreeMap::new();
    for e in events {
        match e.kind {
            EventKind::Queued { desk, task } => {
                open.insert((e.state, desk, e.id, task), work.len());
                work.push(DeskWork { state: e.state, desk, task, id: e.id, queued: e.at, started: None, done: None });
            }
            EventKind::WorkStarted { desk, task } | EventKind::WorkDone { desk, task } => {
                let started = matches!(e.kind, EventKind::WorkStarted { .. });
                match open.get(&(e.state, desk, e.id, task)).and_then(|i| work.get_mut(*i)) {
                    Some(w) if started && w.started.is_none() => w.started = Some(e.at),
                    Some(w) if !started && w.started.is_some() && w.done.is_none() => w.done = Some(e.at),
                    _ => problems.push(format!("{}: {} at {}'s {desk} out of order", e.id, task.as_str(), e.state)),
                }
            }
            _ => {}
        }
    }
    work
}

/// How a case ended, from its links: the last link's 24/7 outcome if it failed; else the
/// first link whose evidence step failed; else usable evidence if any link was disclosed;
/// else the last link's outcome. A case ends when its last link does.
fn case_ending(scheduled: SimTime, links: &[Request]) -> Option<(Outcome, Reason, SimTime, Option<TimeWent>)> {
    let last = links.last()?;
    let ended = links.iter().map(|r| r.outcome_at).max().unwrap_or(last.outcome_at);
    if !last.step.outcome.is_success() {
        return Some((last.outcome, last.reason.clone(), ended, None));
    }
    if let Some(failed) = links.iter().find(|r| !r.outcome.is_success()) {
        return Some((failed.outcome, failed.reason.clone(), ended, None));
    }
    let disclosed = links.iter().filter(|r| r.outcome == Outcome::Disclosed).max_by_key(|r| r.evidence.at);
    match disclosed {
        Some(d) => Some((Outcome::Disclosed, d.reason.clone(), ended, TimeWent::of(scheduled, d))),
        None => Some((last.outcome, last.reason.clone(), ended, None)),
    }
}

/// One request from its life; records contradictions in `problems`.
fn request(
    id: RequestId,
    inject: &Inject,
    life: &Life<'_>,
    played: &[StateCode],
    problems: &mut Vec<String>,
) -> Option<Request> {
    let d = life.departure?;
    recorded_once(id, life, problems);
    let last = the_final(id, life, problems)?;
    let to = d.to;
    let (step_outcome, reason, revealed) = step_ending(inject, life, last, to);
    let step_at = last.at;
    let lost_at_preservation = match &last.kind {
        EventKind::ResponseReceived { response: Response::Fulfilled { lost, .. } } => lost.clone(),
        _ => Vec::new(),
    };
    // The evidence step, after a successful 24/7 step (when modelled).
    let mla = life.mla();
    let hold_until = life.hold_until();
    let (outcome, reason, outcome_at, evidence_at) =
        evidence_ending(id, life, (step_outcome, reason, step_at), to, &lost_at_preservation, problems)?;
    let executed = life.executed();
    if outcome.is_evidence_step() && !step_outcome.is_success() {
        problems.push(format!("{id}: an evidence step after a 24/7 step that failed"));
    }
    if step_outcome.is_success() && !matches!(executed, Some((_, Execution::Fulfilled))) {
        problems.push(format!("{id}: requester saw it fulfilled, receiver never fulfilled it"));
    }
    let step = step(life, last, (step_outcome, step_at), revealed);
    let hub = life.hub().map(|by| HubStep { by, handed_back: life.handed_back() });
    if hub.is_none() && life.handed_back() {
        problems.push(format!("{id}: handed back by a hub that never took it"));
    }
    Some(Request {
        id,
        kind: d.kind,
        from: d.from,
        to,
        language: inject.language.clone(),
        scheduled: d.scheduled,
        step,
        outcome,
        reason,
        outcome_at,
        receiver_played: played.contains(&to),
        evidence: EvidenceStep {
            deleted_at: inject.evidence_deleted_at,
            lost_at_preservation,
            hold_until,
            mla,
            at: evidence_at,
        },
        hub,
        forgery: Forgery { forged: inject.forged, verification: life.verification() },
        reach: Reach { dead_entry: life.first_send_dead(), fallbacks: life.fallbacks() },
        order: life.order(),
    })
}

/// Each of a request's once-only events recorded at most once; more is a problem.
fn recorded_once(id: RequestId, life: &Life<'_>, problems: &mut Vec<String>) {
    for (what, n) in [
        ("delivered", life.deliveries().len()),
        ("acknowledged", life.acknowledgements().len()),
        ("forwarded", life.forwardings().len()),
        ("translation", life.translations().len()),
        ("executed", life.executions().len()),
    ] {
        if n > 1 {
            problems.push(format!("{id}: {what} recorded {n} times"));
        }
    }
}

/// The 24/7 step's one final event: none or several is a problem.
fn the_final<'e>(id: RequestId, life: &Life<'e>, problems: &mut Vec<String>) -> Option<&'e Event> {
    match life.finals().as_slice() {
        [one] => Some(*one),
        [] => {
            problems.push(format!("{id}: no outcome (never answered, never expired)"));
            None
        }
        many => {
            problems.push(format!("{id}: {} outcomes", many.len()));
            None
        }
    }
}

/// The 24/7 step's outcome and reason from its final event `last`, and the state the
/// answer revealed.
fn step_ending(inject: &Inject, life: &Life<'_>, last: &Event, to: StateCode) -> (Outcome, Reason, Option<StateCode>) {
    let has_window =
        inject.evidence_deleted_at.is_some() || (inject.data_created_at.is_some() && !inject.data.is_empty());
    let forwarded = life.forwarded();
    let mut revealed = None;
    let (outcome, reason) = match &last.kind {
        EventKind::ResponseReceived { response: Response::Fulfilled { reveals, .. } } => {
            revealed = *reveals;
            let by = match (life.order(), forwarded) {
                (Some(_), _) => Executor::Provider,
                (None, Some(_)) => Executor::CentralAuthority,
                (None, None) => Executor::ContactPoint,
            };
            let preserved = has_window && inject.kind.secures_stored_data();
            let outcome = if preserved { Outcome::Preserved } else { Outcome::Fulfilled };
            (outcome, Reason::Executed { to, by, reveals: *reveals })
        }
        EventKind::ResponseReceived { response: Response::TooLate } => (Outcome::EvidenceLost, Reason::TooLate { to }),
        EventKind::ResponseReceived { response: Response::Unverified } => (Outcome::Refused, Reason::Unverified { to }),
        EventKind::ResponseReceived { response: Response::Refused { ground } } => {
            (Outcome::Refused, Reason::Refused { to, ground: ground.clone() })
        }
        EventKind::Expired { to, waited_ms } => (Outcome::Expired, Reason::Expired { to: *to, waited_ms: *waited_ms }),
        EventKind::Unfinished { to, ended_at } => {
            (Outcome::Unfinished, Reason::Unfinished { to: *to, ended_at: *ended_at })
        }
        EventKind::Undeliverable { to, attempts } => {
            let delivered = !life.deliveries().is_empty();
            (Outcome::Undeliverable, Reason::Undeliverable { to: *to, attempts: *attempts, delivered })
        }
        EventKind::Withdrawn { to, notice } => {
            (Outcome::Withdrawn, Reason::Withdrawn { to: *to, notice: notice.clone() })
        }
        _ => unreachable!("only final events"),
    };
    (outcome, reason, revealed)
}

/// The request's outcome after its evidence step: the 24/7 step's (`step`) when there was
/// none, else the evidence step's, with the time it ended and when evidence came.
fn evidence_ending(
    id: RequestId,
    life: &Life<'_>,
    (step_outcome, reason, step_at): (Outcome, Reason, SimTime),
    to: StateCode,
    lost_at_preservation: &[DataClass],
    problems: &mut Vec<String>,
) -> Option<(Outcome, Reason, SimTime, Option<SimTime>)> {
    let mla = life.mla();
    let hold_until = life.hold_until();
    let ending = match life.evidence_finals().as_slice() {
        [] => {
            if step_outcome.is_success() && life.evidence_step_started() {
                problems.push(format!("{id}: its MLA leg never ended"));
            }
            (step_outcome, reason, step_at, None)
        }
        [e] => match &e.kind {
            EventKind::DisclosedDirectly => {
                let lost = lost_at_preservation.to_vec();
                let by = if life.order().is_some() { DisclosedBy::Order } else { DisclosedBy::Step };
                (Outcome::Disclosed, Reason::Disclosed { to, by, lost }, e.at, Some(e.at))
            }
            EventKind::MlaAnswered { result: MlaResult::Disclosed { lost } } => {
                let by = DisclosedBy::Mla;
                (Outcome::Disclosed, Reason::Disclosed { to, by, lost: lost.clone() }, e.at, Some(e.at))
            }
            EventKind::MlaAnswered { result: MlaResult::Refused { ground } } => {
                (Outcome::MlaRefused, Reason::MlaRefused { to, ground: ground.clone() }, e.at, None)
            }
            EventKind::MlaAnswered { result: MlaResult::HoldLapsed } => {
                (Outcome::HoldLapsed, Reason::HoldLapsed { to, hold_until, arrived: mla.arrived }, e.at, None)
            }
            EventKind::MlaNotPursued { to } => (Outcome::MlaNotPursued, Reason::MlaNotPursued { to: *to }, e.at, None),
            EventKind::Unfinished { to, ended_at } => {
                (Outcome::Unfinished, Reason::MlaUnfinished { to: *to, ended_at: *ended_at }, e.at, None)
            }
            _ => unreachable!("only the evidence step's final events"),
        },
        many => {
            problems.push(format!("{id}: {} ends of its evidence step", many.len()));
            return None;
        }
    };
    Some(ending)
}

/// The 24/7 step: what happened when, and what counts in the figures, its outcome
/// `step_outcome` at `step_at`.
fn step(
    life: &Life<'_>,
    last: &Event,
    (step_outcome, step_at): (Outcome, SimTime),
    revealed: Option<StateCode>,
) -> Step {
    let executed = life.executed();
    let forwarded = life.forwarded();
    // An answer counts in the figures only if the requester had it before the 24/7 step's
    // outcome: a requester that gave up records a later one as late, and one lost on the
    // way back (every receipt and acknowledgement lost) it never had at all.
    let acknowledged = life.acknowledged();
    let heard = life.answer_heard().is_some_and(|t| t <= step_at);
    let ack_in_time = acknowledged.map(|(t, _)| t).filter(|t| *t <= step_at && heard);
    // An execution counts when its response is the outcome.
    let answered_by_response = matches!(last.kind, EventKind::ResponseReceived { .. });
    let executed_in_time = executed.as_ref().filter(|(t, _)| *t <= step_at && answered_by_response);
    let late_answer = [
        acknowledged.map(|(t, _)| t).filter(|t| *t > step_at || life.late_acknowledgement()),
        executed.as_ref().map(|(t, _)| *t).filter(|t| *t > step_at || life.late_responses() > 0),
    ]
    .into_iter()
    .flatten()
    .min();
    let delivered = life.delivered();
    let order = life.order();
    let reached = delivered.map(|(t, _)| t).or(order.and_then(|o| o.received).map(|(t, _, _)| t));
    let fulfilled =
        |e: Option<&(SimTime, Execution)>| e.filter(|(_, how)| *how == Execution::Fulfilled).map(|(t, _)| *t);
    // A direct order has no 24/7 step: its answer counts in the roads' figures, not here.
    let fulfilled_in_time = fulfilled(executed_in_time).filter(|_| order.is_none());
    Step {
        delivered,
        acknowledged,
        translation_ms: life.translation().map(|(_, ms)| ms),
        forwarded,
        executed: executed.as_ref().map(|(t, _)| *t),
        response_received: life.response_received(),
        resends: u32::try_from(life.resends()).unwrap_or(u32::MAX),
        escalated: life.escalated(),
        lost_messages: life.lost(),
        reached_desk: reached.is_some_and(|t| t <= step_at),
        late_answer,
        acknowledged_in_time: ack_in_time,
        fulfilled_in_time,
        executed_in_time: executed_in_time.is_some(),
        fulfilled_at: fulfilled(executed.as_ref()),
        revealed,
        notice: life.notice(),
        outcome: step_outcome,
        at: step_at,
    }
}
