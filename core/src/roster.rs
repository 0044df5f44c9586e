//! When a contact point is staffed, on call or closed, in its own local time.
//!
//! Calendar logic (working week, shifts, holidays, daylight saving) runs on jiff's bundled
//! time-zone database ([`crate::tzdb`]), so a run does not depend on the host's tzdata.

use crate::limits;
use crate::time::SimTime;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How a contact point answers at a given moment.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Someone is at the desk.
    Staffed,
    /// Nobody at the desk, but a duty officer can be reached (slower).
    OnCall,
    /// Nobody answers until the next opening.
    Closed,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Staffed => "staffed",
            Mode::OnCall => "on call",
            Mode::Closed => "closed",
        })
    }
}

/// The days of a working week, as a set of weekdays.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkWeek {
    /// Bit `i` set: weekday `i` (Monday = 0 .. Sunday = 6) is a working day.
    days: u8,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{text}` is not a working week: expected days or ranges like `Mon-Fri`, `Sun-Thu`, `Mon-Thu,Sat` ({why})")]
pub struct WorkWeekError {
    pub text: String,
    pub why: &'static str,
}

use crate::time::WEEKDAYS as DAY_NAMES;

impl WorkWeek {
    pub const ALL_DAYS: WorkWeek = WorkWeek { days: 0b111_1111 };

    /// Parses `Mon-Fri`, `Sun-Thu`, `Sat-Wed` (ranges wrap past Sunday), `Mon-Thu,Sat`.
    pub fn parse(text: &str) -> Result<WorkWeek, WorkWeekError> {
        let err = |why| WorkWeekError { text: text.chars().take(40).collect(), why };
        let day = |s: &str| DAY_NAMES.iter().position(|d| d.eq_ignore_ascii_case(s.trim()));
        let mut days = 0u8;
        for part in text.split(',') {
            let (first, last) = match part.split_once('-') {
                Some((a, b)) => (day(a).ok_or(err("unknown day name"))?, day(b).ok_or(err("unknown day name"))?),
                None => {
                    let d = day(part).ok_or(err("unknown day name"))?;
                    (d, d)
                }
            };
            let mut d = first;
            loop {
                days |= 1 << d;
                if d == last {
                    break;
                }
                d = (d + 1) % 7;
            }
        }
        if days == 0 {
            return Err(err("no working day"));
        }
        Ok(WorkWeek { days })
    }

    pub fn contains(&self, weekday: Weekday) -> bool {
        let i = weekday.to_monday_zero_offset();
        self.days & (1 << i) != 0
    }
}

impl fmt::Display for WorkWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = (0..7).filter(|i| self.days & (1 << i) != 0).map(|i| DAY_NAMES[i]).collect();
        f.write_str(&names.join(","))
    }
}

/// A staffed shift on a working day, in local minutes after midnight: `[start, end)`.
///
/// A shift whose end comes before its start (`22:00-06:00`) crosses midnight: it is a
/// night shift of the day it starts, staffed from its start on a working day to its end
/// on the next day, whatever that day is. It is kept as written (reports show
/// `22:00-06:00`); [`Roster`] reads it as two pieces, `22:00-24:00` of the working day and
/// `00:00-06:00` of the day after.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Shift {
    pub start_minute: u16,
    pub end_minute: u16,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{text}` is not a shift: {why}")]
pub struct ShiftError {
    pub text: String,
    pub why: ShiftProblem,
}

/// Which end of a shift a problem is at.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ShiftEnd {
    Start,
    End,
}

impl fmt::Display for ShiftEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ShiftEnd::Start => "start",
            ShiftEnd::End => "end",
        })
    }
}

/// What is wrong with a shift as written.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShiftProblem {
    #[error(
        "no `-` between start and end: expected `HH:MM-HH:MM`, like `09:00-17:30` (or `22:00-06:00` for a night shift)"
    )]
    NoDash,
    #[error("the {end} `{text}` is not a time of day: expected HH:MM, like `17:30`")]
    NotATime { end: ShiftEnd, text: String },
    #[error("the {end} `{text}` has hour {hour}: hours run from 00 to 23 (24:00 only as an end)")]
    HourOutOfRange { end: ShiftEnd, text: String, hour: u16 },
    #[error("the {end} `{text}` has minute {minute}: minutes run from 00 to 59")]
    MinuteOutOfRange { end: ShiftEnd, text: String, minute: u16 },
    #[error("the start `24:00` is the end of a day: a shift starts at 23:59 at the latest")]
    StartsAtMidnightsEnd,
    #[error("it starts and ends at the same time: a whole day is `00:00-24:00`")]
    Empty,
}

impl Shift {
    /// Parses `09:00-17:30`; `24:00` is allowed as an end. A shift whose end is before its
    /// start (`22:00-06:00`) crosses midnight: see [`Shift`].
    pub fn parse(text: &str) -> Result<Shift, ShiftError> {
        let err = |why| ShiftError { text: text.chars().take(40).collect(), why };
        let (a, b) = text.split_once('-').ok_or_else(|| err(ShiftProblem::NoDash))?;
        let start_minute = Shift::minute(a, ShiftEnd::Start).map_err(err)?;
        let end_minute = Shift::minute(b, ShiftEnd::End).map_err(err)?;
        if start_minute == 24 * 60 {
            return Err(err(ShiftProblem::StartsAtMidnightsEnd));
        }
        if start_minute == end_minute {
            return Err(err(ShiftProblem::Empty));
        }
        Ok(Shift { start_minute, end_minute })
    }

    /// Minutes after midnight of `HH:MM`, each field in its range (24:00 allowed).
    fn minute(text: &str, end: ShiftEnd) -> Result<u16, ShiftProblem> {
        let text = text.trim();
        let shown: String = text.chars().take(12).collect();
        let not_a_time = || ShiftProblem::NotATime { end, text: shown.clone() };
        let (h, m) = text.split_once(':').ok_or_else(not_a_time)?;
        let digits = |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(h) || m.len() != 2 || !digits(m) {
            return Err(not_a_time());
        }
        let (hour, minute): (u16, u16) = (h.parse().map_err(|_| not_a_time())?, m.parse().map_err(|_| not_a_time())?);
        if minute >= 60 {
            return Err(ShiftProblem::MinuteOutOfRange { end, text: shown, minute });
        }
        if hour > 24 || (hour == 24 && minute > 0) {
            return Err(ShiftProblem::HourOutOfRange { end, text: shown, hour });
        }
        Ok(hour * 60 + minute)
    }

    /// Whether it crosses midnight (`22:00-06:00`): staffed until its end on the next day.
    pub fn crosses_midnight(&self) -> bool {
        self.end_minute < self.start_minute
    }

    /// The staffed minutes of a civil day it makes, `[start, end)`: those of the day it
    /// starts, if that is a working day, and, for a night shift, the morning of the day
    /// after a working day. Empty pieces are left out.
    fn pieces(&self, working_today: bool, working_yesterday: bool) -> impl Iterator<Item = (u16, u16)> {
        let (s, e) = (self.start_minute, self.end_minute);
        let (today, morning) = if self.crosses_midnight() {
            (working_today.then_some((s, 24 * 60)), working_yesterday.then_some((0, e)))
        } else {
            (working_today.then_some((s, e)), None)
        };
        today.into_iter().chain(morning).filter(|(a, b)| a < b)
    }
}

impl fmt::Display for Shift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, b) = (self.start_minute, self.end_minute);
        write!(f, "{:02}:{:02}-{:02}:{:02}", a / 60, a % 60, b / 60, b % 60)
    }
}

/// A roster as it travels on the wire and sits in a scenario: plain data, validated by
/// [`Roster::new`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterSpec {
    /// IANA time-zone name (`Asia/Ho_Chi_Minh`).
    pub tz: String,
    pub workweek: WorkWeek,
    /// Staffed shifts on working days. Ignored when `always_staffed`.
    pub shifts: Vec<Shift>,
    /// Staffed around the clock, every day, holidays included.
    pub always_staffed: bool,
    /// Mode outside the shifts: `OnCall` or `Closed`.
    pub off_hours: Mode,
    /// Local dates treated as non-working days.
    pub holidays: Vec<Date>,
}

impl RosterSpec {
    /// Never on call: staffed around the clock, or closed outside its shifts. On-call
    /// officers at such a desk would never work.
    pub fn never_on_call(&self) -> bool {
        self.always_staffed || self.off_hours == Mode::Closed
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RosterError {
    #[error("unknown time zone `{0}`: expected an IANA name like `Europe/Paris`")]
    UnknownTimeZone(String),
    #[error("off-hours mode must be `on_call` or `closed`, not `staffed` (use always_staffed)")]
    OffHoursStaffed,
    #[error("shifts {0} and {1} overlap")]
    OverlappingShifts(Shift, Shift),
    #[error("{0} shifts in a day; at most {max}", max = limits::SHIFTS_PER_DAY_MAX)]
    TooManyShifts(usize),
    #[error("{0} holidays; at most {max}", max = limits::HOLIDAYS_MAX)]
    TooManyHolidays(usize),
    #[error("a roster with no shifts must be always staffed or have an on-call off-hours mode")]
    NeverOpen,
}

/// Which roster modes count as "open" for a piece of work: a kind the on-call officer does
/// not take waits for the desk to be staffed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum OpenWhen {
    Staffed,
    StaffedOrOnCall,
}

impl OpenWhen {
    pub fn admits(self, mode: Mode) -> bool {
        match self {
            OpenWhen::Staffed => mode == Mode::Staffed,
            OpenWhen::StaffedOrOnCall => mode != Mode::Closed,
        }
    }
}

/// One stretch of scenario time `[from, to)` in one roster mode.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ModeSpan {
    pub from: SimTime,
    pub to: SimTime,
    pub mode: Mode,
}

const MS_PER_MINUTE: i64 = 60_000;
const MS_PER_DAY: i64 = 86_400_000;
/// How far [`Roster::finish_work`] looks before it says the work never ends.
const WORK_SEARCH_DAYS_MAX: i64 = 8 * 366;

/// A validated roster: the one implementation of "staffed, on call or closed" that the
/// contact point's decisions, its next opening and the coverage report all use.
///
/// # The local-time rule
/// The desk is staffed at instant `t` when the local wall-clock time of `t` falls inside a
/// shift of a working day (a night shift's hours after midnight belong to the working day
/// it started on). Where daylight saving repeats an hour, that wall-clock hour
/// happens twice and is staffed twice; where it skips an hour, the skipped wall-clock times
/// never happen and are staffed not at all. [`Roster::timeline`] computes this exactly:
/// between two transitions of the zone the offset is fixed, so each shift maps to one
/// interval of UTC per stretch of fixed offset.
#[derive(Clone, Debug)]
pub struct Roster {
    tz: TimeZone,
    spec: RosterSpec,
}

impl Roster {
    pub fn new(mut spec: RosterSpec) -> Result<Roster, RosterError> {
        let tz = crate::tzdb::zone(&spec.tz).map_err(|_| RosterError::UnknownTimeZone(spec.tz.clone()))?;
        if spec.off_hours == Mode::Staffed {
            return Err(RosterError::OffHoursStaffed);
        }
        if spec.shifts.len() > limits::SHIFTS_PER_DAY_MAX {
            return Err(RosterError::TooManyShifts(spec.shifts.len()));
        }
        if spec.holidays.len() > limits::HOLIDAYS_MAX {
            return Err(RosterError::TooManyHolidays(spec.holidays.len()));
        }
        spec.shifts.sort();
        // Every piece of a day, a night shift's evening and its next morning alike: no two
        // may share a minute, whatever the working week.
        let mut pieces: Vec<(u16, u16, Shift)> =
            spec.shifts.iter().flat_map(|s| s.pieces(true, true).map(move |(a, b)| (a, b, *s))).collect();
        pieces.sort();
        for pair in pieces.windows(2) {
            if pair[0].1 > pair[1].0 {
                let (a, b) = (pair[0].2.min(pair[1].2), pair[0].2.max(pair[1].2));
                return Err(RosterError::OverlappingShifts(a, b));
            }
        }
        if !spec.always_staffed && spec.shifts.is_empty() && spec.off_hours == Mode::Closed {
            return Err(RosterError::NeverOpen);
        }
        spec.holidays.sort();
        spec.holidays.dedup();
        Ok(Roster { tz, spec })
    }

    pub fn tz(&self) -> &TimeZone {
        &self.tz
    }

    pub fn spec(&self) -> &RosterSpec {
        &self.spec
    }

    fn is_working_day(&self, date: Date) -> bool {
        self.spec.workweek.contains(date.weekday()) && self.spec.holidays.binary_search(&date).is_err()
    }

    /// Milliseconds of `[from, to)` in which the desk is open for work that needs `open`:
    /// the time an officer works on a piece of work started at `from` and done at `to`.
    pub fn open_ms(&self, from: SimTime, to: SimTime, open: OpenWhen) -> u64 {
        self.timeline(from, to).iter().filter(|s| open.admits(s.mode)).map(|s| s.to.since(s.from)).sum()
    }

    /// The modes of `[from, to)`, in order, contiguous, adjacent spans of one mode merged.
    pub fn timeline(&self, from: SimTime, to: SimTime) -> Vec<ModeSpan> {
        if from >= to {
            return Vec::new();
        }
        if self.spec.always_staffed {
            return vec![ModeSpan { from, to, mode: Mode::Staffed }];
        }
        let staffed = self.staffed(from, to);
        let mut out = Vec::with_capacity(staffed.len() * 2 + 1);
        let mut at = from.0;
        for (a, b) in staffed {
            if a > at {
                out.push(ModeSpan { from: SimTime(at), to: SimTime(a), mode: self.spec.off_hours });
            }
            out.push(ModeSpan { from: SimTime(a), to: SimTime(b), mode: Mode::Staffed });
            at = b;
        }
        if at < to.0 {
            out.push(ModeSpan { from: SimTime(at), to, mode: self.spec.off_hours });
        }
        out
    }

    /// Staffed intervals within `[from, to)` in UTC milliseconds, sorted and merged.
    fn staffed(&self, from: SimTime, to: SimTime) -> Vec<(i64, i64)> {
        let mut out = Vec::new();
        let mut transitions = self.tz.following(from.timestamp());
        let mut segment = from.0;
        loop {
            let next = transitions.next().map(|t| t.timestamp().as_millisecond()).filter(|&t| t < to.0);
            let end = next.unwrap_or(to.0);
            if end > segment {
                let offset = self.tz.to_offset(SimTime(segment).timestamp());
                self.staffed_at_offset(segment, end, i64::from(offset.seconds()) * 1_000, &mut out);
            }
            match next {
                Some(t) => segment = t.max(segment),
                None => break,
            }
        }
        out.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(out.len());
        for (a, b) in out {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        merged
    }

    /// Staffed intervals of `[start, end)`, a stretch in which the zone's offset is
    /// `offset_ms`: local wall-clock time is UTC plus the offset throughout.
    fn staffed_at_offset(&self, start: i64, end: i64, offset_ms: i64, out: &mut Vec<(i64, i64)>) {
        let (local_start, local_end) = (start + offset_ms, end + offset_ms);
        let epoch = Date::constant(1970, 1, 1);
        for day in local_start.div_euclid(MS_PER_DAY)..=(local_end - 1).div_euclid(MS_PER_DAY) {
            let days = i32::try_from(day).ok().and_then(|d| jiff::Span::new().try_days(d).ok());
            let Some(date) = days.and_then(|d| epoch.checked_add(d).ok()) else {
                continue;
            };
            let today = self.is_working_day(date);
            // A night shift of yesterday reaches into this morning.
            let yesterday = date.yesterday().is_ok_and(|d| self.is_working_day(d));
            for (start, end) in self.spec.shifts.iter().flat_map(|s| s.pieces(today, yesterday)) {
                let a = day * MS_PER_DAY + i64::from(start) * MS_PER_MINUTE;
                let b = day * MS_PER_DAY + i64::from(end) * MS_PER_MINUTE;
                let (a, b) = (a.max(local_start), b.min(local_end));
                if a < b {
                    out.push((a - offset_ms, b - offset_ms));
                }
            }
        }
    }

    /// The mode at instant `t`.
    pub fn mode_at(&self, t: SimTime) -> Mode {
        self.timeline(t, t.plus_ms(1)).first().map_or(self.spec.off_hours, |s| s.mode)
    }

    /// Spans from `t` on, a growing chunk at a time, until `visit` says stop or the search
    /// passes `days_max` days.
    fn walk(&self, t: SimTime, days_max: i64, mut visit: impl FnMut(&ModeSpan) -> bool) {
        let horizon = t.0.saturating_add(days_max * MS_PER_DAY);
        let (mut from, mut chunk) = (t.0, 2 * MS_PER_DAY);
        while from < horizon {
            let to = from.saturating_add(chunk).min(horizon);
            for span in self.timeline(SimTime(from), SimTime(to)) {
                if visit(&span) {
                    return;
                }
            }
            from = to;
            chunk = (chunk * 2).min(32 * MS_PER_DAY);
        }
    }

    /// The earliest instant at or after `t` when the desk is open (`open` says which modes
    /// count), or `None` if it stays closed for `OPENING_SEARCH_DAYS_MAX` days.
    pub fn next_open(&self, t: SimTime, open: OpenWhen) -> Option<SimTime> {
        let mut found = None;
        self.walk(t, i64::from(limits::OPENING_SEARCH_DAYS_MAX), |span| {
            if open.admits(span.mode) {
                found = Some(span.from);
            }
            found.is_some()
        });
        found
    }

    /// The first instant after `t` at which the mode changes, within a year.
    pub fn next_change(&self, t: SimTime) -> Option<SimTime> {
        let now = self.mode_at(t);
        let mut found = None;
        self.walk(t, i64::from(limits::OPENING_SEARCH_DAYS_MAX), |span| {
            if span.from > t && span.mode != now {
                found = Some(span.from);
            }
            found.is_some()
        });
        found
    }

    /// The earliest instant at or after `t` when the desk is not closed.
    pub fn next_opening(&self, t: SimTime) -> Option<SimTime> {
        self.next_open(t, OpenWhen::StaffedOrOnCall)
    }

    /// When `work_ms` of work started at `start` is done, counting only time in which the
    /// desk is open: work left when the desk closes resumes at its next opening. Work that
    /// would end exactly as the desk closes ends at the next opening, so that the instant a
    /// step ends is always an open one. `None` if the desk is not open long enough within
    /// eight years.
    pub fn finish_work(&self, start: SimTime, work_ms: u64, open: OpenWhen) -> Option<SimTime> {
        let mut left = i64::try_from(work_ms).unwrap_or(i64::MAX);
        let mut done = None;
        self.walk(start, WORK_SEARCH_DAYS_MAX, |span| {
            if open.admits(span.mode) {
                let length = span.to.0 - span.from.0;
                if left < length {
                    done = Some(SimTime(span.from.0 + left));
                } else {
                    left -= length;
                }
            }
            done.is_some()
        });
        done
    }

    /// The local wall time of `t` in this roster's zone.
    pub fn local(&self, t: SimTime) -> String {
        t.local(&self.tz)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> SimTime {
        SimTime::from_timestamp(s.parse().expect("test timestamp"))
    }

    fn office(tz: &str, off_hours: Mode) -> Roster {
        Roster::new(RosterSpec {
            tz: tz.into(),
            workweek: WorkWeek::parse("Mon-Fri").expect("workweek"),
            shifts: vec![Shift::parse("09:00-17:00").expect("shift")],
            always_staffed: false,
            off_hours,
            holidays: vec![],
        })
        .expect("valid roster")
    }

    #[test]
    fn working_weeks_parse_with_wrapping_ranges() {
        let sat_wed = WorkWeek::parse("Sat-Wed").expect("parses");
        assert_eq!(sat_wed.to_string(), "Mon,Tue,Wed,Sat,Sun");
        assert_eq!(WorkWeek::parse("Mon-Thu,Sat").expect("parses").to_string(), "Mon,Tue,Wed,Thu,Sat");
        assert_eq!(WorkWeek::parse("Sun-Thu").expect("parses").to_string(), "Mon,Tue,Wed,Thu,Sun");
        assert!(WorkWeek::parse("Mon-Fry").is_err());
        assert!(WorkWeek::parse("").is_err());
    }

    #[test]
    fn shifts_say_which_field_is_out_of_range() {
        let e = Shift::parse("08:00-25:00").expect_err("25:00");
        assert_eq!(e.why, ShiftProblem::HourOutOfRange { end: ShiftEnd::End, text: "25:00".into(), hour: 25 });
        assert!(e.to_string().contains("the end `25:00` has hour 25: hours run from 00 to 23"), "{e}");
        let e = Shift::parse("09:60-10:00").expect_err("09:60");
        assert!(e.to_string().contains("the start `09:60` has minute 60: minutes run from 00 to 59"), "{e}");
        assert!(matches!(Shift::parse("9-17").map_err(|e| e.why), Err(ShiftProblem::NotATime { .. })));
        assert_eq!(Shift::parse("09:00-09:00").map_err(|e| e.why), Err(ShiftProblem::Empty));
        assert_eq!(Shift::parse("24:00-06:00").map_err(|e| e.why), Err(ShiftProblem::StartsAtMidnightsEnd));
        assert!(Shift::parse("09:00-24:00").is_ok());
        let night = Shift::parse("22:00-06:00").expect("a night shift");
        assert!(night.crosses_midnight());
        assert_eq!(night.to_string(), "22:00-06:00");
    }

    fn nights(tz: &str, week: &str, shifts: &[&str]) -> Result<Roster, RosterError> {
        Roster::new(RosterSpec {
            tz: tz.into(),
            workweek: WorkWeek::parse(week).expect("workweek"),
            shifts: shifts.iter().map(|s| Shift::parse(s).expect("shift")).collect(),
            always_staffed: false,
            off_hours: Mode::Closed,
            holidays: vec![],
        })
    }

    #[test]
    fn a_night_shift_across_the_autumn_change_lasts_nine_hours() {
        // Paris leaves summer time at 03:00 CEST on Sunday 2025-10-26 (01:00Z). The night
        // of Saturday the 25th: 22:00 CEST is 20:00Z, 06:00 CET on Sunday is 05:00Z.
        let r = nights("Europe/Paris", "Mon-Sun", &["22:00-06:00"]).expect("valid");
        let day = r.timeline(at("2025-10-25T12:00:00Z"), at("2025-10-26T12:00:00Z"));
        assert_eq!(
            day,
            vec![
                ModeSpan { from: at("2025-10-25T12:00:00Z"), to: at("2025-10-25T20:00:00Z"), mode: Mode::Closed },
                ModeSpan { from: at("2025-10-25T20:00:00Z"), to: at("2025-10-26T05:00:00Z"), mode: Mode::Staffed },
                ModeSpan { from: at("2025-10-26T05:00:00Z"), to: at("2025-10-26T12:00:00Z"), mode: Mode::Closed },
            ]
        );
        // An ordinary night, in summer time throughout: 20:00Z to 04:00Z, eight hours.
        let hour = 3_600_000;
        assert_eq!(r.open_ms(at("2025-10-22T12:00:00Z"), at("2025-10-23T12:00:00Z"), OpenWhen::Staffed), 8 * hour);
        // Spring, 2026-03-29: 22:00 CET is 21:00Z, 06:00 CEST is 04:00Z, seven hours.
        assert_eq!(r.open_ms(at("2026-03-28T12:00:00Z"), at("2026-03-29T12:00:00Z"), OpenWhen::Staffed), 7 * hour);
    }

    #[test]
    fn a_friday_night_shift_runs_into_saturday_and_the_weekend_has_none() {
        // Paris in November is UTC+1. Mon-Fri, 22:00-06:00: the night that starts on
        // Friday 2025-11-07 ends at 06:00 on Saturday; Saturday's and Sunday's nights are
        // not worked, so Monday morning is closed too.
        let r = nights("Europe/Paris", "Mon-Fri", &["22:00-06:00"]).expect("valid");
        assert_eq!(r.mode_at(at("2025-11-07T20:59:00Z")), Mode::Closed); // Fri 21:59
        assert_eq!(r.mode_at(at("2025-11-07T21:00:00Z")), Mode::Staffed); // Fri 22:00
        assert_eq!(r.mode_at(at("2025-11-08T04:59:00Z")), Mode::Staffed); // Sat 05:59
        assert_eq!(r.mode_at(at("2025-11-08T05:00:00Z")), Mode::Closed); // Sat 06:00
        assert_eq!(r.mode_at(at("2025-11-08T22:00:00Z")), Mode::Closed); // Sat 23:00
        assert_eq!(r.mode_at(at("2025-11-09T03:00:00Z")), Mode::Closed); // Sun 04:00
        assert_eq!(r.mode_at(at("2025-11-10T03:00:00Z")), Mode::Closed); // Mon 04:00, after a Sunday
        assert_eq!(r.next_change(at("2025-11-07T21:30:00Z")), Some(at("2025-11-08T05:00:00Z")));
        assert_eq!(r.next_opening(at("2025-11-08T05:00:00Z")), Some(at("2025-11-10T21:00:00Z")));
        // Two hours of work from Friday 05:00 local (Thursday's night): one hour to 06:00,
        // the other from 22:00 on Friday.
        let done = r.finish_work(at("2025-11-07T04:00:00Z"), 2 * 3_600_000, OpenWhen::Staffed);
        assert_eq!(done, Some(at("2025-11-07T22:00:00Z")));
    }

    #[test]
    fn a_night_belongs_to_the_day_it_starts_so_a_holiday_stops_its_own_night_only() {
        let mut spec = nights("Europe/Paris", "Mon-Fri", &["22:00-06:00"]).expect("valid").spec().clone();
        spec.holidays = vec!["2025-11-05".parse().expect("date")];
        let r = Roster::new(spec).expect("valid");
        assert_eq!(r.mode_at(at("2025-11-05T03:00:00Z")), Mode::Staffed); // Wed 04:00: Tuesday's night
        assert_eq!(r.mode_at(at("2025-11-05T21:00:00Z")), Mode::Closed); // Wed 22:00: the holiday's night
        assert_eq!(r.mode_at(at("2025-11-06T03:00:00Z")), Mode::Closed); // Thu 04:00
        assert_eq!(r.mode_at(at("2025-11-06T21:00:00Z")), Mode::Staffed); // Thu 22:00
    }

    #[test]
    fn a_night_shift_may_not_overlap_the_next_mornings_shift() {
        let e = nights("UTC", "Mon-Fri", &["22:00-06:00", "05:00-09:00"]).expect_err("overlap");
        let (night, morning) = (Shift::parse("22:00-06:00").expect("s"), Shift::parse("05:00-09:00").expect("s"));
        assert_eq!(e, RosterError::OverlappingShifts(morning, night));
        // Three shifts around the clock on every day: one staffed span, no gap at midnight.
        let r = nights("UTC", "Mon-Sun", &["22:00-06:00", "06:00-14:00", "14:00-22:00"]).expect("valid");
        let (from, to) = (at("2025-11-03T00:00:00Z"), at("2025-11-06T00:00:00Z"));
        assert_eq!(r.timeline(from, to), vec![ModeSpan { from, to, mode: Mode::Staffed }]);
    }

    #[test]
    fn office_hours_follow_paris_daylight_saving_change() {
        // Paris leaves summer time on Sunday 2025-10-26: 09:00 local is 07:00Z on Friday
        // the 24th and 08:00Z on Monday the 27th.
        let r = office("Europe/Paris", Mode::Closed);
        assert_eq!(r.mode_at(at("2025-10-24T06:59:00Z")), Mode::Closed);
        assert_eq!(r.mode_at(at("2025-10-24T07:00:00Z")), Mode::Staffed);
        assert_eq!(r.mode_at(at("2025-10-27T07:30:00Z")), Mode::Closed);
        assert_eq!(r.mode_at(at("2025-10-27T08:00:00Z")), Mode::Staffed);
        assert_eq!(r.next_opening(at("2025-10-24T15:00:00Z")), Some(at("2025-10-27T08:00:00Z")));
    }

    #[test]
    fn shift_starting_in_a_spring_forward_gap_opens_after_the_gap() {
        // Santiago springs forward at 00:00 local on 2025-09-07 (to 01:00).
        let r = Roster::new(RosterSpec {
            tz: "America/Santiago".into(),
            workweek: WorkWeek::ALL_DAYS,
            shifts: vec![Shift::parse("00:00-08:00").expect("shift")],
            always_staffed: false,
            off_hours: Mode::Closed,
            holidays: vec![],
        })
        .expect("valid");
        let opening = r.next_opening(at("2025-09-06T12:00:00Z")).expect("opens");
        assert_eq!(opening, at("2025-09-07T04:00:00Z")); // 01:00 -03:00, the first instant after the gap
    }

    #[test]
    fn on_call_roster_is_never_closed() {
        let r = office("Asia/Ho_Chi_Minh", Mode::OnCall);
        let sunday_night = at("2025-11-02T16:00:00Z");
        assert_eq!(r.mode_at(sunday_night), Mode::OnCall);
        assert_eq!(r.next_opening(sunday_night), Some(sunday_night));
    }

    #[test]
    fn holidays_are_not_working_days() {
        let mut spec = office("America/Sao_Paulo", Mode::Closed).spec().clone();
        spec.holidays = vec!["2025-11-20".parse().expect("date")]; // Black Consciousness Day
        let r = Roster::new(spec).expect("valid");
        assert_eq!(r.mode_at(at("2025-11-20T15:00:00Z")), Mode::Closed);
        assert_eq!(r.next_opening(at("2025-11-20T15:00:00Z")), Some(at("2025-11-21T12:00:00Z")));
    }

    #[test]
    fn overlapping_shifts_and_unknown_zones_are_rejected() {
        let mut spec = office("Europe/Paris", Mode::Closed).spec().clone();
        spec.shifts.push(Shift::parse("16:00-20:00").expect("shift"));
        assert!(matches!(Roster::new(spec.clone()), Err(RosterError::OverlappingShifts(..))));
        spec.shifts.pop();
        spec.tz = "Mars/Olympus_Mons".into();
        assert!(matches!(Roster::new(spec), Err(RosterError::UnknownTimeZone(_))));
    }

    #[test]
    fn almaty_is_utc_plus_five_since_2024() {
        let tz = crate::tzdb::zone("Asia/Almaty").expect("bundled");
        assert_eq!(at("2025-11-03T00:00:00Z").local(&tz), "2025-11-03 05:00 Mon +05:00");
    }
}
