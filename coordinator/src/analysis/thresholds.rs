//! Thresholds (k6-like bounds a run must meet) judged on the ledger.
//!
//! Time metrics count a request that never reached the measured point as infinitely
//! slow: a p95 over only the requests that were answered would hide the ones that were not.

use super::breakdown::first_regions;
use super::percentiles::percentiles;
use super::Placed;
use crate::ledger::{Case, Ledger, Outcome, Request};
use crate::scenario::{Metric, Scenario, Stat, Threshold};
use pocnet_core::time::format_duration_ms;
use serde::Serialize;

/// Stands for "never": larger than any time the core produces.
const NEVER_MS: u64 = 16 * pocnet_core::limits::DELAY_MS_MAX;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Verdict {
    /// The threshold as written: `ack_time{kind=emergency} p95 < 1h`.
    pub threshold: String,
    /// The measured value, as people read it.
    pub value: String,
    pub samples: usize,
    pub passed: bool,
}

pub fn evaluate(scenario: &Scenario, ledger: &Ledger, placed: &[Placed<'_>]) -> Vec<Verdict> {
    scenario.thresholds.iter().map(|t| verdict(t, scenario, ledger, placed)).collect()
}

fn request_matches(t: &Threshold, p: &Placed<'_>) -> bool {
    t.kind.is_none_or(|k| p.request.kind == k) && t.region.as_ref().is_none_or(|reg| p.to_region == reg)
}

/// What a metric measures: a time per request or per case, or a share of cases.
enum Measure {
    /// A time each matching request took (never, if it did not get there).
    RequestTime(fn(&Request) -> Option<u64>),
    /// From inject to usable evidence, over the cases of the evidence kinds.
    EvidenceTime,
    /// From inject to a successful outcome, over every case.
    CaseTime,
    /// Of the cases `of` admits, the share `counted` admits.
    Ratio { of: CaseSet, counted: Counted },
}

/// The cases a ratio is a share of: every case, or those of its step.
#[derive(Clone, Copy)]
enum CaseSet {
    All,
    WithMlaLeg,
    EvidenceKinds,
    Forged,
}

/// The cases a ratio counts.
#[derive(Clone, Copy)]
enum Counted {
    Ended(Outcome),
    /// Not fulfilled, preserved or disclosed.
    Failed,
    /// Forged and executed by the receiver.
    ForgedAccepted,
}

/// Every metric named once: a new one is a compile error here, never a default.
fn measure(metric: Metric) -> Measure {
    let ratio = |of, counted| Measure::Ratio { of, counted };
    match metric {
        Metric::AckTime => Measure::RequestTime(Request::time_to_acknowledge_ms),
        Metric::FulfilTime => Measure::RequestTime(Request::time_to_fulfil_ms),
        Metric::EvidenceTime => Measure::EvidenceTime,
        Metric::CaseTime => Measure::CaseTime,
        Metric::EvidenceLostRatio => ratio(CaseSet::All, Counted::Ended(Outcome::EvidenceLost)),
        Metric::ExpiredRatio => ratio(CaseSet::All, Counted::Ended(Outcome::Expired)),
        Metric::RefusedRatio => ratio(CaseSet::All, Counted::Ended(Outcome::Refused)),
        Metric::UndeliverableRatio => ratio(CaseSet::All, Counted::Ended(Outcome::Undeliverable)),
        Metric::FailureRatio => ratio(CaseSet::All, Counted::Failed),
        Metric::HoldLapsedRatio => ratio(CaseSet::WithMlaLeg, Counted::Ended(Outcome::HoldLapsed)),
        Metric::DisclosedRatio => ratio(CaseSet::EvidenceKinds, Counted::Ended(Outcome::Disclosed)),
        Metric::ForgedAccepted => ratio(CaseSet::Forged, Counted::ForgedAccepted),
    }
}

fn verdict(t: &Threshold, scenario: &Scenario, ledger: &Ledger, placed: &[Placed<'_>]) -> Verdict {
    let evidence_kind = |c: &Case| scenario.evidence_kinds.contains(&c.kind);
    let first_region = first_regions(placed);
    let case_matches = |c: &Case| {
        let region = first_region.get(&c.id.case).copied().unwrap_or_default();
        t.kind.is_none_or(|k| c.kind == k) && t.region.as_ref().is_none_or(|reg| region == reg)
    };
    let cases = || ledger.cases.iter().filter(|c| case_matches(c));
    let times: Vec<u64> = match measure(t.metric) {
        Measure::RequestTime(field) => placed
            .iter()
            .filter(|p| p.request.by_24_7_step() && request_matches(t, p))
            .map(|p| field(p.request).unwrap_or(NEVER_MS))
            .collect(),
        Measure::EvidenceTime => {
            cases().filter(|c| evidence_kind(c)).map(|c| c.time_to_evidence_ms().unwrap_or(NEVER_MS)).collect()
        }
        Measure::CaseTime => {
            cases().map(|c| if c.outcome.is_success() { c.end_to_end_ms() } else { NEVER_MS }).collect()
        }
        Measure::Ratio { of, counted } => {
            let of: Vec<&Case> = cases()
                .filter(|c| match of {
                    CaseSet::All => true,
                    CaseSet::WithMlaLeg => c.had_mla_leg(),
                    CaseSet::EvidenceKinds => evidence_kind(c),
                    CaseSet::Forged => c.forged,
                })
                .collect();
            let n = of
                .iter()
                .filter(|c| match counted {
                    Counted::Ended(outcome) => c.outcome == outcome,
                    Counted::Failed => !c.outcome.is_success(),
                    Counted::ForgedAccepted => super::forgery::accepted(ledger, c.id.case),
                })
                .count();
            let ratio = if of.is_empty() { 0.0 } else { n as f64 / of.len() as f64 };
            let (value, samples) = (format!("{ratio:.4}"), of.len());
            return judged(t, value, samples, of.is_empty() || t.bound.holds(ratio));
        }
    };
    let p = percentiles(&times);
    let v = match t.stat.unwrap_or(Stat::Max) {
        Stat::P50 => p.p50_ms,
        Stat::P90 => p.p90_ms,
        Stat::P95 => p.p95_ms,
        Stat::P99 => p.p99_ms,
        Stat::Max => p.max_ms,
    };
    let shown = if v >= NEVER_MS { "never".to_string() } else { format_duration_ms(v) };
    judged(t, shown, times.len(), times.is_empty() || t.bound.holds(v as f64))
}

fn judged(t: &Threshold, value: String, samples: usize, passed: bool) -> Verdict {
    let value = if samples == 0 { "no samples".to_string() } else { value };
    Verdict { threshold: t.to_string(), value, samples, passed }
}
