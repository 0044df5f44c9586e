//! The sweep file: a base scenario, the changes to try, what to count, the seeds. Read in
//! two stages like a scenario (raw TOML with spans, then validated against the base), with
//! every problem located.

use super::hours::DeskHours;
use crate::scenario::diag::{Checker, Diagnostic, ScenarioError};
use crate::scenario::raw::{RawHub, RawOfficers, Spanned};
use crate::scenario::schema::ROSTERS;
use crate::scenario::validate::fields::officers;
use crate::scenario::validate::fields::shifts;
use crate::scenario::validate::hubs::{conflict as hub_conflict, hubs};
use crate::scenario::{self, Overrides, Scenario, StateEntry};
use pocnet_core::network::Hub;
use pocnet_core::roster::{Mode, Shift};
use pocnet_core::{Officers, StateCode};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Runs of one variant: the base scenario's seed, then the next ones.
pub const SEEDS_MAX: u32 = 200;
/// Single changes a sweep may try.
pub const CHANGES_MAX: usize = 20_000;
/// Greedy combinations of the best single changes.
pub const COMBINE_MAX: usize = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweepFile {
    sweep: RawSweep,
    #[serde(default)]
    options: Vec<Spanned<RawOption>>,
    /// Assumptions drawn to test the answer (sweep/robust.rs).
    #[serde(default)]
    assumptions: Vec<Spanned<super::robust::RawAssumption>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweep {
    name: String,
    #[serde(default)]
    description: String,
    /// The base scenario, relative to the sweep file.
    base: Spanned<String>,
    /// Runs per variant (default 4).
    #[serde(default)]
    seeds: Option<Spanned<i64>>,
    /// What to count (default `saved`).
    #[serde(default)]
    measure: Option<Spanned<String>>,
    /// An on-call hour's cost as a share of a staffed hour (default 0.25).
    #[serde(default)]
    on_call_cost: Option<Spanned<f64>>,
    /// Greedy combinations of the best single changes (default 10).
    #[serde(default)]
    combine: Option<Spanned<i64>>,
    /// Latin hypercube draws of the assumptions (default 32 when there are any).
    #[serde(default)]
    draws: Option<Spanned<i64>>,
    /// Seeds each draw runs every variant on: the first of the sweep's (default all).
    #[serde(default)]
    draw_seeds: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    name: String,
    /// The states it changes, one variant each: codes, regions, `*`.
    #[serde(default)]
    states: Option<Vec<Spanned<String>>>,
    /// The providers whose desks it changes, one variant each: names, `*`.
    #[serde(default)]
    providers: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    roster: Option<Spanned<String>>,
    #[serde(default)]
    hours: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    officers: Option<RawOfficers>,
    /// The contact point's translators.
    #[serde(default)]
    translators: Option<RawOfficers>,
    /// A regional hub: one variant.
    #[serde(default)]
    hub: Option<Spanned<RawHub>>,
    /// How often the register is circulated (`yearly`, `quarterly`, a duration): one
    /// variant; the base scenario must have `[register_decay]`.
    #[serde(default)]
    circulation: Option<Spanned<String>>,
    /// The change reduces the desks' coverage, and is meant to: without it, a state whose
    /// desk it would reduce gets no variant (an option is an upgrade); with it, only those.
    #[serde(default)]
    downgrade: Option<Spanned<bool>>,
}

/// What a sweep counts in each run, the more the better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Cases whose evidence was saved: `disclosed` where the evidence step is modelled,
    /// `preserved` otherwise.
    Saved,
    Disclosed,
    Preserved,
    /// Cases that ended fulfilled, preserved or disclosed.
    Succeeded,
    /// Direct orders the provider answered by the agreement's deadline.
    DeadlinesMet,
}

impl Measure {
    pub const NAMES: [(&'static str, Measure); 5] = [
        ("saved", Measure::Saved),
        ("disclosed", Measure::Disclosed),
        ("preserved", Measure::Preserved),
        ("succeeded", Measure::Succeeded),
        ("deadlines_met", Measure::DeadlinesMet),
    ];

    pub fn name(&self) -> &'static str {
        Measure::NAMES.iter().find(|(_, m)| m == self).map_or("?", |(n, _)| n)
    }

    /// The words a sweep's outputs count in: cases of evidence, or providers' orders.
    pub fn unit(&self) -> Unit {
        match self {
            Measure::DeadlinesMet => Unit {
                counted: "orders",
                counted_gained: "orders answered in time",
                gain: "meets the most providers' deadlines",
                gains: "meets more deadlines",
                gained: "deadlines met",
                most: "most deadlines met",
            },
            Measure::Saved | Measure::Disclosed | Measure::Preserved | Measure::Succeeded => Unit {
                counted: "cases",
                counted_gained: "cases saved",
                gain: "saves the most evidence",
                gains: "saves evidence",
                gained: "evidence saved",
                most: "most evidence",
            },
        }
    }
}

/// What a sweep counts, in words: `cases` saving evidence, or `orders` answered in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    /// What a run counts (`cases`).
    pub counted: &'static str,
    /// What a change adds (`cases saved`).
    pub counted_gained: &'static str,
    /// The best change (`saves the most evidence`).
    pub gain: &'static str,
    /// A change that helps (`saves evidence`).
    pub gains: &'static str,
    /// The gain's name (`evidence saved`).
    pub gained: &'static str,
    /// The frontier's aim (`most evidence`).
    pub most: &'static str,
}

/// One change of one variant.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A state's roster pattern: always staffed, office hours with on call, or office hours.
    Roster { state: StateCode, always_staffed: bool, off_hours: Mode, name: &'static str },
    /// A state's shifts.
    Hours { state: StateCode, shifts: Vec<Shift> },
    /// A state's contact point's officers.
    Officers { state: StateCode, officers: Officers },
    /// A state's contact point's translators.
    Translators { state: StateCode, officers: Officers },
    /// A regional hub.
    Hub(Hub),
    /// The register's circulation (`[register_decay]`).
    Circulation { name: String, period_ms: u64 },
    /// A provider's desk (`index` in the scenario's roads) as it would be: its roster or
    /// officers changed, as `what` says.
    Provider { index: u8, what: String, provider: Box<pocnet_core::Provider> },
}

impl Change {
    /// The state it changes (a hub: the hub's; the register's circulation: none).
    pub fn state(&self) -> Option<StateCode> {
        match self {
            Change::Roster { state, .. }
            | Change::Hours { state, .. }
            | Change::Officers { state, .. }
            | Change::Translators { state, .. } => Some(*state),
            Change::Hub(h) => Some(h.hub),
            Change::Circulation { .. } | Change::Provider { .. } => None,
        }
    }

    /// The provider whose desk it changes.
    pub fn provider(&self) -> Option<u8> {
        match self {
            Change::Provider { index, .. } => Some(*index),
            _ => None,
        }
    }

    /// Applies a change to a state's desk to that state's entry (a hub or the register's
    /// circulation changes no entry).
    pub fn apply_to(&self, e: &mut StateEntry) {
        match self {
            Change::Roster { always_staffed, off_hours, .. } => {
                e.roster.always_staffed = *always_staffed;
                e.roster.off_hours = if *always_staffed { Mode::Closed } else { *off_hours };
                // The state now declares what it staffs.
                e.declared = None;
                e.roster_summary = crate::scenario::validate::roster_summary(&e.roster);
            }
            Change::Hours { shifts, .. } => {
                e.roster.shifts = shifts.clone();
                e.declared = None;
                e.roster_summary = crate::scenario::validate::roster_summary(&e.roster);
            }
            Change::Officers { officers, .. } => e.profile.officers = Some(*officers),
            Change::Translators { officers, .. } => e.profile.translators = Some(*officers),
            Change::Hub(_) | Change::Circulation { .. } | Change::Provider { .. } => {}
        }
    }

    /// What kind of change it is, as `sweep.json` names it.
    pub fn kind(&self) -> &'static str {
        match self {
            Change::Roster { .. } => "roster",
            Change::Hours { .. } => "hours",
            Change::Officers { .. } => "officers",
            Change::Translators { .. } => "translators",
            Change::Hub(_) => "hub",
            Change::Circulation { .. } => "circulation",
            Change::Provider { .. } => "provider",
        }
    }

    /// As people read it: `VNM: staffed-24-7`.
    pub fn describe(&self) -> String {
        match self {
            Change::Roster { state, name, .. } => format!("{state}: {name}"),
            Change::Hours { state, shifts } => {
                let hours: Vec<String> = shifts.iter().map(Shift::to_string).collect();
                format!("{state}: hours {}", hours.join(" "))
            }
            Change::Officers { state, officers } => {
                format!("{state}: {} officers staffed, {} on call", officers.staffed, officers.on_call)
            }
            Change::Translators { state, officers } => {
                format!("{state}: {} translators staffed, {} on call", officers.staffed, officers.on_call)
            }
            Change::Hub(h) => {
                let members: Vec<&str> = h.members.iter().map(|m| m.as_str()).collect();
                format!("hub {} for {}", h.hub, members.join(" "))
            }
            Change::Circulation { name, .. } => format!("register circulated {name}"),
            Change::Provider { what, provider, .. } => format!("provider {}: {what}", provider.name),
        }
    }
}

/// A single change to try, from the option that named it.
#[derive(Debug, Clone)]
pub struct Single {
    pub option: String,
    pub change: Change,
    /// It reduces its desk's coverage, as its option says (`downgrade = true`).
    pub downgrade: bool,
}

/// A validated sweep.
#[derive(Debug, Clone)]
pub struct Sweep {
    pub name: String,
    pub description: String,
    pub base: Scenario,
    /// The base scenario's file, as the sweep file names it.
    pub base_file: String,
    pub seeds: Vec<u64>,
    pub measure: Measure,
    pub on_call_cost: f64,
    pub combine: usize,
    pub singles: Vec<Single>,
    /// What the robustness draws vary (none: no draws).
    pub robust: Robustness,
    /// The sweep file's text: shards carry its hash so that a merge never mixes sweeps.
    pub text: String,
}

/// Reads a sweep file and its base scenario.
pub fn load(path: &Path) -> Result<Sweep, ScenarioError> {
    let file = path.display().to_string();
    let text = pocnet_node::files::read_text(path, scenario::SCENARIO_BYTES_MAX).map_err(|e| ScenarioError {
        diagnostics: vec![Diagnostic { file: file.clone(), line: 1, column: 1, message: e.to_string() }],
    })?;
    let mut c = Checker { file: &file, text: &text, diagnostics: Vec::new() };
    let raw: RawSweepFile = match toml::from_str(&text) {
        Ok(raw) => raw,
        Err(e) => {
            c.error(e.span().unwrap_or(0..0), crate::scenario::diag::with_suggestion(e.message().trim()));
            return Err(ScenarioError { diagnostics: c.diagnostics });
        }
    };
    let base_path = path.parent().unwrap_or(Path::new(".")).join(raw.sweep.base.get_ref());
    let base = match scenario::load(&base_path, &Overrides::default()) {
        Ok(s) => s,
        Err(e) => {
            let first = e.diagnostics.first().map(|d| d.to_string()).unwrap_or_default();
            c.at(&raw.sweep.base, format!("the base scenario is invalid: {first}"));
            return Err(ScenarioError { diagnostics: c.diagnostics });
        }
    };
    let seeds = seeds_of(&mut c, &raw);
    let measure = measure_of(&mut c, &raw);
    let on_call_cost = on_call_cost_of(&mut c, &raw);
    let combine = combine_of(&mut c, &raw);
    let singles = singles(&mut c, &raw.options, &base);
    let robust = robustness(&mut c, &raw, &base, seeds.unwrap_or(1));
    if singles.len() > CHANGES_MAX {
        c.error(0..0, format!("{} single changes; a sweep tries at most {CHANGES_MAX}", singles.len()));
    }
    if !c.diagnostics.is_empty() {
        return Err(ScenarioError { diagnostics: c.diagnostics });
    }
    let (Some(seeds), Some(measure), Some(on_call_cost), Some(combine)) = (seeds, measure, on_call_cost, combine)
    else {
        return Err(ScenarioError { diagnostics: c.diagnostics });
    };
    Ok(Sweep {
        name: raw.sweep.name,
        description: raw.sweep.description,
        seeds: (0..u64::from(seeds)).map(|i| base.seed.wrapping_add(i)).collect(),
        base_file: raw.sweep.base.get_ref().clone(),
        base,
        measure,
        on_call_cost,
        combine,
        singles,
        robust,
        text,
    })
}

/// `seeds`: runs per variant, 4 by default, at most `SEEDS_MAX`.
fn seeds_of(c: &mut Checker<'_>, raw: &RawSweepFile) -> Option<u32> {
    match &raw.sweep.seeds {
        None => Some(4),
        Some(v) => match u32::try_from(*v.get_ref()) {
            Ok(n) if (1..=SEEDS_MAX).contains(&n) => Some(n),
            _ => {
                c.at(v, format!("seeds: 1 to {SEEDS_MAX} runs per variant"));
                None
            }
        },
    }
}

/// `measure`: one of `Measure::NAMES`, `Measure::Saved` by default.
fn measure_of(c: &mut Checker<'_>, raw: &RawSweepFile) -> Option<Measure> {
    match &raw.sweep.measure {
        None => Some(Measure::Saved),
        Some(m) => match Measure::NAMES.iter().find(|(n, _)| n == m.get_ref()) {
            Some((_, measure)) => Some(*measure),
            None => {
                let names: Vec<&str> = Measure::NAMES.iter().map(|n| n.0).collect();
                c.at(m, format!("unknown measure `{}`: expected one of {}", m.get_ref(), names.join(", ")));
                None
            }
        },
    }
}

/// `on_call_cost`: an on-call hour's cost as a share of a staffed one, 0.25 by default.
fn on_call_cost_of(c: &mut Checker<'_>, raw: &RawSweepFile) -> Option<f64> {
    match &raw.sweep.on_call_cost {
        None => Some(0.25),
        Some(v) if (0.0..=1.0).contains(v.get_ref()) => Some(*v.get_ref()),
        Some(v) => {
            c.at(v, "on_call_cost: a share of a staffed hour, in [0, 1]");
            None
        }
    }
}

/// `combine`: greedy combinations of the best single changes, 10 by default.
fn combine_of(c: &mut Checker<'_>, raw: &RawSweepFile) -> Option<usize> {
    match &raw.sweep.combine {
        None => Some(10),
        Some(v) => match usize::try_from(*v.get_ref()) {
            Ok(n) if n <= COMBINE_MAX => Some(n),
            _ => {
                c.at(v, format!("combine: 0 to {COMBINE_MAX}"));
                None
            }
        },
    }
}

/// The assumptions a sweep draws, how many draws, on how many seeds.
#[derive(Debug, Clone, Default)]
pub struct Robustness {
    pub assumptions: Vec<super::robust::Assumption>,
    /// 0 without assumptions.
    pub draws: usize,
    pub draw_seeds: usize,
}

/// `[[assumptions]]`, `draws` and `draw_seeds`, validated (located errors).
fn robustness(c: &mut Checker<'_>, raw: &RawSweepFile, base: &Scenario, seeds: u32) -> Robustness {
    use super::robust::{DRAWS_DEFAULT, DRAWS_MAX};
    let assumptions = super::robust::assumptions(c, &raw.assumptions, base);
    let (draws, draw_seeds) = (&raw.sweep.draws, &raw.sweep.draw_seeds);
    if raw.assumptions.is_empty() {
        for v in [draws, draw_seeds].into_iter().flatten() {
            c.at(v, "`draws` and `draw_seeds` draw `[[assumptions]]`: this sweep names none");
        }
        return Robustness::default();
    }
    let mut count = |v: &Option<Spanned<i64>>, default: usize, min: usize, max: usize, what: &str| match v {
        None => default,
        Some(v) => match usize::try_from(*v.get_ref()) {
            Ok(n) if (min..=max).contains(&n) => n,
            _ => {
                c.at(v, format!("{what}: {min} to {max}"));
                default
            }
        },
    };
    let draws = count(draws, DRAWS_DEFAULT, 2, DRAWS_MAX, "draws");
    let draw_seeds = count(draw_seeds, seeds as usize, 1, seeds as usize, "draw_seeds (at most the sweep's seeds)");
    Robustness { assumptions, draws, draw_seeds }
}

/// Every single change the options name, in option order then state order. A change that
/// changes nothing (a state already staffed around the clock, already at those officers)
/// is left out, and so is one on the wrong side of its option: an option that reduces a
/// desk's coverage ([`DeskHours::reduced_from`]) makes a variant only if it says
/// `downgrade = true`, and one that says so makes variants only where it reduces it.
fn singles(c: &mut Checker<'_>, options: &[Spanned<RawOption>], base: &Scenario) -> Vec<Single> {
    let mut out = Vec::new();
    for o in options {
        let r = o.get_ref();
        let (hub, circulation) = (r.hub.is_some(), r.circulation.is_some());
        let desk = r.states.is_some()
            || r.roster.is_some()
            || r.hours.is_some()
            || r.officers.is_some()
            || r.translators.is_some();
        if let (true, Some(d)) = (hub || circulation, &r.downgrade) {
            c.at(d, "`downgrade` marks a change to states' desks (`roster`, `hours`, `officers`, `translators`)");
            continue;
        }
        if r.providers.is_some() {
            if hub || circulation || r.states.is_some() {
                c.at(o, "an option changes providers' desks, states' desks, a hub or the circulation: one of them");
            } else {
                out.extend(provider_singles(c, o, base));
            }
            continue;
        }
        match (circulation, hub) {
            (true, _) if hub || desk => {
                c.at(o, "an option changes the register's circulation, a hub or states, one of them")
            }
            (true, _) => out.extend(circulation_single(c, r, base)),
            (_, true) if desk => c.at(o, "an option is either a hub or changes to states, not both"),
            (_, true) => out.extend(hub_singles(c, r, base)),
            _ => out.extend(desk_singles(c, o, base)),
        }
    }
    out
}

/// The register circulated on another cadence: one variant.
fn circulation_single(c: &mut Checker<'_>, r: &RawOption, base: &Scenario) -> Option<Single> {
    let circulation = r.circulation.as_ref()?;
    if base.register_decay.is_none() {
        c.at(circulation, "the base scenario has no `[register_decay]`: nothing is circulated");
        return None;
    }
    let fits = |period_ms: u64| {
        let (mut decay, mut faults) = (base.register_decay.clone(), base.network.faults.clone());
        decay.as_mut().map(|d| crate::scenario::validate::decay::recirculate(d, &mut faults, "", period_ms))
    };
    match crate::scenario::validate::decay::circulation_ms(circulation.get_ref()) {
        Ok(period_ms) if matches!(fits(period_ms), Some(Err(_))) => {
            c.at(
                circulation,
                format!(
                    "with this circulation the stale spans and the base's faults are more than {}",
                    pocnet_core::limits::FAULTS_MAX
                ),
            );
            None
        }
        Ok(period_ms) => Some(Single {
            option: r.name.clone(),
            change: Change::Circulation { name: circulation.get_ref().clone(), period_ms },
            downgrade: false,
        }),
        Err(e) => {
            c.at(circulation, e);
            None
        }
    }
}

/// A regional hub: one variant, if it stands with the base scenario's hubs.
fn hub_singles(c: &mut Checker<'_>, r: &RawOption, base: &Scenario) -> Vec<Single> {
    let Some(hub) = &r.hub else { return Vec::new() };
    let codes: BTreeSet<StateCode> = base.states.iter().map(|s| s.code).collect();
    let regions: BTreeMap<StateCode, String> = base.states.iter().map(|s| (s.code, s.region.clone())).collect();
    let mut out = Vec::new();
    for h in hubs(c, std::slice::from_ref(hub), &base.states, &codes, &regions) {
        // The base's hubs and this one must stand together, as in a scenario.
        if let Some(conflict) = hub_conflict(&base.network.hubs, &h) {
            c.at(hub, format!("with the base scenario's hubs: {conflict}"));
            continue;
        }
        out.push(Single { option: r.name.clone(), change: Change::Hub(h), downgrade: false });
    }
    out
}

/// What an option does to one state's desk, validated once for all the states it names.
#[derive(Clone)]
enum DeskChange {
    Roster(&'static str, bool, Mode),
    Hours(Vec<Shift>),
    Officers(Officers),
    Translators(Officers),
}

/// The option's one change to a desk, or `None` (located) if it names none, several, or
/// one that is not valid.
fn desk_change(c: &mut Checker<'_>, o: &Spanned<RawOption>) -> Option<DeskChange> {
    let r = o.get_ref();
    let changes = usize::from(r.roster.is_some())
        + usize::from(r.hours.is_some())
        + usize::from(r.officers.is_some())
        + usize::from(r.translators.is_some());
    if changes != 1 {
        c.at(o, "an option changes one thing: `roster`, `hours`, `officers` or `translators`");
        return None;
    }
    if let Some(v) = &r.roster {
        return match ROSTERS.iter().find(|(n, ..)| n == v.get_ref()) {
            Some((name, always, on_call)) => {
                Some(DeskChange::Roster(name, *always, if *on_call { Mode::OnCall } else { Mode::Closed }))
            }
            None => {
                let names: Vec<&str> = ROSTERS.iter().map(|r| r.0).collect();
                let hint = crate::scenario::diag::did_you_mean(v.get_ref(), names.iter().copied());
                c.at(v, format!("unknown roster `{}`{hint} (expected one of {})", v.get_ref(), names.join(", ")));
                None
            }
        };
    }
    if let Some(h) = &r.hours {
        return shifts(c, Some(h.get_ref())).map(DeskChange::Hours);
    }
    if let Some(o) = &r.officers {
        return officers(c, o, 1).map(DeskChange::Officers);
    }
    r.translators.as_ref().and_then(|o| officers(c, o, 0)).map(DeskChange::Translators)
}

/// The variants of an option over states' desks: one per state it changes, on its side
/// (an upgrade, or a downgrade where it says so).
fn desk_singles(c: &mut Checker<'_>, o: &Spanned<RawOption>, base: &Scenario) -> Vec<Single> {
    let r = o.get_ref();
    let Some(states) = &r.states else {
        c.at(o, "an option names `states` (codes, regions, *) or a `hub`");
        return Vec::new();
    };
    let codes: BTreeSet<StateCode> = base.states.iter().map(|s| s.code).collect();
    let regions: BTreeMap<StateCode, String> = base.states.iter().map(|s| (s.code, s.region.clone())).collect();
    let sides: Vec<_> =
        states.iter().filter_map(|v| crate::scenario::validate::network::side(c, v, &codes, &regions)).collect();
    let chosen = crate::scenario::validate::network::members_of(&sides, &codes, &regions);
    let Some(what) = desk_change(c, o) else { return Vec::new() };
    let downgrade = r.downgrade.as_ref().is_some_and(|d| *d.get_ref());
    let mut out = Vec::new();
    for state in chosen {
        let Some(entry) = base.state(state) else { continue };
        let change = match what.clone() {
            DeskChange::Roster(name, always, off) => {
                let same = entry.roster.always_staffed == always && (always || entry.roster.off_hours == off);
                (!same).then_some(Change::Roster { state, always_staffed: always, off_hours: off, name })
            }
            DeskChange::Hours(shifts) => {
                if let (Some(at), Err(e)) = (&r.hours, shifted_roster(entry, &shifts)) {
                    c.at(at, format!("hours for {state}: {e}"));
                    continue;
                }
                (entry.roster.shifts != shifts && !entry.roster.always_staffed)
                    .then_some(Change::Hours { state, shifts })
            }
            DeskChange::Officers(officers) => {
                if let Some(at) = idle_on_call(r, entry, officers) {
                    // Named by its code, the state is an error; reached by a region or `*`,
                    // an option for desks that are on call leaves it as it is.
                    if states.iter().any(|v| v.get_ref() == state.as_str()) {
                        c.at(at, format!("on_call: {state} is never on call (staffed around the clock, or closed outside office hours): its on-call officers would never work"));
                    }
                    continue;
                }
                (entry.profile.officers != Some(officers)).then_some(Change::Officers { state, officers })
            }
            DeskChange::Translators(officers) => {
                (entry.profile.translators != Some(officers)).then_some(Change::Translators { state, officers })
            }
        };
        let Some(change) = change else { continue };
        let mut changed = entry.clone();
        change.apply_to(&mut changed);
        let reduced = DeskHours::of(&changed, base.start).reduced_from(&DeskHours::of(entry, base.start));
        if reduced == downgrade {
            out.push(Single { option: r.name.clone(), change, downgrade });
        }
    }
    out
}

/// The variants of an option over providers' desks (`providers`: names or `*`): one per
/// provider it changes, on its side (an upgrade, or a downgrade where it says so).
fn provider_singles(c: &mut Checker<'_>, o: &Spanned<RawOption>, base: &Scenario) -> Vec<Single> {
    let r = o.get_ref();
    let providers = &base.network.roads.providers;
    let mut chosen = BTreeSet::new();
    for v in r.providers.iter().flatten() {
        match providers.iter().position(|p| p.name == *v.get_ref()) {
            _ if v.get_ref() == "*" => chosen.extend(0..providers.len()),
            Some(i) => {
                chosen.insert(i);
            }
            None => {
                let hint = crate::scenario::diag::did_you_mean(v.get_ref(), providers.iter().map(|p| p.name.as_str()));
                c.at(v, format!("no provider `{}` in the base scenario{hint}", v.get_ref()));
            }
        }
    }
    if r.translators.is_some() {
        c.at(o, "a provider's desk has no translators: change its `roster`, `hours` or `officers`");
        return Vec::new();
    }
    let Some(what) = desk_change(c, o) else { return Vec::new() };
    let downgrade = r.downgrade.as_ref().is_some_and(|d| *d.get_ref());
    let mut out = Vec::new();
    for i in chosen {
        let (Some(p), Ok(index)) = (providers.get(i), u8::try_from(i)) else { continue };
        let Some((changed, words)) = provider_change(p, &what) else { continue };
        if let Err(e) = pocnet_core::Roster::new(changed.roster.clone()) {
            c.at(o, format!("provider {}: {e}", p.name));
            continue;
        }
        let reduced = DeskHours::of_provider(&changed, base.start).reduced_from(&DeskHours::of_provider(p, base.start));
        if reduced == downgrade {
            let change = Change::Provider { index, what: words, provider: Box::new(changed) };
            out.push(Single { option: r.name.clone(), change, downgrade });
        }
    }
    out
}

/// Provider `p` with `what` applied, and the change in words; `None` if it changes nothing
/// (or puts on-call officers on a desk that is never on call).
fn provider_change(p: &pocnet_core::Provider, what: &DeskChange) -> Option<(pocnet_core::Provider, String)> {
    let mut changed = p.clone();
    let words = match what {
        DeskChange::Roster(name, always, off) => {
            changed.roster.always_staffed = *always;
            changed.roster.off_hours = if *always { Mode::Closed } else { *off };
            (*name).to_string()
        }
        DeskChange::Hours(_) if changed.roster.always_staffed => return None,
        DeskChange::Hours(shifts) => {
            changed.roster.shifts = shifts.clone();
            let hours: Vec<String> = shifts.iter().map(Shift::to_string).collect();
            format!("hours {}", hours.join(" "))
        }
        DeskChange::Officers(o) => {
            if o.on_call > 0 && changed.roster.never_on_call() {
                return None;
            }
            changed.officers = Some(*o);
            format!("{} officers staffed, {} on call", o.staffed, o.on_call)
        }
        DeskChange::Translators(_) => return None,
    };
    (changed != *p).then_some((changed, words))
}

/// The state's roster with `shifts` instead of its own, held to the one rule every roster
/// is (the same check a scenario's states get), so a variant never fails where the file
/// passed.
fn shifted_roster(
    entry: &crate::scenario::StateEntry,
    shifts: &[Shift],
) -> Result<(), pocnet_core::roster::RosterError> {
    let spec = pocnet_core::RosterSpec { shifts: shifts.to_vec(), ..entry.roster.clone() };
    pocnet_core::Roster::new(spec).map(|_| ())
}

/// Where the option writes on-call officers that `entry`'s desk, never on call (staffed
/// around the clock, or closed outside office hours), could never use: the scenario's rule.
fn idle_on_call<'r>(
    r: &'r RawOption,
    entry: &crate::scenario::StateEntry,
    officers: pocnet_core::Officers,
) -> Option<&'r Spanned<i64>> {
    (officers.on_call > 0 && entry.roster.never_on_call())
        .then(|| r.officers.as_ref().and_then(|o| o.on_call.as_ref()))
        .flatten()
}
