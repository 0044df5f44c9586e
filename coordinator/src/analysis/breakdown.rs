//! Latency, outcome and SLA breakdowns of a run, from its placed requests.

use super::percentiles::{percentiles, Percentiles};
use super::Placed;
use crate::ledger::{Ledger, Outcome, Request};
use pocnet_core::time::WEEKDAYS;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize)]
pub struct LatencyTable {
    pub overall: Percentiles,
    pub by_kind: BTreeMap<String, Percentiles>,
    /// `requester region > receiver region`.
    pub by_region_pair: BTreeMap<String, Percentiles>,
    /// The receiver's local hour when the request was scheduled, `00` to `23`.
    pub by_receiver_local_hour: BTreeMap<String, Percentiles>,
    /// The receiver's local weekday, `1-Mon` to `7-Sun`.
    pub by_receiver_weekday: BTreeMap<String, Percentiles>,
}

fn weekday_key(index: u8) -> String {
    let i = usize::from(index.min(6));
    format!("{}-{}", i + 1, WEEKDAYS[i])
}

/// Percentiles of `value` over the requests that have one, grouped every way.
pub fn latency(requests: &[Placed<'_>], value: fn(&Request) -> Option<u64>) -> LatencyTable {
    let measured: Vec<(&Placed<'_>, u64)> = requests.iter().filter_map(|p| Some((p, value(p.request)?))).collect();
    latency_of(&measured)
}

/// Percentiles of values, each placed as a request is, grouped every way.
pub fn latency_of(measured: &[(&Placed<'_>, u64)]) -> LatencyTable {
    let group = |key: &dyn Fn(&Placed<'_>) -> String| -> BTreeMap<String, Percentiles> {
        let mut groups: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for (p, v) in measured {
            groups.entry(key(p)).or_default().push(*v);
        }
        groups.into_iter().map(|(k, v)| (k, percentiles(&v))).collect()
    };
    let all: Vec<u64> = measured.iter().map(|(_, v)| *v).collect();
    LatencyTable {
        overall: percentiles(&all),
        by_kind: group(&|p| p.request.kind.to_string()),
        by_region_pair: group(&|p: &Placed<'_>| p.region_pair()),
        by_receiver_local_hour: group(&|p| format!("{:02}", p.receiver_hour)),
        by_receiver_weekday: group(&|p| weekday_key(p.receiver_weekday)),
    }
}

#[derive(Debug, Serialize, Default, Clone, PartialEq)]
pub struct OutcomeCounts {
    pub cases: usize,
    /// Ended in success ([`Outcome::is_success`]): fulfilled, preserved or, with the
    /// evidence step, disclosed.
    pub succeeded: usize,
    pub evidence_lost: usize,
    pub refused: usize,
    pub expired: usize,
    pub undeliverable: usize,
    #[serde(skip_serializing_if = "is_zero")]
    pub unfinished: usize,
    /// The evidence step's failures (only when it is modelled and they happen).
    #[serde(skip_serializing_if = "is_zero")]
    pub hold_lapsed: usize,
    #[serde(skip_serializing_if = "is_zero")]
    pub mla_refused: usize,
    #[serde(skip_serializing_if = "is_zero")]
    pub mla_not_pursued: usize,
    #[serde(skip_serializing_if = "is_zero")]
    pub withdrawn: usize,
    pub success_ratio: f64,
}

impl OutcomeCounts {
    fn add(&mut self, outcome: Outcome) {
        self.cases += 1;
        match outcome {
            Outcome::Fulfilled | Outcome::Preserved | Outcome::Disclosed => self.succeeded += 1,
            Outcome::EvidenceLost => self.evidence_lost += 1,
            Outcome::Refused => self.refused += 1,
            Outcome::Expired => self.expired += 1,
            Outcome::Undeliverable => self.undeliverable += 1,
            Outcome::Unfinished => self.unfinished += 1,
            Outcome::HoldLapsed => self.hold_lapsed += 1,
            Outcome::MlaRefused => self.mla_refused += 1,
            Outcome::MlaNotPursued => self.mla_not_pursued += 1,
            Outcome::Withdrawn => self.withdrawn += 1,
        }
        self.success_ratio = ratio(self.succeeded, self.cases);
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// `part / whole` to four decimals (0 of nothing is 0).
pub fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        ((part as f64 / whole as f64) * 10_000.0).round() / 10_000.0
    }
}

/// A group of requests that did worst: named, with its failures and slowest decile.
#[derive(Debug, Serialize, Clone, PartialEq)]
pub struct Hotspot {
    pub name: String,
    pub requests: usize,
    /// Requests that did not end fulfilled or preserved.
    pub failed: usize,
    pub failure_ratio: f64,
    pub p90_ack_ms: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct Outcomes {
    /// Every case: `overall.success_ratio` is the run's share of cases that succeeded.
    pub overall: OutcomeCounts,
    pub by_kind: BTreeMap<String, OutcomeCounts>,
    /// By the region of the first requested state.
    pub by_region: BTreeMap<String, OutcomeCounts>,
    /// Region pairs with the highest failure ratio (then slowest acknowledgement), at least
    /// `HOTSPOT_REQUESTS_MIN` requests each.
    pub worst_region_pairs: Vec<Hotspot>,
    /// Receiver local hours likewise.
    pub worst_receiver_hours: Vec<Hotspot>,
}

pub const HOTSPOT_REQUESTS_MIN: usize = 3;
pub const HOTSPOTS_MAX: usize = 5;

/// The region of each case's first requested state.
pub fn first_regions<'l>(requests: &[Placed<'l>]) -> BTreeMap<u32, &'l str> {
    requests.iter().filter(|p| p.request.id.link == 0).map(|p| (p.request.id.case, p.to_region)).collect()
}

pub fn outcomes(ledger: &Ledger, requests: &[Placed<'_>]) -> Outcomes {
    let mut overall = OutcomeCounts::default();
    let mut by_kind: BTreeMap<String, OutcomeCounts> = BTreeMap::new();
    let mut by_region: BTreeMap<String, OutcomeCounts> = BTreeMap::new();
    let first_region = first_regions(requests);
    for c in &ledger.cases {
        overall.add(c.outcome);
        by_kind.entry(c.kind.to_string()).or_default().add(c.outcome);
        let region = first_region.get(&c.id.case).copied().unwrap_or("");
        by_region.entry(region.to_string()).or_default().add(c.outcome);
    }
    Outcomes {
        overall,
        by_kind,
        by_region,
        worst_region_pairs: hotspots(requests, |p: &Placed<'_>| p.region_pair()),
        worst_receiver_hours: hotspots(requests, |p| format!("{:02}:00 receiver local", p.receiver_hour)),
    }
}

fn hotspots(requests: &[Placed<'_>], key: impl Fn(&Placed<'_>) -> String) -> Vec<Hotspot> {
    let mut groups: BTreeMap<String, Vec<&Request>> = BTreeMap::new();
    for p in requests {
        groups.entry(key(p)).or_default().push(p.request);
    }
    let mut spots: Vec<Hotspot> = groups
        .into_iter()
        .filter(|(_, rs)| rs.len() >= HOTSPOT_REQUESTS_MIN)
        .map(|(name, rs)| {
            let failed = rs.iter().filter(|r| !r.outcome.is_success()).count();
            let acks: Vec<u64> = rs.iter().filter_map(|r| r.time_to_acknowledge_ms()).collect();
            Hotspot {
                name,
                requests: rs.len(),
                failed,
                failure_ratio: ratio(failed, rs.len()),
                p90_ack_ms: (!acks.is_empty()).then(|| percentiles(&acks).p90_ms),
            }
        })
        .collect();
    // Worst first: most failures, then slowest; ties by name for a stable order.
    spots.sort_by(|a, b| {
        b.failure_ratio.total_cmp(&a.failure_ratio).then(b.p90_ack_ms.cmp(&a.p90_ack_ms)).then(a.name.cmp(&b.name))
    });
    spots.truncate(HOTSPOTS_MAX);
    spots
}

/// The share of requests acknowledged within the scenario's acknowledgement SLA.
#[derive(Debug, Serialize)]
pub struct Sla {
    pub ack_sla_ms: u64,
    pub overall: Share,
    pub by_receiver_local_hour: BTreeMap<String, Share>,
    pub by_kind: BTreeMap<String, Share>,
    /// By the receiver's region.
    pub by_region: BTreeMap<String, Share>,
}

#[derive(Debug, Serialize, Default, Clone, PartialEq)]
pub struct Share {
    pub requests: usize,
    pub within: usize,
    pub ratio: f64,
}

impl Share {
    fn add(&mut self, within: bool) {
        self.requests += 1;
        self.within += usize::from(within);
        self.ratio = ratio(self.within, self.requests);
    }
}

pub fn sla(requests: &[Placed<'_>], ack_sla_ms: u64) -> Sla {
    let mut s = Sla {
        ack_sla_ms,
        overall: Share::default(),
        by_receiver_local_hour: BTreeMap::new(),
        by_kind: BTreeMap::new(),
        by_region: BTreeMap::new(),
    };
    for p in requests.iter().filter(|p| p.request.by_24_7_step()) {
        let within = p.request.time_to_acknowledge_ms().is_some_and(|ms| ms <= ack_sla_ms);
        s.overall.add(within);
        s.by_receiver_local_hour.entry(format!("{:02}", p.receiver_hour)).or_default().add(within);
        s.by_kind.entry(p.request.kind.to_string()).or_default().add(within);
        s.by_region.entry(p.to_region.to_string()).or_default().add(within);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_counts_as_succeeded_exactly_when_its_outcome_is_a_success() {
        for outcome in Outcome::ALL {
            let mut counts = OutcomeCounts::default();
            counts.add(outcome);
            assert_eq!(counts.succeeded == 1, outcome.is_success(), "{outcome:?}");
            assert_eq!(counts.success_ratio, if outcome.is_success() { 1.0 } else { 0.0 }, "{outcome:?}");
        }
    }
}
