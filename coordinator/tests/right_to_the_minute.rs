//! Numbers a user cannot check by eye: nobody answers a closed desk, late answers stay out
//! of the figures, a seed means what it says, a register names each state once.

use pocnet::ledger::Outcome;
use pocnet::report::Account;
use pocnet::scenario::{self, Overrides};
use pocnet_core::{OpenWhen, RequestId, Roster, SimTime};
use std::path::{Path, PathBuf};

fn scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn simulate(s: &scenario::Scenario) -> Account<'_> {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(pocnet::run::simulate(s))
        .expect("run")
}

fn hanoi() -> &'static Account<'static> {
    // Kept for the test's life: the account borrows it.
    let s = Box::leak(Box::new(
        scenario::load(&scenarios().join("hanoi-72.toml"), &Overrides::default()).expect("hanoi-72"),
    ));
    Box::leak(Box::new(simulate(s)))
}

#[test]
fn nobody_answers_a_closed_desk() {
    let a = hanoi();
    let s = a.scenario;
    let mut checked = 0;
    for q in &a.ledger.requests {
        let entry = s.state(q.to).expect("receiver");
        let roster = Roster::new(entry.roster.clone()).expect("roster");
        let open = entry.profile.open_when(q.kind);
        if let Some((ack, mode)) = q.step.acknowledged {
            assert_ne!(mode, pocnet_core::Mode::Closed, "{} acknowledged by a closed desk", q.id);
            assert!(open.admits(roster.mode_at(ack)), "{} acknowledged at {ack} with the desk closed", q.id);
            checked += 1;
        }
        // Work the contact point itself executes ends in open time too.
        if let (Some(done), None) = (q.step.executed, q.step.forwarded) {
            assert!(open.admits(roster.mode_at(done)), "{} executed at {done} with the desk closed", q.id);
        }
    }
    assert!(checked > 1_000, "only {checked} acknowledgements");
    // Office-hours-only desks exist in the register, so the rule was put to the test.
    assert!(s.states.iter().any(|e| e.roster.off_hours == pocnet_core::Mode::Closed && !e.roster.always_staffed));
    let _ = OpenWhen::Staffed;
}

#[test]
fn late_answers_stay_out_of_the_figures_and_the_report_says_who_was_reached() {
    let a = hanoi();
    let requests = &a.ledger.requests;
    let mut failed = 0;
    for q in requests {
        let outcome_at = q.scheduled.plus_ms(q.time_to_outcome_ms());
        if let Some(ms) = q.time_to_acknowledge_ms() {
            assert!(q.scheduled.plus_ms(ms) <= outcome_at, "{}: acknowledged after its outcome", q.id);
        }
        if let Some(late) = q.step.late_answer {
            assert!(late > outcome_at || q.outcome != Outcome::Fulfilled, "{}", q.id);
        }
        if q.outcome == Outcome::Undeliverable {
            assert_eq!(q.time_to_acknowledge_ms(), None, "{}: an undeliverable request counted as acknowledged", q.id);
        }
        if !q.outcome.is_success() {
            failed += 1;
        }
    }
    assert!(failed > 0);
    let t = &a.ledger.totals;
    let answered = requests.iter().filter(|q| q.step.reached_desk && (q.time_to_acknowledge_ms().is_some())).count();
    assert!(t.reached_not_answered + t.never_reached + answered <= t.requests);
    assert_eq!(t.never_reached, requests.iter().filter(|q| !q.step.reached_desk).count());
    // The acknowledgement percentiles count only answers in time.
    let in_time = requests.iter().filter(|q| q.time_to_acknowledge_ms().is_some()).count() as u64;
    assert_eq!(a.analysis.latency["time_to_acknowledge"].overall.count, in_time);
}

#[test]
fn seed_on_the_command_line_equals_the_same_seed_in_the_file() {
    let path = scenarios().join("hanoi-72.toml");
    let text = std::fs::read_to_string(&path).expect("hanoi-72");
    let with_seed = |seed: u64| text.replace("seed = 20251026", &format!("seed = {seed}"));
    let dir = std::env::temp_dir().join(format!("pocnet-seed-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("registers")).expect("dir");
    std::fs::copy(scenarios().join("registers/hanoi-2025.toml"), dir.join("registers/hanoi-2025.toml")).expect("copy");
    let file = dir.join("seeded.toml");
    std::fs::write(&file, with_seed(7)).expect("write");
    let from_file = scenario::load(&file, &Overrides::default()).expect("file seed 7");
    let overridden = scenario::load(&path, &Overrides { seed: Some(7) }).expect("--seed 7");
    assert_eq!(overridden.seed, 7);
    assert_eq!(from_file.injects, overridden.injects, "generated traffic follows --seed");
    assert_eq!(simulate(&from_file).report().to_json(), simulate(&overridden).report().to_json());
    let other = scenario::load(&path, &Overrides { seed: Some(8) }).expect("--seed 8");
    assert_ne!(other.injects, overridden.injects, "two seeds give different traffic");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_register_that_lists_a_state_twice_is_refused_naming_both_lines() {
    let dir = std::env::temp_dir().join(format!("pocnet-twice-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let entry = |code: &str, tz: &str| {
        format!("[[contact_points]]\ncode = \"{code}\"\nname = \"{code}\"\nregion = \"R\"\ntz = \"{tz}\"\nroster = \"staffed-24-7\"\nprofile = \"p\"\n\n")
    };
    let register =
        format!("{}{}{}", entry("FRA", "Europe/Paris"), entry("VNM", "Asia/Ho_Chi_Minh"), entry("FRA", "Europe/Paris"));
    std::fs::write(dir.join("register.toml"), register).expect("register");
    let scenario_text = "[scenario]\nname = \"twice\"\nseed = 1\nstart = \"2025-11-03T00:00:00Z\"\nregister = \"register.toml\"\n\n\
        [profiles.p]\nacknowledge = { staffed = \"10m\", on_call = \"10m\" }\nfulfil = { staffed = \"1h\", on_call = \"1h\" }\ngive_up_after = \"1d\"\n";
    std::fs::write(dir.join("s.toml"), scenario_text).expect("scenario");
    let err = scenario::load(&dir.join("s.toml"), &Overrides::default()).expect_err("a state listed twice");
    let d = err.diagnostics.iter().find(|d| d.message.contains("listed twice")).unwrap_or_else(|| panic!("{err}"));
    assert!(d.file.ends_with("register.toml"), "{d}");
    assert_eq!(d.line, 18, "{d}");
    assert!(d.message.contains("line 2"), "{d}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dst_week_requests_meet_the_desks_its_comments_say() {
    let s = scenario::load(&scenarios().join("dst-week.toml"), &Overrides::default()).expect("dst-week");
    let a = simulate(&s);
    let q = |case: u32| {
        let id = RequestId { case, link: 0 };
        a.ledger.requests.iter().find(|q| q.id == id).unwrap_or_else(|| panic!("{id}"))
    };
    let delivered_mode = |case: u32| q(case).step.delivered.map(|(_, mode)| mode);
    let acknowledged = |case: u32| q(case).step.acknowledged.expect("acknowledged").0;
    use pocnet_core::Mode::{Closed, Staffed};
    // Casablanca, 07:45Z: closed on 20 March (UTC+0), staffed on 23 March (UTC+1).
    assert_eq!((delivered_mode(1), delivered_mode(2)), (Some(Closed), Some(Staffed)));
    assert!(acknowledged(1) >= time_of("2026-03-20T08:30:00Z"));
    // Paris, 07:45Z: closed on 27 March (08:45 CET), staffed on 3 April (09:45 CEST).
    assert_eq!((delivered_mode(3), delivered_mode(4)), (Some(Closed), Some(Staffed)));
    assert!(acknowledged(3) >= time_of("2026-03-27T08:00:00Z"));
    // Santiago, 12:30Z: staffed on 2 April (09:30 -03), closed on 6 April (08:30 -04).
    assert_eq!((delivered_mode(5), delivered_mode(6)), (Some(Staffed), Some(Closed)));
}

fn time_of(s: &str) -> SimTime {
    SimTime::from_timestamp(s.parse().expect("time"))
}

#[test]
fn an_entry_that_overrides_only_the_roster_keeps_the_register_hours() {
    let dir = std::env::temp_dir().join(format!("pocnet-override-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let register = "[[contact_points]]\ncode = \"AUS\"\nname = \"Australia\"\nregion = \"R\"\ntz = \"Australia/Sydney\"\n\
        roster = \"staffed-24-7\"\nhours = [\"07:00-15:00\"]\nprofile = \"p\"\n\n\
        [[contact_points]]\ncode = \"FRA\"\nname = \"France\"\nregion = \"R\"\ntz = \"Europe/Paris\"\nroster = \"staffed-24-7\"\nprofile = \"p\"\n";
    std::fs::write(dir.join("register.toml"), register).expect("register");
    let text = "[scenario]\nname = \"override\"\nseed = 1\nstart = \"2026-03-30T00:00:00Z\"\nregister = \"register.toml\"\n\n\
        [profiles.p]\nacknowledge = { staffed = \"10m\", on_call = \"10m\" }\nfulfil = { staffed = \"1h\", on_call = \"1h\" }\ngive_up_after = \"1d\"\n\n\
        [[states]]\ncode = \"AUS\"\nroster = \"office-hours-only\"\n";
    std::fs::write(dir.join("s.toml"), text).expect("scenario");
    let s = scenario::load(&dir.join("s.toml"), &Overrides::default()).expect("valid");
    let aus = s.state(pocnet_core::StateCode::parse("AUS").expect("code")).expect("AUS");
    assert_eq!(aus.roster_summary, "office hours 07:00-15:00 Mon,Tue,Wed,Thu,Fri, closed otherwise");
    let _ = std::fs::remove_dir_all(&dir);
}
