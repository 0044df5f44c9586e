//! Regional hubs in figures: the requests they took, how soon they acknowledged them, what
//! they executed and handed back, and how much sooner their members' requesters had a
//! person's answer than at the member's next staffed opening.

use super::percentiles::{percentiles, Percentiles};
use crate::ledger::Ledger;
use crate::scenario::Scenario;
use pocnet_core::{OpenWhen, Roster, StateCode};
use serde::Serialize;

#[derive(Debug, Serialize, Clone)]
pub struct HubFigures {
    pub hub: StateCode,
    pub members: Vec<StateCode>,
    /// Requests its members handed to it.
    pub taken: usize,
    pub executed: usize,
    pub handed_back: usize,
    /// From the scheduled time to the hub's acknowledgement.
    pub time_to_acknowledge: Percentiles,
    /// The member's next staffed opening after delivery, minus the hub's acknowledgement:
    /// how much sooner a person answered than the member's own desk would have.
    pub sooner_than_the_member: Percentiles,
}

pub fn figures(scenario: &Scenario, ledger: &Ledger) -> Vec<HubFigures> {
    scenario
        .network
        .hubs
        .iter()
        .map(|h| {
            let taken: Vec<_> = ledger.requests.iter().filter(|r| r.hub.map(|t| t.by) == Some(h.hub)).collect();
            let acks: Vec<u64> = taken.iter().filter_map(|r| r.time_to_acknowledge_ms()).collect();
            let sooner: Vec<u64> = taken
                .iter()
                .filter_map(|r| {
                    let roster = Roster::new(scenario.state(r.to)?.roster.clone()).ok()?;
                    let (delivered, _) = r.step.delivered?;
                    let opening = roster.next_open(delivered, OpenWhen::Staffed)?;
                    Some(opening.0.saturating_sub(r.step.acknowledged?.0 .0).max(0) as u64)
                })
                .collect();
            HubFigures {
                hub: h.hub,
                members: h.members.clone(),
                taken: taken.len(),
                executed: taken
                    .iter()
                    .filter(|r| !r.hub.is_some_and(|t| t.handed_back) && r.step.executed.is_some())
                    .count(),
                handed_back: taken.iter().filter(|r| r.hub.is_some_and(|t| t.handed_back)).count(),
                time_to_acknowledge: percentiles(&acks),
                sooner_than_the_member: percentiles(&sooner),
            }
        })
        .collect()
}
