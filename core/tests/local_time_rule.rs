//! The local-time rule, minute by minute, around every change of offset in 2025-2027 of
//! every zone of the bundled Hanoi register and of five zones known for odd changes.
//!
//! The rule (docs/scenarios.md): a desk is staffed when the local wall-clock time is inside
//! a shift on a working day; a repeated hour is staffed twice, a skipped hour not at all.
//! The expected modes here are computed from that sentence alone: the zone's offset at each
//! minute (the tz database's answer, not the code under test), plus arithmetic on civil
//! days. The roster's timeline, `mode_at`, `next_open` and `finish_work` must agree with it
//! at every minute checked.

use pocnet_core::roster::{ModeSpan, OpenWhen};
use pocnet_core::{Mode, Roster, RosterSpec, Shift, SimTime, WorkWeek};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// Zones beyond the register whose changes are unusual: a 45-minute offset, a change at
/// 02:45, Chile's and Cuba's midnight changes, Morocco's Ramadan offset.
const EXTRA_ZONES: [&str; 5] =
    ["Pacific/Chatham", "Asia/Kathmandu", "America/Santiago", "America/Havana", "Africa/Casablanca"];

fn register_zones() -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/registers/hanoi-2025.toml");
    let text = std::fs::read_to_string(&path).expect("the bundled register");
    let mut zones: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("tz = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .map(str::to_string)
        .chain(EXTRA_ZONES.iter().map(|z| z.to_string()))
        .collect();
    zones.sort();
    zones.dedup();
    assert!(zones.len() >= 60, "{} zones read from {}", zones.len(), path.display());
    zones
}

fn offset_ms(tz: &jiff::tz::TimeZone, t: i64) -> i64 {
    let ts = jiff::Timestamp::from_millisecond(t).expect("in range");
    i64::from(tz.to_offset(ts).seconds()) * 1_000
}

/// The rule, from its sentence: mode at UTC instant `t` (a whole minute).
fn expected_mode(spec: &RosterSpec, tz: &jiff::tz::TimeZone, t: i64) -> Mode {
    if spec.always_staffed {
        return Mode::Staffed;
    }
    let local = t + offset_ms(tz, t);
    let day = local.div_euclid(DAY);
    let minute = u16::try_from(local.rem_euclid(DAY) / MINUTE).expect("minute of day");
    // 1970-01-01 was a Thursday: Monday-based weekday index 3.
    let weekday = (day + 3).rem_euclid(7);
    let working = weekday_in(spec.workweek, weekday);
    let worked_yesterday = weekday_in(spec.workweek, (weekday + 6) % 7);
    // A shift whose end is before its start crosses midnight: its evening belongs to a
    // working day, its morning to the day after one.
    let in_shift = spec.shifts.iter().any(|s| {
        if s.end_minute < s.start_minute {
            (working && s.start_minute <= minute) || (worked_yesterday && minute < s.end_minute)
        } else {
            working && s.start_minute <= minute && minute < s.end_minute
        }
    });
    if in_shift {
        Mode::Staffed
    } else {
        spec.off_hours
    }
}

fn weekday_in(week: WorkWeek, monday_based: i64) -> bool {
    // WorkWeek's Display lists its days: the only view of it that this check relies on.
    const NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let name = NAMES[usize::try_from(monday_based).expect("0..7")];
    week.to_string().split(',').any(|d| d == name)
}

fn rosters(tz: &str) -> Vec<RosterSpec> {
    let shifts = |list: &[&str]| list.iter().map(|s| Shift::parse(s).expect("shift")).collect::<Vec<_>>();
    vec![
        RosterSpec {
            tz: tz.into(),
            workweek: WorkWeek::parse("Mon-Fri").expect("week"),
            shifts: shifts(&["09:00-17:00"]),
            always_staffed: false,
            off_hours: Mode::Closed,
            holidays: vec![],
        },
        // Shifts with edges at every hour a zone changes its clocks (00:00, 01:00, 02:00,
        // 02:45, 03:00, 03:45, 24:00), on every day.
        RosterSpec {
            tz: tz.into(),
            workweek: WorkWeek::ALL_DAYS,
            shifts: shifts(&["00:00-00:30", "01:00-01:30", "01:45-02:30", "02:45-03:00", "03:45-04:00", "23:00-24:00"]),
            always_staffed: false,
            off_hours: Mode::OnCall,
            holidays: vec![],
        },
        // Night shifts across every change hour (a night of the day it starts), on working
        // days only, so that Friday's night runs into Saturday and Sunday's is not worked.
        RosterSpec {
            tz: tz.into(),
            workweek: WorkWeek::parse("Mon-Fri").expect("week"),
            shifts: shifts(&["21:30-04:15", "12:00-13:00"]),
            always_staffed: false,
            off_hours: Mode::Closed,
            holidays: vec![],
        },
    ]
}

/// Every change of offset in 2025-2027, found by looking at the offset every hour.
fn changes(tz: &jiff::tz::TimeZone) -> Vec<i64> {
    let start = jiff::Timestamp::from_second(1_735_689_600).expect("2025-01-01").as_millisecond();
    let end = jiff::Timestamp::from_second(1_830_297_600).expect("2028-01-01").as_millisecond();
    let mut out = Vec::new();
    let mut t = start;
    let mut last = offset_ms(tz, t);
    while t < end {
        t += HOUR;
        let now = offset_ms(tz, t);
        if now != last {
            out.push(t);
        }
        last = now;
    }
    out
}

struct Window {
    start: i64,
    /// Expected mode of each minute from `start`.
    modes: Vec<Mode>,
}

impl Window {
    fn at(&self, i: i64) -> SimTime {
        SimTime(self.start + i * MINUTE)
    }

    fn minutes(&self) -> i64 {
        i64::try_from(self.modes.len()).expect("minutes")
    }

    fn mode(&self, i: i64) -> Mode {
        self.modes[i as usize]
    }
}

fn check_window(zone: &str, roster: &Roster, tz: &jiff::tz::TimeZone, around: i64, failures: &mut Vec<String>) {
    let start = (around - 2 * DAY).div_euclid(MINUTE) * MINUTE;
    let minutes = 4 * DAY / MINUTE;
    let spec = roster.spec();
    let w = Window { start, modes: (0..minutes).map(|i| expected_mode(spec, tz, start + i * MINUTE)).collect() };
    let mut fail = |what: String| {
        if failures.len() < 40 {
            failures.push(format!("{zone} ({}): {what}", summary(spec)));
        }
    };
    check_timeline(roster, &w, &mut fail);
    for open in [OpenWhen::Staffed, OpenWhen::StaffedOrOnCall] {
        check_next_open(roster, &w, around, open, &mut fail);
        check_finish_work(roster, &w, open, &mut fail);
    }
}

/// The timeline, minute by minute; its spans are contiguous, merged and cover the window.
fn check_timeline(roster: &Roster, w: &Window, fail: &mut dyn FnMut(String)) {
    let minutes = w.minutes();
    let timeline: Vec<ModeSpan> = roster.timeline(w.at(0), w.at(minutes));
    let mut span = 0;
    for i in 0..minutes {
        let t = w.at(i);
        while timeline.get(span).is_some_and(|s| s.to <= t) {
            span += 1;
        }
        let got = timeline.get(span).filter(|s| s.from <= t).map(|s| s.mode);
        if got != Some(w.mode(i)) {
            fail(format!("timeline at {t}: {got:?}, expected {:?}", w.mode(i)));
        }
    }
    if timeline.first().map(|s| s.from) != Some(w.at(0)) || timeline.last().map(|s| s.to) != Some(w.at(minutes)) {
        fail("timeline does not cover the window".into());
    }
    for pair in timeline.windows(2) {
        if pair[0].to != pair[1].from || pair[0].mode == pair[1].mode {
            fail(format!("timeline spans {:?} and {:?} are not contiguous and distinct", pair[0], pair[1]));
        }
    }
}

/// next_open: for each minute, the first open minute at or after it, from the rule. Every
/// minute within six hours of the change, every 17th elsewhere (the search is slower).
fn check_next_open(roster: &Roster, w: &Window, around: i64, open: OpenWhen, fail: &mut dyn FnMut(String)) {
    let minutes = w.minutes();
    let mut next: Vec<Option<i64>> = vec![None; minutes as usize];
    let mut upcoming = None;
    for i in (0..minutes).rev() {
        if open.admits(w.mode(i)) {
            upcoming = Some(i);
        }
        next[i as usize] = upcoming;
    }
    for i in 0..minutes {
        let near = (w.at(i).0 - around).abs() <= 6 * HOUR;
        let Some(expected) = next[i as usize] else { continue };
        if !(near || i % 17 == 0) {
            continue;
        }
        let got = roster.next_open(w.at(i), open);
        if got != Some(w.at(expected)) {
            fail(format!("next_open({}, {open:?}) = {got:?}, expected {}", w.at(i), w.at(expected)));
        }
        if i % 7 == 0 && roster.mode_at(w.at(i)) != w.mode(i) {
            fail(format!("mode_at({}) = {:?}, expected {:?}", w.at(i), roster.mode_at(w.at(i)), w.mode(i)));
        }
    }
}

/// finish_work: work counted only in open minutes; it ends inside an open minute.
fn check_finish_work(roster: &Roster, w: &Window, open: OpenWhen, fail: &mut dyn FnMut(String)) {
    let minutes = w.minutes();
    for work_minutes in [0i64, 1, 29, 90, 481] {
        for i in (0..minutes / 2).step_by(23) {
            let mut left = work_minutes;
            let mut j = i;
            let expected = loop {
                if j >= minutes {
                    break None;
                }
                if open.admits(w.mode(j)) {
                    if left == 0 {
                        break Some(w.at(j));
                    }
                    left -= 1;
                }
                j += 1;
            };
            let Some(expected) = expected else { continue };
            let got = roster.finish_work(w.at(i), u64::try_from(work_minutes * MINUTE).expect("work"), open);
            if got != Some(expected) {
                fail(format!("finish_work({}, {work_minutes}m, {open:?}) = {got:?}, expected {expected}", w.at(i)));
            }
        }
    }
}

fn summary(spec: &RosterSpec) -> String {
    let shifts: Vec<String> = spec.shifts.iter().map(Shift::to_string).collect();
    format!("{} {} {:?}", spec.workweek, shifts.join(" "), spec.off_hours)
}

#[test]
fn every_change_of_2025_to_2027_follows_the_local_time_rule_minute_by_minute() {
    let mut failures = Vec::new();
    let mut changes_by_zone = std::collections::BTreeMap::new();
    for zone in register_zones() {
        let tz = pocnet_core::tzdb::zone(&zone).unwrap_or_else(|e| panic!("{e}"));
        let mut around = changes(&tz);
        changes_by_zone.insert(zone.clone(), around.len());
        if around.is_empty() {
            // No change: one ordinary week still checks the rule itself.
            around.push(jiff::Timestamp::from_second(1_762_128_000).expect("2025-11-03").as_millisecond());
        }
        for spec in rosters(&zone) {
            let roster = Roster::new(spec).expect("valid roster");
            for &t in &around {
                check_window(&zone, &roster, &tz, t, &mut failures);
            }
        }
    }
    assert!(failures.is_empty(), "{} disagreements with the rule:\n{}", failures.len(), failures.join("\n"));
    // The check must have seen the changes it is about: two a year in the EU, Chile, Sydney
    // and Chatham; Morocco's around each Ramadan; Cuba's until its change of November 2026.
    for zone in ["Europe/Paris", "America/Santiago", "Australia/Sydney", "Pacific/Chatham"] {
        assert!(changes_by_zone[zone] >= 6, "{zone}: {} changes in 2025-2027", changes_by_zone[zone]);
    }
    for zone in ["Africa/Casablanca", "America/Havana"] {
        assert!(changes_by_zone[zone] >= 3, "{zone}: {} changes in 2025-2027", changes_by_zone[zone]);
    }
    let total: usize = changes_by_zone.values().sum();
    assert!(total >= 100, "only {total} changes in {} zones", changes_by_zone.len());
}

#[test]
fn a_skipped_hour_is_staffed_not_at_all_and_a_repeated_hour_twice() {
    // Paris, 29 March 2026: 02:00 becomes 03:00. A 01:30-03:30 shift is staffed 01:30-02:00
    // (00:30-01:00Z) and 03:00-03:30 (01:00-01:30Z): one hour of wall-clock shift, one hour
    // of staffing, and the request delivered at 01:45 local is acknowledged just after 03:00.
    let mut spec = rosters("Europe/Paris").remove(0);
    spec.shifts = vec![Shift::parse("01:30-03:30").expect("shift")];
    spec.workweek = WorkWeek::ALL_DAYS;
    let r = Roster::new(spec).expect("valid");
    let t = |s: &str| SimTime::from_timestamp(s.parse().expect("time"));
    let spring = r.timeline(t("2026-03-29T00:00:00Z"), t("2026-03-29T03:00:00Z"));
    let staffed: Vec<(SimTime, SimTime)> =
        spring.iter().filter(|s| s.mode == Mode::Staffed).map(|s| (s.from, s.to)).collect();
    assert_eq!(staffed, vec![(t("2026-03-29T00:30:00Z"), t("2026-03-29T01:30:00Z"))]);
    assert_eq!(
        r.finish_work(t("2026-03-29T00:45:00Z"), 16 * 60_000, OpenWhen::Staffed),
        Some(t("2026-03-29T01:01:00Z"))
    );
    // Paris, 25 October 2026: 03:00 becomes 02:00 again. 01:30-03:30 local lasts three hours
    // of real time (23:30-02:30Z): the repeated hour 02:00-03:00 is staffed twice.
    let autumn = r.timeline(t("2026-10-24T22:00:00Z"), t("2026-10-25T04:00:00Z"));
    let staffed: Vec<(SimTime, SimTime)> =
        autumn.iter().filter(|s| s.mode == Mode::Staffed).map(|s| (s.from, s.to)).collect();
    assert_eq!(staffed, vec![(t("2026-10-24T23:30:00Z"), t("2026-10-25T02:30:00Z"))]);
}
