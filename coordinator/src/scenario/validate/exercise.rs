//! `[exercise]`: the players, the objectives and what each inject expects of its receiver.

use super::fields::{duration_field, kind_of};
use crate::scenario::diag::Checker;
use crate::scenario::model::{action_named, action_names, Exercise, ExpectedAction, Objective};
use crate::scenario::raw::Spanned;
use crate::scenario::raw::{RawExercise, RawExpectedAction, RawInject};
use pocnet_core::{ActionName, StateCode};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) fn exercise(
    c: &mut Checker<'_>,
    raw: &Spanned<RawExercise>,
    codes: &BTreeSet<StateCode>,
    expectations: BTreeMap<u32, String>,
) -> Exercise {
    let state = |c: &mut Checker<'_>, v: &Spanned<String>| match StateCode::parse(v.get_ref()) {
        Ok(code) if codes.contains(&code) => Some(code),
        _ => {
            let hint = super::fields::state_hint(v.get_ref(), codes);
            c.at(v, format!("unknown state `{}`: not among the scenario's contact points{hint}", v.get_ref()));
            None
        }
    };
    let mut players = Vec::new();
    for p in &raw.get_ref().players {
        if let Some(code) = state(c, p) {
            if players.contains(&code) {
                c.at(p, format!("{code} is listed twice among the players"));
            }
            players.push(code);
        }
    }
    let mut objectives = Vec::new();
    for o in &raw.get_ref().objectives {
        let r = o.get_ref();
        let states = match &r.states {
            Some(list) => list.iter().filter_map(|v| state(c, v)).collect(),
            None => players.clone(),
        };
        let kind = r.kind.as_ref().and_then(|k| kind_of(c, k));
        let acknowledge_within_ms =
            r.acknowledge_within.as_ref().and_then(|v| duration_field(c, v, "acknowledge_within"));
        let fulfil_within_ms = r.fulfil_within.as_ref().and_then(|v| duration_field(c, v, "fulfil_within"));
        if r.acknowledge_within.is_none() && r.fulfil_within.is_none() {
            c.at(o, "an objective needs `acknowledge_within` or `fulfil_within` (what is measured)");
        }
        objectives.push(Objective { name: r.name.clone(), states, kind, acknowledge_within_ms, fulfil_within_ms });
    }
    Exercise { players, objectives, expectations, expected_actions: BTreeMap::new() }
}

/// Each inject's `expect_actions`, by case (injects are numbered from 1 in file order).
/// The player named (the receiver by default) must be played by a person.
pub(crate) fn expected_actions(
    c: &mut Checker<'_>,
    injects: &[Spanned<RawInject>],
    players: &[StateCode],
    providers: &super::roads::ProviderNames,
) -> BTreeMap<u32, Vec<ExpectedAction>> {
    let mut by_case = BTreeMap::new();
    for (case, raw) in (1u32..).zip(injects) {
        let inject = raw.get_ref();
        // The receiver: `to`, else the home of the provider named (a name not found is
        // reported with the inject).
        let home = inject.provider.as_ref().and_then(|p| providers.home(p.get_ref()));
        let receiver = match (&inject.to, home) {
            (Some(to), _) => Some((to.get_ref().clone(), to.span())),
            (None, Some(home)) => Some((home.to_string(), raw.span())),
            (None, None) => None,
        };
        let Some(receiver) = receiver else { continue };
        let actions: Vec<ExpectedAction> =
            inject.expect_actions.iter().filter_map(|a| expected(c, a.get_ref(), &receiver, players)).collect();
        if !actions.is_empty() {
            by_case.insert(case, actions);
        }
    }
    by_case
}

fn expected(
    c: &mut Checker<'_>,
    raw: &RawExpectedAction,
    (to, to_span): &(String, std::ops::Range<usize>),
    players: &[StateCode],
) -> Option<ExpectedAction> {
    let name = raw.action.get_ref().trim();
    let action = action_named(name);
    if action.is_none() {
        let names: Vec<&str> = action_names();
        c.at(&raw.action, format!("unknown action `{name}`: one of {}", names.join(", ")));
    }
    let (by_value, by_span) = match &raw.by {
        Some(by) => (by.get_ref().as_str(), by.span()),
        None => (to.as_str(), to_span.clone()),
    };
    let by = StateCode::parse(by_value.trim()).ok();
    match by {
        Some(code) if players.contains(&code) => {}
        _ => c.error(by_span, format!("`{by_value}` is not played by a person: pocnet judges players' actions only")),
    }
    let within_ms = raw.within.as_ref().and_then(|v| duration_field(c, v, "within"));
    if raw.ground.is_some() && action != Some(ActionName::Refuse) {
        c.at(&raw.action, "`ground` belongs to an expected refusal (action = \"refuse\")");
    }
    Some(ExpectedAction {
        action: action?,
        by: by.filter(|b| players.contains(b))?,
        within_ms,
        ground: raw.ground.clone(),
    })
}
