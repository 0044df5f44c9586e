//! Each behaviour of the model shown on a small scenario, run in-process: the scenario in,
//! the outcome out. The same scenario with the behaviour switched off is the control.

use pocnet::analysis::{Analysis, Zones};
use pocnet::ledger::{Ledger, Outcome, Request};
use pocnet::scenario;

/// Two contact points, office hours 09:00-17:00 Mon-Fri, closed otherwise, fixed delays:
/// acknowledge 10m, fulfil 2h. `extra` is appended (profiles fields go under PROFILE).
fn scenario_text(profile_extra: &str, extra: &str) -> String {
    format!(
        r#"
[scenario]
name = "behaviour"
seed = 7
start = "2025-11-03T00:00:00Z"

[network]
link_delay = "1s"

[profiles.p]
acknowledge = {{ staffed = "10m", on_call = "30m" }}
fulfil = {{ staffed = "2h", on_call = "4h" }}
give_up_after = "10d"
{profile_extra}

[[states]]
code = "FRA"
name = "France"
region = "EU/Europe"
tz = "Europe/Paris"
roster = "office-hours-only"
languages = ["fr", "en"]
profile = "p"

[[states]]
code = "VNM"
name = "Viet Nam"
region = "Asia-Pacific"
tz = "Asia/Ho_Chi_Minh"
roster = "office-hours-only"
languages = ["vi", "en"]
profile = "p"

[[states]]
code = "BRA"
name = "Brazil"
region = "Latin America & Caribbean"
tz = "America/Sao_Paulo"
roster = "office-hours-only"
languages = ["pt", "en"]
profile = "p"
{extra}
"#
    )
}

/// A run's ledger and figures, and the contact points' time zones.
struct Ran {
    ledger: Ledger,
    analysis: Analysis,
    zones: Zones,
}

fn check(text: &str) -> Ran {
    let scenario = match scenario::parse("behaviour.toml", text) {
        Ok(s) => s,
        Err(e) => panic!("scenario invalid:\n{e}"),
    };
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let a = runtime.block_on(pocnet::run::simulate(&scenario)).expect("run");
    Ran { ledger: a.ledger, analysis: a.analysis, zones: a.zones }
}

fn request<'r>(ran: &'r Ran, id: &str) -> &'r Request {
    ran.ledger.requests.iter().find(|r| r.id.to_string() == id).unwrap_or_else(|| panic!("no request {id}"))
}

/// `t` in UTC as the report writes it.
fn utc(t: Option<(pocnet_core::SimTime, pocnet_core::Mode)>) -> Option<String> {
    t.map(|(t, _)| t.to_string())
}

/// FRA asks VNM on Tuesday at 03:00Z = 10:00 in Hanoi (staffed).
const ONE_REQUEST: &str = r#"
[[injects]]
at = "2025-11-04T03:00:00Z"
from = "FRA"
to = "VNM"
kind = "preservation"
"#;

const HOUR: u64 = 3_600_000;

#[test]
fn request_in_an_unaccepted_language_waits_for_translation() {
    // Acknowledged 10:10 in Hanoi; 3h of translation and 2h of work end before 17:00.
    let english = check(&scenario_text(r#"translation = "3h""#, ONE_REQUEST));
    let french =
        check(&scenario_text(r#"translation = "3h""#, &ONE_REQUEST.replace("kind =", "language = \"fr\"\nkind =")));
    let (en, fr) = (request(&english, "C1"), request(&french, "C1"));
    assert_eq!(en.step.translation_ms, None, "English is accepted in Hanoi");
    assert_eq!(fr.step.translation_ms, Some(3 * HOUR), "French is not");
    assert_eq!(en.time_to_acknowledge_ms(), fr.time_to_acknowledge_ms(), "acknowledgement does not wait");
    assert_eq!(fr.time_to_fulfil_ms().expect("fulfilled") - en.time_to_fulfil_ms().expect("fulfilled"), 3 * HOUR);
}

#[test]
fn central_authority_works_in_its_office_hours() {
    let ca = r#"central_authority = { kinds = ["evidence"], delay = "3h", hours = ["09:00-12:00"] }"#;
    let evidence = ONE_REQUEST.replace("preservation", "evidence");
    let handed = check(&scenario_text(ca, &evidence));
    let direct = check(&scenario_text("", &evidence));
    let r = request(&handed, "C1");
    assert!(r.step.forwarded.is_some());
    // Acknowledged 10:10 in Hanoi; the authority opens at 09:00 only on Wednesday (its
    // shift ends at 12:00 but starting work needs an opening: next_opening(10:10) is now,
    // 3h of work lands at 13:10, closed, so it waits for Wednesday 09:00).
    let done = handed.zones.local(r.to, r.step.executed.expect("executed"));
    assert!(done.starts_with("2025-11-05 09:00"), "{done}");
    assert_eq!(request(&direct, "C1").time_to_fulfil_ms(), Some(2 * HOUR + 10 * 60_000 + 1_000));
    assert_eq!(handed.ledger.totals.cases_of(Outcome::Fulfilled), 1);
}

#[test]
fn escalation_reaches_a_duty_officer_sooner() {
    // Friday 20:00 in Hanoi (13:00Z). On call, the first look takes 6h; the requester
    // escalates after 1h and the call reaches the duty officer, who acknowledges as a
    // staffed desk would (10m).
    let night = r#"
[[injects]]
at = "2025-11-07T13:00:00Z"
from = "FRA"
to = "VNM"
kind = "emergency"
"#;
    let on_call = |profile: &str| {
        scenario_text(profile, night)
            .replace(
                "roster = \"office-hours-only\"\nlanguages = [\"vi\"",
                "roster = \"office-hours-on-call\"\nlanguages = [\"vi\"",
            )
            .replace("on_call = \"30m\"", "on_call = \"6h\"")
    };
    let slow = check(&on_call(""));
    let fast = check(&on_call(r#"escalate_after = "1h""#));
    let (s, f) = (request(&slow, "C1"), request(&fast, "C1"));
    assert!(!s.step.escalated && f.step.escalated);
    assert_eq!(s.time_to_acknowledge_ms(), Some(6 * HOUR + 1_000));
    assert_eq!(f.time_to_acknowledge_ms(), Some(HOUR + 1_000 + 10 * 60_000), "escalated at +1h, arrives 1s later, 10m");

    // A closed contact point has nobody to take the call: escalation changes nothing.
    let patient = check(&scenario_text("", night));
    let escalating = check(&scenario_text(r#"escalate_after = "1h""#, night));
    assert!(request(&escalating, "C1").step.escalated);
    assert_eq!(request(&patient, "C1").time_to_acknowledge_ms(), request(&escalating, "C1").time_to_acknowledge_ms());
}

#[test]
fn art_43_chain_ends_when_the_last_link_is_preserved() {
    let chain = r#"
[[injects]]
at = "2025-11-04T08:00:00Z"
from = "FRA"
to = "VNM"
kind = "preservation"
retention = "10d"
chain = ["BRA"]
"#;
    let report = check(&scenario_text("", chain));
    assert_eq!(report.ledger.requests.len(), 2, "the first link reveals a provider in Brazil");
    let (first, second) = (request(&report, "C1"), request(&report, "C1.1"));
    assert_eq!((first.from, first.to), (second.from, pocnet_core::StateCode::parse("VNM").expect("code")));
    assert_eq!(second.to.as_str(), "BRA");
    assert_eq!(first.step.revealed.map(|s| s.to_string()).as_deref(), Some("BRA"));
    let case = &report.ledger.cases[0];
    assert_eq!(case.outcome, Outcome::Preserved);
    assert_eq!(case.path.iter().map(|s| s.as_str()).collect::<Vec<_>>(), ["VNM", "BRA"]);
    assert!(case.end_to_end_ms() > first.time_to_outcome_ms(), "the case lasts until the last link");
}

#[test]
fn evidence_deleted_before_execution_is_lost() {
    let short = ONE_REQUEST.replace("kind =", "retention = \"1h\"\nkind =");
    let long = ONE_REQUEST.replace("kind =", "retention = \"1d\"\nkind =");
    assert_eq!(check(&scenario_text("", &short)).ledger.cases[0].outcome, Outcome::EvidenceLost);
    assert_eq!(check(&scenario_text("", &long)).ledger.cases[0].outcome, Outcome::Preserved);
}

#[test]
fn stale_register_entry_makes_requests_undeliverable() {
    let stale = format!("{ONE_REQUEST}\n[[faults]]\nkind = \"stale\"\nstate = \"VNM\"\n");
    let report = check(&scenario_text("resend_after = \"2h\"\nresends_max = 2", &stale));
    let r = request(&report, "C1");
    assert_eq!(r.outcome, Outcome::Undeliverable, "{}", r.reason);
    assert_eq!(r.step.resends, 2);
    assert_eq!(report.ledger.totals.lost_messages.get("stale register entry"), Some(&3));
    assert!(r.reason.to_string().contains("after 3 attempts (never delivered)"), "{}", r.reason);
}

#[test]
fn contact_point_down_loses_what_is_sent_to_it_and_a_resend_recovers() {
    let down = format!(
        "{ONE_REQUEST}\n[[faults]]\nkind = \"down\"\nstate = \"VNM\"\nfrom = \"2025-11-04T02:00:00Z\"\nuntil = \"2025-11-04T06:00:00Z\"\n"
    );
    let report = check(&scenario_text("resend_after = \"3h\"\nresends_max = 3", &down));
    let r = request(&report, "C1");
    assert_eq!(r.outcome, Outcome::Fulfilled);
    assert_eq!(r.step.resends, 1, "resent at 06:00, when VNM is up again");
    assert_eq!(report.ledger.totals.lost_messages.get("receiver down"), Some(&1));
    assert_eq!(utc(r.step.delivered).as_deref(), Some("2025-11-04T06:00:01Z"));
}

#[test]
fn partition_holds_messages_until_it_heals() {
    let cut = format!(
        "{ONE_REQUEST}\n[[faults]]\nkind = \"partition\"\na = [\"Asia-Pacific\"]\nb = [\"*\"]\nfrom = \"2025-11-04T00:00:00Z\"\nuntil = \"2025-11-04T06:00:00Z\"\n"
    );
    let report = check(&scenario_text("resend_after = \"4h\"\nresends_max = 5", &cut));
    let r = request(&report, "C1");
    assert_eq!(r.outcome, Outcome::Fulfilled);
    assert_eq!(utc(r.step.delivered).as_deref(), Some("2025-11-04T07:00:01Z"), "the first resend after the heal");
    assert_eq!(report.ledger.totals.lost_messages.get("partition"), Some(&1));
}

#[test]
fn requester_without_resends_expires_when_nothing_arrives() {
    let stale = format!("{ONE_REQUEST}\n[[faults]]\nkind = \"stale\"\nstate = \"VNM\"\n");
    let report = check(&scenario_text("", &stale));
    assert_eq!(report.ledger.cases[0].outcome, Outcome::Expired);
    assert!(
        report.ledger.cases[0].reason.to_string().contains("no final response from VNM within 10d00h"),
        "{}",
        report.ledger.cases[0].reason
    );
}

#[test]
fn thresholds_are_judged_on_the_run() {
    let thresholds = format!(
        "{ONE_REQUEST}\n[[thresholds]]\nmetric = \"ack_time\"\nstat = \"p95\"\nbelow = \"5m\"\n\n[[thresholds]]\nmetric = \"failure_ratio\"\nbelow = 0.5\n"
    );
    let report = check(&scenario_text("", &thresholds));
    assert_eq!(report.analysis.thresholds.len(), 2);
    assert!(!report.analysis.thresholds[0].passed, "acknowledged after 10m: {:?}", report.analysis.thresholds[0]);
    assert_eq!(report.analysis.thresholds[0].threshold, "ack_time p95 < 5m");
    assert!(report.analysis.thresholds[1].passed);
}

#[test]
fn closed_contact_point_acknowledges_at_its_next_opening() {
    // Saturday 10:00Z: Hanoi is closed until Monday 09:00 (02:00Z).
    let weekend = ONE_REQUEST.replace("2025-11-04T03:00:00Z", "2025-11-08T10:00:00Z");
    let report = check(&scenario_text("", &weekend));
    let r = request(&report, "C1");
    assert_eq!(r.step.delivered.map(|(_, mode)| mode), Some(pocnet_core::Mode::Closed));
    assert_eq!(utc(r.step.acknowledged).as_deref(), Some("2025-11-10T02:10:00Z"));
}

#[test]
fn generated_injects_follow_the_seed() {
    let generate = r#"
[[generate]]
rate_per_day = 3
diurnal = "office"
kinds = { preservation = 1 }
"#;
    let a = check(&scenario_text("", generate));
    let b = check(&scenario_text("", generate));
    let c = check(&scenario_text("", generate).replace("seed = 7", "seed = 8"));
    assert_eq!(a.ledger.requests.len(), b.ledger.requests.len());
    assert!(
        a.ledger.cases.len() > 30 && a.ledger.cases.len() < 100,
        "about 3 a day for 3 states over 7 days: {}",
        a.ledger.cases.len()
    );
    let times = |r: &Ran| r.ledger.cases.iter().map(|c| c.scheduled).collect::<Vec<_>>();
    assert_eq!(times(&a), times(&b));
    assert_ne!(times(&a), times(&c));
}
