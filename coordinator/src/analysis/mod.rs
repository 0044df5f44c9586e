//! What the ledger says in figures: latency percentiles by kind, region pair and the
//! receiver's local hour and weekday, outcomes by kind and region with the worst groups
//! named, the share acknowledged within the SLA, coverage across time zones from the
//! rosters, the evidence step (usable evidence, the hold, where the time went), and the
//! scenario's thresholds judged. Reads the ledger and the scenario; knows
//! nothing of how the figures are shown.

pub mod breakdown;
pub mod coverage;
pub mod decay;
pub mod desks;
pub mod evidence;
pub mod forgery;
pub mod hubs;
pub mod percentiles;
pub mod pings;
pub mod roads;
pub mod thresholds;

use crate::ledger::{Ledger, Request};
use crate::scenario::Scenario;
use breakdown::{LatencyTable, Outcomes, Sla};
use coverage::Coverage;
use pocnet_core::StateCode;
use std::collections::BTreeMap;
use thresholds::Verdict;

/// A request with what the scenario says of its parties: their regions, and the
/// receiver's local hour and weekday when the request was scheduled.
#[derive(Debug, Clone, Copy)]
pub struct Placed<'l> {
    pub request: &'l Request,
    pub from_region: &'l str,
    pub to_region: &'l str,
    /// 0-23.
    pub receiver_hour: u8,
    /// Monday = 0 .. Sunday = 6.
    pub receiver_weekday: u8,
}

impl Placed<'_> {
    /// `requester region > receiver region`.
    pub fn region_pair(&self) -> String {
        format!("{} > {}", self.from_region, self.to_region)
    }
}

/// Each contact point's time zone (the bundled database's), for local times.
#[derive(Debug, Clone)]
pub struct Zones(BTreeMap<StateCode, jiff::tz::TimeZone>);

impl Zones {
    pub fn of(scenario: &Scenario) -> Zones {
        Zones(
            scenario
                .states
                .iter()
                .map(|s| (s.code, pocnet_core::tzdb::zone(&s.tz).unwrap_or(jiff::tz::TimeZone::UTC)))
                .collect(),
        )
    }

    pub fn zone(&self, state: StateCode) -> jiff::tz::TimeZone {
        self.0.get(&state).cloned().unwrap_or(jiff::tz::TimeZone::UTC)
    }

    /// `t` in `state`'s local time: `2025-11-03 09:15 Mon +07:00`.
    pub fn local(&self, state: StateCode, t: pocnet_core::SimTime) -> String {
        t.local(&self.zone(state))
    }

    /// `t` in `state`'s local time, as `strftime` formats it.
    pub fn format(&self, state: StateCode, t: pocnet_core::SimTime, format: &str) -> String {
        t.timestamp().to_zoned(self.zone(state)).strftime(format).to_string()
    }
}

/// Every request of `ledger`, placed.
pub fn place<'l>(scenario: &'l Scenario, ledger: &'l Ledger) -> Vec<Placed<'l>> {
    let regions: BTreeMap<StateCode, &str> = scenario.states.iter().map(|s| (s.code, s.region.as_str())).collect();
    let zones = Zones::of(scenario);
    ledger
        .requests
        .iter()
        .map(|r| {
            let local = r.scheduled.timestamp().to_zoned(zones.zone(r.to));
            Placed {
                request: r,
                from_region: regions.get(&r.from).copied().unwrap_or(""),
                to_region: regions.get(&r.to).copied().unwrap_or(""),
                receiver_hour: u8::try_from(local.hour()).unwrap_or(0),
                receiver_weekday: u8::try_from(local.weekday().to_monday_zero_offset()).unwrap_or(0),
            }
        })
        .collect()
}

/// Every figure of a run.
#[derive(Debug)]
pub struct Analysis {
    pub latency: BTreeMap<&'static str, LatencyTable>,
    pub outcomes: Outcomes,
    pub sla: Sla,
    pub coverage: Coverage,
    pub thresholds: Vec<Verdict>,
    /// The evidence step's figures, when it is modelled.
    pub evidence: Option<evidence::EvidenceFigures>,
    /// Desks whose officers are counted.
    pub desks: Vec<desks::DeskFigures>,
    /// Regional hubs.
    pub hubs: Vec<hubs::HubFigures>,
    /// A communication check.
    pub pings: Option<pings::PingFigures>,
    /// Register entries that went stale.
    pub decay: Option<decay::DecayFigures>,
    /// Forged requests and verification.
    pub forgery: Option<forgery::ForgeryFigures>,
    /// The roads to evidence compared, when the scenario names agreements.
    pub roads: Option<roads::RoadFigures>,
}

impl Analysis {
    pub fn of(scenario: &Scenario, ledger: &Ledger) -> Analysis {
        let placed = place(scenario, ledger);
        let mut latency = BTreeMap::new();
        latency.insert("time_to_acknowledge", breakdown::latency(&placed, Request::time_to_acknowledge_ms));
        latency.insert("time_to_fulfil", breakdown::latency(&placed, Request::time_to_fulfil_ms));
        Analysis {
            latency,
            outcomes: breakdown::outcomes(ledger, &placed),
            sla: breakdown::sla(&placed, scenario.ack_sla_ms),
            coverage: coverage::compute(scenario),
            thresholds: thresholds::evaluate(scenario, ledger, &placed),
            evidence: evidence::figures(scenario, ledger, &placed),
            desks: desks::figures(scenario, ledger),
            hubs: hubs::figures(scenario, ledger),
            pings: pings::figures(scenario, ledger),
            decay: decay::figures(scenario, ledger),
            forgery: forgery::figures(scenario, ledger),
            roads: roads::figures(scenario, ledger),
        }
    }
}
