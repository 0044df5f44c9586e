//! `[profiles.NAME]`: delays by mode and kind, translation, refusals, the central
//! authority, the requester's policy.

use super::evidence::{self, EvidenceLaw};
use super::fields::{
    by_mode, delay_field, duration_field, kind_of, office_hours, office_officers, officers, probability, shifts,
};
use crate::scenario::diag::{did_you_mean, Checker};
use crate::scenario::raw::RawProfile;
use crate::scenario::raw::Spanned;
use pocnet_core::limits;
use pocnet_core::profile::{CentralAuthority, KindDelays, RequesterPolicy};
use pocnet_core::request::RequestKind;
use pocnet_core::roster::{Mode, RosterSpec, WorkWeek};
use pocnet_core::{Delay, Profile, ShiftEnd};
use std::collections::BTreeMap;

/// A profile as its file gives it: the behaviour, and the state's law and MLA where the
/// profile sets them (merged with the scenario's once every state is known).
#[derive(Debug, Clone)]
pub(crate) struct ProfileDraft {
    pub(crate) profile: Profile,
    pub(crate) law: EvidenceLaw,
    /// Where the contact point's on-call officers are written, when some are: a state of
    /// this profile that is never on call could not use them.
    pub(crate) on_call_officers_at: Option<std::ops::Range<usize>>,
}

/// A profile read field by field, in the file's order of checks; none if any field is wrong.
pub(crate) fn profile(c: &mut Checker<'_>, raw: &Spanned<RawProfile>) -> Option<ProfileDraft> {
    let r = raw.get_ref();
    let mla = r.mla.as_ref().map(|m| evidence::mla(c, m));
    let retention = r.retention.as_ref().map(|t| evidence::retention(c, t));
    let acknowledge = by_mode(c, &r.acknowledge);
    let fulfil = by_mode(c, &r.fulfil);
    let (kinds, kinds_ok) = kind_delays(c, r);
    let translation = match &r.translation {
        Some(t) => delay_field(c, t),
        None => Some(Delay::Fixed { ms: 0 }),
    };
    let requester = requester_policy(c, r);
    let refuse_probability = match &r.refuse_probability {
        Some(p) => probability(c, p),
        None => Some(0.0),
    };
    // Officers of the central authority that cannot be read end the profile's reading here.
    let Ok(central_authority) = central_authority(c, r) else { return None };
    let on_call_kinds = on_call_kinds(c, r);
    let desk_officers = optional_officers(c, r.officers.as_ref(), 1);
    let translators = optional_officers(c, r.translators.as_ref(), 0);
    let verify = match &r.verify {
        Some(v) => verification(c, v).map(Some),
        None => Some(None),
    };
    let queue_order = queue_order(c, r);
    let ground = refusal_ground(c, raw);
    if !kinds_ok {
        return None;
    }
    let profile = Profile {
        acknowledge: acknowledge?,
        fulfil: fulfil?,
        kinds,
        languages: vec![],
        translation: translation?,
        refuse_probability: refuse_probability?,
        refusal_ground: ground,
        central_authority: central_authority?,
        requester: requester?,
        on_call_kinds: on_call_kinds?,
        retention: Default::default(),
        hold: Default::default(),
        mla: None,
        officers: desk_officers?,
        queue_order: queue_order?,
        translators: translators?,
        verify: verify?,
        shift_end: shift_end_of(c, r)?,
    };
    if let Err(e) = profile.validate() {
        c.at(raw, e.to_string());
        return None;
    }
    let law = EvidenceLaw {
        mla: mla.map_or(Some(None), |m| m.map(Some))?,
        retention: retention.unwrap_or(Some(Default::default()))?,
    };
    let on_call_officers_at =
        r.officers.as_ref().and_then(|o| o.get_ref().on_call.as_ref()).filter(|v| *v.get_ref() > 0).map(|v| v.span());
    Some(ProfileDraft { profile, law, on_call_officers_at })
}

/// The requester's policy: `give_up_after`, `resend_after`, `escalate_after`,
/// `resends_max`, each checked in this order.
fn requester_policy(c: &mut Checker<'_>, r: &RawProfile) -> Option<RequesterPolicy> {
    let give_up = duration_field(c, &r.give_up_after, "give_up_after");
    let resend_after = r.resend_after.as_ref().map(|v| duration_field(c, v, "resend_after"));
    let escalate_after = r.escalate_after.as_ref().map(|v| duration_field(c, v, "escalate_after"));
    let resends_max = resends_max(c, r);
    Some(RequesterPolicy {
        resend_after_ms: resend_after.map_or(Some(None), |v| v.map(Some))?,
        resends_max: resends_max?,
        escalate_after_ms: escalate_after.map_or(Some(None), |v| v.map(Some))?,
        give_up_after_ms: give_up?,
    })
}

/// `on_call_kinds`: the kinds the contact point takes on call (all when not given).
fn on_call_kinds(c: &mut Checker<'_>, r: &RawProfile) -> Option<Option<Vec<RequestKind>>> {
    match &r.on_call_kinds {
        None => Some(None),
        Some(list) => {
            let kinds: Vec<RequestKind> = list.iter().filter_map(|k| kind_of(c, k)).collect();
            (kinds.len() == list.len()).then_some(Some(kinds))
        }
    }
}

/// `officers` or `translators` when given, with `on_call_default` on call.
fn optional_officers(
    c: &mut Checker<'_>,
    raw: Option<&Spanned<crate::scenario::raw::RawOfficers>>,
    on_call_default: u16,
) -> Option<Option<pocnet_core::Officers>> {
    match raw {
        Some(o) => officers(c, o.get_ref(), on_call_default).map(Some),
        None => Some(None),
    }
}

/// `refusal_ground`, by default Art. 42's; one too long is reported at the profile.
fn refusal_ground(c: &mut Checker<'_>, raw: &Spanned<RawProfile>) -> String {
    let ground =
        raw.get_ref().refusal_ground.clone().unwrap_or_else(|| "prejudice to essential interests (Art. 42)".into());
    if ground.len() > limits::TEXT_FIELD_BYTES_MAX {
        c.at(raw, format!("refusal_ground is longer than {} bytes", limits::TEXT_FIELD_BYTES_MAX));
    }
    ground
}

/// Per-kind delays (`[profiles.NAME.kinds.KIND]`), and whether every one was read.
fn kind_delays(c: &mut Checker<'_>, r: &RawProfile) -> (BTreeMap<RequestKind, KindDelays>, bool) {
    let mut kinds = BTreeMap::new();
    let mut kinds_ok = true;
    for (name, k) in &r.kinds {
        let kind = kind_of(c, name);
        let ack = k.acknowledge.as_ref().map(|d| by_mode(c, d));
        let ful = k.fulfil.as_ref().map(|d| by_mode(c, d));
        match (kind, ack, ful) {
            (Some(kind), ack, ful) if !matches!(ack, Some(None)) && !matches!(ful, Some(None)) => {
                kinds.insert(kind, KindDelays { acknowledge: ack.flatten(), fulfil: ful.flatten() });
            }
            _ => kinds_ok = false,
        }
    }
    (kinds, kinds_ok)
}

/// `resends_max`: at most `RESENDS_MAX`; by default 3 with `resend_after`, else 0.
fn resends_max(c: &mut Checker<'_>, r: &RawProfile) -> Option<u32> {
    match &r.resends_max {
        Some(v) => match u32::try_from(*v.get_ref()) {
            Ok(n) if n <= limits::RESENDS_MAX => Some(n),
            _ => {
                c.at(v, format!("resends_max must be between 0 and {}", limits::RESENDS_MAX));
                None
            }
        },
        None => Some(if r.resend_after.is_some() { 3 } else { 0 }),
    }
}

/// `central_authority`: `Ok(None)` when something in it is wrong (reported), `Err(())`
/// when its officers are (the profile is read no further).
fn central_authority(c: &mut Checker<'_>, r: &RawProfile) -> Result<Option<Option<CentralAuthority>>, ()> {
    match &r.central_authority {
        None => Ok(Some(None)),
        Some(ca) => {
            let kinds: Vec<RequestKind> = ca.kinds.iter().filter_map(|k| kind_of(c, k)).collect();
            let delay = delay_field(c, &ca.delay);
            let shifts = match &ca.hours {
                Some(h) => office_hours(c, h),
                None => shifts(c, None),
            };
            let officers = ca.officers.as_ref().map(|o| office_officers(c, o));
            if matches!(officers, Some(None)) {
                return Err(());
            }
            let officers = officers.flatten();
            Ok(match (delay, shifts) {
                // The central authority's roster is filled in per state (same zone and week).
                (Some(delay), Some(shifts)) if kinds.len() == ca.kinds.len() => Some(Some(CentralAuthority {
                    roster: RosterSpec {
                        tz: String::new(),
                        workweek: WorkWeek::ALL_DAYS,
                        shifts,
                        always_staffed: false,
                        off_hours: Mode::Closed,
                        holidays: vec![],
                    },
                    delay,
                    kinds,
                    officers,
                })),
                _ => None,
            })
        }
    }
}

/// `queue`: the order a desk takes requests in (by default emergencies, then deadline).
fn queue_order(c: &mut Checker<'_>, r: &RawProfile) -> Option<pocnet_core::QueueOrder> {
    match &r.queue {
        None => Some(pocnet_core::QueueOrder::EmergencyThenDeadline),
        Some(q) => match pocnet_core::QueueOrder::NAMES.iter().find(|(n, _)| n == q.get_ref()) {
            Some((_, order)) => Some(*order),
            None => {
                let names: Vec<&str> = pocnet_core::QueueOrder::NAMES.iter().map(|n| n.0).collect();
                c.at(q, format!("unknown queue order `{}`: expected one of {}", q.get_ref(), names.join(", ")));
                None
            }
        },
    }
}

/// A profile's `verify`: the kinds, how, its work time and hours, and how often it
/// catches a forgery (defaults: emergencies; call-back 1, supervisor 0.5, assumptions).
fn verification(
    c: &mut Checker<'_>,
    raw: &Spanned<crate::scenario::raw::RawVerify>,
) -> Option<pocnet_core::profile::Verification> {
    use pocnet_core::profile::{Verification, VerifyHow};
    let r = raw.get_ref();
    let kinds = match &r.kinds {
        None => Some(vec![RequestKind::Emergency]),
        Some(list) => {
            let kinds: Vec<RequestKind> = list.iter().filter_map(|k| kind_of(c, k)).collect();
            for v in list {
                if v.get_ref() == RequestKind::Ping.as_str() {
                    c.at(v, "a ping is never verified: it asks for nothing to execute");
                }
            }
            (kinds.len() == list.len() && !kinds.contains(&RequestKind::Ping)).then_some(kinds)
        }
    };
    let how = match r.how.get_ref().as_str() {
        "call-back" => Some(VerifyHow::CallBack),
        "supervisor" => Some(VerifyHow::Supervisor),
        other => {
            c.at(&r.how, format!("unknown verification `{other}`: expected call-back or supervisor"));
            None
        }
    };
    let time = delay_field(c, &r.time);
    let on_call = match r.hours.as_ref().map(|h| h.get_ref().as_str()) {
        None | Some("staffed") => Some(false),
        Some("staffed-or-on-call") => Some(true),
        Some(other) => {
            let span = r.hours.as_ref().map_or(raw.span(), |h| h.span());
            c.error(span, format!("unknown hours `{other}`: expected staffed or staffed-or-on-call"));
            None
        }
    };
    let catches = match (&r.catches, how) {
        (Some(p), _) => probability(c, p),
        (None, Some(VerifyHow::CallBack)) => Some(1.0),
        (None, _) => Some(0.5),
    };
    Some(Verification { kinds: kinds?, how: how?, time: time?, on_call: on_call?, catches: catches? })
}

/// The default work a hand-over at a shift's end adds: an assumption (no source gives it).
pub(crate) const HAND_OVER_COST_DEFAULT_MS: u64 = 15 * 60_000;

/// `shift_end` and `hand_over_cost`: a policy only desks with counted officers follow, so
/// one written without them is refused where it is written.
fn shift_end_of(c: &mut Checker<'_>, r: &RawProfile) -> Option<ShiftEnd> {
    let counted = r.officers.is_some()
        || r.translators.is_some()
        || r.central_authority.as_ref().is_some_and(|ca| ca.officers.is_some());
    if let (Some(s), false) = (&r.shift_end, counted) {
        c.at(s, "shift_end applies to desks whose officers are counted: set `officers` (or `translators`)".to_string());
        return None;
    }
    shift_end(c, r.shift_end.as_ref(), r.hand_over_cost.as_ref())
}

/// A desk's `shift_end` policy and its `hand_over_cost` (default next_opening; a cost
/// without a hand-over is refused where it is written).
pub(crate) fn shift_end(
    c: &mut Checker<'_>,
    shift_end: Option<&Spanned<String>>,
    hand_over_cost: Option<&Spanned<String>>,
) -> Option<ShiftEnd> {
    let policy = match shift_end {
        None => "next_opening",
        Some(s) => match ShiftEnd::NAMES.iter().find(|n| **n == s.get_ref().as_str()) {
            Some(n) => *n,
            None => {
                let hint = did_you_mean(s.get_ref(), ShiftEnd::NAMES.iter().copied());
                let names = ShiftEnd::NAMES.join(", ");
                c.at(s, format!("unknown shift_end `{}`{hint}; expected one of {names}", s.get_ref()));
                return None;
            }
        },
    };
    match (policy, hand_over_cost) {
        ("hand_over", cost) => {
            let cost_ms = match cost {
                Some(v) => duration_field(c, v, "hand_over_cost")?,
                None => HAND_OVER_COST_DEFAULT_MS,
            };
            Some(ShiftEnd::HandOver { cost_ms })
        }
        (_, Some(v)) => {
            c.at(v, format!("hand_over_cost applies only with shift_end = \"hand_over\", not `{policy}`"));
            None
        }
        ("overtime", None) => Some(ShiftEnd::Overtime),
        _ => Some(ShiftEnd::NextOpening),
    }
}
