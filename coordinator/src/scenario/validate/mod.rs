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
use pocnet_core::request::RequestId;
use pocnet_core::StateCode;
use std::collections::{BTreeMap, BTreeSet};

pub(crate) fn validate(
    c: &mut Checker<'_>,
    raw: RawFile,
    overrides: &Overrides,
    register: RegisterDraft,
    profiles: &BTreeMap<String, ProfileDraft>,
    profile_names: &BTreeSet<String>,
) -> Option<Scenario> {
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

    // The evidence step, scenario-wide: opt-in with `[mla]`.
    let scenario_mla = raw.mla.as_ref().map(|m| evidence::mla(c, m));
    if raw.mla.is_none() {
        for p in raw.profiles.values() {
            if let Some(m) = &p.get_ref().mla {
                c.at(m, "this profile sets `mla`, but the scenario models no evidence step: add an `[mla]` section");
            }
        }
    }
    let scenario_retention = raw.retention.as_ref().map(|r| evidence::retention(c, r));
    let law = evidence::EvidenceLaw {
        mla: scenario_mla.flatten(),
        retention: scenario_retention.flatten().unwrap_or_default(),
    };
    let (mut states, unresolved) = states::states(c, &raw, register, profiles, profile_names, &law);
    // Desks that do not work as declared: drawn before anything reads the rosters.
    let paper_24_7 = raw.practice.as_ref().and_then(|p| ping_check::paper_24_7(c, p));
    if let (Some(share), Some(seed)) = (paper_24_7, seed) {
        ping_check::apply_practice(&mut states, share, seed);
    }
    // Every state the files name, valid or not: a broken entry is reported once, where it
    // is, not again by every inject that names it.
    // A code written in the wrong case (`Vnm`) is reported where it is, and counts as the
    // state it names.
    let written = |s: &Spanned<RawState>| StateCode::parse(&s.get_ref().code.get_ref().to_ascii_uppercase()).ok();
    let named: BTreeSet<StateCode> = states
        .iter()
        .map(|s| s.code)
        .chain(unresolved.keys().copied())
        .chain(raw.states.iter().filter_map(written))
        .collect();
    // With an entry whose code is unreadable (reported), the count says nothing true.
    let counted = raw.states.iter().all(|s| written(s).is_some());
    if named.len() < 2 && counted {
        c.error(0..0, format!("{} contact points: a scenario needs at least two", named.len()));
    }
    if named.len() > limits::STATES_MAX {
        c.error(0..0, format!("{} contact points; at most {}", named.len(), limits::STATES_MAX));
    }
    let codes = named;
    let mut regions: BTreeMap<StateCode, String> = states.iter().map(|s| (s.code, s.region.clone())).collect();
    for s in &raw.states {
        if let (Some(code), Some(region)) = (written(s), &s.get_ref().region) {
            regions.entry(code).or_insert_with(|| region.clone());
        }
    }
    for (code, region) in &unresolved {
        if !region.is_empty() {
            regions.entry(*code).or_insert_with(|| region.clone());
        }
    }

    let faults: Vec<_> = raw.faults.iter().filter_map(|f| network::fault_kind(c, f).map(|kind| (kind, f))).collect();
    let mut network = network::network(c, raw.network.as_ref(), &codes, &regions);
    if let (Some(n), Some(start), Some(end)) = (network.as_mut(), start, end) {
        n.regions = regions.clone();
        n.languages = states.iter().map(|s| (s.code, s.languages.clone())).collect();
        n.hubs = hubs::hubs(c, &raw.hubs, &states, &codes, &regions);
        n.fallbacks = raw.network.as_ref().map(|r| decay::fallbacks(c, &r.fallback)).unwrap_or_default();
        for &(kind, f) in faults.iter().filter(|(kind, _)| kind.is_modelled()) {
            if n.faults.len() == limits::FAULTS_MAX {
                c.at(f, format!("more than {} down, partition and stale faults", limits::FAULTS_MAX));
                break;
            }
            if let Some(fault) = network::fault(c, f, kind, &codes, &regions, start, end) {
                n.faults.push(fault);
            }
        }
    }

    let window = start.zip(end);
    let mut injects = Vec::new();
    let mut per_state: BTreeMap<StateCode, usize> = BTreeMap::new();
    let mut next_case: u32 = 1;
    let mut expectations = BTreeMap::new();
    for raw_inject in &raw.injects {
        if let Some(inject) =
            injects::inject(c, raw_inject.get_ref(), RequestId { case: next_case, link: 0 }, &codes, window)
        {
            injects.push(inject);
        }
        if let Some(expect) = &raw_inject.get_ref().expect {
            expectations.insert(next_case, expect.clone());
        }
        next_case = next_case.saturating_add(1);
    }
    if let (Some(seed), Some((start, end))) = (seed, window) {
        let mut generated = Vec::new();
        let mut budget = INJECTS_MAX.saturating_sub(injects.len());
        for (index, g) in raw.generate.iter().enumerate() {
            generated.extend(generate::generate(c, g, index, seed, start, end, &states, &regions, &mut budget));
        }
        generated.sort_by_key(|i| (i.at, i.from, i.to));
        for mut inject in generated {
            inject.id = RequestId { case: next_case, link: 0 };
            next_case = next_case.saturating_add(1);
            injects.push(inject);
        }
    }
    // The communication check's pings come after every other inject.
    let ping_check = match (&raw.ping_check, start, end) {
        (Some(p), Some(start), Some(end)) => ping_check::ping_check(c, p, &states, &codes, &regions, (start, end)),
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
            decay::register_decay(c, d, &states, window, seed, &pings, check_end)
        }
        _ => None,
    };
    injects.extend(pings);
    let register_decay = match (register_decay, network.as_mut()) {
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
    };
    if injects.len() > INJECTS_MAX {
        c.error(0..0, format!("{} injects; at most {INJECTS_MAX}", injects.len()));
    }
    for inject in &injects {
        let n = per_state.entry(inject.from).or_default();
        *n += 1;
        if *n == limits::INJECTS_PER_STATE_MAX + 1 {
            c.error(0..0, format!("more than {} injects from {}", limits::INJECTS_PER_STATE_MAX, inject.from));
        }
    }

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
        exercise.expected_actions = exercise::expected_actions(c, &raw.injects, &exercise.players);
        exercise
    });
    // Every parameter of the evidence step, labelled as the assumption it is.
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
