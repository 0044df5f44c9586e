//! Desks whose officers are counted, in figures: how busy their officers were, how long
//! work waited against how long it took, and the queue over the scenario's weeks.

use super::coverage::{weeks_of, HOURS_PER_WEEK};
use super::percentiles::{percentiles, Percentiles};
use crate::ledger::{DeskWork, Ledger};
use crate::scenario::Scenario;
use pocnet_core::{DeskName, Officers, OpenWhen, RequestId, RequestKind, Roster, ShiftEnd, SimTime, StateCode};
use serde::Serialize;
use std::collections::BTreeMap;

const HOUR_MS: i64 = 3_600_000;

#[derive(Debug, Serialize, Clone)]
pub struct DeskFigures {
    pub state: StateCode,
    /// `contact point`, `central authority`, `MLA office`, `hub`, `translation desk`, or
    /// `provider NAME` (a provider's desk, hosted by its home state).
    pub desk: String,
    /// `2 staffed, 1 on call`.
    pub officers: String,
    /// Pieces of work that joined the queue.
    pub work: usize,
    /// Time in the queue before an officer started, and the officer's working time.
    pub waiting: Percentiles,
    pub working: Percentiles,
    /// Officer time at work over officer time on duty, from the scenario's start to the
    /// last input: `worked_ms / on_duty_ms`.
    pub utilisation: f64,
    /// Officer time at work: each piece's time from start to done (or the last input)
    /// while the desk was open for it (work pauses when the desk closes).
    pub worked_ms: u64,
    /// Officer time on duty: officers per roster mode times the time in that mode.
    pub on_duty_ms: u64,
    /// The mean time in the queue, and the share of work that waited at all (P(wait > 0)),
    /// to set beside Erlang C.
    pub waiting_mean_ms: u64,
    pub waited_share: f64,
    /// The longest queue seen.
    pub queue_max: usize,
    /// Officer time at work outside the desk's open time, under `shift_end = "overtime"`
    /// (absent under the other policies): the officer finished work past the shift's end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overtime_ms: Option<u64>,
    /// Mean pieces of work waiting in each hour, from the Monday 00:00 UTC of the first week
    /// the coverage measures (168 values a week).
    pub queue_by_utc_hour: Vec<f64>,
}

/// A desk's name in the report: its kind, or a provider's name.
fn desk_name(scenario: &Scenario, desk: DeskName) -> String {
    match desk {
        DeskName::Provider(i) => {
            scenario.network.roads.provider(i).map_or_else(|| desk.to_string(), |p| format!("provider {}", p.name))
        }
        _ => desk.to_string(),
    }
}

/// The officers a state's desk has, by its profile.
fn officers_of(scenario: &Scenario, state: StateCode, desk: DeskName) -> Option<(Officers, Roster)> {
    let entry = scenario.state(state)?;
    let p = &entry.profile;
    match desk {
        DeskName::ContactPoint => Some((p.officers?, Roster::new(entry.roster.clone()).ok()?)),
        DeskName::CentralAuthority => {
            let ca = p.central_authority.as_ref()?;
            Some((ca.officers?, Roster::new(ca.roster.clone()).ok()?))
        }
        DeskName::MlaOffice => {
            let m = p.mla.as_ref()?;
            Some((m.officers?, Roster::new(m.roster.clone()).ok()?))
        }
        DeskName::Translation => Some((p.translators?, Roster::new(entry.roster.clone()).ok()?)),
        DeskName::Hub => {
            let h = scenario.network.hubs.iter().find(|h| h.hub == state)?;
            Some((h.officers?, Roster::new(h.covers.clone()).ok()?))
        }
        DeskName::Provider(i) => {
            let p = scenario.network.roads.provider(i).filter(|p| p.home == state)?;
            Some((p.officers?, Roster::new(p.roster.clone()).ok()?))
        }
    }
}

/// Officer-milliseconds on duty at a desk in `[from, to)`.
pub fn on_duty_ms(officers: Officers, roster: &Roster, from: SimTime, to: SimTime) -> u64 {
    roster.timeline(from, to).iter().map(|span| officers.in_mode(span.mode) as u64 * span.to.since(span.from)).sum()
}

/// Every desk with counted officers that had work, by state then desk.
pub fn figures(scenario: &Scenario, ledger: &Ledger) -> Vec<DeskFigures> {
    let mut by_desk: BTreeMap<(StateCode, DeskName), Vec<&DeskWork>> = BTreeMap::new();
    for w in &ledger.desk_work {
        by_desk.entry((w.state, w.desk)).or_default().push(w);
    }
    let kinds: BTreeMap<RequestId, RequestKind> = ledger.requests.iter().map(|r| (r.id, r.kind)).collect();
    let horizon = ledger.last_input.unwrap_or(scenario.end).max(scenario.start.plus_ms(1));
    let (week_start, weeks) = weeks_of(scenario.start, scenario.end);
    let queue = Queue { week_start, hours: weeks * HOURS_PER_WEEK };
    by_desk
        .into_iter()
        .filter_map(|((state, desk), work)| {
            let (officers, roster) = officers_of(scenario, state, desk)?;
            let profile = &scenario.state(state)?.profile;
            // The time an officer works on a piece: its open time from start to done.
            let worked = |w: &DeskWork, until: SimTime| {
                let open = kinds.get(&w.id).map_or(OpenWhen::StaffedOrOnCall, |k| profile.desk_open_when(desk, *k));
                w.started.map(|s| roster.open_ms(s, until.min(horizon).max(s), open))
            };
            let waits: Vec<u64> = work.iter().filter_map(|w| w.waited_ms()).collect();
            let works: Vec<u64> = work.iter().filter_map(|w| worked(w, w.done?)).collect();
            let worked_ms: u64 = work.iter().filter_map(|w| worked(w, w.done.unwrap_or(horizon))).sum();
            let on_duty_ms = on_duty_ms(officers, &roster, scenario.start, horizon);
            let shift_end = scenario.network.roads.shift_end_of(desk, profile.shift_end);
            let overtime_ms = (shift_end == ShiftEnd::Overtime).then(|| {
                let over = |w: &&DeskWork| {
                    let open = kinds.get(&w.id).map_or(OpenWhen::StaffedOrOnCall, |k| profile.desk_open_when(desk, *k));
                    let (s, d) = (w.started?, w.done.unwrap_or(horizon).min(horizon));
                    Some(shift_end.overtime_ms(&roster, s, d.max(s), open))
                };
                work.iter().filter_map(over).sum()
            });
            let (queue_max, series) = queue.of(&work);
            let waited = waits.iter().filter(|w| **w > 0).count();
            Some(DeskFigures {
                state,
                desk: desk_name(scenario, desk),
                officers: format!("{} staffed, {} on call", officers.staffed, officers.on_call),
                work: work.len(),
                waiting: percentiles(&waits),
                working: percentiles(&works),
                utilisation: ratio(worked_ms, on_duty_ms),
                worked_ms,
                on_duty_ms,
                waiting_mean_ms: waits.iter().sum::<u64>().checked_div(waits.len() as u64).unwrap_or(0),
                waited_share: ratio(waited as u64, waits.len() as u64),
                queue_max,
                overtime_ms,
                queue_by_utc_hour: series,
            })
        })
        .collect()
}

/// `a / b` to four decimals; 0 when `b` is 0.
fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        ((a as f64 / b as f64) * 10_000.0).round() / 10_000.0
    }
}

/// The hours over which a desk's queue is drawn.
struct Queue {
    week_start: SimTime,
    hours: usize,
}

impl Queue {
    /// The longest queue and the mean queue in each hour: +1 when work joins, -1 when an
    /// officer starts it.
    fn of(&self, work: &[&DeskWork]) -> (usize, Vec<f64>) {
        let mut steps: Vec<(SimTime, i64)> = Vec::new();
        for w in work {
            steps.push((w.queued, 1));
            steps.push((w.started.unwrap_or(SimTime(i64::MAX)), -1));
        }
        steps.sort();
        let (mut length, mut queue_max) = (0i64, 0i64);
        let mut series = vec![0.0; self.hours];
        let mut last = self.week_start;
        for (t, step) in &steps {
            accumulate(&mut series, self.week_start, last, *t, length);
            length += step;
            queue_max = queue_max.max(length);
            last = (*t).max(last);
        }
        (usize::try_from(queue_max).unwrap_or(0), series.iter().map(|v| (v * 100.0).round() / 100.0).collect())
    }
}

/// Adds `length` pieces of work waiting over `[from, to)` to the hourly means.
fn accumulate(series: &mut [f64], week_start: SimTime, from: SimTime, to: SimTime, length: i64) {
    if length <= 0 || to <= from {
        return;
    }
    let first = (from.0 - week_start.0).div_euclid(HOUR_MS).max(0);
    let end = to.0.min(week_start.0.saturating_add(series.len() as i64 * HOUR_MS));
    let mut hour = first;
    while week_start.0 + hour * HOUR_MS < end {
        let (a, b) = (week_start.0 + hour * HOUR_MS, week_start.0 + (hour + 1) * HOUR_MS);
        let overlap = (b.min(end) - a.max(from.0)).max(0);
        if let Some(slot) = usize::try_from(hour).ok().and_then(|h| series.get_mut(h)) {
            *slot += length as f64 * overlap as f64 / HOUR_MS as f64;
        }
        hour += 1;
    }
}
