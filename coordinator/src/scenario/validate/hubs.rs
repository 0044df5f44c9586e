//! `[[hubs]]`: regional hubs. A hub is a state of the scenario; its members are codes or
//! regions (never the hub itself, never a member of two hubs); it covers in its own local
//! time, every day, and executes only kinds that need no order to the member's providers.

use super::fields::shifts;
use super::fields::{kind_of, office_officers};
use super::network::{members_of, side};
use crate::scenario::diag::Checker;
use crate::scenario::model::StateEntry;
use crate::scenario::raw::{RawHub, Spanned};
use pocnet_core::limits;
use pocnet_core::network::{Hub, Side};
use pocnet_core::request::RequestKind;
use pocnet_core::roster::{Mode, RosterSpec, WorkWeek};
use pocnet_core::StateCode;
use std::collections::{BTreeMap, BTreeSet};

/// Kinds a hub may execute for a member: none that orders the member's providers.
const HUB_KINDS: [RequestKind; 3] = [RequestKind::TechnicalAdvice, RequestKind::LocateSuspect, RequestKind::Emergency];

pub(crate) fn hubs(
    c: &mut Checker<'_>,
    raw: &[Spanned<RawHub>],
    states: &[StateEntry],
    codes: &BTreeSet<StateCode>,
    regions: &BTreeMap<StateCode, String>,
) -> Vec<Hub> {
    if raw.len() > limits::HUBS_MAX {
        c.at(&raw[limits::HUBS_MAX], format!("more than {} hubs", limits::HUBS_MAX));
        return Vec::new();
    }
    let mut out = Vec::new();
    for h in raw {
        let r = h.get_ref();
        let hub = match StateCode::parse(r.hub.get_ref()) {
            Ok(code) if codes.contains(&code) => Some(code),
            _ => {
                let hint = super::fields::state_hint(r.hub.get_ref(), codes);
                c.at(
                    &r.hub,
                    format!("unknown state `{}`: a hub is a contact point of the scenario{hint}", r.hub.get_ref()),
                );
                None
            }
        };
        let sides: Vec<Side> = r.members.iter().filter_map(|v| side(c, v, codes, regions)).collect();
        let mut members = members_of(&sides, codes, regions);
        if let Some(hub) = hub {
            members.retain(|m| *m != hub);
        }
        if members.is_empty() && sides.len() == r.members.len() {
            c.at(h, "a hub needs at least one member other than itself");
        }
        let hours = shifts(c, Some(&r.hours));
        let executes: Option<Vec<RequestKind>> = match &r.executes {
            None => Some(HUB_KINDS.to_vec()),
            Some(list) => {
                let kinds: Vec<RequestKind> = list.iter().filter_map(|k| kind_of(c, k)).collect();
                for (k, v) in kinds.iter().zip(list) {
                    if !HUB_KINDS.contains(k) {
                        c.at(
                            v,
                            format!("a hub cannot execute `{k}` for a member: only the member can order its providers"),
                        );
                    }
                }
                (kinds.len() == list.len()).then_some(kinds)
            }
        };
        let officers = r.officers.as_ref().map(|o| office_officers(c, o));
        let tz = hub.and_then(|code| states.iter().find(|s| s.code == code)).map(|s| s.tz.clone());
        if let (Some(hub), Some(hours), Some(executes), Some(tz)) = (hub, hours, executes, tz) {
            if matches!(officers, Some(None)) {
                continue;
            }
            let covers = RosterSpec {
                tz,
                workweek: WorkWeek::ALL_DAYS,
                shifts: hours,
                always_staffed: false,
                off_hours: Mode::Closed,
                holidays: vec![],
            };
            if let Err(e) = pocnet_core::Roster::new(covers.clone()) {
                c.at(h, format!("hub {hub}: {e}"));
                continue;
            }
            let new = Hub { hub, members, covers, executes, officers: officers.flatten() };
            if let Some(conflict) = conflict(&out, &new) {
                c.at(&r.hub, conflict.to_string());
                continue;
            }
            out.push(new);
        }
    }
    out
}

/// Why a hub cannot join others: the one rule `[[hubs]]`, a sweep's hub options against
/// its base and the sweep's combinations are all held to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum HubConflict {
    #[error("{member} is a member of two hubs ({first} and {second})")]
    MemberOfTwo { member: StateCode, first: StateCode, second: StateCode },
    #[error("{0} is named as a hub twice")]
    NamedTwice(StateCode),
    #[error("{hub} is a hub and a member of {other}'s hub: a hub covers others, no hub covers a hub")]
    HubCovered { hub: StateCode, other: StateCode },
}

/// Whether `new` can stand beside `existing` (each already consistent): no state in two
/// hubs, no hub named twice, no hub among another hub's members (two hubs covering each
/// other, or a chain of cover).
pub(crate) fn conflict<'a>(existing: impl IntoIterator<Item = &'a Hub>, new: &Hub) -> Option<HubConflict> {
    for old in existing {
        if old.hub == new.hub {
            return Some(HubConflict::NamedTwice(new.hub));
        }
        if let Some(member) = new.members.iter().find(|m| old.members.contains(m)) {
            return Some(HubConflict::MemberOfTwo { member: *member, first: old.hub, second: new.hub });
        }
        if old.members.contains(&new.hub) {
            return Some(HubConflict::HubCovered { hub: new.hub, other: old.hub });
        }
        if new.members.contains(&old.hub) {
            return Some(HubConflict::HubCovered { hub: old.hub, other: new.hub });
        }
    }
    None
}
