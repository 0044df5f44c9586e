//! `[exercise]`: the players, the objectives and what each inject expects of its receiver.

use super::fields::{duration_field, kind_of};
use crate::scenario::diag::Checker;
use crate::scenario::model::{Exercise, Objective};
use crate::scenario::raw::RawExercise;
use crate::scenario::raw::Spanned;
use pocnet_core::StateCode;
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
    Exercise { players, objectives, expectations }
}
