//! A communication check in figures: how the pinged desks answered (within an hour, a
//! day, later, never), by the receiver's local hour and weekday and by the roster the
//! register declares; and, per state, whether the answers contradict that roster.
//!
//! The rule ("declared vs measured", docs/report.md): each ping is placed in the declared
//! roster's mode at the time it was sent, and in or out of office hours (08:00-18:00 local
//! on the declared working days). While the declared roster says **staffed**, a person
//! should answer within the check's `staffed_within` (default an hour), in office hours
//! and out of them alike; while it says **on call**, within `on_call_within` (default a
//! day); while it says closed, nothing is expected. Each of the three periods (staffed
//! out of office hours, staffed in office hours, on call) with at least
//! [`PINGS_TO_JUDGE`] pings is judged on its own: a state is *contradicted* when fewer
//! than half of its pings in a period were answered in time (the worst share is named);
//! *not tested* when no period has enough pings; else *consistent*. Only pings that
//! reached the desk are judged: one that never arrived (a stale register entry, a desk
//! that is down, a lost message) says nothing of the roster. A state none of whose pings
//! arrived is *unreachable*: the check cannot tell a dead entry from a dead desk.

use super::percentiles::{percentiles, Percentiles};
use super::Zones;
use crate::ledger::ping::{Ping, PingEnding};
use crate::ledger::Ledger;
use crate::scenario::{PingCheck, Scenario, ON_CALL_WITHIN_DEFAULT_MS, STAFFED_WITHIN_DEFAULT_MS};
use pocnet_core::{Mode, Roster, StateCode};
use serde::Serialize;
use std::collections::BTreeMap;

/// The pattern a declared roster follows, for grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Declared {
    /// Staffed around the clock.
    #[serde(rename = "24/7")]
    Always,
    /// Office hours, on call otherwise.
    OnCall,
    /// Office hours, closed otherwise.
    OfficeHours,
}

impl Declared {
    pub const ALL: [Declared; 3] = [Declared::Always, Declared::OnCall, Declared::OfficeHours];

    pub fn of(roster: &pocnet_core::RosterSpec) -> Declared {
        match (roster.always_staffed, roster.off_hours) {
            (true, _) => Declared::Always,
            (false, Mode::OnCall) => Declared::OnCall,
            (false, _) => Declared::OfficeHours,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Declared::Always => "24/7",
            Declared::OnCall => "on_call",
            Declared::OfficeHours => "office_hours",
        }
    }

    /// As people read it.
    pub fn label(&self) -> &'static str {
        match self {
            Declared::Always => "declared 24/7",
            Declared::OnCall => "declared office hours, on call otherwise",
            Declared::OfficeHours => "declared office hours, closed otherwise",
        }
    }
}

/// Pings in a group, by how they ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Answered {
    pub sent: usize,
    pub within_1h: usize,
    pub within_24h: usize,
    pub later: usize,
    pub never: usize,
}

impl Answered {
    fn add(&mut self, ending: PingEnding) {
        self.sent += 1;
        match ending {
            PingEnding::WithinHour => self.within_1h += 1,
            PingEnding::WithinDay => self.within_24h += 1,
            PingEnding::Later => self.later += 1,
            PingEnding::Never => self.never += 1,
        }
    }
}

/// Pings sent while the declared roster said one mode, and how many were answered within
/// that mode's expectation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct InTime {
    pub sent: usize,
    pub in_time: usize,
}

impl InTime {
    fn add(&mut self, waited_ms: Option<u64>, within_ms: u64) {
        self.sent += 1;
        self.in_time += usize::from(waited_ms.is_some_and(|w| w <= within_ms));
    }
}

/// When a ping was sent, as the declared roster and the office day see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Declared staffed, out of office hours: nights, weekends, holidays.
    StaffedOutOfOffice,
    /// Declared staffed, in office hours.
    StaffedInOffice,
    /// Declared on call.
    OnCall,
}

impl Period {
    pub fn label(&self) -> &'static str {
        match self {
            Period::StaffedOutOfOffice => "declared staffed, out of office hours",
            Period::StaffedInOffice => "declared staffed, in office hours",
            Period::OnCall => "declared on call",
        }
    }
}

/// Pings a period needs before it is judged: one slow answer is not a roster.
pub const PINGS_TO_JUDGE: usize = 3;

/// The office day the periods use: 08:00-18:00 local on the declared working days.
const OFFICE_HOURS: std::ops::Range<i8> = 8..18;

/// What a state's answers say of its declared roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum Measured {
    Consistent,
    /// Fewer than half the pings sent `during` were answered in time (`in_time` of `of`).
    Contradicted {
        during: Period,
        in_time: usize,
        of: usize,
    },
    /// No period with an expectation had enough pings.
    NotTested,
    /// No ping reached the desk.
    Unreachable,
}

/// One pinged state: its declared roster and what its answers say of it.
#[derive(Debug, Clone, Serialize)]
pub struct StateAnswers {
    pub state: StateCode,
    pub declared: Declared,
    /// The declared roster, as people read it.
    pub declared_roster: String,
    /// The roster the desk works (differs from the declared one where `[practice]`
    /// changed it: the scenario knows; the check only sees the answers).
    pub works: String,
    pub answered: Answered,
    /// Pings that never reached the desk (not judged).
    pub unreached: usize,
    /// Pings sent while the declared roster said staffed, out of and in office hours
    /// (answered within `staffed_within`), and while it said on call (within
    /// `on_call_within`).
    pub staffed_out_of_office: InTime,
    pub staffed_in_office: InTime,
    pub on_call: InTime,
    #[serde(flatten)]
    pub measured: Measured,
}

/// The whole check.
#[derive(Debug, Clone, Serialize)]
pub struct PingFigures {
    pub from: StateCode,
    /// Pings to each contact point (0: pings written as injects).
    pub per_state: u32,
    /// The expectations of the rule: a person's answer while the declared roster says
    /// staffed, and while it says on call (assumptions of the check).
    pub staffed_within_ms: u64,
    pub on_call_within_ms: u64,
    pub answered: Answered,
    /// From sending to a person's answer reaching the pinging desk (answered pings).
    pub time_to_answer: Percentiles,
    /// By the receiver's local hour when the ping was sent (0-23).
    pub by_local_hour: Vec<Answered>,
    /// By the receiver's local weekday, Monday first.
    pub by_weekday: Vec<Answered>,
    pub by_declared: BTreeMap<&'static str, Answered>,
    /// By declared pattern and local hour: the chart's lines.
    pub by_declared_hour: BTreeMap<&'static str, Vec<Answered>>,
    pub states: Vec<StateAnswers>,
    /// The states whose answers contradict their declared roster.
    pub contradicted: Vec<StateCode>,
}

/// The check's figures: of its `[ping_check]`, or of pings written as injects (kind
/// `ping`) with the default expectations.
pub fn figures(scenario: &Scenario, ledger: &Ledger) -> Option<PingFigures> {
    let default;
    let check = match (&scenario.ping_check, ledger.pings.first()) {
        (Some(check), _) => check,
        (None, Some(first)) => {
            default = PingCheck {
                from: first.from,
                to: Vec::new(),
                start: first.sent,
                over_ms: 0,
                per_state: 0,
                staffed_within_ms: STAFFED_WITHIN_DEFAULT_MS,
                on_call_within_ms: ON_CALL_WITHIN_DEFAULT_MS,
            };
            &default
        }
        (None, None) => return None,
    };
    let zones = Zones::of(scenario);
    let mut groups = Groups::new();
    let mut per_state: BTreeMap<StateCode, Vec<&Ping>> = BTreeMap::new();
    for p in &ledger.pings {
        per_state.entry(p.to).or_default().push(p);
    }
    let states: Vec<StateAnswers> = per_state
        .iter()
        .filter_map(|(code, pings)| state_answers(scenario, &zones, check, *code, pings, &mut groups))
        .collect();
    let waits: Vec<u64> = ledger.pings.iter().filter_map(Ping::waited_ms).collect();
    let contradicted =
        states.iter().filter(|s| matches!(s.measured, Measured::Contradicted { .. })).map(|s| s.state).collect();
    Some(PingFigures {
        from: check.from,
        per_state: check.per_state,
        staffed_within_ms: check.staffed_within_ms,
        on_call_within_ms: check.on_call_within_ms,
        answered: groups.all,
        time_to_answer: percentiles(&waits),
        by_local_hour: groups.by_hour,
        by_weekday: groups.by_weekday,
        by_declared: groups.by_declared,
        by_declared_hour: groups.by_declared_hour,
        states,
        contradicted,
    })
}

/// The check's groups over every state: all pings, by local hour, by weekday, by declared
/// roster, by declared roster and local hour.
struct Groups {
    all: Answered,
    by_hour: Vec<Answered>,
    by_weekday: Vec<Answered>,
    by_declared: BTreeMap<&'static str, Answered>,
    by_declared_hour: BTreeMap<&'static str, Vec<Answered>>,
}

impl Groups {
    fn new() -> Groups {
        Groups {
            all: Answered::default(),
            by_hour: vec![Answered::default(); 24],
            by_weekday: vec![Answered::default(); 7],
            by_declared: BTreeMap::new(),
            by_declared_hour: BTreeMap::new(),
        }
    }

    /// Counts one ping sent at local `hour` and `weekday` to a desk declared `declared`.
    fn add(&mut self, hour: usize, weekday: usize, declared: &'static str, ending: PingEnding) {
        for group in [&mut self.all, &mut self.by_hour[hour], &mut self.by_weekday[weekday]] {
            group.add(ending);
        }
        self.by_declared.entry(declared).or_default().add(ending);
        self.by_declared_hour.entry(declared).or_insert_with(|| vec![Answered::default(); 24])[hour].add(ending);
    }
}

/// One state's answers to its pings (counted in `groups` too), or none if the scenario has
/// no such state or its declared roster is not one.
fn state_answers(
    scenario: &Scenario,
    zones: &Zones,
    check: &PingCheck,
    code: StateCode,
    pings: &[&Ping],
    groups: &mut Groups,
) -> Option<StateAnswers> {
    let entry = scenario.state(code)?;
    let spec = entry.declared_roster();
    let declared = Declared::of(spec);
    let roster = Roster::new(spec.clone()).ok()?;
    let mut answered = Answered::default();
    let mut unreached = 0;
    let (mut night, mut day, mut on_call) = (InTime::default(), InTime::default(), InTime::default());
    for p in pings {
        let local = p.sent.timestamp().to_zoned(zones.zone(p.to));
        let hour = usize::try_from(local.hour()).unwrap_or(0).min(23);
        let weekday = usize::try_from(local.weekday().to_monday_zero_offset()).unwrap_or(0).min(6);
        answered.add(p.ending);
        groups.add(hour, weekday, declared.as_str(), p.ending);
        if !p.reached_desk {
            unreached += 1;
            continue;
        }
        let office = spec.workweek.contains(local.weekday())
            && !spec.holidays.contains(&local.date())
            && OFFICE_HOURS.contains(&local.hour());
        match (roster.mode_at(p.sent), office) {
            (Mode::Staffed, false) => night.add(p.waited_ms(), check.staffed_within_ms),
            (Mode::Staffed, true) => day.add(p.waited_ms(), check.staffed_within_ms),
            (Mode::OnCall, _) => on_call.add(p.waited_ms(), check.on_call_within_ms),
            (Mode::Closed, _) => {}
        }
    }
    Some(StateAnswers {
        state: code,
        declared,
        declared_roster: entry
            .declared
            .as_ref()
            .map_or_else(|| entry.roster_summary.clone(), crate::scenario::roster_summary),
        works: entry.roster_summary.clone(),
        answered,
        unreached,
        staffed_out_of_office: night,
        staffed_in_office: day,
        on_call,
        measured: if unreached == pings.len() {
            Measured::Unreachable
        } else {
            measured(&[(Period::StaffedOutOfOffice, night), (Period::StaffedInOffice, day), (Period::OnCall, on_call)])
        },
    })
}

impl PingFigures {
    /// The contradicted states by period: `out of office hours FRA NGA; in office hours LAO`
    /// (`none`).
    pub fn contradicted_line(&self) -> String {
        let mut parts = Vec::new();
        for (period, name) in [
            (Period::StaffedOutOfOffice, "out of office hours"),
            (Period::StaffedInOffice, "in office hours"),
            (Period::OnCall, "on call"),
        ] {
            let states: Vec<&str> = self
                .states
                .iter()
                .filter(|s| matches!(s.measured, Measured::Contradicted { during, .. } if during == period))
                .map(|s| s.state.as_str())
                .collect();
            if !states.is_empty() {
                parts.push(format!("{name} {}", states.join(" ")));
            }
        }
        let unreachable: Vec<&str> =
            self.states.iter().filter(|s| s.measured == Measured::Unreachable).map(|s| s.state.as_str()).collect();
        let line = if parts.is_empty() { "none".to_string() } else { parts.join("; ") };
        if unreachable.is_empty() {
            line
        } else {
            format!("{line} (unreachable, not judged: {})", unreachable.join(" "))
        }
    }
}

/// The rule in the module's documentation.
pub fn measured(periods: &[(Period, InTime)]) -> Measured {
    let short = |t: &InTime| t.sent >= PINGS_TO_JUDGE && 2 * t.in_time < t.sent;
    let mut worst: Option<(Period, InTime)> = None;
    for (during, t) in periods {
        // The worst share names the contradiction (compared as in_time/sent, exactly).
        if short(t) && worst.is_none_or(|(_, w)| t.in_time * w.sent < w.in_time * t.sent) {
            worst = Some((*during, *t));
        }
    }
    match worst {
        Some((during, t)) => Measured::Contradicted { during, in_time: t.in_time, of: t.sent },
        None if periods.iter().all(|(_, t)| t.sent < PINGS_TO_JUDGE) => Measured::NotTested,
        None => Measured::Consistent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(sent: usize, in_time: usize) -> InTime {
        InTime { sent, in_time }
    }

    #[test]
    fn the_rule_at_its_edges() {
        use Period::*;
        let none = InTime::default();
        assert_eq!(measured(&[(StaffedOutOfOffice, none), (OnCall, t(2, 0))]), Measured::NotTested);
        // Half answered in time is not a contradiction; fewer is.
        assert_eq!(measured(&[(StaffedOutOfOffice, t(4, 2))]), Measured::Consistent);
        assert_eq!(
            measured(&[(StaffedOutOfOffice, t(4, 1)), (StaffedInOffice, t(3, 3))]),
            Measured::Contradicted { during: StaffedOutOfOffice, in_time: 1, of: 4 }
        );
        assert_eq!(measured(&[(OnCall, t(3, 2))]), Measured::Consistent);
        // Several short: the worst share is named.
        assert_eq!(
            measured(&[(StaffedOutOfOffice, t(4, 1)), (OnCall, t(3, 0))]),
            Measured::Contradicted { during: OnCall, in_time: 0, of: 3 }
        );
        // Too few pings in a period: not judged, whatever they say.
        assert_eq!(measured(&[(StaffedInOffice, t(2, 0)), (OnCall, t(3, 3))]), Measured::Consistent);
        assert_eq!(
            measured(&[(StaffedInOffice, t(3, 1))]),
            Measured::Contradicted { during: StaffedInOffice, in_time: 1, of: 3 }
        );
    }

    #[test]
    fn a_ping_is_in_time_at_the_limit_and_not_after() {
        let mut t = InTime::default();
        t.add(Some(3_600_000), 3_600_000);
        t.add(Some(3_600_001), 3_600_000);
        t.add(None, 3_600_000);
        assert_eq!(t, InTime { sent: 3, in_time: 1 });
    }
}
