//! The run's report: per-request times and outcomes, totals, latency percentiles.
//!
//! Built from the contact points' events and the scenario alone, in scenario time, so the
//! same scenario and seed give the same `report.json` byte for byte, whichever engine ran
//! it. Transport figures (real time) are kept out of it, in `transport.json`.

use crate::clock::ClockRun;
use crate::scenario::Scenario;
use hdrhistogram::Histogram;
use pocnet_core::event::EventKind;
use pocnet_core::time::format_duration_ms;
use pocnet_core::wire::Response;
use pocnet_core::{Event, Mode, RequestId, SimTime, StateCode};
use serde::Serialize;
use std::collections::BTreeMap;

pub const SCHEMA: &str = "pocnet-report/1";

#[derive(Debug, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub scenario: ScenarioSummary,
    pub states: Vec<StateSummary>,
    pub totals: Totals,
    pub latency: BTreeMap<&'static str, LatencyTable>,
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
    pub fulfilled: usize,
    pub refused: usize,
    pub expired: usize,
    /// Final responses that came after the requester gave up (their outcome stays expired).
    pub late_responses: usize,
}

/// One instant, in UTC and in both parties' local time.
#[derive(Debug, Serialize)]
pub struct Stamp {
    pub utc: String,
    pub requester_local: String,
    pub receiver_local: String,
}

#[derive(Debug, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Fulfilled,
    Refused,
    Expired,
}

impl Outcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Fulfilled => "fulfilled",
            Outcome::Refused => "refused",
            Outcome::Expired => "expired",
        }
    }
}

#[derive(Debug, Serialize)]
pub struct RequestRecord {
    pub id: String,
    pub kind: String,
    pub from: StateCode,
    pub to: StateCode,
    pub language: String,
    pub scheduled: Stamp,
    pub delivered: Option<Stamp>,
    pub delivered_mode: Option<Mode>,
    pub acknowledged: Option<Stamp>,
    pub acknowledged_mode: Option<Mode>,
    pub forwarded_to_central_authority: Option<Stamp>,
    /// When the receiver fulfilled or refused it.
    pub executed: Option<Stamp>,
    pub response_received: Option<Stamp>,
    pub outcome: Outcome,
    pub reason: String,
    pub time_to_acknowledge_ms: Option<u64>,
    pub time_to_fulfil_ms: Option<u64>,
    pub time_to_outcome_ms: u64,
}

#[derive(Debug, Serialize)]
pub struct LatencyTable {
    pub overall: Percentiles,
    pub by_kind: BTreeMap<String, Percentiles>,
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

pub fn build(scenario: &Scenario, run: &ClockRun) -> Result<Report, AccountingError> {
    let mut problems = Vec::new();
    let mut by_id: BTreeMap<RequestId, Vec<&Event>> = BTreeMap::new();
    for e in &run.events {
        by_id.entry(e.id).or_default().push(e);
    }
    let tz = |code: StateCode| {
        scenario.state(code).and_then(|s| jiff::tz::TimeZone::get(&s.tz).ok()).unwrap_or(jiff::tz::TimeZone::UTC)
    };
    let mut totals = Totals { injects: scenario.injects.len(), ..Totals::default() };
    let mut requests = Vec::with_capacity(scenario.injects.len());
    let mut ack_hist: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut fulfil_hist: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for inject in &scenario.injects {
        let (tz_from, tz_to) = (tz(inject.from), tz(inject.to));
        let stamp = |t: SimTime| Stamp {
            utc: t.to_string(),
            requester_local: t.local(&tz_from),
            receiver_local: t.local(&tz_to),
        };
        let mut events = by_id.remove(&inject.id).unwrap_or_default();
        events.sort_by_key(|e| e.at);
        let mut once = |what: &str, found: Vec<&&Event>| -> Option<SimTime> {
            if found.len() > 1 {
                problems.push(format!("{}: {what} recorded {} times", inject.id, found.len()));
            }
            found.first().map(|e| e.at)
        };
        let at_receiver = |e: &&Event| e.state == inject.to;
        let at_requester = |e: &&Event| e.state == inject.from;
        let sent = once(
            "sent",
            events.iter().filter(|e| at_requester(e) && matches!(e.kind, EventKind::Sent { .. })).collect(),
        );
        let delivered_event = events.iter().find(|e| at_receiver(e) && matches!(e.kind, EventKind::Delivered { .. }));
        let delivered = once(
            "delivered",
            events.iter().filter(|e| at_receiver(e) && matches!(e.kind, EventKind::Delivered { .. })).collect(),
        );
        let acknowledged = once(
            "acknowledged",
            events.iter().filter(|e| at_receiver(e) && matches!(e.kind, EventKind::Acknowledged { .. })).collect(),
        );
        let acknowledged_mode = events.iter().find_map(|e| match e.kind {
            EventKind::Acknowledged { mode } if e.state == inject.to => Some(mode),
            _ => None,
        });
        let forwarded = once(
            "forwarded",
            events.iter().filter(|e| at_receiver(e) && matches!(e.kind, EventKind::Forwarded)).collect(),
        );
        let executed = once(
            "executed",
            events
                .iter()
                .filter(|e| at_receiver(e) && matches!(e.kind, EventKind::Fulfilled | EventKind::Refused { .. }))
                .collect(),
        );
        let fulfilled_at =
            events.iter().find(|e| at_receiver(e) && matches!(e.kind, EventKind::Fulfilled)).map(|e| e.at);
        let finals: Vec<&&Event> = events
            .iter()
            .filter(|e| {
                at_requester(e)
                    && matches!(
                        &e.kind,
                        EventKind::Expired { .. }
                            | EventKind::ResponseReceived { response: Response::Fulfilled | Response::Refused { .. } }
                    )
            })
            .collect();
        totals.late_responses += events.iter().filter(|e| matches!(e.kind, EventKind::LateResponse { .. })).count();
        if sent.is_none() {
            problems.push(format!("{}: never sent by {}", inject.id, inject.from));
        }
        let (outcome, reason, outcome_at) = match finals.as_slice() {
            [one] => match &one.kind {
                EventKind::ResponseReceived { response: Response::Fulfilled } => {
                    let by = if forwarded.is_some() { "central authority" } else { "contact point" };
                    (Outcome::Fulfilled, format!("executed by {}'s {by}", inject.to), one.at)
                }
                EventKind::ResponseReceived { response: Response::Refused { ground } } => {
                    (Outcome::Refused, format!("refused by {}: {ground}", inject.to), one.at)
                }
                EventKind::Expired { reason } => (Outcome::Expired, reason.clone(), one.at),
                _ => unreachable!("filtered above"),
            },
            [] => {
                problems.push(format!("{}: no outcome (never answered, never expired)", inject.id));
                continue;
            }
            many => {
                problems.push(format!("{}: {} outcomes", inject.id, many.len()));
                continue;
            }
        };
        match outcome {
            Outcome::Fulfilled => totals.fulfilled += 1,
            Outcome::Refused => totals.refused += 1,
            Outcome::Expired => totals.expired += 1,
        }
        if outcome == Outcome::Fulfilled && fulfilled_at.is_none() {
            problems.push(format!("{}: requester saw it fulfilled, receiver never fulfilled it", inject.id));
        }
        let response_received = events
            .iter()
            .find(|e| {
                at_requester(e)
                    && matches!(&e.kind, EventKind::ResponseReceived { response } if *response != Response::Forwarded)
            })
            .map(|e| e.at);
        let time_to_acknowledge_ms = acknowledged.map(|t| t.since(inject.at));
        let time_to_fulfil_ms = fulfilled_at.map(|t| t.since(inject.at));
        for (hist, value) in [(&mut ack_hist, time_to_acknowledge_ms), (&mut fulfil_hist, time_to_fulfil_ms)] {
            if let Some(v) = value {
                hist.entry(inject.kind.to_string()).or_default().push(v);
            }
        }
        requests.push(RequestRecord {
            id: inject.id.to_string(),
            kind: inject.kind.to_string(),
            from: inject.from,
            to: inject.to,
            language: inject.language.clone(),
            scheduled: stamp(inject.at),
            delivered: delivered.map(stamp),
            delivered_mode: delivered_event.and_then(|e| match e.kind {
                EventKind::Delivered { mode, .. } => Some(mode),
                _ => None,
            }),
            acknowledged: acknowledged.map(stamp),
            acknowledged_mode,
            forwarded_to_central_authority: forwarded.map(stamp),
            executed: executed.map(stamp),
            response_received: response_received.map(stamp),
            outcome,
            reason,
            time_to_acknowledge_ms,
            time_to_fulfil_ms,
            time_to_outcome_ms: outcome_at.since(inject.at),
        });
    }
    for id in by_id.keys() {
        problems.push(format!("events for {id}, which no inject created"));
    }
    if totals.fulfilled + totals.refused + totals.expired != totals.injects {
        problems.push(format!(
            "{} injects but {} fulfilled + {} refused + {} expired",
            totals.injects, totals.fulfilled, totals.refused, totals.expired
        ));
    }
    if !problems.is_empty() {
        return Err(AccountingError(problems));
    }
    let mut latency = BTreeMap::new();
    latency.insert("time_to_acknowledge", table(&ack_hist));
    latency.insert("time_to_fulfil", table(&fulfil_hist));
    Ok(Report {
        schema: SCHEMA,
        scenario: ScenarioSummary {
            name: scenario.name.clone(),
            description: scenario.description.clone(),
            seed: scenario.seed,
            start: scenario.start.to_string(),
            lookahead_ms: scenario.network.lookahead_ms(),
            contact_points: scenario.states.len(),
            injects: scenario.injects.len(),
            windows: run.windows,
            last_input: run.last_input.map(|t| t.to_string()),
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
        requests,
    })
}

fn table(by_kind: &BTreeMap<String, Vec<u64>>) -> LatencyTable {
    let all: Vec<u64> = by_kind.values().flatten().copied().collect();
    LatencyTable {
        overall: percentiles(&all),
        by_kind: by_kind.iter().map(|(k, v)| (k.clone(), percentiles(v))).collect(),
    }
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
        let t = &self.totals;
        let _ = writeln!(
            out,
            "\n{} injects: {} fulfilled, {} refused, {} expired ({} windows, last input {})",
            t.injects,
            t.fulfilled,
            t.refused,
            t.expired,
            self.scenario.windows,
            self.scenario.last_input.as_deref().unwrap_or("-")
        );
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
