//! Communication checks, timed by hand: Viet Nam's desk pings France (staffed around the
//! clock, as declared) and Cambodia (declared 24/7, office hours 09:00-17:00 Phnom Penh,
//! UTC+7, Monday to Friday in practice, closed otherwise). Acknowledging takes 10 minutes
//! of a desk's open time; messages take 1 s each way. Every answer time is computed here
//! from those rules with plain arithmetic, not by the code under test.

mod common;

use common::run;
use pocnet::ledger::ping::PingEnding;
use pocnet::scenario;
use pocnet_core::StateCode;

fn scenario_text(khm_roster: &str, extra: &str) -> String {
    format!(
        r#"
[scenario]
name = "pings"
seed = 17
start = "2025-11-03T00:00:00Z"

[network]
link_delay = "1s"

[profiles.p]
acknowledge = {{ staffed = "10m", on_call = "10m" }}
fulfil = {{ staffed = "1h", on_call = "1h" }}
give_up_after = "10d"

[[states]]
code = "VNM"
name = "Viet Nam"
region = "South-East Asia"
tz = "Asia/Ho_Chi_Minh"
roster = "staffed-24-7"
profile = "p"

[[states]]
code = "FRA"
name = "France"
region = "EU"
tz = "Europe/Paris"
roster = "staffed-24-7"
profile = "p"

[[states]]
code = "KHM"
name = "Cambodia"
region = "South-East Asia"
tz = "Asia/Phnom_Penh"
{khm_roster}
profile = "p"
{extra}
"#
    )
}

const PRACTICE_OFFICE: &str = "roster = \"office-hours-only\"\ndeclared = \"staffed-24-7\"";
const CHECK: &str = "\n[ping_check]\nfrom = \"VNM\"\nover = \"7d\"\nper_state = 16\n";

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;
const PHNOM_PENH: i64 = 7 * 60 * MINUTE;

/// Cambodia's desk is open at UTC instant `t` (ms): 09:00-17:00 local, Monday to Friday.
fn khm_open(t: i64) -> bool {
    let local = t + PHNOM_PENH;
    let weekday = (local.div_euclid(DAY) + 3).rem_euclid(7); // 1970-01-01 was a Thursday
    let minute = local.rem_euclid(DAY) / MINUTE;
    weekday < 5 && (9 * 60..17 * 60).contains(&minute)
}

/// When Cambodia's desk, given a ping at `delivered`, finishes 10 minutes of open time.
fn khm_acknowledges(delivered: i64) -> i64 {
    let (mut t, mut left) = (delivered, 10 * MINUTE);
    loop {
        if khm_open(t) {
            // Open until the end of this local day's shift.
            let local = t + PHNOM_PENH;
            let close = local.div_euclid(DAY) * DAY + 17 * 60 * MINUTE - PHNOM_PENH;
            let take = left.min(close - t);
            t += take;
            left -= take;
            if left == 0 {
                return t;
            }
        } else {
            // To the next whole minute, then on (openings fall on whole minutes).
            t = (t.div_euclid(MINUTE) + 1) * MINUTE;
        }
    }
}

#[test]
fn a_desk_declared_24_7_that_keeps_office_hours_is_named_and_one_that_is_staffed_is_not() {
    let (ledger, json) = run(&scenario_text(PRACTICE_OFFICE, CHECK));
    let (fra, khm) = (StateCode::parse("FRA").expect("code"), StateCode::parse("KHM").expect("code"));
    assert_eq!(ledger.pings.len(), 32);
    assert!(ledger.cases.is_empty() && ledger.requests.is_empty(), "pings are not cases");
    for p in &ledger.pings {
        let sent = p.sent.0;
        // Delivered a second after it is sent; the answer takes a second back.
        let want = if p.to == fra { sent + 1_000 + 600_000 + 1_000 } else { khm_acknowledges(sent + 1_000) + 1_000 };
        assert_eq!(p.answered.map(|t| t.0), Some(want), "{} to {}", p.id, p.to);
        let ending = PingEnding::of(Some((want - sent) as u64));
        assert_eq!(p.ending, ending, "{}", p.id);
    }
    let check = &json["ping_check"];
    let state = |code: &str| {
        check["states"].as_array().expect("states").iter().find(|s| s["state"] == code).expect("state").clone()
    };
    assert_eq!(state("FRA")["verdict"], "consistent");
    assert_eq!(state("KHM")["verdict"], "contradicted");
    assert_eq!(state("KHM")["during"], "staffed_out_of_office");
    assert_eq!(state("KHM")["declared"], "24/7");
    assert_eq!(check["contradicted"], serde_json::json!(["KHM"]));
    // The out-of-office count, from the pings' own local times.
    let out_of_office = ledger
        .pings
        .iter()
        .filter(|p| p.to == khm)
        .filter(|p| {
            let local = p.sent.0 + PHNOM_PENH;
            let weekday = (local.div_euclid(DAY) + 3).rem_euclid(7);
            let minute = local.rem_euclid(DAY) / MINUTE;
            weekday >= 5 || !(8 * 60..18 * 60).contains(&minute)
        })
        .count();
    assert_eq!(state("KHM")["staffed_out_of_office"]["sent"], out_of_office);
    assert_eq!(state("KHM")["staffed_out_of_office"]["in_time"], 0, "nobody answers at night within the hour");
    // The register still declares 24/7; the desk works office hours.
    let khm_entry = json["states"].as_array().expect("states").iter().find(|s| s["code"] == "KHM").expect("KHM");
    assert_eq!(khm_entry["declared"], "staffed 24/7");
    assert!(khm_entry["roster"].as_str().is_some_and(|r| r.starts_with("office hours")));
}

#[test]
fn a_desk_that_works_as_declared_is_consistent() {
    let (ledger, json) = run(&scenario_text("roster = \"office-hours-only\"", CHECK));
    let check = &json["ping_check"];
    let khm = check["states"].as_array().expect("states").iter().find(|s| s["state"] == "KHM").expect("KHM");
    // Declared office hours, closed otherwise: the nights promise nothing.
    assert_eq!(khm["staffed_out_of_office"]["sent"], 0);
    assert_ne!(khm["verdict"], "contradicted");
    assert_eq!(check["contradicted"], serde_json::json!([]));
    assert_eq!(json["totals"]["pings"], 32);
    assert_eq!(ledger.pings.iter().filter(|p| p.ending == PingEnding::Never).count(), 0);
}

#[test]
fn practice_turns_declared_24_7_desks_into_office_hours_from_the_seed() {
    let all = "roster = \"staffed-24-7\"";
    let (_, json) = run(&scenario_text(all, &format!("{CHECK}\n[practice]\npaper_24_7 = 1.0\n")));
    // Every desk declared 24/7 keeps office hours: all three are named but the sender's
    // own desk, which pings nobody but is not pinged either.
    assert_eq!(json["ping_check"]["contradicted"], serde_json::json!(["FRA", "KHM"]));
    let (_, json) = run(&scenario_text(all, &format!("{CHECK}\n[practice]\npaper_24_7 = 0.0\n")));
    assert_eq!(json["ping_check"]["contradicted"], serde_json::json!([]));
    assert!(json["states"].as_array().expect("states").iter().all(|s| s.get("declared").is_none()));
}

#[test]
fn a_ping_nobody_receives_ends_never_with_its_reason() {
    let down = "\n[[faults]]\nkind = \"down\"\nstate = \"KHM\"\nfrom = \"2025-11-03T00:00:00Z\"\nuntil = \"2025-11-09T23:00:00Z\"\n";
    let (ledger, json) = run(&scenario_text(PRACTICE_OFFICE, &format!("{CHECK}{down}")));
    let khm = StateCode::parse("KHM").expect("code");
    for p in ledger.pings.iter().filter(|p| p.to == khm) {
        assert_eq!(p.ending, PingEnding::Never, "{}", p.id);
        assert!(!p.reached_desk);
    }
    let never = json["ping_check"]["answered"]["never"].as_u64();
    assert_eq!(never, Some(16));
    // Nothing reached Cambodia's desk: unreachable, not a roster contradicted.
    let khm =
        json["ping_check"]["states"].as_array().expect("states").iter().find(|s| s["state"] == "KHM").expect("KHM");
    assert_eq!(khm["verdict"], "unreachable");
    assert_eq!(khm["unreached"], 16);
    assert_eq!(json["ping_check"]["contradicted"], serde_json::json!([]));
    let reasons: Vec<&str> = json["ping_check"]["pings"]
        .as_array()
        .expect("pings")
        .iter()
        .filter(|p| p["to"] == "KHM")
        .filter_map(|p| p["reason"].as_str())
        .collect();
    assert!(reasons.iter().all(|r| r.contains("KHM")), "{reasons:?}");
}

#[test]
fn a_check_with_cases_keeps_them_apart() {
    let inject =
        "\n[[injects]]\nat = \"2025-11-04T03:00:00Z\"\nfrom = \"FRA\"\nto = \"KHM\"\nkind = \"technical_advice\"\n";
    let (ledger, json) = run(&scenario_text(PRACTICE_OFFICE, &format!("{CHECK}{inject}")));
    assert_eq!(ledger.cases.len(), 1);
    assert_eq!(json["totals"]["injects"], 1);
    assert_eq!(json["totals"]["pings"], 32);
    assert!(json["requests"].as_array().expect("requests").iter().all(|r| r["kind"] != "ping"));
    // Pings are numbered after the cases.
    assert!(ledger.pings.iter().all(|p| p.id.case > 1));
}

#[test]
fn a_bad_check_is_named_at_its_place() {
    for (check, says) in [
        ("[ping_check]\nfrom = \"USA\"\n", "unknown state `USA`"),
        ("[ping_check]\nschedule = \"hourly\"\n", "unknown schedule `hourly`"),
        ("[ping_check]\nper_state = 0\n", "per_state: 1 to 50"),
        ("[ping_check]\nschedule = \"at-once\"\nper_state = 3\n", "one ping to each contact point"),
        ("[ping_check]\nfrom = \"VNM\"\nto = [\"VNM\"]\n", "pings nobody"),
        ("[practice]\npaper_24_7 = 1.5\n", "a share, in [0, 1]"),
        ("[ping_check]\nover = \"8d\"\n", "runs outside the scenario"),
    ] {
        let err = scenario::parse("pings.toml", &scenario_text(PRACTICE_OFFICE, check)).expect_err(check);
        assert!(err.to_string().contains(says), "{check}: {err}");
        assert!(err.to_string().contains("pings.toml:"), "{err}");
    }
    let err = scenario::parse(
        "pings.toml",
        &scenario_text("roster = \"office-hours-only\"\ndeclared = \"nine-to-five\"", ""),
    )
    .expect_err("unknown roster");
    assert!(err.to_string().contains("nine-to-five"), "{err}");
}
