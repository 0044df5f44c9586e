//! `[register_decay]` and `[[network.fallback]]`: register entries that go stale between
//! circulations, and the channels requesters fall back on.
//!
//! Each entry changes (a new officer, number or address) at random, `changes_per_year`,
//! from the date it was last verified. A change is notified with probability `notified`;
//! a notified change reaches the register `notice_delay` later and every requester has it
//! at the next circulation. A change nobody notified is found by a communication check
//! that pinged the entry after it changed, and corrected at the check's end; else the
//! entry stays stale for the rest of the run. While stale, nothing sent to the entry
//! arrives (`Fault::Stale`); a requester that has no delivery receipt by its profile's
//! `resend_after` resends by the fallback channels in order.
//!
//! The changes are drawn from the scenario seed, on a stream of their own, and do not
//! depend on the circulation: a sweep can vary the cadence on the same changes.

use super::fields::{duration_field, stream, timestamp};
use crate::scenario::diag::Checker;
use crate::scenario::model::{Assumption, EntryChange, RegisterDecay, StaleSpan, StateEntry};
use crate::scenario::raw::{RawFallback, RawRegisterDecay, Spanned};
use pocnet_core::network::{Fallback, Fault};
use pocnet_core::request::{Inject, RequestKind};
use pocnet_core::{limits, SimTime, StateCode};
use rand::Rng;

const DAY_MS: u64 = 86_400_000;
const YEAR_MS: f64 = 365.25 * 86_400_000.0;
/// The most changes a scenario may ask of one entry in a year (weekly).
pub const CHANGES_PER_YEAR_MAX: f64 = 52.0;
/// Changes drawn per entry, at most: a bound on the work, far above any sensible rate.
const CHANGES_PER_ENTRY_MAX: usize = 256;

/// `circulation`: `yearly`, `quarterly` or a duration; its period in milliseconds.
pub fn circulation_ms(text: &str) -> Result<u64, String> {
    match text {
        "yearly" => Ok(365 * DAY_MS),
        "quarterly" => Ok(91 * DAY_MS),
        other => match crate::scenario::duration_ms(other) {
            Ok(ms) if (DAY_MS..=limits::DELAY_MS_MAX).contains(&ms) => Ok(ms),
            Ok(_) => Err(format!("circulation `{other}`: between 1d and 366d")),
            Err(e) => Err(format!("{e}, or yearly or quarterly")),
        },
    }
}

pub(crate) fn fallbacks(c: &mut Checker<'_>, raw: &[Spanned<RawFallback>]) -> Vec<Fallback> {
    if raw.len() > limits::FALLBACKS_MAX {
        c.at(&raw[limits::FALLBACKS_MAX], format!("at most {} fallback channels", limits::FALLBACKS_MAX));
        return Vec::new();
    }
    raw.iter()
        .filter_map(|f| {
            let r = f.get_ref();
            let name = r.name.get_ref().trim();
            if name.is_empty() || name.len() > limits::NAME_BYTES_MAX {
                c.at(&r.name, format!("a fallback channel's name: 1 to {} bytes", limits::NAME_BYTES_MAX));
                return None;
            }
            let delay_ms = duration_field(c, &r.delay, "delay")?;
            Some(Fallback { name: name.to_string(), delay_ms })
        })
        .collect()
}

/// Validates `[register_decay]` and draws each entry's changes.
#[allow(clippy::too_many_arguments)]
pub(crate) fn register_decay(
    c: &mut Checker<'_>,
    raw: &Spanned<RawRegisterDecay>,
    states: &[StateEntry],
    (start, end): (SimTime, SimTime),
    seed: u64,
    pings: &[Inject],
    check_end: Option<SimTime>,
) -> Option<RegisterDecay> {
    let r = raw.get_ref();
    let rate = *r.changes_per_year.get_ref();
    let rate_ok = (0.0..=CHANGES_PER_YEAR_MAX).contains(&rate);
    if !rate_ok {
        c.at(&r.changes_per_year, format!("changes_per_year: 0 to {CHANGES_PER_YEAR_MAX}"));
    }
    let notified = match &r.notified {
        Some(v) if (0.0..=1.0).contains(v.get_ref()) => Some(*v.get_ref()),
        Some(v) => {
            c.at(v, "notified: a share, in [0, 1]");
            None
        }
        None => Some(0.5),
    };
    let notice_delay_ms = match &r.notice_delay {
        Some(v) => duration_field(c, v, "notice_delay"),
        None => Some(30 * DAY_MS),
    };
    let (circulation, circulation_ms) = circulation(c, r);
    let last_circulated = last_circulated(c, r, start, circulation_ms);
    let (notified, notice_delay_ms, circulation_ms, last_circulated) =
        (notified?, notice_delay_ms?, circulation_ms?, last_circulated?);
    if !rate_ok {
        return None;
    }
    let changes = draw_changes(c, &r.changes_per_year, states, seed, notified, (last_circulated, end))?;
    let checked: Vec<(StateCode, SimTime)> =
        pings.iter().filter(|i| i.kind == RequestKind::Ping).map(|i| (i.to, i.at)).collect();
    let mut decay = RegisterDecay {
        changes_per_year: rate,
        notified,
        notice_delay_ms,
        circulation,
        circulation_ms,
        last_circulated,
        changes,
        check: check_end.map(|end| (end, checked)),
        stale: Vec::new(),
        first_fault: 0,
        start,
    };
    decay.stale = decay.spans(circulation_ms);
    Some(decay)
}

/// `circulation` (yearly by default) and its period, none if it cannot be read.
fn circulation(c: &mut Checker<'_>, r: &RawRegisterDecay) -> (String, Option<u64>) {
    match &r.circulation {
        Some(v) => match circulation_ms(v.get_ref()) {
            Ok(ms) => (v.get_ref().clone(), Some(ms)),
            Err(e) => {
                c.at(v, e);
                (String::new(), None)
            }
        },
        None => ("yearly".to_string(), Some(365 * DAY_MS)),
    }
}

/// `last_circulated`, at or before the start; by default half a circulation before it.
fn last_circulated(
    c: &mut Checker<'_>,
    r: &RawRegisterDecay,
    start: SimTime,
    circulation_ms: Option<u64>,
) -> Option<SimTime> {
    match (&r.last_circulated, circulation_ms) {
        (Some(v), _) => timestamp(c, v).filter(|t| {
            let ok = *t <= start;
            if !ok {
                c.at(v, "last_circulated: before the scenario's start");
            }
            ok
        }),
        (None, Some(p)) => Some(SimTime(start.0 - i64::try_from(p / 2).unwrap_or(0))),
        (None, None) => None,
    }
}

/// Each entry's changes, from when it was last verified (else `last_circulated`) to the
/// scenario's end; none if an entry would change more than `CHANGES_PER_ENTRY_MAX` times.
fn draw_changes(
    c: &mut Checker<'_>,
    changes_per_year: &Spanned<f64>,
    states: &[StateEntry],
    seed: u64,
    notified: f64,
    (last_circulated, end): (SimTime, SimTime),
) -> Option<Vec<EntryChange>> {
    let rate = *changes_per_year.get_ref();
    let mut changes = Vec::new();
    for s in states {
        let origin = s.verified.unwrap_or(last_circulated);
        let mut rng = stream(seed ^ s.code.key().wrapping_mul(0x9E37_79B9_7F4A_7C15), 0x0044_4543_4159);
        let mut t = origin;
        let mut drawn = 0;
        while rate > 0.0 && t < end {
            let u: f64 = rng.random();
            let gap = -(1.0 - u).ln() / rate * YEAR_MS;
            t = t.plus_ms(gap.min(1e15) as u64);
            if t >= end {
                break;
            }
            drawn += 1;
            if drawn > CHANGES_PER_ENTRY_MAX {
                c.at(changes_per_year, format!("{}: more than {CHANGES_PER_ENTRY_MAX} changes of its entry since it was verified: verify it later or lower the rate", s.code));
                return None;
            }
            changes.push(EntryChange { state: s.code, at: t, notified: rng.random::<f64>() < notified });
        }
    }
    Some(changes)
}

impl RegisterDecay {
    /// The first circulation at or after `t`.
    fn circulation_after(&self, t: SimTime, period_ms: u64) -> SimTime {
        let period = i64::try_from(period_ms).unwrap_or(i64::MAX).max(1);
        let k = (t.0 - self.last_circulated.0).div_euclid(period)
            + i64::from((t.0 - self.last_circulated.0).rem_euclid(period) != 0);
        SimTime(self.last_circulated.0.saturating_add(k.saturating_mul(period)))
    }

    /// The stale spans under a circulation every `period_ms`: each change's, from the
    /// change to the refresh that corrects it (`None`: none in the run), those still stale
    /// at the scenario's start or later only, merged per state.
    pub fn spans(&self, period_ms: u64) -> Vec<StaleSpan> {
        let mut spans: Vec<StaleSpan> = Vec::new();
        for x in &self.changes {
            let by_circulation =
                x.notified.then(|| self.circulation_after(x.at.plus_ms(self.notice_delay_ms), period_ms));
            let by_check = self.check.as_ref().and_then(|(end, pinged)| {
                let found = pinged.iter().any(|(s, t)| *s == x.state && *t >= x.at);
                (found && *end >= x.at).then_some(*end)
            });
            let until = match (by_circulation, by_check) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if until.is_some_and(|u| u <= self.start || u <= x.at) {
                continue;
            }
            spans.push(StaleSpan { state: x.state, changed: x.at, notified: x.notified, until });
        }
        spans.sort_by_key(|s| (s.state, s.changed));
        // A change while the entry is still stale from an earlier one: the entry is current
        // again only when the later change is corrected (whatever corrects the earlier one
        // brings the requesters an entry that is stale already).
        let mut merged: Vec<StaleSpan> = Vec::new();
        for s in spans {
            match merged.last_mut() {
                Some(last) if last.state == s.state && last.until.is_none_or(|u| s.changed < u) => {
                    last.until = s.until;
                    last.notified = s.notified;
                }
                _ => merged.push(s),
            }
        }
        merged
    }

    /// The network faults of the stale spans.
    pub fn faults(&self) -> Vec<Fault> {
        self.stale
            .iter()
            .map(|s| Fault::Stale { state: s.state, from: s.changed, until: s.until.unwrap_or(SimTime(i64::MAX)) })
            .collect()
    }

    /// The model's parameters and where their values come from.
    pub fn assumptions(&self) -> Vec<Assumption> {
        let a = |parameter: &str, value: String, source: &str| Assumption {
            parameter: parameter.into(),
            value,
            source: source.into(),
        };
        vec![
            a(
                "register_decay.changes_per_year",
                format!("{}", self.changes_per_year),
                "assumption: no published rate of contact-point turnover exists (reference: Cyber Europe 2010, 55% not confident they could find the counterpart)",
            ),
            a("register_decay.notified", format!("{}", self.notified), "assumption"),
            a(
                "register_decay.notice_delay",
                pocnet_core::time::format_duration_ms(self.notice_delay_ms),
                "assumption",
            ),
            a(
                "register_decay.circulation",
                self.circulation.clone(),
                "Art. 41: the Secretary-General circulates the register (yearly)",
            ),
            a("register_decay.last_circulated", self.last_circulated.to_string(), "scenario, or half a period before its start"),
        ]
    }
}

/// Replaces the stale spans of `decay` in `faults` (from `decay.first_fault` on) with
/// those of a circulation every `period_ms`, under the fault limit.
pub fn recirculate(
    decay: &mut RegisterDecay,
    faults: &mut Vec<Fault>,
    circulation: &str,
    period_ms: u64,
) -> Result<(), usize> {
    let stale = decay.spans(period_ms);
    if decay.first_fault + stale.len() > limits::FAULTS_MAX {
        return Err(decay.first_fault + stale.len());
    }
    decay.stale = stale;
    decay.circulation = circulation.to_string();
    decay.circulation_ms = period_ms;
    faults.truncate(decay.first_fault);
    faults.extend(decay.faults());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> StateCode {
        StateCode::parse(s).expect("code")
    }

    const D: i64 = 86_400_000;

    fn decay(changes: Vec<EntryChange>, check: Option<(SimTime, Vec<(StateCode, SimTime)>)>) -> RegisterDecay {
        RegisterDecay {
            changes_per_year: 1.0,
            notified: 0.5,
            notice_delay_ms: 10 * D as u64,
            circulation: "100d".into(),
            circulation_ms: 100 * D as u64,
            last_circulated: SimTime(0),
            changes,
            check,
            stale: vec![],
            first_fault: 0,
            start: SimTime(150 * D),
        }
    }

    fn change(state: &str, day: i64, notified: bool) -> EntryChange {
        EntryChange { state: code(state), at: SimTime(day * D), notified }
    }

    #[test]
    fn a_notified_change_is_stale_until_the_circulation_after_its_notice() {
        let d = decay(vec![change("FRA", 120, true), change("GHA", 195, true), change("KHM", 40, true)], None);
        let spans = d.spans(100 * D as u64);
        // FRA: noticed day 130, circulated day 200. GHA: noticed day 205, circulated day
        // 300. KHM: noticed day 50, circulated day 100, before the start: never seen.
        assert_eq!(
            spans,
            vec![
                StaleSpan {
                    state: code("FRA"),
                    changed: SimTime(120 * D),
                    notified: true,
                    until: Some(SimTime(200 * D))
                },
                StaleSpan {
                    state: code("GHA"),
                    changed: SimTime(195 * D),
                    notified: true,
                    until: Some(SimTime(300 * D))
                },
            ]
        );
        // A notice that lands on a circulation day is in it.
        let d = decay(vec![change("FRA", 190, true)], None);
        assert_eq!(d.spans(100 * D as u64)[0].until, Some(SimTime(200 * D)));
        // Circulated more often, corrected sooner, on the same changes.
        assert_eq!(d.spans(7 * D as u64)[0].until, Some(SimTime(203 * D)));
    }

    #[test]
    fn a_change_nobody_notified_stays_stale_unless_a_check_pinged_it_after() {
        let pinged = vec![(code("FRA"), SimTime(160 * D)), (code("GHA"), SimTime(100 * D))];
        let d = decay(vec![change("FRA", 130, false), change("GHA", 130, false)], Some((SimTime(170 * D), pinged)));
        let spans = d.spans(100 * D as u64);
        assert_eq!(spans[0].until, Some(SimTime(170 * D)), "FRA was pinged after its change");
        assert_eq!(spans[1].until, None, "GHA's ping came before its change");
    }

    #[test]
    fn a_change_while_stale_is_current_when_the_later_change_is_corrected() {
        // Unnotified at 160 (never corrected alone), notified at 170 (noticed 180, circulated
        // 200): the register has the entry as it is from day 200.
        let d = decay(vec![change("FRA", 160, false), change("FRA", 170, true)], None);
        let spans = d.spans(100 * D as u64);
        assert_eq!(spans.len(), 1);
        assert_eq!((spans[0].changed, spans[0].until), (SimTime(160 * D), Some(SimTime(200 * D))));
        // Corrected at 300 (notified at 195), changed again at 198 and found by a check ending
        // at 210: current from 210.
        let pinged = vec![(code("GHA"), SimTime(205 * D))];
        let d = decay(vec![change("GHA", 195, true), change("GHA", 198, false)], Some((SimTime(210 * D), pinged)));
        let spans = d.spans(100 * D as u64);
        assert_eq!(spans.len(), 1);
        assert_eq!((spans[0].changed, spans[0].until), (SimTime(195 * D), Some(SimTime(210 * D))));
    }

    #[test]
    fn circulations_name_their_periods() {
        assert_eq!(circulation_ms("yearly"), Ok(365 * DAY_MS));
        assert_eq!(circulation_ms("quarterly"), Ok(91 * DAY_MS));
        assert_eq!(circulation_ms("30d"), Ok(30 * DAY_MS));
        assert!(circulation_ms("1h").is_err());
        assert!(circulation_ms("monthly").is_err());
    }
}
