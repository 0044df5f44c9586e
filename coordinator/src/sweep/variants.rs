//! Variants of the base scenario: a set of changes applied to the validated model, what
//! the variant costs in staffed officer-hours a week, and what one run of it counts.

use super::file::{Change, Measure};
use super::hours::{DeskHours, HOUR_MS, UNCOUNTED, WEEK_MS};
use crate::analysis::desks::on_duty_ms;
use crate::ledger::{Ledger, Outcome};
use crate::scenario::Scenario;
use pocnet_core::Roster;

/// The base scenario with `changes` applied (at most one change per state and kind of
/// change; later ones win).
pub fn apply(base: &Scenario, changes: &[&Change], seed: u64) -> Scenario {
    let mut s = base.clone();
    s.seed = seed;
    for change in changes {
        match change {
            Change::Roster { state, .. }
            | Change::Hours { state, .. }
            | Change::Officers { state, .. }
            | Change::Translators { state, .. } => {
                if let Some(e) = s.states.iter_mut().find(|e| e.code == *state) {
                    change.apply_to(e);
                }
            }
            Change::Hub(hub) => {
                // A state is a member of one hub: a new hub takes its members from any other.
                for h in &mut s.network.hubs {
                    h.members.retain(|m| !hub.members.contains(m));
                }
                s.network.hubs.retain(|h| !h.members.is_empty() && h.hub != hub.hub);
                s.network.hubs.push(hub.clone());
            }
            Change::Provider { index, provider, .. } => {
                if let Some(p) = s.network.roads.providers.get_mut(usize::from(*index)) {
                    *p = (**provider).clone();
                }
            }
            Change::Circulation { name, period_ms } => {
                if let Some(decay) = s.register_decay.as_mut() {
                    // Validated with the file: the base's faults and these spans fit.
                    let _ =
                        crate::scenario::validate::decay::recirculate(decay, &mut s.network.faults, name, *period_ms);
                }
            }
        }
    }
    s
}

/// Staffed officer-hours a week of a variant: every contact point's officers (and counted
/// translators) on duty in the scenario's first week (an on-call hour at `on_call_cost` of
/// a staffed one), every provider's desk, and every hub's desk in the hours it covers.
pub fn cost_hours_per_week(s: &Scenario, on_call_cost: f64) -> f64 {
    let mut hours: f64 = s.states.iter().map(|e| DeskHours::of(e, s.start).cost(on_call_cost)).sum();
    hours +=
        s.network.roads.providers.iter().map(|p| DeskHours::of_provider(p, s.start).cost(on_call_cost)).sum::<f64>();
    let (from, to) = (s.start, s.start.plus_ms(WEEK_MS));
    for h in &s.network.hubs {
        let Ok(covers) = Roster::new(h.covers.clone()) else { continue };
        hours += on_duty_ms(h.officers.unwrap_or(UNCOUNTED), &covers, from, to) as f64 / HOUR_MS;
    }
    (hours * 100.0).round() / 100.0
}

/// What one run counts.
pub fn count(ledger: &Ledger, measure: Measure, evidence_step: bool) -> u64 {
    let counted = |o: Outcome| match measure {
        Measure::Saved if evidence_step => o == Outcome::Disclosed,
        Measure::Saved | Measure::Preserved => o == Outcome::Preserved,
        Measure::Disclosed => o == Outcome::Disclosed,
        Measure::Succeeded => o.is_success(),
        Measure::DeadlinesMet => false,
    };
    if measure == Measure::DeadlinesMet {
        let met = |r: &&crate::ledger::Request| {
            r.order.is_some_and(|o| o.answered.is_some() && !o.deadline_breached(r.outcome_at))
        };
        return ledger.requests.iter().filter(met).count() as u64;
    }
    ledger.cases.iter().filter(|c| counted(c.outcome)).count() as u64
}

/// What one run of a variant counts, and the overtime its desks worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunCount {
    pub count: u64,
    pub overtime_ms: u64,
}

/// Officer time worked as overtime in a run: every desk's (`analysis::desks`), when some
/// desk's policy is `shift_end = "overtime"`.
fn overtime_ms(s: &Scenario, ledger: &Ledger) -> u64 {
    let overtime = |e: &pocnet_core::ShiftEnd| *e == pocnet_core::ShiftEnd::Overtime;
    let any = s.states.iter().any(|e| overtime(&e.profile.shift_end))
        || s.network.roads.providers.iter().any(|p| overtime(&p.shift_end));
    if !any {
        return 0;
    }
    crate::analysis::desks::figures(s, ledger).iter().filter_map(|d| d.overtime_ms).sum()
}

/// Overtime as staffed officer-hours a week: a variant's mean overtime a run, spread over
/// the weeks its injects span (the overtime a week of traffic costs).
pub fn overtime_hours_per_week(s: &Scenario, overtime_ms: &[u64]) -> f64 {
    if overtime_ms.is_empty() {
        return 0.0;
    }
    let mean = overtime_ms.iter().sum::<u64>() as f64 / overtime_ms.len() as f64;
    let (first, last) = (s.injects.iter().map(|i| i.at).min(), s.injects.iter().map(|i| i.at).max());
    let span = first.zip(last).map_or(0, |(a, b)| b.since(a));
    let weeks = span.div_ceil(WEEK_MS).max(1) as f64;
    (mean / HOUR_MS / weeks * 100.0).round() / 100.0
}

/// Runs a variant once on the in-process engine and counts it.
pub fn run_once(base: &Scenario, changes: &[&Change], seed: u64, measure: Measure) -> anyhow::Result<RunCount> {
    let s = apply(base, changes, seed);
    let (mut engine, next) = crate::engine::inproc::InProcess::new(&s)?;
    let clock = crate::clock::Clock::new(
        next,
        s.network.lookahead_ms(),
        crate::clock::AsFastAsPossible,
        crate::run::exercise_state(&s),
    );
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let run = runtime.block_on(crate::clock::run_to_end(&mut engine, clock))?;
    let ledger = crate::run::ledger_of(&s, &run)?;
    Ok(RunCount { count: count(&ledger, measure, s.evidence_step), overtime_ms: overtime_ms(&s, &ledger) })
}
