//! `[network]` and `[[faults]]`: link delays and loss, modelled faults, and the faults the
//! mesh carries out (`crash`, `cut`).

use super::fields::time_in;
use crate::scenario::diag::Checker;
use crate::scenario::model::{Cut, FaultKind, CUT_LASTING_MS_MAX, DEFAULT_LINK_DELAY_MS};
use crate::scenario::raw::Spanned;
use crate::scenario::raw::*;
use crate::scenario::schema::one_of;
use crate::scenario::units::duration_ms;
use pocnet_core::limits;
use pocnet_core::network::{Fault, LinkRule, Side};
use pocnet_core::{NetworkModel, SimTime, StateCode};
use std::collections::{BTreeMap, BTreeSet};

/// Whether `code` is on `side` (a state, a region of `regions`, or `*`).
pub(crate) fn on_side(code: StateCode, side: &Side, regions: &BTreeMap<StateCode, String>) -> bool {
    match side {
        Side::State(x) => *x == code,
        Side::Region(r) => regions.get(&code) == Some(r),
        Side::Any => true,
    }
}

/// The states of `codes` on any of `sides`.
pub(crate) fn members_of(
    sides: &[Side],
    codes: &BTreeSet<StateCode>,
    regions: &BTreeMap<StateCode, String>,
) -> Vec<StateCode> {
    codes.iter().copied().filter(|code| sides.iter().any(|s| on_side(*code, s, regions))).collect()
}

/// A link or fault side: a state code, a region, or `*`.
pub(crate) fn side(
    c: &mut Checker<'_>,
    value: &Spanned<String>,
    codes: &BTreeSet<StateCode>,
    regions: &BTreeMap<StateCode, String>,
) -> Option<Side> {
    let v = value.get_ref();
    if v == "*" {
        return Some(Side::Any);
    }
    if let Ok(code) = StateCode::parse(v) {
        if codes.contains(&code) {
            return Some(Side::State(code));
        }
    }
    if regions.values().any(|r| r == v) {
        return Some(Side::Region(v.clone()));
    }
    let names = codes.iter().map(|c| c.as_str()).chain(regions.values().map(String::as_str));
    let hint = crate::scenario::diag::did_you_mean(v, names);
    c.at(value, format!("`{v}` is neither a state of the scenario, a region of its states, nor `*`{hint}"));
    None
}

pub(crate) fn network(
    c: &mut Checker<'_>,
    raw: Option<&RawNetwork>,
    codes: &BTreeSet<StateCode>,
    regions: &BTreeMap<StateCode, String>,
) -> Option<NetworkModel> {
    let Some(raw) = raw else { return Some(NetworkModel::new(DEFAULT_LINK_DELAY_MS)) };
    let link_delay = match &raw.link_delay {
        Some(d) => match duration_ms(d.get_ref()) {
            Ok(ms) if (limits::LINK_DELAY_MS_MIN..=limits::DELAY_MS_MAX).contains(&ms) => Some(ms),
            Ok(_) => {
                c.at(d, "link_delay must be at least 1ms (it is the virtual clock's lookahead)");
                None
            }
            Err(e) => {
                c.at(d, e);
                None
            }
        },
        None => Some(DEFAULT_LINK_DELAY_MS),
    };
    let mut model = NetworkModel::new(link_delay.unwrap_or(DEFAULT_LINK_DELAY_MS));
    let mut ok = link_delay.is_some();
    if let Some(extra) = raw.links.get(limits::LINK_RULES_MAX) {
        c.at(extra, format!("more than {} link rules", limits::LINK_RULES_MAX));
        ok = false;
    }
    for l in &raw.links {
        let r = l.get_ref();
        let between = r.between.get_ref();
        if between.len() != 2 {
            c.at(&r.between, "`between` takes two sides: state codes, regions or `*`");
            ok = false;
            continue;
        }
        let (a, b) = (side(c, &between[0], codes, regions), side(c, &between[1], codes, regions));
        let delay_ms = match &r.delay {
            Some(d) => match duration_ms(d.get_ref()) {
                Ok(ms) if (limits::LINK_DELAY_MS_MIN..=limits::DELAY_MS_MAX).contains(&ms) => Some(ms),
                Ok(_) => {
                    c.at(d, "a link delay must be at least 1ms");
                    None
                }
                Err(e) => {
                    c.at(d, e);
                    None
                }
            },
            None => Some(model.link_delay_ms),
        };
        let loss = match &r.loss {
            Some(p) if (0.0..1.0).contains(p.get_ref()) => Some(*p.get_ref()),
            Some(p) => {
                c.at(p, format!("loss {} is outside [0, 1)", p.get_ref()));
                None
            }
            None => Some(0.0),
        };
        match (a, b, delay_ms, loss) {
            (Some(a), Some(b), Some(delay_ms), Some(loss)) => model.links.push(LinkRule { a, b, delay_ms, loss }),
            _ => ok = false,
        }
    }
    ok.then_some(model)
}

/// A fault's `kind`, parsed once: the rest of validation matches the [`FaultKind`].
pub(crate) fn fault_kind(c: &mut Checker<'_>, raw: &Spanned<RawFault>) -> Option<FaultKind> {
    let written = &raw.get_ref().kind;
    let kind = FaultKind::parse(written.get_ref());
    if kind.is_none() {
        let names: Vec<&str> = FaultKind::ALL.iter().map(FaultKind::name).collect();
        let hint = crate::scenario::diag::did_you_mean(written.get_ref(), names.iter().copied());
        c.at(written, format!("unknown fault `{}`{hint} (expected {})", written.get_ref(), one_of(&names)));
    }
    kind
}

/// A fault of the network model (`down`, `stale`, `partition`); `None` for the mesh's own
/// (`crash`, `cut`: [`crashes`] and [`cuts`]).
pub(crate) fn fault(
    c: &mut Checker<'_>,
    raw: &Spanned<RawFault>,
    kind: FaultKind,
    codes: &BTreeSet<StateCode>,
    regions: &BTreeMap<StateCode, String>,
    start: SimTime,
    end: SimTime,
) -> Option<Fault> {
    let r = raw.get_ref();
    let window = Some((start, end));
    let state_of = |c: &mut Checker<'_>| -> Option<StateCode> {
        let Some(s) = &r.state else {
            c.at(&r.kind, format!("a `{}` fault needs `state`", r.kind.get_ref()));
            return None;
        };
        match StateCode::parse(s.get_ref()) {
            Ok(code) if codes.contains(&code) => Some(code),
            _ => {
                let hint = super::fields::state_hint(s.get_ref(), codes);
                c.at(s, format!("unknown state `{}`: not among the scenario's contact points{hint}", s.get_ref()));
                None
            }
        }
    };
    let span_of = |c: &mut Checker<'_>| -> Option<(SimTime, SimTime)> {
        let (Some(f), Some(u)) = (&r.from, &r.until) else {
            c.at(&r.kind, format!("a `{}` fault needs `from` and `until`", r.kind.get_ref()));
            return None;
        };
        // A fault wholly outside the scenario is one mistake: said once, at `from`.
        let from = time_in(c, f, window);
        let until = if from.is_some() { time_in(c, u, window) } else { super::fields::timestamp(c, u) };
        let (from, until) = (from?, until?);
        if until <= from {
            c.at(u, "`until` must come after `from`");
            return None;
        }
        Some((from, until))
    };
    match kind {
        FaultKind::Down => {
            let (state, span) = (state_of(c), span_of(c));
            let (from, until) = span?;
            Some(Fault::Down { state: state?, from, until })
        }
        FaultKind::Stale => {
            // Without `from` and `until`: stale for the whole run.
            let state = state_of(c);
            let (from, until) = match (&r.from, &r.until) {
                (None, None) => (start, SimTime(i64::MAX)),
                _ => span_of(c)?,
            };
            Some(Fault::Stale { state: state?, from, until })
        }
        FaultKind::Partition => {
            let members = |c: &mut Checker<'_>, list: &Option<Vec<Spanned<String>>>, name: &str| -> Option<Vec<Side>> {
                let Some(list) = list else {
                    c.at(&r.kind, format!("a `partition` fault needs `{name}`"));
                    return None;
                };
                let sides: Vec<Side> = list.iter().filter_map(|v| side(c, v, codes, regions)).collect();
                (sides.len() == list.len()).then_some(sides)
            };
            let (a, b, span) = (members(c, &r.a, "a"), members(c, &r.b, "b"), span_of(c));
            let (a, b, (from, until)) = (a?, b?, span?);
            let a = members_of(&a, codes, regions);
            // `b = ["*"]` means everyone not in `a`.
            let b: Vec<StateCode> = members_of(&b, codes, regions).into_iter().filter(|s| !a.contains(s)).collect();
            Some(Fault::Partition { a, b, from, until })
        }
        FaultKind::Crash | FaultKind::Cut => None,
    }
}

/// `crash` faults: the mesh kills the node's process (SIGKILL) at a scenario time.
pub(crate) fn crashes(
    c: &mut Checker<'_>,
    faults: &[(FaultKind, &Spanned<RawFault>)],
    codes: &BTreeSet<StateCode>,
    window: Option<(SimTime, SimTime)>,
) -> Vec<(SimTime, StateCode)> {
    let mut crashes = Vec::new();
    for f in faults.iter().filter(|(k, _)| *k == FaultKind::Crash).map(|(_, f)| f.get_ref()) {
        let state = match &f.state {
            Some(s) => match StateCode::parse(s.get_ref()) {
                Ok(code) if codes.contains(&code) => Some(code),
                _ => {
                    let hint = super::fields::state_hint(s.get_ref(), codes);
                    c.at(s, format!("unknown state `{}`: not among the scenario's contact points{hint}", s.get_ref()));
                    None
                }
            },
            None => {
                c.at(&f.kind, "a `crash` fault needs `state`");
                None
            }
        };
        let at = match &f.from {
            Some(t) => time_in(c, t, window),
            None => {
                c.at(&f.kind, "a `crash` fault needs `from` (when the process is killed)");
                None
            }
        };
        if let (Some(state), Some(at)) = (state, at) {
            crashes.push((at, state));
        }
    }
    crashes
}

/// `cut` faults: a real partition beneath QUIC, healed after a real-time duration.
pub(crate) fn cuts(
    c: &mut Checker<'_>,
    faults: &[(FaultKind, &Spanned<RawFault>)],
    codes: &BTreeSet<StateCode>,
    regions: &BTreeMap<StateCode, String>,
    window: Option<(SimTime, SimTime)>,
) -> Vec<Cut> {
    let mut cuts = Vec::new();
    for f in faults.iter().filter(|(k, _)| *k == FaultKind::Cut).map(|(_, f)| f.get_ref()) {
        let members =
            |c: &mut Checker<'_>, list: &Option<Vec<Spanned<String>>>, name: &str| -> Option<Vec<StateCode>> {
                let Some(list) = list else {
                    c.at(&f.kind, format!("a `cut` fault needs `{name}`"));
                    return None;
                };
                let sides: Vec<Side> = list.iter().filter_map(|v| side(c, v, codes, regions)).collect();
                (sides.len() == list.len()).then(|| members_of(&sides, codes, regions))
            };
        let (a, b) = (members(c, &f.a, "a"), members(c, &f.b, "b"));
        let at = match &f.from {
            Some(t) => time_in(c, t, window),
            None => {
                c.at(&f.kind, "a `cut` fault needs `from` (the scenario time it starts)");
                None
            }
        };
        let lasting = match &f.lasting {
            Some(l) => match duration_ms(l.get_ref()) {
                Ok(ms) if ms > 0 && ms <= CUT_LASTING_MS_MAX => Some(std::time::Duration::from_millis(ms)),
                Ok(_) => {
                    c.at(l, format!("`lasting` is real time, between 1ms and {}s", CUT_LASTING_MS_MAX / 1000));
                    None
                }
                Err(e) => {
                    c.at(l, e);
                    None
                }
            },
            None => {
                c.at(&f.kind, "a `cut` fault needs `lasting` (how long, in real time)");
                None
            }
        };
        if let (Some(a), Some(b), Some(at), Some(lasting)) = (a, b, at, lasting) {
            let b: Vec<StateCode> = b.into_iter().filter(|s| !a.contains(s)).collect();
            cuts.push(Cut { at, a, b, lasting });
        }
    }
    cuts
}
