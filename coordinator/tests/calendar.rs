//! A desk's calendar, to the minute: public holidays (the bundled register gives every state
//! the package covers its holidays and names the others; a desk keeps a holiday that falls
//! on the day its clocks change) and what happens to work in progress at a shift's end.

use pocnet::report::Account;
use pocnet::scenario::{self, Overrides};
use pocnet_core::{RequestId, Roster, SimTime, StateCode};
use std::path::{Path, PathBuf};

fn scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn time_of(s: &str) -> SimTime {
    SimTime::from_timestamp(s.parse().expect("time"))
}

fn simulate(s: &scenario::Scenario) -> Account<'_> {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(pocnet::run::simulate(s))
        .expect("run")
}

/// The codes the register's header names as not covered by the holidays package, read
/// from the comment lines alone (`CIV (Cote d'Ivoire), ...`).
fn uncovered_in_header(text: &str) -> Vec<String> {
    let header: String = text
        .lines()
        .take_while(|l| l.starts_with('#'))
        .skip_while(|l| !l.contains("Not covered by the package"))
        .skip(1)
        .map(|l| l.trim_start_matches('#'))
        .collect::<Vec<_>>()
        .join(" ");
    header
        .split(", ")
        .filter_map(|part| part.trim().split_once(" ("))
        .map(|(code, _)| code.trim().to_string())
        .collect()
}

#[test]
fn the_register_gives_every_covered_state_its_holidays_and_names_the_others() {
    let text = std::fs::read_to_string(scenarios().join("registers/hanoi-2025.toml")).expect("register");
    assert!(text.contains("`holidays` package, version\n# 0.62") && text.contains("MIT licence"), "header");
    let uncovered = uncovered_in_header(&text);
    assert_eq!(uncovered.len(), 14, "{uncovered:?}");
    let s = scenario::load(&scenarios().join("hanoi-72-new-year.toml"), &Overrides::default()).expect("new year");
    assert_eq!(s.states.len(), 71);
    let first = "2025-01-01".parse::<jiff::civil::Date>().expect("date");
    let last = "2028-12-31".parse::<jiff::civil::Date>().expect("date");
    for e in &s.states {
        let code = e.code.to_string();
        if uncovered.contains(&code) {
            assert!(e.roster.holidays.is_empty(), "{code} is named uncovered but has holidays");
            continue;
        }
        // At least three a year, every one inside 2025-2028, every year present.
        let h = &e.roster.holidays;
        assert!(h.len() >= 12, "{code}: {} holidays", h.len());
        assert!(h.iter().all(|d| *d >= first && *d <= last), "{code}: a holiday outside 2025-2028");
        for year in 2025..=2028 {
            assert!(h.iter().any(|d| d.year() == year), "{code}: none in {year}");
        }
    }
    // Dates anyone can check: Christmas and Boxing Day in the UK, Viet Nam's New Year's
    // Day, France's Bastille Day; Sweden's Sundays left out.
    let days = |code: &str| s.state(StateCode::parse(code).expect("code")).expect(code).roster.holidays.clone();
    let has = |code: &str, d: &str| days(code).contains(&d.parse().expect("date"));
    assert!(
        has("GBR", "2025-12-25") && has("GBR", "2025-12-26") && has("VNM", "2026-01-01") && has("FRA", "2026-07-14")
    );
    assert!(!has("GBR", "2025-12-24"), "Christmas Eve is not a UK bank holiday");
    assert!(days("SWE").len() < 4 * 20, "Sweden: {} holidays (the Sundays are in)", days("SWE").len());
    // Ireland's office-hours desk is on call all day on Christmas Day, a Thursday, and
    // staffed at the same hour two days before.
    let irl =
        Roster::new(s.state(StateCode::parse("IRL").expect("code")).expect("IRL").roster.clone()).expect("roster");
    assert_eq!(irl.mode_at(time_of("2025-12-25T10:00:00Z")), pocnet_core::Mode::OnCall);
    assert_eq!(irl.mode_at(time_of("2025-12-23T10:00:00Z")), pocnet_core::Mode::Staffed);
}

/// Two desks in Vienna that work Sunday to Thursday, 09:00-17:00, closed otherwise; one
/// keeps 26 October 2025 (Austria's National Day, a Sunday) as a holiday. That night the
/// clocks go back, 03:00 CEST (UTC+2) to 02:00 CET (UTC+1). A request reaches each on the
/// Saturday evening, when both are closed (a Saturday is outside their week).
/// - the desk without the holiday opens on Sunday at 09:00 CET = 08:00Z (with the summer
///   offset it would be 07:00Z) and acknowledges 10 minutes later, 08:10Z;
/// - the desk with it stays closed all Sunday and opens on Monday 27 at 09:00 CET = 08:00Z,
///   acknowledging at 08:10Z.
#[test]
fn a_holiday_on_the_day_the_clocks_go_back_keeps_the_desk_closed_to_the_minute() {
    let dir = std::env::temp_dir().join(format!("pocnet-holiday-dst-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let desk = |code: &str, holidays: &str| {
        format!(
            "[[states]]\ncode = \"{code}\"\nname = \"{code}\"\nregion = \"R\"\ntz = \"Europe/Vienna\"\nworkweek = \"Sun-Thu\"\n\
             roster = \"office-hours-only\"\nhours = [\"09:00-17:00\"]\nholidays = [{holidays}]\nprofile = \"p\"\n\n"
        )
    };
    let text = format!(
        "[scenario]\nname = \"holiday-dst\"\nseed = 1\nstart = \"2025-10-25T00:00:00Z\"\nend = \"2025-10-29T00:00:00Z\"\n\n\
         [network]\nlink_delay = \"1s\"\n\n\
         [profiles.p]\nacknowledge = {{ staffed = \"10m\", on_call = \"10m\" }}\nfulfil = {{ staffed = \"1h\", on_call = \"1h\" }}\ngive_up_after = \"5d\"\n\n\
         {}{}\
         [[states]]\ncode = \"FRA\"\nname = \"France\"\nregion = \"R\"\ntz = \"Europe/Paris\"\nroster = \"staffed-24-7\"\nprofile = \"p\"\n\n\
         [[injects]]\nat = \"2025-10-25T20:00:00Z\"\nfrom = \"FRA\"\nto = \"AUT\"\nkind = \"preservation\"\n\n\
         [[injects]]\nat = \"2025-10-25T20:00:00Z\"\nfrom = \"FRA\"\nto = \"SVN\"\nkind = \"preservation\"\n",
        desk("AUT", "\"2025-10-26\""),
        desk("SVN", ""),
    );
    std::fs::write(dir.join("s.toml"), text).expect("scenario");
    let s = scenario::load(&dir.join("s.toml"), &Overrides::default()).expect("valid");
    let a = simulate(&s);
    let acknowledged = |case: u32| {
        let id = RequestId { case, link: 0 };
        let q = a.ledger.requests.iter().find(|q| q.id == id).unwrap_or_else(|| panic!("{id}"));
        q.step.acknowledged.expect("acknowledged")
    };
    use pocnet_core::Mode::Staffed;
    assert_eq!(acknowledged(1), (time_of("2025-10-27T08:10:00Z"), Staffed), "AUT: Monday, the holiday kept");
    assert_eq!(acknowledged(2), (time_of("2025-10-26T08:10:00Z"), Staffed), "SVN: Sunday, after the change");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Paris, 09:00-17:00 Monday to Friday, closed otherwise, one officer; four hours to execute
/// a preservation, ten minutes to acknowledge. A request arrives on Friday 27 March 2026 at
/// 13:00Z (14:00 CET); the officer acknowledges at 13:10Z and starts to execute; the shift
/// ends at 16:00Z (17:00 CET) with 1h10m left. Clocks go forward on Sunday 29 (CEST, UTC+2),
/// so Monday's shift opens at 07:00Z, not 08:00Z.
/// - next_opening: the 1h10m resume on Monday at 07:00Z: executed 08:10Z, no overtime;
/// - overtime: executed on Friday at 17:10Z, 1h10m of overtime in report.json's `desks`;
/// - hand_over (15 minutes): Monday's shift takes 1h25m: executed 08:25Z.
#[test]
fn work_at_a_friday_shift_end_before_the_spring_change_by_each_policy() {
    let run = |policy: &str| {
        let dir = std::env::temp_dir().join(format!("pocnet-shift-end-{policy}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let text = format!(
            "[scenario]\nname = \"shift-end\"\nseed = 1\nstart = \"2026-03-27T00:00:00Z\"\nend = \"2026-04-03T00:00:00Z\"\n\n\
             [network]\nlink_delay = \"1s\"\n\n\
             [profiles.desk]\nacknowledge = {{ staffed = \"10m\", on_call = \"10m\" }}\nfulfil = {{ staffed = \"4h\", on_call = \"4h\" }}\n\
             give_up_after = \"10d\"\nofficers = {{ staffed = 1 }}\n{policy}\n\n\
             [profiles.q]\nacknowledge = {{ staffed = \"10m\", on_call = \"10m\" }}\nfulfil = {{ staffed = \"1h\", on_call = \"1h\" }}\ngive_up_after = \"10d\"\n\n\
             [[states]]\ncode = \"FRA\"\nname = \"France\"\nregion = \"R\"\ntz = \"Europe/Paris\"\nroster = \"office-hours-only\"\nprofile = \"desk\"\n\n\
             [[states]]\ncode = \"VNM\"\nname = \"Viet Nam\"\nregion = \"R\"\ntz = \"Asia/Ho_Chi_Minh\"\nroster = \"staffed-24-7\"\nprofile = \"q\"\n\n\
             [[injects]]\nat = \"2026-03-27T12:59:59Z\"\nfrom = \"VNM\"\nto = \"FRA\"\nkind = \"preservation\"\nretention = \"30d\"\n"
        );
        std::fs::write(dir.join("s.toml"), text).expect("scenario");
        let s = scenario::load(&dir.join("s.toml"), &Overrides::default()).expect("valid");
        let _ = std::fs::remove_dir_all(&dir);
        let s: &'static scenario::Scenario = Box::leak(Box::new(s));
        let a = simulate(s);
        let q = a.ledger.requests.iter().find(|q| q.id == RequestId { case: 1, link: 0 }).expect("request");
        assert_eq!(q.step.acknowledged.map(|(t, _)| t), Some(time_of("2026-03-27T13:10:00Z")), "{policy}");
        let desk = a.analysis.desks.iter().find(|d| d.desk == "contact point").expect("FRA's desk");
        // Said in summary.md and on the page exactly where the policy is overtime.
        let said = "Overtime (work finished past a shift's end): FRA contact point 1h10m.";
        let summary = pocnet::outputs::summary::summary_md(&a);
        let page = pocnet::outputs::html::report_html(&a, None);
        let overtime = desk.overtime_ms.is_some();
        assert_eq!((summary.contains(said), page.contains(said)), (overtime, overtime), "{policy}");
        (q.step.executed, desk.overtime_ms)
    };
    assert_eq!(run(""), (Some(time_of("2026-03-30T08:10:00Z")), None), "the default waits");
    assert_eq!(run("shift_end = \"next_opening\""), (Some(time_of("2026-03-30T08:10:00Z")), None));
    assert_eq!(run("shift_end = \"overtime\""), (Some(time_of("2026-03-27T17:10:00Z")), Some(70 * 60_000)));
    let handed = run("shift_end = \"hand_over\"\nhand_over_cost = \"15m\"");
    assert_eq!(handed, (Some(time_of("2026-03-30T08:25:00Z")), None));
}
