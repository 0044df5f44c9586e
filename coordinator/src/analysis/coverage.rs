//! Coverage across time zones, from the rosters alone: each contact point's staffed / on
//! call / closed share of the scenario's weeks, and for each UTC hour of those weeks how
//! many contact points are staffed (the follow-the-sun curve) and where nobody is.
//!
//! Every week the scenario spans is measured (up to [`COVERAGE_WEEKS_MAX`]), so that a
//! scenario about a change of clocks shows it. The modes come from the core's one
//! implementation of the local-time rule, [`pocnet_core::Roster::timeline`]; the tests
//! check the result against an independent minute-by-minute computation.

use crate::scenario::Scenario;
use pocnet_core::roster::Mode;
use pocnet_core::time::MS_PER_HOUR;
use pocnet_core::{Roster, SimTime, StateCode};
use serde::Serialize;

pub const HOURS_PER_WEEK: usize = 168;
const WEEK_MS: i64 = 168 * MS_PER_HOUR;
/// Weeks measured at most (from the first): the heatmap shows every hour of them.
pub const COVERAGE_WEEKS_MAX: usize = 8;

#[derive(Debug, Serialize, Clone)]
pub struct Coverage {
    /// Monday 00:00 UTC of the first week measured: the week in which the scenario starts.
    pub week_start: String,
    /// Whole weeks measured: from the scenario's start to its end (at most
    /// [`COVERAGE_WEEKS_MAX`]).
    pub weeks: usize,
    pub states: Vec<StateCoverage>,
    /// For each UTC hour from `week_start` (0 = Monday 00:00-01:00 UTC of the first week):
    /// contact points staffed, averaged over the hour.
    pub staffed_by_utc_hour: Vec<f64>,
    /// The same for staffed or on call (someone answers).
    pub reachable_by_utc_hour: Vec<f64>,
    /// Runs of UTC hours in which no contact point is staffed for the whole hour, across
    /// week boundaries.
    pub gaps: Vec<Gap>,
}

#[derive(Debug, Serialize, Clone)]
pub struct StateCoverage {
    pub code: StateCode,
    pub staffed_share: f64,
    pub on_call_share: f64,
    pub closed_share: f64,
    /// Staffed fraction of each UTC hour (for the heatmap).
    pub staffed_by_utc_hour: Vec<f64>,
    /// Closed fraction of each UTC hour.
    pub closed_by_utc_hour: Vec<f64>,
}

#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
pub struct Gap {
    /// First and last UTC hour (inclusive, counted from `week_start`), and how they read.
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

/// The weeks measured for a scenario running from `start` to `end`: the first Monday and
/// how many weeks.
pub fn weeks_of(start: SimTime, end: SimTime) -> (SimTime, usize) {
    let first = week_start(start);
    let last = week_start(SimTime(end.0.saturating_sub(1).max(start.0)));
    let weeks = usize::try_from((last.0 - first.0) / WEEK_MS + 1).unwrap_or(1);
    (first, weeks.clamp(1, COVERAGE_WEEKS_MAX))
}

/// Milliseconds in each mode within each hour of `[start, start + hours)`.
fn by_hour(roster: &Roster, start: SimTime, hours: usize) -> Vec<[i64; 3]> {
    let mut out = vec![[0i64; 3]; hours];
    let end = SimTime(start.0 + hours as i64 * MS_PER_HOUR);
    for span in roster.timeline(start, end) {
        let slot = match span.mode {
            Mode::Staffed => 0,
            Mode::OnCall => 1,
            Mode::Closed => 2,
        };
        let mut t = span.from.0;
        while t < span.to.0 {
            let hour = usize::try_from((t - start.0) / MS_PER_HOUR).unwrap_or(0);
            let hour_end = start.0 + (hour as i64 + 1) * MS_PER_HOUR;
            let upto = hour_end.min(span.to.0);
            if let Some(cell) = out.get_mut(hour) {
                cell[slot] += upto - t;
            }
            t = upto;
        }
    }
    out
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

pub fn compute(scenario: &Scenario) -> Coverage {
    let (start, weeks) = weeks_of(scenario.start, scenario.end);
    let hours = HOURS_PER_WEEK * weeks;
    let total_ms = hours as f64 * MS_PER_HOUR as f64;
    let mut staffed_total = vec![0.0; hours];
    let mut reachable_total = vec![0.0; hours];
    let mut states = Vec::new();
    for entry in &scenario.states {
        let Ok(roster) = Roster::new(entry.roster.clone()) else { continue };
        let cells = by_hour(&roster, start, hours);
        let mut sums = [0i64; 3];
        let mut staffed_h = Vec::with_capacity(hours);
        let mut closed_h = Vec::with_capacity(hours);
        for (h, cell) in cells.iter().enumerate() {
            let staffed = cell[0] as f64 / MS_PER_HOUR as f64;
            let closed = cell[2] as f64 / MS_PER_HOUR as f64;
            staffed_total[h] += staffed;
            reachable_total[h] += 1.0 - closed;
            staffed_h.push(round(staffed));
            closed_h.push(round(closed));
            for (sum, ms) in sums.iter_mut().zip(cell) {
                *sum += ms;
            }
        }
        states.push(StateCoverage {
            code: entry.code,
            staffed_share: round(sums[0] as f64 / total_ms),
            on_call_share: round(sums[1] as f64 / total_ms),
            closed_share: round(sums[2] as f64 / total_ms),
            staffed_by_utc_hour: staffed_h,
            closed_by_utc_hour: closed_h,
        });
    }
    let gaps = gaps(start, &staffed_total);
    Coverage {
        week_start: start.to_string(),
        weeks,
        states,
        staffed_by_utc_hour: staffed_total.into_iter().map(round).collect(),
        reachable_by_utc_hour: reachable_total.into_iter().map(round).collect(),
        gaps,
    }
}

/// `Sat 2025-11-08 22:00-Sun 2025-11-09 06:00 UTC` for hours `from..=to` after `start`.
pub fn hour_label(start: SimTime, from: usize, to: usize) -> String {
    let at = |hour: usize| SimTime(start.0 + hour as i64 * MS_PER_HOUR).timestamp().strftime("%a %Y-%m-%d %H:%M");
    format!("{}-{} UTC", at(from), at(to + 1))
}

fn gaps(start: SimTime, staffed: &[f64]) -> Vec<Gap> {
    let mut out = Vec::new();
    let mut h = 0;
    while h < staffed.len() {
        if staffed[h] < 1e-9 {
            let from = h;
            while h + 1 < staffed.len() && staffed[h + 1] < 1e-9 {
                h += 1;
            }
            out.push(Gap { from_hour: from, to_hour: h, label: hour_label(start, from, h) });
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
    fn gaps_are_named_by_utc_weekday_date_and_hour() {
        let mut staffed = vec![1.0; HOURS_PER_WEEK];
        staffed[142..150].fill(0.0); // Sat 22:00 to Sun 06:00
        let monday = SimTime::from_timestamp("2025-11-03T00:00:00Z".parse().expect("ts"));
        let g = gaps(monday, &staffed);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].label, "Sat 2025-11-08 22:00-Sun 2025-11-09 06:00 UTC");
    }
}

#[cfg(test)]
mod span_tests {
    use super::*;

    #[test]
    fn coverage_spans_every_week_of_the_scenario() {
        let t = |s: &str| SimTime::from_timestamp(s.parse().expect("ts"));
        assert_eq!(weeks_of(t("2025-11-03T00:00:00Z"), t("2025-11-10T00:00:00Z")), (t("2025-11-03T00:00:00Z"), 1));
        // dst-week: Friday 20 March to Wednesday 8 April 2026 touches four weeks.
        assert_eq!(weeks_of(t("2026-03-20T00:00:00Z"), t("2026-04-08T00:00:00Z")), (t("2026-03-16T00:00:00Z"), 4));
        assert_eq!(weeks_of(t("2026-01-01T00:00:00Z"), t("2027-01-01T00:00:00Z")).1, COVERAGE_WEEKS_MAX);
    }
}
