//! Forged requests and verification in figures: how the forgeries ended (accepted,
//! caught by verification, or neither), by the receiving desk's verification policy; what
//! verification cost genuine requests (their own time, and against the same run without
//! verification: the time to data of genuine emergencies, and cases lost).

use super::percentiles::{percentiles, Percentiles};
use crate::ledger::reason::Reason;
use crate::ledger::{Ledger, Request};
use crate::scenario::Scenario;
use pocnet_core::{RequestId, RequestKind};
use serde::Serialize;
use std::collections::BTreeMap;

/// Forged cases by how they ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Forgeries {
    pub forged: usize,
    /// Executed by the receiver (whenever): the forger had what it asked for.
    pub accepted: usize,
    /// Verification caught it (the receiver refused it, whether or not the answer reached
    /// the requester before it gave up).
    pub caught: usize,
    /// Neither (refused on other grounds, expired, too late...).
    pub other: usize,
}

impl Forgeries {
    fn add(&mut self, r: &Request) {
        self.forged += 1;
        if r.step.fulfilled_at.is_some() {
            self.accepted += 1;
        } else if r.forgery.verification.is_some_and(|v| v.ended.is_some_and(|(_, verified)| !verified)) {
            self.caught += 1;
        } else {
            self.other += 1;
        }
    }
}

/// The same run without verification, request by request (common random numbers).
#[derive(Debug, Clone, Serialize)]
pub struct WithoutVerification {
    /// Genuine emergencies' time to fulfil, in this run and without verification.
    pub genuine_emergency_time_to_fulfil: Percentiles,
    pub genuine_emergency_time_to_fulfil_without: Percentiles,
    /// Per genuine emergency fulfilled in both: the time verification added.
    pub added_to_genuine_emergencies: Percentiles,
    /// The same, by the receiving desk's verification (the trade-off against
    /// `by_verification`'s forgeries caught and accepted).
    pub added_by_verification: BTreeMap<&'static str, Percentiles>,
    /// Genuine cases that succeeded without verification and failed with it.
    pub genuine_cases_lost: usize,
    /// Forged cases accepted without verification.
    pub forged_accepted_without: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ForgeryFigures {
    /// Forged requests (links included) by how they ended.
    pub requests: Forgeries,
    /// By the receiving desk's verification (`none`, `call-back`, `supervisor`).
    pub by_verification: BTreeMap<&'static str, Forgeries>,
    /// Forged cases, and those with a link a receiver executed (the `forged_accepted`
    /// threshold's numerator).
    pub forged_cases: usize,
    pub forged_cases_accepted: usize,
    /// Genuine requests verified, their verification time, and those refused unverified.
    pub genuine_verified: usize,
    pub verification_time: Percentiles,
    pub genuine_refused_unverified: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub without_verification: Option<WithoutVerification>,
}

/// The verification policy of `r`'s receiver for `r`'s kind (a hub's execution for a
/// member is not verified).
fn policy(scenario: &Scenario, r: &Request) -> &'static str {
    if r.hub.is_some_and(|h| !h.handed_back) {
        return "none (hub)";
    }
    scenario
        .state(r.to)
        .and_then(|s| s.profile.verify.as_ref())
        .filter(|v| v.kinds.contains(&r.kind))
        .map_or("none", |v| v.how.as_str())
}

pub fn figures(scenario: &Scenario, ledger: &Ledger) -> Option<ForgeryFigures> {
    let verifies = scenario.states.iter().any(|s| s.profile.verify.is_some());
    let forged_any = ledger.requests.iter().any(|r| r.forgery.forged);
    if !verifies && !forged_any {
        return None;
    }
    let mut requests = Forgeries::default();
    let mut by: BTreeMap<&'static str, Forgeries> = BTreeMap::new();
    for r in ledger.requests.iter().filter(|r| r.forgery.forged) {
        requests.add(r);
        by.entry(policy(scenario, r)).or_default().add(r);
    }
    let genuine: Vec<&Request> = ledger.requests.iter().filter(|r| !r.forgery.forged).collect();
    let times: Vec<u64> = genuine
        .iter()
        .filter_map(|r| {
            let v = r.forgery.verification?;
            Some(v.ended?.0.since(v.started))
        })
        .collect();
    let forged_cases: Vec<_> = ledger.cases.iter().filter(|c| c.forged).collect();
    Some(ForgeryFigures {
        requests,
        by_verification: by,
        forged_cases: forged_cases.len(),
        forged_cases_accepted: forged_cases.iter().filter(|c| accepted(ledger, c.id.case)).count(),
        genuine_verified: genuine.iter().filter(|r| r.forgery.verification.is_some()).count(),
        verification_time: percentiles(&times),
        genuine_refused_unverified: genuine.iter().filter(|r| matches!(r.reason, Reason::Unverified { .. })).count(),
        without_verification: None,
    })
}

/// A link of case `case` was executed by its receiver.
pub fn accepted(ledger: &Ledger, case: u32) -> bool {
    ledger.requests.iter().any(|r| r.id.case == case && r.step.fulfilled_at.is_some())
}

impl ForgeryFigures {
    /// Compares `ledger` with `without`'s, the same scenario with no verification.
    pub fn compare(&mut self, scenario: &Scenario, ledger: &Ledger, without: &Ledger) {
        let genuine_emergencies = |l: &Ledger| -> BTreeMap<RequestId, Option<u64>> {
            l.requests
                .iter()
                .filter(|r| !r.forgery.forged && r.kind == RequestKind::Emergency)
                .map(|r| (r.id, r.time_to_fulfil_ms()))
                .collect()
        };
        let (with, plain) = (genuine_emergencies(ledger), genuine_emergencies(without));
        let added_of =
            |id: &RequestId| -> Option<u64> { Some(with.get(id)?.as_ref()?.saturating_sub((*plain.get(id)?)?)) };
        let added: Vec<u64> = with.keys().filter_map(added_of).collect();
        let mut by_policy: BTreeMap<&'static str, Vec<u64>> = BTreeMap::new();
        for r in ledger.requests.iter().filter(|r| !r.forgery.forged && r.kind == RequestKind::Emergency) {
            if let Some(a) = added_of(&r.id) {
                by_policy.entry(policy(scenario, r)).or_default().push(a);
            }
        }
        let succeeded: BTreeMap<RequestId, bool> =
            without.cases.iter().map(|c| (c.id, c.outcome.is_success())).collect();
        self.without_verification = Some(WithoutVerification {
            genuine_emergency_time_to_fulfil: percentiles(&with.values().flatten().copied().collect::<Vec<_>>()),
            genuine_emergency_time_to_fulfil_without: percentiles(
                &plain.values().flatten().copied().collect::<Vec<_>>(),
            ),
            added_to_genuine_emergencies: percentiles(&added),
            added_by_verification: by_policy.iter().map(|(p, v)| (*p, percentiles(v))).collect(),
            genuine_cases_lost: ledger
                .cases
                .iter()
                .filter(|c| !c.forged && !c.outcome.is_success() && succeeded.get(&c.id) == Some(&true))
                .count(),
            forged_accepted_without: without.cases.iter().filter(|c| c.forged && accepted(without, c.id.case)).count(),
        });
    }
}
