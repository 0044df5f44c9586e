//! Desks whose officers are counted, in figures: how busy their officers were, how long
//! work waited against how long it took, and the queue over the scenario's weeks.

use super::coverage::{weeks_of, HOURS_PER_WEEK};
use super::percentiles::{percentiles, Percentiles};
use crate::ledger::{DeskWork, Ledger};
use crate::scenario::Scenario;
use pocnet_core::{DeskName, Officers, Roster, SimTime, StateCode};
use serde::Serialize;
use std::collections::BTreeMap;

const HOUR_MS: i64 = 3_600_000;

#[derive(Debug, Serialize, Clone)]
pub struct DeskFigures {
    pub state: StateCode,
    pub desk: &'static str,
    /// `2 staffed, 1 on call`.
    pub officers: String,
    /// Pieces of work that joined the queue.
    pub work: usize,
    /// Time in the queue before an officer started, and the officer's working time.
    pub waiting: Percentiles,
    pub working: Percentiles,
    /// Officer time at work over officer time on duty, from the scenario's start to the
    /// last input.
    pub utilisation: f64,
    /// The longest queue seen.
    pub queue_max: usize,
    /// Mean pieces of work waiting in each hour, from the Monday 00:00 UTC of the first week
    /// the coverage measures (168 values a week).
    pub queue_by_utc_hour: Vec<f64>,
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
    let horizon = ledger.last_input.unwrap_or(scenario.end).max(scenario.start.plus_ms(1));
    let (week_start, weeks) = weeks_of(scenario.start, scenario.end);
    let hours = weeks * HOURS_PER_WEEK;
    by_desk
        .into_iter()
        .filter_map(|((state, desk), work)| {
            let (officers, roster) = officers_of(scenario, state, desk)?;
            let waits: Vec<u64> = work.iter().filter_map(|w| w.waited_ms()).collect();
            let works: Vec<u64> = work.iter().filter_map(|w| w.worked_ms()).collect();
            let busy: u64 =
                work.iter().filter_map(|w| Some(w.done.unwrap_or(horizon).min(horizon).since(w.started?))).sum();
            let duty = on_duty_ms(officers, &roster, scenario.start, horizon);
            // The queue: +1 when work joins, -1 when an officer starts it.
            let mut steps: Vec<(SimTime, i64)> = Vec::new();
            for w in &work {
                steps.push((w.queued, 1));
                steps.push((w.started.unwrap_or(SimTime(i64::MAX)), -1));
            }
            steps.sort();
            let (mut length, mut queue_max) = (0i64, 0i64);
            let mut series = vec![0.0; hours];
            let mut last = week_start;
            for (t, step) in &steps {
                accumulate(&mut series, week_start, last, *t, length);
                length += step;
                queue_max = queue_max.max(length);
                last = (*t).max(last);
            }
            Some(DeskFigures {
                state,
                desk: desk.as_str(),
                officers: format!("{} staffed, {} on call", officers.staffed, officers.on_call),
                work: work.len(),
                waiting: percentiles(&waits),
                working: percentiles(&works),
                utilisation: if duty == 0 { 0.0 } else { ((busy as f64 / duty as f64) * 10_000.0).round() / 10_000.0 },
                queue_max: usize::try_from(queue_max).unwrap_or(0),
                queue_by_utc_hour: series.iter().map(|v| (v * 100.0).round() / 100.0).collect(),
            })
        })
        .collect()
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
