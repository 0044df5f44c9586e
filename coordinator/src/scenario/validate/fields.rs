//! The field checks every part of a scenario shares: times, durations, delays,
//! probabilities, request kinds. Each reports a bad value where it is and returns `None`.

use crate::scenario::diag::Checker;
use crate::scenario::raw::RawByMode;
use crate::scenario::raw::Spanned;
use crate::scenario::units::{delay_in, duration_ms};
use pocnet_core::limits;
use pocnet_core::request::RequestKind;
use pocnet_core::roster::{Mode, RosterSpec, Shift, WorkWeek};
use pocnet_core::{Delay, DelaysByMode, SimTime};

pub(crate) fn timestamp(c: &mut Checker<'_>, value: &Spanned<String>) -> Option<SimTime> {
    match value.get_ref().parse::<jiff::Timestamp>() {
        Ok(ts) => Some(SimTime::from_timestamp(ts)),
        Err(_) => {
            c.at(
                value,
                format!("`{}` is not a UTC time: expected RFC 3339 like 2025-11-03T09:30:00Z", value.get_ref()),
            );
            None
        }
    }
}

/// A time that must fall inside the scenario.
pub(crate) fn time_in(
    c: &mut Checker<'_>,
    value: &Spanned<String>,
    window: Option<(SimTime, SimTime)>,
) -> Option<SimTime> {
    let t = timestamp(c, value)?;
    if let Some((start, end)) = window {
        if t < start || t > end {
            c.at(value, format!("{t} is outside the scenario ({start} to {end})"));
            return None;
        }
    }
    Some(t)
}

pub(crate) fn duration_field(c: &mut Checker<'_>, value: &Spanned<String>, what: &str) -> Option<u64> {
    match duration_ms(value.get_ref()) {
        Ok(ms) if ms > 0 && ms <= limits::DELAY_MS_MAX => Some(ms),
        Ok(_) => {
            c.at(value, format!("{what} must be positive and at most 366d"));
            None
        }
        Err(e) => {
            c.at(value, e);
            None
        }
    }
}

pub(crate) fn delay_field(c: &mut Checker<'_>, value: &Spanned<String>) -> Option<Delay> {
    let dir = std::path::Path::new(c.file).parent();
    match delay_in(value.get_ref(), dir) {
        Ok(d) => Some(d),
        Err(e) => {
            c.at(value, e);
            None
        }
    }
}

pub(crate) fn by_mode(c: &mut Checker<'_>, raw: &RawByMode) -> Option<DelaysByMode> {
    let (staffed, on_call) = (delay_field(c, &raw.staffed), delay_field(c, &raw.on_call));
    Some(DelaysByMode { staffed: staffed?, on_call: on_call? })
}

pub(crate) fn probability(c: &mut Checker<'_>, value: &Spanned<f64>) -> Option<f64> {
    let p = *value.get_ref();
    if (0.0..=1.0).contains(&p) {
        Some(p)
    } else {
        c.at(value, format!("probability {p} is outside [0, 1]"));
        None
    }
}

pub(crate) fn kind_of(c: &mut Checker<'_>, value: &Spanned<String>) -> Option<RequestKind> {
    let kind = RequestKind::parse(value.get_ref());
    if kind.is_none() {
        c.at(value, unknown_kind(value.get_ref()));
    }
    kind
}

fn unknown_kind(s: &str) -> String {
    let names: Vec<&str> = RequestKind::ALL.iter().map(|k| k.as_str()).collect();
    format!("unknown request kind `{s}`: expected one of {}", names.join(", "))
}

/// A desk's officers: at least one while staffed.
pub(crate) fn officers(
    c: &mut Checker<'_>,
    raw: &crate::scenario::raw::RawOfficers,
    on_call_default: u16,
) -> Option<pocnet_core::Officers> {
    let count = |c: &mut Checker<'_>, v: &Spanned<i64>, least: i64| match u16::try_from(*v.get_ref()) {
        Ok(n) if i64::from(n) >= least && n <= limits::OFFICERS_MAX => Some(n),
        _ => {
            c.at(v, format!("officers: between {least} and {}", limits::OFFICERS_MAX));
            None
        }
    };
    let staffed = count(c, &raw.staffed, 1);
    let on_call = match &raw.on_call {
        Some(v) => count(c, v, 0),
        None => Some(on_call_default),
    };
    Some(pocnet_core::Officers { staffed: staffed?, on_call: on_call? })
}

/// An office's officers (a central authority's, an MLA office's, a hub's): the office is
/// closed outside its hours, so on-call officers written for it would never work.
pub(crate) fn office_officers(
    c: &mut Checker<'_>,
    raw: &crate::scenario::raw::RawOfficers,
) -> Option<pocnet_core::Officers> {
    let officers = officers(c, raw, 0)?;
    match &raw.on_call {
        Some(v) if officers.on_call > 0 => {
            c.at(v, "on_call: this office is closed outside its hours, so on-call officers would never work");
            None
        }
        _ => Some(officers),
    }
}

/// Shifts as written (`"09:00-17:00"`), each located when wrong; default 09:00-17:00.
pub(crate) fn shifts(c: &mut Checker<'_>, hours: Option<&[Spanned<String>]>) -> Option<Vec<Shift>> {
    let Some(hours) = hours else { return Some(vec![Shift { start_minute: 9 * 60, end_minute: 17 * 60 }]) };
    let mut out = Vec::new();
    let mut ok = true;
    for h in hours {
        match Shift::parse(h.get_ref()) {
            Ok(s) => out.push(s),
            Err(e) => {
                c.at(h, e.to_string());
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// An office's hours (a central authority's, an MLA office's): shifts as written, which
/// must open the office (it is closed outside them) and must not overlap. Checked by the
/// one rule every roster is held to ([`pocnet_core::Roster::new`]), so that `check`, `run`
/// and a sweep's variants can never disagree; the list as a whole is located at its key.
pub(crate) fn office_hours(c: &mut Checker<'_>, hours: &Spanned<Vec<Spanned<String>>>) -> Option<Vec<Shift>> {
    let shifts = shifts(c, Some(hours.get_ref()))?;
    let spec = RosterSpec {
        tz: "UTC".into(),
        workweek: WorkWeek::ALL_DAYS,
        shifts: shifts.clone(),
        always_staffed: false,
        off_hours: Mode::Closed,
        holidays: vec![],
    };
    match pocnet_core::Roster::new(spec) {
        Ok(_) => Some(shifts),
        Err(e) => {
            match e {
                pocnet_core::roster::RosterError::NeverOpen => {
                    c.at(hours, "hours: an office needs at least one shift: it is closed outside its hours")
                }
                e => c.at(hours, format!("hours: {e}")),
            }
            None
        }
    }
}

/// `: did you mean `VNM`?` for a misspelt state code near one of `codes`, else nothing.
pub(crate) fn state_hint(wrong: &str, codes: &std::collections::BTreeSet<pocnet_core::StateCode>) -> String {
    crate::scenario::diag::did_you_mean(wrong, codes.iter().map(|c| c.as_str()))
}

/// A stream of random draws of its own for `purpose`, from the scenario seed: a part of a
/// scenario that draws on it changes no other part's draws.
pub(crate) fn stream(seed: u64, purpose: u64) -> rand_chacha::ChaCha8Rng {
    rand::SeedableRng::seed_from_u64(seed ^ purpose.wrapping_mul(0xD6E8_FEB8_6659_FD93))
}
