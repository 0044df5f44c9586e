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

fn verdict(t: &Threshold, scenario: &Scenario, ledger: &Ledger, placed: &[Placed<'_>]) -> Verdict {
    let evidence_kind = |c: &&Case| scenario.evidence_kinds.contains(&c.kind);
    let first_region = first_regions(placed);
    let case_matches = |c: &Case| {
        let region = first_region.get(&c.id.case).copied().unwrap_or_default();
        t.kind.is_none_or(|k| c.kind == k) && t.region.as_ref().is_none_or(|reg| region == reg)
    };
    let (value, samples, passed) = if t.metric.is_time() {
        let of_request = |field: fn(&Request) -> Option<u64>| -> Vec<u64> {
            placed.iter().filter(|p| request_matches(t, p)).map(|p| field(p.request).unwrap_or(NEVER_MS)).collect()
        };
        let values: Vec<u64> = match t.metric {
            Metric::AckTime => of_request(Request::time_to_acknowledge_ms),
            Metric::FulfilTime => of_request(Request::time_to_fulfil_ms),
            Metric::EvidenceTime => ledger
                .cases
                .iter()
                .filter(|c| case_matches(c))
                .filter(evidence_kind)
                .map(|c| c.time_to_evidence_ms().unwrap_or(NEVER_MS))
                .collect(),
            _ => ledger
                .cases
                .iter()
                .filter(|c| case_matches(c))
                .map(|c| if c.outcome.is_success() { c.end_to_end_ms() } else { NEVER_MS })
                .collect(),
        };
        let p = percentiles(&values);
        let v = match t.stat.unwrap_or(Stat::Max) {
            Stat::P50 => p.p50_ms,
            Stat::P90 => p.p90_ms,
            Stat::P95 => p.p95_ms,
            Stat::P99 => p.p99_ms,
            Stat::Max => p.max_ms,
        };
        let shown = if v >= NEVER_MS { "never".to_string() } else { format_duration_ms(v) };
        (shown, values.len(), values.is_empty() || t.bound.holds(v as f64))
    } else {
        // The cases a ratio is a share of: every case, or those of its step.
        let cases: Vec<&Case> = ledger
            .cases
            .iter()
            .filter(|c| case_matches(c))
            .filter(|c| match t.metric {
                Metric::HoldLapsedRatio => c.had_mla_leg(),
                Metric::DisclosedRatio => evidence_kind(c),
                Metric::ForgedAccepted => c.forged,
                _ => true,
            })
            .collect();
        let counted = cases
            .iter()
            .filter(|c| match t.metric {
                Metric::EvidenceLostRatio => c.outcome == Outcome::EvidenceLost,
                Metric::ExpiredRatio => c.outcome == Outcome::Expired,
                Metric::RefusedRatio => c.outcome == Outcome::Refused,
                Metric::UndeliverableRatio => c.outcome == Outcome::Undeliverable,
                Metric::HoldLapsedRatio => c.outcome == Outcome::HoldLapsed,
                Metric::DisclosedRatio => c.outcome == Outcome::Disclosed,
                Metric::ForgedAccepted => super::forgery::accepted(ledger, c.id.case),
                _ => !c.outcome.is_success(),
            })
            .count();
        let ratio = if cases.is_empty() { 0.0 } else { counted as f64 / cases.len() as f64 };
        (format!("{ratio:.4}"), cases.len(), cases.is_empty() || t.bound.holds(ratio))
    };
    let value = if samples == 0 { "no samples".to_string() } else { value };
    Verdict { threshold: t.to_string(), value, samples, passed }
}
