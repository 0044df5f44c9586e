//! `[ping_check]` and `[practice]`: a communication check's pings, and desks that do not
//! work as the register declares. Every draw comes from the scenario seed, on streams of
//! their own (a check added to a scenario changes none of its other draws).

use super::fields::{duration_field, stream, timestamp};
use super::network::{members_of, side};
use crate::scenario::diag::Checker;
use crate::scenario::model::{PingCheck, StateEntry, ON_CALL_WITHIN_DEFAULT_MS, STAFFED_WITHIN_DEFAULT_MS};
use crate::scenario::raw::{RawPingCheck, RawPractice, Spanned};
use pocnet_core::request::{Art42, Inject, RequestId, RequestKind};
use pocnet_core::roster::{Mode, RosterSpec};
use pocnet_core::{SimTime, StateCode};
use rand::Rng;
use std::collections::{BTreeMap, BTreeSet};

/// Pings to one contact point in one check.
pub const PINGS_PER_STATE_MAX: u32 = 50;
/// Default spread of a check.
const OVER_DEFAULT_MS: u64 = 7 * 86_400_000;
/// Default pings to each contact point of a check spread over a period.
const PER_STATE_DEFAULT: u32 = 6;

pub(crate) fn ping_check(
    c: &mut Checker<'_>,
    raw: &Spanned<RawPingCheck>,
    states: &[StateEntry],
    codes: &BTreeSet<StateCode>,
    regions: &BTreeMap<StateCode, String>,
    (scenario_start, scenario_end): (SimTime, SimTime),
) -> Option<PingCheck> {
    let r = raw.get_ref();
    let from = sender(c, r, states, codes);
    let to = match &r.to {
        None => Some(codes.iter().copied().collect::<Vec<_>>()),
        Some(list) => {
            let sides: Vec<_> = list.iter().filter_map(|v| side(c, v, codes, regions)).collect();
            (sides.len() == list.len()).then(|| members_of(&sides, codes, regions))
        }
    };
    let at_once = match r.schedule.as_ref().map(|s| s.get_ref().as_str()) {
        None | Some("random") => Some(false),
        Some("at-once") => Some(true),
        Some(other) => {
            let span = r.schedule.as_ref().map_or(raw.span(), |s| s.span());
            c.error(span, format!("unknown schedule `{other}`: expected random or at-once"));
            None
        }
    };
    let start = match &r.start {
        Some(v) => timestamp(c, v),
        None => Some(scenario_start),
    };
    let over_ms = match &r.over {
        Some(v) => duration_field(c, v, "over"),
        None => Some(OVER_DEFAULT_MS),
    };
    let per_state = per_state(c, r, at_once);
    let within = |c: &mut Checker<'_>, v: &Option<Spanned<String>>, name, default| match v {
        Some(v) => duration_field(c, v, name),
        None => Some(default),
    };
    let staffed_within_ms = within(c, &r.staffed_within, "staffed_within", STAFFED_WITHIN_DEFAULT_MS);
    let on_call_within_ms = within(c, &r.on_call_within, "on_call_within", ON_CALL_WITHIN_DEFAULT_MS);
    let (from, to, at_once, start, over_ms, per_state) = (from?, to?, at_once?, start?, over_ms?, per_state?);
    let (staffed_within_ms, on_call_within_ms) = (staffed_within_ms?, on_call_within_ms?);
    let over_ms = if at_once { 0 } else { over_ms };
    if start < scenario_start || start.plus_ms(over_ms) > scenario_end {
        c.at(
            raw,
            format!(
                "the check ({start} over {}) runs outside the scenario ({scenario_start} to {scenario_end})",
                pocnet_core::time::format_duration_ms(over_ms)
            ),
        );
        return None;
    }
    let to: Vec<StateCode> = to.into_iter().filter(|s| *s != from).collect();
    if to.is_empty() {
        c.at(raw, "the check pings nobody: `to` names only the sender");
        return None;
    }
    Some(PingCheck { from, to, start, over_ms, per_state, staffed_within_ms, on_call_within_ms })
}

/// `from`: the sender, a contact point of the scenario (by default the first).
fn sender(
    c: &mut Checker<'_>,
    r: &RawPingCheck,
    states: &[StateEntry],
    codes: &BTreeSet<StateCode>,
) -> Option<StateCode> {
    match &r.from {
        None => states.first().map(|s| s.code),
        Some(v) => match StateCode::parse(v.get_ref()) {
            Ok(code) if codes.contains(&code) => Some(code),
            _ => {
                let hint = super::fields::state_hint(v.get_ref(), codes);
                c.at(
                    v,
                    format!("unknown state `{}`: the sender is a contact point of the scenario{hint}", v.get_ref()),
                );
                None
            }
        },
    }
}

/// `per_state`: pings to each contact point, 1 to `PINGS_PER_STATE_MAX` (one at once).
fn per_state(c: &mut Checker<'_>, r: &RawPingCheck, at_once: Option<bool>) -> Option<u32> {
    match (&r.per_state, at_once) {
        (None, Some(true)) => Some(1),
        (None, _) => Some(PER_STATE_DEFAULT),
        (Some(v), _) => match u32::try_from(*v.get_ref()) {
            Ok(n) if (1..=PINGS_PER_STATE_MAX).contains(&n) => {
                if at_once == Some(true) && n != 1 {
                    c.at(v, "an at-once check sends one ping to each contact point");
                }
                Some(n)
            }
            _ => {
                c.at(v, format!("per_state: 1 to {PINGS_PER_STATE_MAX} pings"));
                None
            }
        },
    }
}

/// The check's pings, as injects of kind `ping` numbered from `first_case`, in time order.
pub fn pings(check: &PingCheck, seed: u64, first_case: u32) -> Vec<Inject> {
    let mut rng = stream(seed, 0x5049_4E47);
    let mut out = Vec::new();
    for to in &check.to {
        for _ in 0..check.per_state {
            let offset = if check.over_ms == 0 { 0 } else { rng.random_range(0..check.over_ms) };
            // In the register's common language (the default): a test of the channel, not
            // of translation. Its texts say what it is; the authority is the default.
            let ping = Inject::new(check.start.plus_ms(offset), check.from, *to, RequestKind::Ping);
            let details = Art42 {
                offence: "communication check".into(),
                data: "none".into(),
                custodian: "none".into(),
                necessity: "a test of the register: please answer".into(),
                mla_to_follow: false,
                confidential: false,
                ..ping.details.clone()
            };
            out.push(Inject { details, ..ping });
        }
    }
    out.sort_by_key(|i| (i.at, i.to));
    for (n, inject) in out.iter_mut().enumerate() {
        inject.id = RequestId { case: first_case.saturating_add(n as u32), link: 0 };
    }
    out
}

/// `[practice] paper_24_7`: the share of valid values.
pub(crate) fn paper_24_7(c: &mut Checker<'_>, raw: &Spanned<RawPractice>) -> Option<f64> {
    let v = raw.get_ref().paper_24_7.as_ref()?;
    if (0.0..=1.0).contains(v.get_ref()) {
        Some(*v.get_ref())
    } else {
        c.at(v, "paper_24_7: a share, in [0, 1]");
        None
    }
}

/// Each contact point declared staffed 24/7 (and working so) keeps office hours only in
/// practice with probability `share`, drawn per state: its roster becomes office hours,
/// closed otherwise, and it still declares 24/7.
pub(crate) fn apply_practice(states: &mut [StateEntry], share: f64, seed: u64) {
    for s in states.iter_mut().filter(|s| s.roster.always_staffed && s.declared.is_none()) {
        let key = u64::from_le_bytes({
            let mut b = [0u8; 8];
            b[..3].copy_from_slice(s.code.as_str().as_bytes().get(..3).unwrap_or(b"XXX"));
            b
        });
        let mut rng = stream(seed ^ key.wrapping_mul(0x9E37_79B9_7F4A_7C15), 0x5052_4143);
        if rng.random::<f64>() < share {
            let declared = s.roster.clone();
            s.roster = RosterSpec { always_staffed: false, off_hours: Mode::Closed, ..declared.clone() };
            s.roster_summary = super::roster_summary(&s.roster);
            s.declared = Some(declared);
        }
    }
}

/// What `pocnet ping` changes in a check (each `None`: the scenario's, or the default).
#[derive(Debug, Clone, Default)]
pub struct PingOnly {
    pub from: Option<StateCode>,
    pub per_state: Option<u32>,
    pub over_ms: Option<u64>,
    pub at_once: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PingOnlyError {
    #[error("--from {0}: not a contact point of the scenario")]
    UnknownSender(StateCode),
    #[error("--per-state {0}: 1 to {PINGS_PER_STATE_MAX} pings")]
    PerState(u32),
    #[error("--over: a duration above zero")]
    Over,
    #[error("--at-once sends one ping to each contact point at the check's start: not with --per-state or --over")]
    AtOnceSpread,
    #[error("the scenario has one contact point: nobody to ping")]
    Alone,
    #[error("the check ({start} over {over}) runs past the scenario's end ({end}): shorten --over")]
    PastEnd { start: SimTime, over: String, end: SimTime },
    #[error("with this check's corrections, register decay makes {0} faults: more than the limit")]
    TooManyFaults(usize),
}

/// `pocnet ping`: the scenario's contact points and network with its communication check
/// alone (its own, changed by `only`, or the default: the first contact point pings every
/// other six times over a week). The scenario's cases are dropped.
pub fn ping_only(scenario: &mut crate::scenario::Scenario, only: &PingOnly) -> Result<(), PingOnlyError> {
    let codes: Vec<StateCode> = scenario.states.iter().map(|s| s.code).collect();
    let Some(first) = codes.first().copied() else { return Err(PingOnlyError::Alone) };
    let mut check = scenario.ping_check.clone().unwrap_or_else(|| PingCheck {
        from: first,
        to: codes.clone(),
        start: scenario.start,
        over_ms: OVER_DEFAULT_MS,
        per_state: PER_STATE_DEFAULT,
        staffed_within_ms: STAFFED_WITHIN_DEFAULT_MS,
        on_call_within_ms: ON_CALL_WITHIN_DEFAULT_MS,
    });
    if let Some(from) = only.from {
        if !codes.contains(&from) {
            return Err(PingOnlyError::UnknownSender(from));
        }
        if scenario.ping_check.is_none() {
            check.to = codes.clone();
        }
        check.to.push(check.from);
        check.from = from;
    }
    check.to.sort();
    check.to.dedup();
    check.to.retain(|s| *s != check.from);
    if check.to.is_empty() {
        return Err(PingOnlyError::Alone);
    }
    if let Some(n) = only.per_state {
        if !(1..=PINGS_PER_STATE_MAX).contains(&n) {
            return Err(PingOnlyError::PerState(n));
        }
        check.per_state = n;
    }
    if let Some(ms) = only.over_ms {
        if ms == 0 {
            return Err(PingOnlyError::Over);
        }
        check.over_ms = ms;
    }
    if only.at_once && (only.per_state.is_some_and(|n| n != 1) || only.over_ms.is_some()) {
        return Err(PingOnlyError::AtOnceSpread);
    }
    if only.at_once {
        check.over_ms = 0;
        check.per_state = 1;
    }
    let end = check.start.plus_ms(check.over_ms);
    if end > scenario.end {
        let over = pocnet_core::time::format_duration_ms(check.over_ms);
        return Err(PingOnlyError::PastEnd { start: check.start, over, end: scenario.end });
    }
    scenario.injects = pings(&check, scenario.seed, 1);
    // Stale entries this check finds are corrected at its end, as for the scenario's own.
    if let Some(decay) = scenario.register_decay.as_mut() {
        decay.check = Some((end, scenario.injects.iter().map(|i| (i.to, i.at)).collect()));
        let (name, period) = (decay.circulation.clone(), decay.circulation_ms);
        super::decay::recirculate(decay, &mut scenario.network.faults, &name, period)
            .map_err(PingOnlyError::TooManyFaults)?;
    }
    scenario.ping_check = Some(check);
    Ok(())
}
