//! Coverage across time zones, from the rosters alone: each contact point's staffed / on
//! call / closed share of a week, and for each of the 168 UTC hours of the week how many
//! contact points are staffed (the follow-the-sun curve) and where nobody is.
//!
//! Computed exactly from shift intervals converted to UTC (daylight saving included), not by
//! sampling; the tests check it against an independent minute-by-minute computation.

use crate::scenario::Scenario;
use pocnet_core::roster::{Mode, RosterSpec};
use pocnet_core::time::MS_PER_HOUR;
use pocnet_core::{SimTime, StateCode};
use serde::Serialize;

pub const HOURS_PER_WEEK: usize = 168;
const WEEK_MS: i64 = 168 * MS_PER_HOUR;

#[derive(Debug, Serialize, Clone)]
pub struct Coverage {
    /// Monday 00:00 UTC of the week measured: the week in which the scenario starts.
    pub week_start: String,
    pub states: Vec<StateCoverage>,
    /// For each UTC hour of the week (0 = Monday 00:00-01:00 UTC): contact points staffed,
    /// averaged over the hour.
    pub staffed_by_utc_hour: Vec<f64>,
    /// The same for staffed or on call (someone answers).
    pub reachable_by_utc_hour: Vec<f64>,
    /// Runs of UTC hours in which no contact point is staffed for the whole hour.
    pub gaps: Vec<Gap>,
}

#[derive(Debug, Serialize, Clone)]
pub struct StateCoverage {
    pub code: StateCode,
    pub staffed_share: f64,
    pub on_call_share: f64,
    pub closed_share: f64,
    /// Staffed fraction of each UTC hour of the week (for the heatmap).
    pub staffed_by_utc_hour: Vec<f64>,
    /// Closed fraction of each UTC hour of the week.
    pub closed_by_utc_hour: Vec<f64>,
}

#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
pub struct Gap {
    /// First and last UTC hour of the week (inclusive), and how they read.
    pub from_hour: usize,
    pub to_hour: usize,
    pub label: String,
}

/// Monday 00:00 UTC on or before `t`.
pub fn week_start(t: SimTime) -> SimTime {
    let days_since_epoch = t.0.div_euclid(86_400_000);
    // 1970-01-01 was a Thursday: Monday is 3 days earlier.
    let monday = days_since_epoch - (days_since_epoch + 3).rem_euclid(7);
    SimTime(monday * 86_400_000)
}

/// Staffed intervals `[from, to)` of a roster within `[start, start + week)`, in UTC ms.
pub fn staffed_intervals(spec: &RosterSpec, start: SimTime) -> Vec<(i64, i64)> {
    let end = start.0 + WEEK_MS;
    if spec.always_staffed {
        return vec![(start.0, end)];
    }
    let Ok(tz) = jiff::tz::TimeZone::get(&spec.tz) else { return vec![] };
    let first = start.timestamp().to_zoned(tz.clone()).date();
    let mut out = Vec::new();
    // Local days that can overlap the UTC week: one before to one after.
    for offset in -1..=8 {
        let Ok(day) = first.checked_add(jiff::Span::new().days(offset)) else { continue };
        if !spec.workweek.contains(day.weekday()) || spec.holidays.contains(&day) {
            continue;
        }
        for shift in &spec.shifts {
            let at = |minute: u16| -> Option<i64> {
                let civil = if minute >= 24 * 60 {
                    day.checked_add(jiff::Span::new().days(1)).ok()?.at(0, 0, 0, 0)
                } else {
                    day.at(i8::try_from(minute / 60).ok()?, i8::try_from(minute % 60).ok()?, 0, 0)
                };
                Some(civil.to_zoned(tz.clone()).ok()?.timestamp().as_millisecond())
            };
            if let (Some(a), Some(b)) = (at(shift.start_minute), at(shift.end_minute)) {
                let (a, b) = (a.max(start.0), b.min(end));
                if a < b {
                    out.push((a, b));
                }
            }
        }
    }
    out.sort_unstable();
    out
}

fn overlap(intervals: &[(i64, i64)], from: i64, to: i64) -> i64 {
    intervals.iter().map(|&(a, b)| (b.min(to) - a.max(from)).max(0)).sum()
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

pub fn compute(scenario: &Scenario) -> Coverage {
    let start = week_start(scenario.start);
    let mut staffed_total = vec![0.0; HOURS_PER_WEEK];
    let mut reachable_total = vec![0.0; HOURS_PER_WEEK];
    let mut states = Vec::new();
    for entry in &scenario.states {
        let staffed = staffed_intervals(&entry.roster, start);
        let on_call_off_hours = entry.roster.off_hours == Mode::OnCall || entry.roster.always_staffed;
        let mut staffed_h = Vec::with_capacity(HOURS_PER_WEEK);
        let mut closed_h = Vec::with_capacity(HOURS_PER_WEEK);
        for h in 0..HOURS_PER_WEEK {
            let from = start.0 + h as i64 * MS_PER_HOUR;
            let s = overlap(&staffed, from, from + MS_PER_HOUR) as f64 / MS_PER_HOUR as f64;
            let closed = if on_call_off_hours { 0.0 } else { 1.0 - s };
            staffed_total[h] += s;
            reachable_total[h] += 1.0 - closed;
            staffed_h.push(round(s));
            closed_h.push(round(closed));
        }
        let staffed_share = overlap(&staffed, start.0, start.0 + WEEK_MS) as f64 / WEEK_MS as f64;
        let (on_call_share, closed_share) =
            if on_call_off_hours { (1.0 - staffed_share, 0.0) } else { (0.0, 1.0 - staffed_share) };
        states.push(StateCoverage {
            code: entry.code,
            staffed_share: round(staffed_share),
            on_call_share: round(on_call_share),
            closed_share: round(closed_share),
            staffed_by_utc_hour: staffed_h,
            closed_by_utc_hour: closed_h,
        });
    }
    let gaps = gaps(&staffed_total);
    Coverage {
        week_start: start.to_string(),
        states,
        staffed_by_utc_hour: staffed_total.into_iter().map(round).collect(),
        reachable_by_utc_hour: reachable_total.into_iter().map(round).collect(),
        gaps,
    }
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// `Sat 22:00-Sun 06:00 UTC` for hours of the week `from..=to`.
pub fn hour_label(from: usize, to: usize) -> String {
    let end = to + 1;
    format!("{} {:02}:00-{} {:02}:00 UTC", WEEKDAYS[from / 24 % 7], from % 24, WEEKDAYS[end / 24 % 7], end % 24)
}

fn gaps(staffed: &[f64]) -> Vec<Gap> {
    let mut out = Vec::new();
    let mut h = 0;
    while h < staffed.len() {
        if staffed[h] < 1e-9 {
            let from = h;
            while h + 1 < staffed.len() && staffed[h + 1] < 1e-9 {
                h += 1;
            }
            out.push(Gap { from_hour: from, to_hour: h, label: hour_label(from, h) });
        }
        h += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday_midnight_utc() {
        let t = SimTime::from_timestamp("2025-11-06T15:00:00Z".parse().expect("ts"));
        assert_eq!(week_start(t).to_string(), "2025-11-03T00:00:00Z");
        let monday = SimTime::from_timestamp("2025-11-03T00:00:00Z".parse().expect("ts"));
        assert_eq!(week_start(monday), monday);
    }

    #[test]
    fn gaps_are_named_by_utc_weekday_and_hour() {
        let mut staffed = vec![1.0; HOURS_PER_WEEK];
        staffed[142..150].fill(0.0); // Sat 22:00 to Sun 06:00
        let g = gaps(&staffed);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].label, "Sat 22:00-Sun 06:00 UTC");
    }
}
