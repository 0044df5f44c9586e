//! The run's report: per-request times and outcomes, totals, latency percentiles.
//!
//! Built from the contact points' events and the scenario alone, in scenario time, so the
//! same scenario and seed give the same `report.json` byte for byte, whichever engine ran
//! it. Transport figures (real time) are kept out of it, in `transport.json`.

use crate::breakdown::{LatencyTable, Outcomes, Sla};
use crate::clock::ClockRun;
use crate::coverage::Coverage;
use crate::scenario::Scenario;
use hdrhistogram::Histogram;
use pocnet_core::event::EventKind;
use pocnet_core::time::format_duration_ms;
use pocnet_core::wire::Response;
use pocnet_core::{Event, Mode, RequestId, SimTime, StateCode};
use serde::Serialize;
use std::collections::BTreeMap;

pub const SCHEMA: &str = "pocnet-report/2";

#[derive(Debug, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub scenario: ScenarioSummary,
    pub states: Vec<StateSummary>,
    pub totals: Totals,
    pub latency: BTreeMap<&'static str, LatencyTable>,
    pub outcomes: Outcomes,
    /// Acknowledged within the scenario's SLA.
    pub sla: Sla,
    /// From the rosters alone.
    pub coverage: Coverage,
    /// The scenario's thresholds and whether this run met them.
    pub thresholds: Vec<crate::thresholds::Verdict>,
    pub cases: Vec<CaseRecord>,
    pub requests: Vec<RequestRecord>,
}

#[derive(Debug, Serialize)]
pub struct ScenarioSummary {
    pub name: String,
    pub description: String,
    pub seed: u64,
    pub start: String,
    pub lookahead_ms: u64,
    pub contact_points: usize,
    pub injects: usize,
    /// Windows the virtual clock ran.
    pub windows: u64,
    /// Scenario time of the last input (the run ends when nothing is left to do).
    pub last_input: Option<String>,
    /// The release of the bundled IANA time-zone database every local time was computed
    /// with (never the host's).
    pub tzdb: &'static str,
    pub assumptions: &'static str,
}

#[derive(Debug, Serialize)]
pub struct StateSummary {
    pub code: StateCode,
    pub name: String,
    pub region: String,
    pub tz: String,
    pub roster: String,
    pub profile: String,
}

#[derive(Debug, Serialize, Default, PartialEq, Eq)]
pub struct Totals {
    pub injects: usize,
    /// Executed, for a request with no evidence window.
    pub fulfilled: usize,
    /// Every link executed before the provider deleted the data.
    pub preserved: usize,
    /// A link executed after the provider deleted the data.
    pub evidence_lost: usize,
    pub refused: usize,
    /// The requester gave up waiting.
    pub expired: usize,
    /// No acknowledgement after every resend.
    pub undeliverable: usize,
    /// Exercises: still open when the exercise ended.
    #[serde(skip_serializing_if = "is_zero")]
    pub unfinished: usize,
    /// Final responses that came after the requester gave up (their outcome stays expired).
    pub late_responses: usize,
    /// Requests sent, chain links included.
    pub requests: usize,
    /// Requests whose receiving contact point had them (delivered) before their outcome,
    /// but answered neither an acknowledgement nor a response in time.
    pub reached_not_answered: usize,
    /// Requests that never reached the receiving contact point before their outcome.
    pub never_reached: usize,
    /// Envelopes the network model lost (faults, loss), and why.
    pub lost_messages: BTreeMap<String, usize>,
}

impl Totals {
    /// Cases by outcome, as people read the outcome, in a fixed order.
    pub fn by_outcome(&self) -> Vec<(&'static str, usize)> {
        let mut all = vec![
            ("fulfilled", self.fulfilled),
            ("preserved", self.preserved),
            ("evidence lost", self.evidence_lost),
            ("refused", self.refused),
            ("expired", self.expired),
            ("undeliverable", self.undeliverable),
        ];
        // Only exercises end with requests unfinished: other reports keep their six rows.
        if self.unfinished > 0 {
            all.push(("unfinished", self.unfinished));
        }
        all
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One instant, in UTC and in both parties' local time.
#[derive(Debug, Serialize)]
pub struct Stamp {
    pub utc: String,
    pub requester_local: String,
    pub receiver_local: String,
}

#[derive(Debug, Serialize, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Fulfilled,
    Preserved,
    EvidenceLost,
    Refused,
    Expired,
    Undeliverable,
    /// Still open when the exercise ended.
    Unfinished,
}

impl Outcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Fulfilled => "fulfilled",
            Outcome::Preserved => "preserved",
            Outcome::EvidenceLost => "evidence_lost",
            Outcome::Refused => "refused",
            Outcome::Expired => "expired",
            Outcome::Undeliverable => "undeliverable",
            Outcome::Unfinished => "unfinished",
        }
    }

    /// Executed in time: what the requester wanted.
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Fulfilled | Outcome::Preserved)
    }
}

#[derive(Debug, Serialize)]
pub struct RequestRecord {
    pub id: String,
    pub case: u32,
    pub link: u16,
    pub kind: String,
    pub from: StateCode,
    pub to: StateCode,
    pub from_region: String,
    pub to_region: String,
    pub language: String,
    pub scheduled: Stamp,
    /// The receiver's local hour (0-23) and weekday when the request was scheduled.
    pub receiver_local_hour: u8,
    pub receiver_local_weekday: String,
    pub evidence_deleted_at: Option<Stamp>,
    pub delivered: Option<Stamp>,
    pub delivered_mode: Option<Mode>,
    pub acknowledged: Option<Stamp>,
    pub acknowledged_mode: Option<Mode>,
    pub translation_ms: Option<u64>,
    pub forwarded_to_central_authority: Option<Stamp>,
    /// When the receiver fulfilled, refused or found the data gone.
    pub executed: Option<Stamp>,
    pub response_received: Option<Stamp>,
    pub resends: u32,
    pub escalated: bool,
    pub lost_messages: usize,
    /// The receiving contact point had the request before its outcome.
    pub reached_desk: bool,
    /// An acknowledgement or execution that came after the requester had given up: kept
    /// here, outside the latency figures.
    pub late_answer: Option<Stamp>,
    /// The state this link's traffic data revealed (Art. 43), if any.
    pub revealed: Option<StateCode>,
    pub outcome: Outcome,
    pub reason: String,
    /// Exercises: the receiver was played by a person at the console.
    #[serde(skip_serializing_if = "is_false")]
    pub receiver_played: bool,
    pub time_to_acknowledge_ms: Option<u64>,
    pub time_to_fulfil_ms: Option<u64>,
    pub time_to_outcome_ms: u64,
    /// Executed (fulfilled, refused, evidence gone) before the outcome.
    #[serde(skip)]
    pub executed_in_time: bool,
}

/// One inject and the chain of requests it led to.
#[derive(Debug, Serialize)]
pub struct CaseRecord {
    pub id: String,
    pub from: StateCode,
    /// The requested state of each link, in order.
    pub path: Vec<StateCode>,
    pub kind: String,
    pub scheduled: String,
    pub outcome: Outcome,
    pub reason: String,
    pub end_to_end_ms: u64,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Percentiles {
    pub count: u64,
    pub p50_ms: u64,
    pub p90_ms: u64,
    pub p95_ms: u64,
    pub p99_ms: u64,
    pub max_ms: u64,
}

/// The report's totals do not add up, or a request's events contradict each other: a bug,
/// and the run fails loudly.
#[derive(Debug, thiserror::Error)]
#[error("accounting failed:\n  {}", .0.join("\n  "))]
pub struct AccountingError(pub Vec<String>);

const ASSUMPTIONS: &str = "No published response-time data exists for 24/7 points of contact: every delay, \
    roster and refusal parameter in this scenario is an assumption.";

/// The events of one request, split by side.
struct Trail<'a> {
    requester: Vec<&'a Event>,
    receiver: Vec<&'a Event>,
}

pub fn build(scenario: &Scenario, run: &ClockRun) -> Result<Report, AccountingError> {
    let mut problems = Vec::new();
    let mut by_id: BTreeMap<RequestId, Vec<&Event>> = BTreeMap::new();
    for e in &run.events {
        by_id.entry(e.id).or_default().push(e);
    }
    let zones: BTreeMap<StateCode, jiff::tz::TimeZone> = scenario
        .states
        .iter()
        .map(|s| (s.code, pocnet_core::tzdb::zone(&s.tz).unwrap_or(jiff::tz::TimeZone::UTC)))
        .collect();
    let region = |code: StateCode| scenario.state(code).map(|s| s.region.clone()).unwrap_or_default();
    let mut totals = Totals { injects: scenario.injects.len() + run.added_injects.len(), ..Totals::default() };
    let mut requests = Vec::new();
    let mut cases = Vec::new();
    let mut known: BTreeMap<RequestId, ()> = BTreeMap::new();

    for inject in scenario.injects.iter().chain(&run.added_injects) {
        let mut path = Vec::new();
        let mut case_outcome = None;
        let mut link: u16 = 0;
        let mut from = inject.from;
        loop {
            let id = RequestId { case: inject.id.case, link };
            known.insert(id, ());
            let events = by_id.get(&id).cloned().unwrap_or_default();
            let Some(sent) = events.iter().find(|e| e.state == from && matches!(e.kind, EventKind::Sent { .. })) else {
                match run.exercise_ended {
                    // The exercise ended before this inject's time came: it was never made.
                    Some(end) if link == 0 && inject.at >= end => {
                        case_outcome = Some((
                            Outcome::Unfinished,
                            format!("not made: the exercise ended at {end}, before its time"),
                            end,
                        ));
                    }
                    _ => problems.push(format!("{id}: never sent by {from}")),
                }
                break;
            };
            let EventKind::Sent { to, kind, scheduled } = sent.kind.clone() else { unreachable!("matched above") };
            let trail = Trail {
                requester: events.iter().copied().filter(|e| e.state == from).collect(),
                receiver: events.iter().copied().filter(|e| e.state == to).collect(),
            };
            let (tz_from, tz_to) = (
                zones.get(&from).cloned().unwrap_or(jiff::tz::TimeZone::UTC),
                zones.get(&to).cloned().unwrap_or(jiff::tz::TimeZone::UTC),
            );
            let stamp = |t: SimTime| Stamp {
                utc: t.to_string(),
                requester_local: t.local(&tz_from),
                receiver_local: t.local(&tz_to),
            };
            let record = match request_record(id, from, to, kind, scheduled, inject, &trail, &stamp, &mut problems) {
                Some(r) => r,
                None => break,
            };
            totals.requests += 1;
            let answered = record.time_to_acknowledge_ms.is_some() || record.executed_in_time;
            match (record.reached_desk, answered) {
                (false, _) => totals.never_reached += 1,
                (true, false) => totals.reached_not_answered += 1,
                (true, true) => {}
            }
            totals.late_responses +=
                trail.requester.iter().filter(|e| matches!(e.kind, EventKind::LateResponse { .. })).count();
            for e in events.iter() {
                if let EventKind::Lost { reason, .. } = &e.kind {
                    *totals.lost_messages.entry(reason.to_string()).or_default() += 1;
                }
            }
            path.push(to);
            let next = record.revealed.filter(|_| record.outcome.is_success());
            let outcome_at = scheduled.plus_ms(record.time_to_outcome_ms);
            case_outcome = Some((record.outcome, record.reason.clone(), outcome_at));
            requests.push(record);
            match next {
                Some(_) if link < u16::MAX => {
                    link += 1;
                    from = inject.from;
                }
                _ => break,
            }
        }
        let Some((outcome, reason, at)) = case_outcome else { continue };
        match outcome {
            Outcome::Fulfilled => totals.fulfilled += 1,
            Outcome::Preserved => totals.preserved += 1,
            Outcome::EvidenceLost => totals.evidence_lost += 1,
            Outcome::Refused => totals.refused += 1,
            Outcome::Expired => totals.expired += 1,
            Outcome::Undeliverable => totals.undeliverable += 1,
            Outcome::Unfinished => totals.unfinished += 1,
        }
        cases.push(CaseRecord {
            id: inject.id.to_string(),
            from: inject.from,
            path,
            kind: inject.kind.to_string(),
            scheduled: inject.at.to_string(),
            outcome,
            reason,
            end_to_end_ms: at.since(inject.at),
        });
    }
    for id in by_id.keys().filter(|id| !known.contains_key(id)) {
        problems.push(format!("events for {id}, which no inject or chain created"));
    }
    let ended = totals.fulfilled
        + totals.preserved
        + totals.evidence_lost
        + totals.refused
        + totals.expired
        + totals.undeliverable
        + totals.unfinished;
    if ended != totals.injects {
        problems.push(format!("{} injects but {ended} outcomes", totals.injects));
    }
    if !problems.is_empty() {
        return Err(AccountingError(problems));
    }
    let requests: Vec<RequestRecord> = requests
        .into_iter()
        .map(|mut r| {
            r.receiver_played = scenario.is_played(r.to);
            r.from_region = region(r.from);
            r.to_region = region(r.to);
            if let (Some(tz), Ok(t)) = (zones.get(&r.to), r.scheduled.utc.parse::<jiff::Timestamp>()) {
                let local = t.to_zoned(tz.clone());
                r.receiver_local_hour = u8::try_from(local.hour()).unwrap_or(0);
                r.receiver_local_weekday = local.strftime("%a").to_string();
            }
            r
        })
        .collect();
    let mut latency = BTreeMap::new();
    latency.insert("time_to_acknowledge", crate::breakdown::latency(&requests, |r| r.time_to_acknowledge_ms));
    latency.insert("time_to_fulfil", crate::breakdown::latency(&requests, |r| r.time_to_fulfil_ms));
    let outcomes = crate::breakdown::outcomes(&cases, &requests);
    let sla = crate::breakdown::sla(&requests, scenario.ack_sla_ms);
    Ok(Report {
        schema: SCHEMA,
        scenario: ScenarioSummary {
            name: scenario.name.clone(),
            description: scenario.description.clone(),
            seed: scenario.seed,
            start: scenario.start.to_string(),
            lookahead_ms: scenario.network.lookahead_ms(),
            contact_points: scenario.states.len(),
            injects: scenario.injects.len() + run.added_injects.len(),
            windows: run.windows,
            last_input: run.last_input.map(|t| t.to_string()),
            tzdb: pocnet_core::tzdb::version(),
            assumptions: ASSUMPTIONS,
        },
        states: scenario
            .states
            .iter()
            .map(|s| StateSummary {
                code: s.code,
                name: s.name.clone(),
                region: s.region.clone(),
                tz: s.tz.clone(),
                roster: s.roster_summary.clone(),
                profile: s.profile_name.clone(),
            })
            .collect(),
        totals,
        latency,
        outcomes,
        sla,
        coverage: crate::coverage::compute(scenario),
        thresholds: Vec::new(),
        cases,
        requests: requests
            .into_iter()
            .map(|mut r| {
                r.from_region = region(r.from);
                r.to_region = region(r.to);
                r
            })
            .collect(),
    })
}

/// One request's record from its events; records contradictions in `problems`.
#[allow(clippy::too_many_arguments)]
fn request_record(
    id: RequestId,
    from: StateCode,
    to: StateCode,
    kind: pocnet_core::RequestKind,
    scheduled: SimTime,
    inject: &pocnet_core::Inject,
    trail: &Trail<'_>,
    stamp: &dyn Fn(SimTime) -> Stamp,
    problems: &mut Vec<String>,
) -> Option<RequestRecord> {
    fn once<'e>(
        id: RequestId,
        problems: &mut Vec<String>,
        what: &str,
        side: &[&'e Event],
        pred: impl Fn(&EventKind) -> bool,
    ) -> Option<&'e Event> {
        let found: Vec<&Event> = side.iter().copied().filter(|e| pred(&e.kind)).collect();
        if found.len() > 1 {
            problems.push(format!("{id}: {what} recorded {} times", found.len()));
        }
        found.first().copied()
    }
    let r = &trail.receiver;
    let delivered = once(id, problems, "delivered", r, |k| matches!(k, EventKind::Delivered { .. }));
    let acknowledged = once(id, problems, "acknowledged", r, |k| matches!(k, EventKind::Acknowledged { .. }));
    let forwarded = once(id, problems, "forwarded", r, |k| matches!(k, EventKind::Forwarded));
    let translation = once(id, problems, "translation", r, |k| matches!(k, EventKind::Translation { .. }));
    let executed = once(id, problems, "executed", r, |k| {
        matches!(k, EventKind::Fulfilled | EventKind::Refused { .. } | EventKind::EvidenceGone)
    });
    let finals: Vec<&Event> = trail.requester.iter().copied().filter(|e| e.kind.is_final_at_requester()).collect();
    let last = match finals.as_slice() {
        [one] => *one,
        [] => {
            problems.push(format!("{id}: no outcome (never answered, never expired)"));
            return None;
        }
        many => {
            problems.push(format!("{id}: {} outcomes", many.len()));
            return None;
        }
    };
    let has_window = inject.evidence_deleted_at.is_some();
    let mut revealed = None;
    let (outcome, reason) = match &last.kind {
        EventKind::ResponseReceived { response: Response::Fulfilled { reveals } } => {
            revealed = *reveals;
            let by = if forwarded.is_some() { "central authority" } else { "contact point" };
            let outcome = if has_window { Outcome::Preserved } else { Outcome::Fulfilled };
            let then = reveals.map(|c| format!("; the traffic data reveals a provider in {c}")).unwrap_or_default();
            (outcome, format!("executed by {to}'s {by}{then}"))
        }
        EventKind::ResponseReceived { response: Response::TooLate } => {
            (Outcome::EvidenceLost, format!("{to} executed it after the provider deleted the data"))
        }
        EventKind::ResponseReceived { response: Response::Refused { ground } } => {
            (Outcome::Refused, format!("refused by {to}: {ground}"))
        }
        EventKind::Expired { reason } => (Outcome::Expired, reason.clone()),
        EventKind::Unfinished { reason } => (Outcome::Unfinished, reason.clone()),
        EventKind::Undeliverable { reason } => {
            // Delivered with every receipt lost reads differently from never delivered.
            let seen = if trail.receiver.iter().any(|e| matches!(e.kind, EventKind::Delivered { .. })) {
                "delivered, but every receipt was lost on the way back"
            } else {
                "never delivered"
            };
            (Outcome::Undeliverable, format!("{reason} ({seen})"))
        }
        _ => unreachable!("filtered above"),
    };
    if outcome.is_success() && !trail.receiver.iter().any(|e| e.kind == EventKind::Fulfilled) {
        problems.push(format!("{id}: requester saw it fulfilled, receiver never fulfilled it"));
    }
    let response_received = trail
        .requester
        .iter()
        .find(|e| matches!(&e.kind, EventKind::ResponseReceived { response } if *response != Response::Forwarded))
        .map(|e| e.at);
    // An answer counts in the figures only if it came before the requester's outcome: a
    // requester that gave up records a later one as late.
    let outcome_at = last.at;
    let late_ack = trail.requester.iter().any(|e| e.kind == EventKind::LateAcknowledgement);
    let late_response = trail.requester.iter().any(|e| matches!(e.kind, EventKind::LateResponse { .. }));
    let ack_in_time = acknowledged.filter(|e| e.at <= outcome_at && !late_ack);
    let executed_in_time = executed.filter(|e| e.at <= outcome_at && !late_response);
    let late_answer = [acknowledged.filter(|_| ack_in_time.is_none()), executed.filter(|_| executed_in_time.is_none())]
        .into_iter()
        .flatten()
        .map(|e| e.at)
        .min();
    let reached_desk = delivered.is_some_and(|e| e.at <= outcome_at);
    let fulfilled_at = executed_in_time.filter(|e| e.kind == EventKind::Fulfilled).map(|e| e.at);
    let resends = trail.requester.iter().filter(|e| matches!(e.kind, EventKind::Resent { .. })).count();
    let lost = trail
        .requester
        .iter()
        .chain(trail.receiver.iter())
        .filter(|e| matches!(e.kind, EventKind::Lost { .. }))
        .count();
    Some(RequestRecord {
        id: id.to_string(),
        case: id.case,
        link: id.link,
        kind: kind.to_string(),
        from,
        to,
        from_region: String::new(),
        to_region: String::new(),
        language: inject.language.clone(),
        scheduled: stamp(scheduled),
        receiver_local_hour: 0,
        receiver_local_weekday: String::new(),
        evidence_deleted_at: inject.evidence_deleted_at.map(stamp),
        delivered: delivered.map(|e| stamp(e.at)),
        delivered_mode: delivered.and_then(|e| match e.kind {
            EventKind::Delivered { mode, .. } => Some(mode),
            _ => None,
        }),
        acknowledged: acknowledged.map(|e| stamp(e.at)),
        acknowledged_mode: acknowledged.and_then(|e| match e.kind {
            EventKind::Acknowledged { mode } => Some(mode),
            _ => None,
        }),
        translation_ms: translation.and_then(|e| match e.kind {
            EventKind::Translation { ms } => Some(ms),
            _ => None,
        }),
        forwarded_to_central_authority: forwarded.map(|e| stamp(e.at)),
        executed: executed.map(|e| stamp(e.at)),
        response_received: response_received.map(stamp),
        resends: u32::try_from(resends).unwrap_or(u32::MAX),
        escalated: trail.requester.iter().any(|e| e.kind == EventKind::Escalated),
        lost_messages: lost,
        reached_desk,
        late_answer: late_answer.map(stamp),
        executed_in_time: executed_in_time.is_some(),
        revealed,
        outcome,
        reason,
        receiver_played: false,
        time_to_acknowledge_ms: ack_in_time.map(|e| e.at.since(scheduled)),
        time_to_fulfil_ms: fulfilled_at.map(|t| t.since(scheduled)),
        time_to_outcome_ms: last.at.since(scheduled),
    })
}

/// Percentiles by HdrHistogram at 3 significant figures (values in milliseconds).
pub fn percentiles(values: &[u64]) -> Percentiles {
    // Bounds cover every delay the core can produce, several times over (chains add up).
    let mut h = match Histogram::<u64>::new_with_bounds(1, 16 * pocnet_core::limits::DELAY_MS_MAX, 3) {
        Ok(h) => h,
        Err(_) => unreachable!("valid bounds and precision"),
    };
    for &v in values {
        h.saturating_record(v);
    }
    let q = |q: f64| if h.is_empty() { 0 } else { h.value_at_quantile(q) };
    Percentiles {
        count: h.len(),
        p50_ms: q(0.50),
        p90_ms: q(0.90),
        p95_ms: q(0.95),
        p99_ms: q(0.99),
        max_ms: if h.is_empty() { 0 } else { h.max() },
    }
}

impl Report {
    /// `12 injects: 10 preserved, 1 evidence_lost, 1 expired (76 windows, last input ...)`.
    pub fn totals_line(&self) -> String {
        let t = &self.totals;
        let parts: Vec<String> =
            t.by_outcome().iter().filter(|(_, n)| *n > 0).map(|(what, n)| format!("{n} {what}")).collect();
        let lost: usize = t.lost_messages.values().sum();
        let lost = if lost > 0 { format!(", {lost} messages lost to faults") } else { String::new() };
        format!(
            "{} injects ({} requests): {}{lost} ({} windows, last input {})",
            t.injects,
            t.requests,
            if parts.is_empty() { "none".to_string() } else { parts.join(", ") },
            self.scenario.windows,
            self.scenario.last_input.as_deref().unwrap_or("-")
        )
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|e| unreachable!("report serialises: {e}"));
        s.push('\n');
        s
    }

    /// The console table: one line per request, times in scenario UTC and local time.
    pub fn summary_table(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let short = |local: &str| {
            local.get(11..16).map(|hm| format!("{} {hm}", local.get(17..20).unwrap_or(""))).unwrap_or_default()
        };
        let _ = writeln!(
            out,
            "{:<6} {:<18} {:<8} {:<17} {:<10} {:<24} {:<24} outcome",
            "id", "kind", "from>to", "scheduled UTC", "req local", "acknowledged (rcv local)", "fulfilled (rcv local)",
        );
        for r in &self.requests {
            let ack = match (&r.acknowledged, r.time_to_acknowledge_ms) {
                (Some(s), Some(ms)) => format!("{} +{}", short(&s.receiver_local), format_duration_ms(ms)),
                _ => "-".into(),
            };
            let done = match (&r.executed, r.time_to_fulfil_ms) {
                (Some(s), Some(ms)) => format!("{} +{}", short(&s.receiver_local), format_duration_ms(ms)),
                (Some(s), None) => format!("{} (refused)", short(&s.receiver_local)),
                _ => "-".into(),
            };
            let _ = writeln!(
                out,
                "{:<6} {:<18} {:<8} {:<17} {:<10} {:<24} {:<24} {}",
                r.id,
                r.kind,
                format!("{}>{}", r.from, r.to),
                r.scheduled.utc.get(..16).unwrap_or("").replace('T', " "),
                short(&r.scheduled.requester_local),
                ack,
                done,
                r.outcome.as_str()
            );
        }
        let _ = writeln!(out, "\n{}", self.totals_line());
        for (name, table) in &self.latency {
            let p = &table.overall;
            let _ = writeln!(
                out,
                "{name:<20} n={:<4} p50 {:<7} p90 {:<7} p95 {:<7} p99 {:<7} max {}",
                p.count,
                format_duration_ms(p.p50_ms),
                format_duration_ms(p.p90_ms),
                format_duration_ms(p.p95_ms),
                format_duration_ms(p.p99_ms),
                format_duration_ms(p.max_ms)
            );
        }
        for v in &self.thresholds {
            let mark = if v.passed { "ok    " } else { "BREACH" };
            let _ = writeln!(out, "threshold {mark} {}  (measured {}, n={})", v.threshold, v.value, v.samples);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_known_values() {
        let values: Vec<u64> = (1..=100).map(|v| v * 1000).collect();
        let p = percentiles(&values);
        assert_eq!(p.count, 100);
        // HdrHistogram at 3 significant figures: within 0.1% of the exact value.
        assert!((50_000..=50_050).contains(&p.p50_ms), "p50 {}", p.p50_ms);
        assert!((90_000..=90_090).contains(&p.p90_ms), "p90 {}", p.p90_ms);
        assert!((100_000..=100_100).contains(&p.max_ms), "max {}", p.max_ms);
        assert_eq!(percentiles(&[]).count, 0);
    }
}
