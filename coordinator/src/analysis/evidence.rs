//! The evidence step in figures: how many cases ended in usable evidence and how long it
//! took, how close the MLA requests came to the end of the preservation hold, where the
//! time went, and why the rest did not.

use super::breakdown::{latency_of, ratio, LatencyTable};
use super::percentiles::signed_quantiles;
use super::Placed;
use crate::ledger::{Case, Ledger, Outcome, TimeWent};
use crate::scenario::Scenario;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize)]
pub struct EvidenceFigures {
    /// Cases of the kinds that ask for evidence (those needing MLA, those disclosed
    /// directly), and of them those that ended in usable evidence.
    pub cases: usize,
    pub disclosed: usize,
    pub disclosed_ratio: f64,
    /// Preserved cases an MLA request was to follow, and of them those whose hold lapsed.
    pub with_mla: usize,
    pub hold_lapsed: usize,
    pub hold_lapsed_ratio: f64,
    /// From the scheduled time to usable evidence, disclosed cases (grouped by the first
    /// link, as requests are).
    pub time_to_usable_evidence: LatencyTable,
    pub hold_margin: HoldMargin,
    pub where_the_time_went: TimeWentFigures,
    /// Cases of the evidence kinds that did not end in usable evidence, by outcome, most
    /// first.
    pub not_usable: Vec<Cause>,
}

/// Hold expiry minus the MLA request's arrival, over MLA requests that arrived: what margin
/// was left (negative: the hold had lapsed by then).
#[derive(Debug, Serialize, Default, PartialEq, Eq)]
pub struct HoldMargin {
    pub requests: usize,
    pub p5_ms: i64,
    pub p50_ms: i64,
    pub min_ms: i64,
}

#[derive(Debug, Serialize, Default)]
pub struct TimeWentFigures {
    /// Disclosed cases measured.
    pub cases: usize,
    pub stages: Vec<StageTime>,
    /// The same, by request kind.
    pub by_kind: BTreeMap<String, Vec<StageTime>>,
}

/// One stage of the way to usable evidence: its mean time per case and share of the whole.
#[derive(Debug, Serialize, Clone, PartialEq)]
pub struct StageTime {
    pub stage: &'static str,
    pub mean_ms: u64,
    pub share: f64,
}

#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
pub struct Cause {
    pub outcome: &'static str,
    pub cases: usize,
}

/// Mean and share of each stage over `went`.
pub fn stage_times(went: &[TimeWent]) -> Vec<StageTime> {
    let mut totals = [0u64; 5];
    for w in went {
        for (total, ms) in totals.iter_mut().zip(w.stages()) {
            *total = total.saturating_add(ms);
        }
    }
    let whole: u64 = totals.iter().sum();
    let n = went.len().max(1) as u64;
    TimeWent::STAGES
        .iter()
        .zip(totals)
        .map(|(stage, total)| StageTime {
            stage,
            mean_ms: total / n,
            share: if whole == 0 { 0.0 } else { ((total as f64 / whole as f64) * 10_000.0).round() / 10_000.0 },
        })
        .collect()
}

/// The evidence figures of a run that models the evidence step.
pub fn figures(scenario: &Scenario, ledger: &Ledger, placed: &[Placed<'_>]) -> Option<EvidenceFigures> {
    if !scenario.evidence_step {
        return None;
    }
    let asks: Vec<&Case> = ledger.cases.iter().filter(|c| scenario.evidence_kinds.contains(&c.kind)).collect();
    let disclosed: Vec<&Case> = asks.iter().copied().filter(|c| c.outcome == Outcome::Disclosed).collect();
    let with_mla = ledger.cases.iter().filter(|c| c.had_mla_leg()).count();
    let hold_lapsed = ledger.cases.iter().filter(|c| c.outcome == Outcome::HoldLapsed).count();
    let first_links: BTreeMap<u32, &Placed<'_>> =
        placed.iter().filter(|p| p.request.id.link == 0).map(|p| (p.request.id.case, p)).collect();
    let measured: Vec<(&Placed<'_>, u64)> =
        disclosed.iter().filter_map(|c| Some((*first_links.get(&c.id.case)?, c.time_to_evidence_ms()?))).collect();
    let margins: Vec<i64> = ledger.requests.iter().filter_map(|r| r.hold_margin_ms()).collect();
    let q = signed_quantiles(&margins, &[0.05, 0.5]);
    let went: Vec<(&Case, TimeWent)> = disclosed.iter().filter_map(|c| Some((*c, c.time_went?))).collect();
    let mut by_kind: BTreeMap<String, Vec<TimeWent>> = BTreeMap::new();
    for (c, w) in &went {
        by_kind.entry(c.kind.to_string()).or_default().push(*w);
    }
    let mut not_usable: BTreeMap<Outcome, usize> = BTreeMap::new();
    for c in asks.iter().filter(|c| c.outcome != Outcome::Disclosed) {
        *not_usable.entry(c.outcome).or_default() += 1;
    }
    let mut not_usable: Vec<Cause> =
        not_usable.into_iter().map(|(o, cases)| Cause { outcome: o.as_str(), cases }).collect();
    not_usable.sort_by(|a, b| b.cases.cmp(&a.cases).then(a.outcome.cmp(b.outcome)));
    Some(EvidenceFigures {
        cases: asks.len(),
        disclosed: disclosed.len(),
        disclosed_ratio: ratio(disclosed.len(), asks.len()),
        with_mla,
        hold_lapsed,
        hold_lapsed_ratio: ratio(hold_lapsed, with_mla),
        time_to_usable_evidence: latency_of(&measured),
        hold_margin: HoldMargin {
            requests: margins.len(),
            p5_ms: q[0],
            p50_ms: q[1],
            min_ms: margins.iter().copied().min().unwrap_or(0),
        },
        where_the_time_went: TimeWentFigures {
            cases: went.len(),
            stages: stage_times(&went.iter().map(|(_, w)| *w).collect::<Vec<_>>()),
            by_kind: by_kind.into_iter().map(|(k, w)| (k, stage_times(&w))).collect(),
        },
        not_usable,
    })
}
