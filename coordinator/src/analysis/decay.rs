//! Register decay in figures: which entries were stale and when, how many first sends
//! reached a dead entry, how long the fallback took, and the cases it cost.

use super::percentiles::{percentiles, Percentiles};
use crate::ledger::Ledger;
use crate::scenario::{Assumption, Scenario};
use pocnet_core::{RequestId, StateCode};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A stale entry, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct StaleEntry {
    pub state: StateCode,
    pub changed: String,
    /// The state notified the change (else only a communication check found it).
    pub notified: bool,
    /// When the requesters had the corrected entry; `None`: not in the run.
    pub until: Option<String>,
}

/// One fallback channel and the resends that went by it.
#[derive(Debug, Clone, Serialize)]
pub struct FallbackUse {
    pub name: String,
    pub delay_ms: u64,
    pub resends: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct DecayFigures {
    pub assumptions: Vec<Assumption>,
    pub stale_entries: Vec<StaleEntry>,
    /// Entries stale at the scenario's start.
    pub stale_at_start: usize,
    /// Requests sent (chain links included), and those whose first send reached a stale
    /// entry.
    pub requests: usize,
    pub first_sends_dead: usize,
    pub first_sends_dead_share: f64,
    pub fallbacks: Vec<FallbackUse>,
    /// Dead-entry requests that reached the desk in the end (by a fallback), and those
    /// that never did.
    pub reached_by_fallback: usize,
    pub never_reached: usize,
    /// Delivery minus (scheduled + the direct link's delay), for dead-entry requests that
    /// reached the desk: the time the stale entry cost.
    pub time_lost: Percentiles,
    /// Cases with a link whose first send was dead, by outcome.
    pub affected_cases: usize,
    pub affected_outcomes: BTreeMap<&'static str, usize>,
    /// The same run with every entry current (same draws), case by case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with_current_register: Option<Counterfactual>,
}

/// What the stale entries cost, against the same run with a current register: cases that
/// ended in success (preserved, disclosed, fulfilled) there but not here, and the reverse.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Counterfactual {
    pub succeeded: usize,
    pub succeeded_with_current_register: usize,
    /// Succeeded with a current register, failed with the stale one: lost to stale entries.
    pub lost_to_stale_entries: usize,
    /// The reverse (a queue that moved, an answer that fell on another shift).
    pub saved_by_the_delay: usize,
    /// The cases lost, by how they ended here.
    pub lost_as: BTreeMap<&'static str, usize>,
}

impl DecayFigures {
    /// Compares `ledger` case by case with `current`'s, the same scenario with every
    /// register entry current.
    pub fn compare(&mut self, ledger: &Ledger, current: &Ledger) {
        let succeeded: BTreeMap<RequestId, bool> =
            current.cases.iter().map(|c| (c.id, c.outcome.is_success())).collect();
        let mut lost_as = BTreeMap::new();
        let (mut lost, mut saved) = (0, 0);
        for case in &ledger.cases {
            match (case.outcome.is_success(), succeeded.get(&case.id)) {
                (false, Some(true)) => {
                    lost += 1;
                    *lost_as.entry(case.outcome.as_str()).or_insert(0) += 1;
                }
                (true, Some(false)) => saved += 1,
                _ => {}
            }
        }
        self.with_current_register = Some(Counterfactual {
            succeeded: ledger.cases.iter().filter(|c| c.outcome.is_success()).count(),
            succeeded_with_current_register: succeeded.values().filter(|s| **s).count(),
            lost_to_stale_entries: lost,
            saved_by_the_delay: saved,
            lost_as,
        });
    }
}

pub fn figures(scenario: &Scenario, ledger: &Ledger) -> Option<DecayFigures> {
    let decay = scenario.register_decay.as_ref()?;
    let dead: Vec<_> = ledger.requests.iter().filter(|r| r.reach.dead_entry).collect();
    let lost: Vec<u64> = dead
        .iter()
        .filter_map(|r| {
            let (delivered, _) = r.step.delivered?;
            let direct = r.scheduled.plus_ms(scenario.network.delay_ms(r.from, r.to));
            Some(delivered.since(direct))
        })
        .collect();
    let fallbacks = scenario
        .network
        .fallbacks
        .iter()
        .enumerate()
        .map(|(i, f)| FallbackUse {
            name: f.name.clone(),
            delay_ms: f.delay_ms,
            resends: ledger.requests.iter().flat_map(|r| &r.reach.fallbacks).filter(|c| usize::from(**c) == i).count(),
        })
        .collect();
    let affected: BTreeSet<u32> = dead.iter().map(|r| r.id.case).collect();
    let mut outcomes = BTreeMap::new();
    for case in ledger.cases.iter().filter(|c| affected.contains(&c.id.case)) {
        *outcomes.entry(case.outcome.as_str()).or_insert(0) += 1;
    }
    let requests = ledger.requests.len();
    Some(DecayFigures {
        assumptions: decay.assumptions(),
        stale_entries: decay
            .stale
            .iter()
            .map(|s| StaleEntry {
                state: s.state,
                changed: s.changed.to_string(),
                notified: s.notified,
                until: s.until.map(|u| u.to_string()),
            })
            .collect(),
        stale_at_start: decay
            .stale
            .iter()
            .filter(|s| s.changed <= scenario.start && s.until.is_none_or(|u| u > scenario.start))
            .map(|s| s.state)
            .collect::<BTreeSet<_>>()
            .len(),
        requests,
        first_sends_dead: dead.len(),
        first_sends_dead_share: if requests == 0 { 0.0 } else { round4(dead.len() as f64 / requests as f64) },
        fallbacks,
        reached_by_fallback: dead.iter().filter(|r| r.step.delivered.is_some()).count(),
        never_reached: dead.iter().filter(|r| r.step.delivered.is_none()).count(),
        time_lost: percentiles(&lost),
        affected_cases: affected.len(),
        affected_outcomes: outcomes,
        with_current_register: None,
    })
}

/// Four decimals: the same bytes on every host.
fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
