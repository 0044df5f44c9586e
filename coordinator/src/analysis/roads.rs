//! The two roads to evidence compared: direct orders to providers, and the 24/7 step with
//! the MLA leg, on the cases an agreement covered (so both roads are measured on the same
//! pairs and kinds), and each provider's desk against the agreements' deadlines.

use super::percentiles::{percentiles, Percentiles};
use crate::ledger::{Ledger, Outcome, Request};
use crate::scenario::Scenario;
use pocnet_core::{Inject, StateCode};
use serde::Serialize;
use std::collections::BTreeMap;

/// The roads' figures, when the scenario names agreements.
#[derive(Debug, Serialize, Clone)]
pub struct RoadFigures {
    /// One row per road, over the first links of the cases an agreement covered.
    pub roads: Vec<RoadRow>,
    /// One row per provider that received orders.
    pub providers: Vec<ProviderRow>,
    /// Orders the review by the provider's state held after they were produced.
    pub reviewed: usize,
    /// How long produced data waited for the review's end.
    pub review_wait: Percentiles,
}

/// One road, over the covered cases that took it.
#[derive(Debug, Serialize, Clone)]
pub struct RoadRow {
    /// `direct order` or `24/7 step and MLA`.
    pub road: &'static str,
    pub requests: usize,
    /// Ended in usable evidence.
    pub usable: usize,
    /// From the scheduled time to usable evidence.
    pub time_to_evidence: Percentiles,
    /// The data was gone (deleted before preservation, or the hold lapsed).
    pub lost: usize,
    /// Refused (by the requested state, its review, or its central authority).
    pub refused: usize,
    /// Every other ending: expired, withdrawn, not pursued, unfinished.
    pub other: usize,
}

/// One provider's desk, against the deadlines of the orders it received.
#[derive(Debug, Serialize, Clone)]
pub struct ProviderRow {
    pub provider: String,
    pub home: StateCode,
    pub orders: usize,
    /// Answered after the agreement's deadline, or never answered by it.
    pub deadline_breaches: usize,
    /// Received while its desk was not staffed (on call or closed).
    pub received_unstaffed: usize,
    /// From the desk's receipt to its answer (answered orders).
    pub time_to_answer: Percentiles,
}

const DIRECT: &str = "direct order";
const TWENTY_FOUR_SEVEN: &str = "24/7 step and MLA";

pub fn figures(scenario: &Scenario, ledger: &Ledger) -> Option<RoadFigures> {
    let roads = &scenario.network.roads;
    if roads.agreements.is_empty() {
        return None;
    }
    let injects: BTreeMap<u32, &Inject> = scenario.injects.iter().map(|i| (i.id.case, i)).collect();
    let covered = |r: &&Request| {
        let Some(i) = injects.get(&r.id.case).filter(|_| r.id.link == 0) else { return false };
        i.provider.is_some_and(|p| roads.agreement_for(r.from, p, r.kind, &i.data).is_some())
    };
    let first_links: Vec<&Request> = ledger.requests.iter().filter(covered).collect();
    let (direct, other): (Vec<&Request>, Vec<&Request>) = first_links.iter().partition(|r| r.order.is_some());
    let held: Vec<u64> = direct.iter().filter_map(|r| r.order.and_then(|o| Some(o.answered?.since(o.held?)))).collect();
    Some(RoadFigures {
        roads: vec![road_row(DIRECT, &direct), road_row(TWENTY_FOUR_SEVEN, &other)],
        providers: provider_rows(scenario, &ledger.requests),
        reviewed: held.len(),
        review_wait: percentiles(&held),
    })
}

fn road_row(road: &'static str, requests: &[&Request]) -> RoadRow {
    let count = |pred: fn(Outcome) -> bool| requests.iter().filter(|r| pred(r.outcome)).count();
    let times: Vec<u64> = requests.iter().filter_map(|r| r.time_to_evidence_ms()).collect();
    let usable = count(|o| o == Outcome::Disclosed);
    let lost = count(|o| matches!(o, Outcome::EvidenceLost | Outcome::HoldLapsed));
    let refused = count(|o| matches!(o, Outcome::Refused | Outcome::MlaRefused));
    RoadRow {
        road,
        requests: requests.len(),
        usable,
        time_to_evidence: percentiles(&times),
        lost,
        refused,
        other: requests.len() - usable - lost - refused,
    }
}

fn provider_rows(scenario: &Scenario, requests: &[Request]) -> Vec<ProviderRow> {
    let mut by_provider: BTreeMap<u8, Vec<&Request>> = BTreeMap::new();
    for r in requests {
        if let Some(o) = r.order {
            by_provider.entry(o.provider).or_default().push(r);
        }
    }
    by_provider
        .into_iter()
        .filter_map(|(i, orders)| {
            let p = scenario.network.roads.provider(i)?;
            let answer: Vec<u64> = orders
                .iter()
                .filter_map(|r| {
                    let o = r.order?;
                    Some(o.answered?.since(o.received?.0))
                })
                .collect();
            Some(ProviderRow {
                provider: p.name.clone(),
                home: p.home,
                orders: orders.len(),
                deadline_breaches: orders
                    .iter()
                    .filter(|r| r.order.is_some_and(|o| o.deadline_breached(r.outcome_at)))
                    .count(),
                received_unstaffed: orders.iter().filter(|r| r.order.is_some_and(|o| o.received_unstaffed())).count(),
                time_to_answer: percentiles(&answer),
            })
        })
        .collect()
}
