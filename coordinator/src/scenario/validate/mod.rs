//! The second stage: raw TOML (with spans) into the validated model, every problem reported
//! where it is. One file per part of a scenario; this one walks them in order and holds
//! the field checks they share.

pub mod decay;
mod evidence;
mod exercise;
pub(crate) mod fields;
mod generate;
pub(crate) mod hubs;
mod injects;
pub(crate) mod network;
pub mod ping_check;
pub(crate) mod profiles;
mod roads;
mod states;
mod thresholds;

pub(crate) use profiles::{profile, ProfileDraft};
pub(crate) use states::{register_entries, roster_summary, RegisterDraft};

use super::diag::Checker;
use super::model::*;
use super::raw::*;
use super::Overrides;
use fields::{duration_field, timestamp};
use pocnet_core::limits;
use pocnet_core::request::{Inject, RequestId};
use pocnet_core::{NetworkModel, SimTime, StateCode};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) fn validate(
    c: &mut Checker<'_>,
    raw: RawFile,
    overrides: &Overrides,
    register: RegisterDraft,
    profiles: &BTreeMap<String, ProfileDraft>,
    profile_names: &BTreeSet<String>,
) -> Option<Scenario> {
    let (seed, start, end) = when(c, &raw, overrides);
    let law = evidence_law(c, &raw);
    let (mut states, unresolved) = states::states(c, &raw, register, profiles, profile_names, &law);
    // Desks that do not work as declared: drawn before anything reads the rosters.
    let paper_24_7 = raw.practice.as_ref().and_then(|p| ping_check::paper_24_7(c, p));
    if let (Some(share), Some(seed)) = (paper_24_7, seed) {
        ping_check::apply_practice(&mut states, share, seed);
    }
    let codes = named_states(c, &raw, &states, &unresolved);
    let regions = regions(&raw, &states, &unresolved);
    let (roads, providers) = roads::roads(c, &raw, &states, &codes);
    let named = Named { states: &states, codes: &codes, regions: &regions, providers: &providers };
    let window = start.zip(end);

    let faults: Vec<_> = raw.faults.iter().filter_map(|f| network::fault_kind(c, f).map(|kind| (kind, f))).collect();
    let mut network = network::network(c, raw.network.as_ref(), &codes, &regions);
    let roads_assumptions = roads::assumptions(&raw, &roads);
    if let (Some(n), Some(window)) = (network.as_mut(), window) {
        network_parts(c, &raw, n, &faults, &named, window);
        n.roads = roads;
    }
    let (mut injects, mut next_case, expectations) = written_injects(c, &raw, &named, window);
    if let (Some(seed), Some(window)) = (seed, window) {
        next_case = generated_injects(c, &raw, (seed, window), &named, &mut injects, next_case);
    }
    let (ping_check, register_decay) = pings_and_decay(c, &raw, (seed, window), &named, &mut injects, next_case);
    let register_decay = stale_faults(c, &raw, register_decay, network.as_mut());
    inject_counts(c, &injects);

    let all_regions: BTreeSet<&String> = regions.values().collect();
    let thresholds = raw
        .thresholds
        .iter()
        .filter_map(|t| thresholds::threshold(c, t.get_ref(), &all_regions, law.mla.is_some()))
        .collect();
    let ack_sla_ms = match &raw.scenario.ack_sla {
        Some(v) => duration_field(c, v, "ack_sla"),
        None => Some(DEFAULT_ACK_SLA_MS),
    };
    let crashes = network::crashes(c, &faults, &codes, window);
    let cuts = network::cuts(c, &faults, &codes, &regions, window);
    let restart_nodes = raw.scenario.restart_nodes.unwrap_or(true);
    let exercise = raw.exercise.as_ref().map(|e| {
        let mut exercise = exercise::exercise(c, e, &codes, expectations);
        exercise.expected_actions = exercise::expected_actions(c, &raw.injects, &exercise.players, &providers);
        exercise
    });
    let mut evidence_assumptions = evidence_assumptions(&raw, &law, &injects, &states, profiles);
    evidence_assumptions.extend(roads_assumptions);
    let evidence_kinds = law.mla.as_ref().map(|m| m.evidence_kinds()).unwrap_or_default();
    Some(Scenario {
        evidence_step: law.mla.is_some(),
        evidence_kinds,
        evidence_assumptions,
        exercise,
        restart_nodes,
        cuts,
        crashes,
        ack_sla_ms: ack_sla_ms?,
        name: raw.scenario.name,
        description: raw.scenario.description,
        seed: seed?,
        start: start?,
        end: end?,
        network: network?,
        states,
        injects,
        thresholds,
        ping_check,
        register_decay,
    })
}

/// What the scenario names, once its states are read: the parts after them check against it.
struct Named<'a> {
    states: &'a [StateEntry],
    /// Every state the files name, valid or not.
    codes: &'a BTreeSet<StateCode>,
    regions: &'a BTreeMap<StateCode, String>,
    /// The providers `[[providers]]` names, for injects and generated traffic.
    providers: &'a roads::ProviderNames,
}

/// The scenario's seed (the override first), start and end (by default some days after
/// the start).
fn when(c: &mut Checker<'_>, raw: &RawFile, overrides: &Overrides) -> (Option<u64>, Option<SimTime>, Option<SimTime>) {
    let seed = match (overrides.seed, u64::try_from(*raw.scenario.seed.get_ref())) {
        (Some(s), _) | (None, Ok(s)) => Some(s),
        (None, Err(_)) => {
            c.at(&raw.scenario.seed, "seed must be a non-negative integer");
            None
        }
    };
    let start = timestamp(c, &raw.scenario.start);
    let end = match (&raw.scenario.end, start) {
        (Some(e), Some(start)) => match timestamp(c, e) {
            Some(end) if end > start => Some(end),
            Some(_) => {
                c.at(e, "the scenario must end after it starts");
                None
            }
            None => None,
        },
        (None, Some(start)) => Some(start.plus_ms(DEFAULT_SCENARIO_DAYS * 86_400_000)),
        _ => None,
    };
    (seed, start, end)
}

/// The evidence step, scenario-wide: opt-in with `[mla]`.
fn evidence_law(c: &mut Checker<'_>, raw: &RawFile) -> evidence::EvidenceLaw {
    let scenario_mla = raw.mla.as_ref().map(|m| evidence::mla(c, m));
    if raw.mla.is_none() {
        for p in raw.profiles.values() {
            if let Some(m) = &p.get_ref().mla {
                c.at(m, "this profile sets `mla`, but the scenario models no evidence step: add an `[mla]` section");
            }
        }
    }
    let scenario_retention = raw.retention.as_ref().map(|r| evidence::retention(c, r));
    evidence::EvidenceLaw { mla: scenario_mla.flatten(), retention: scenario_retention.flatten().unwrap_or_default() }
}

/// Every state the files name, valid or not: a broken entry is reported once, where it
/// is, not again by every inject that names it. Too few or too many are reported here.
fn named_states(
    c: &mut Checker<'_>,
    raw: &RawFile,
    states: &[StateEntry],
    unresolved: &BTreeMap<StateCode, String>,
) -> BTreeSet<StateCode> {
    let named: BTreeSet<StateCode> = states
        .iter()
        .map(|s| s.code)
        .chain(unresolved.keys().copied())
        .chain(raw.states.iter().filter_map(written_code))
        .collect();
    // With an entry whose code is unreadable (reported), the count says nothing true.
    let counted = raw.states.iter().all(|s| written_code(s).is_some());
    if named.len() < 2 && counted {
        c.error(0..0, format!("{} contact points: a scenario needs at least two", named.len()));
    }
    if named.len() > limits::STATES_MAX {
        c.error(0..0, format!("{} contact points; at most {}", named.len(), limits::STATES_MAX));
    }
    named
}

/// A code written in the wrong case (`Vnm`) is reported where it is, and counts as the
/// state it names.
fn written_code(s: &Spanned<RawState>) -> Option<StateCode> {
    StateCode::parse(&s.get_ref().code.get_ref().to_ascii_uppercase()).ok()
}

/// Each named state's region: the valid entries', then the broken entries' and the
/// unresolved ones'.
fn regions(
    raw: &RawFile,
    states: &[StateEntry],
    unresolved: &BTreeMap<StateCode, String>,
) -> BTreeMap<StateCode, String> {
    let mut regions: BTreeMap<StateCode, String> = states.iter().map(|s| (s.code, s.region.clone())).collect();
    for s in &raw.states {
        if let (Some(code), Some(region)) = (written_code(s), &s.get_ref().region) {
            regions.entry(code).or_insert_with(|| region.clone());
        }
    }
    for (code, region) in unresolved {
        if !region.is_empty() {
            regions.entry(*code).or_insert_with(|| region.clone());
        }
    }
    regions
}

/// The network's parts read after its links: regions, languages, hubs, fallbacks and the
/// modelled faults (at most `FAULTS_MAX`).
fn network_parts(
    c: &mut Checker<'_>,
    raw: &RawFile,
    n: &mut NetworkModel,
    faults: &[(FaultKind, &Spanned<RawFault>)],
    named: &Named<'_>,
    (start, end): (SimTime, SimTime),
) {
    n.regions = named.regions.clone();
    n.languages = named.states.iter().map(|s| (s.code, s.languages.clone())).collect();
    n.hubs = hubs::hubs(c, &raw.hubs, named.states, named.codes, named.regions);
    n.fallbacks = raw.network.as_ref().map(|r| decay::fallbacks(c, &r.fallback)).unwrap_or_default();
    for &(kind, f) in faults.iter().filter(|(kind, _)| kind.is_modelled()) {
        if n.faults.len() == limits::FAULTS_MAX {
            c.at(f, format!("more than {} down, partition and stale faults", limits::FAULTS_MAX));
            break;
        }
        if let Some(fault) = network::fault(c, f, kind, named.codes, named.regions, start, end) {
            n.faults.push(fault);
        }
    }
}

/// The injects the file writes out, numbered from case 1 in file order, with what the
/// exercise expects of each; and the next case number.
fn written_injects(
    c: &mut Checker<'_>,
    raw: &RawFile,
    named: &Named<'_>,
    window: Option<(SimTime, SimTime)>,
) -> (Vec<Inject>, u32, BTreeMap<u32, String>) {
    let mut injects = Vec::new();
    let mut next_case: u32 = 1;
    let mut expectations = BTreeMap::new();
    for raw_inject in &raw.injects {
        if let Some(inject) = injects::inject(c, raw_inject, RequestId { case: next_case, link: 0 }, named, window) {
            injects.push(inject);
        }
        if let Some(expect) = &raw_inject.get_ref().expect {
            expectations.insert(next_case, expect.clone());
        }
        next_case = next_case.saturating_add(1);
    }
    (injects, next_case, expectations)
}

/// The `[[generate]]` injects, within what the written ones leave of `INJECTS_MAX`,
/// ordered by time and numbered after them; returns the next case number.
fn generated_injects(
    c: &mut Checker<'_>,
    raw: &RawFile,
    (seed, (start, end)): (u64, (SimTime, SimTime)),
    named: &Named<'_>,
    injects: &mut Vec<Inject>,
    mut next_case: u32,
) -> u32 {
    let mut generated = Vec::new();
    let mut budget = INJECTS_MAX.saturating_sub(injects.len());
    for (index, g) in raw.generate.iter().enumerate() {
        generated.extend(generate::generate(c, g, index, seed, (start, end), named, &mut budget));
    }
    generated.sort_by_key(|i| (i.at, i.from, i.to));
    for mut inject in generated {
        inject.id = RequestId { case: next_case, link: 0 };
        next_case = next_case.saturating_add(1);
        injects.push(inject);
    }
    next_case
}

/// The communication check (its pings come after every other inject) and the register
/// entries that go stale (drawn knowing the pings).
fn pings_and_decay(
    c: &mut Checker<'_>,
    raw: &RawFile,
    (seed, window): (Option<u64>, Option<(SimTime, SimTime)>),
    named: &Named<'_>,
    injects: &mut Vec<Inject>,
    next_case: u32,
) -> (Option<PingCheck>, Option<RegisterDecay>) {
    let ping_check = match (&raw.ping_check, window) {
        (Some(p), Some(window)) => ping_check::ping_check(c, p, named.states, named.codes, named.regions, window),
        _ => None,
    };
    let mut pings = Vec::new();
    if let (Some(check), Some(seed)) = (&ping_check, seed) {
        pings = ping_check::pings(check, seed, next_case);
    }
    // Register entries that go stale: their spans are faults after the scenario's own.
    let register_decay = match (&raw.register_decay, seed, window) {
        (Some(d), Some(seed), Some(window)) => {
            let check_end = ping_check.as_ref().map(|p| p.start.plus_ms(p.over_ms));
            decay::register_decay(c, d, named.states, window, seed, &pings, check_end)
        }
        _ => None,
    };
    injects.extend(pings);
    (ping_check, register_decay)
}

/// The stale entries' spans join the network's faults, after the scenario's own, within
/// `FAULTS_MAX`.
fn stale_faults(
    c: &mut Checker<'_>,
    raw: &RawFile,
    register_decay: Option<RegisterDecay>,
    network: Option<&mut NetworkModel>,
) -> Option<RegisterDecay> {
    match (register_decay, network) {
        (Some(mut d), Some(n)) => {
            d.first_fault = n.faults.len();
            if n.faults.len() + d.stale.len() > limits::FAULTS_MAX {
                let span = raw.register_decay.as_ref().map_or(0..0, |r| r.span());
                c.error(span, format!("register decay makes {} stale spans, and with the scenario's faults that is more than {}: lower changes_per_year or circulate more often", d.stale.len(), limits::FAULTS_MAX));
            }
            n.faults.extend(d.faults());
            Some(d)
        }
        _ => None,
    }
}

/// At most `INJECTS_MAX` injects in all, and `INJECTS_PER_STATE_MAX` from any one state.
fn inject_counts(c: &mut Checker<'_>, injects: &[Inject]) {
    if injects.len() > INJECTS_MAX {
        c.error(0..0, format!("{} injects; at most {INJECTS_MAX}", injects.len()));
    }
    let mut per_state: BTreeMap<StateCode, usize> = BTreeMap::new();
    for inject in injects {
        let n = per_state.entry(inject.from).or_default();
        *n += 1;
        if *n == limits::INJECTS_PER_STATE_MAX + 1 {
            c.error(0..0, format!("more than {} injects from {}", limits::INJECTS_PER_STATE_MAX, inject.from));
        }
    }
}

/// Every parameter of the evidence step, labelled as the assumption it is.
fn evidence_assumptions(
    raw: &RawFile,
    law: &evidence::EvidenceLaw,
    injects: &[Inject],
    states: &[StateEntry],
    profiles: &BTreeMap<String, ProfileDraft>,
) -> Vec<Assumption> {
    let uses_classes = injects.iter().any(|i| !i.data.is_empty()) || raw.retention.is_some();
    let mut evidence_assumptions = law.mla.as_ref().map(|m| m.assumptions()).unwrap_or_default();
    if uses_classes {
        evidence_assumptions.extend(evidence::retention_assumptions(&law.retention));
    }
    if law.mla.is_some() || uses_classes {
        // Only the profiles the states use.
        let used: BTreeSet<&String> = states.iter().map(|s| &s.profile_name).collect();
        let laws = profiles.iter().filter(|(name, _)| used.contains(name)).map(|(name, p)| (name, &p.law));
        evidence_assumptions.extend(evidence::profile_assumptions(laws));
    }
    evidence_assumptions
}
