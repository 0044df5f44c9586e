//! Exercises without a browser: people's actions scripted as directives at given scenario
//! times, run through the same clock loop the wall clock drives, on the in-process engine.
//! What people do must come out in the report exactly when they did it, and the end of an
//! exercise must account for every inject, made or not.

mod common;

use common::play::{code, id, operator, play, tabletop_text};
use common::{at, parse, request};
use pocnet::clock::Directive;
use pocnet::ledger::reason::Reason;
use pocnet::ledger::{Ledger, Outcome};
use pocnet::scenario::Scenario;
use pocnet_core::{ActionRefusal, OperatorAction, SimTime};

fn tabletop() -> Scenario {
    parse("tabletop-hour.toml", &tabletop_text())
}

/// `scenario` played with `script`: its ledger and `report.json`.
fn run_played(scenario: &Scenario, script: Vec<(SimTime, Directive)>) -> (Ledger, String) {
    let account = play(scenario, script);
    let json = account.report().to_json();
    (account.ledger, json)
}

#[test]
fn peoples_actions_are_timed_when_they_happen_and_the_end_accounts_for_every_inject() {
    let s = tabletop();
    let script = vec![
        (at("2025-11-05T08:33:00Z"), operator("FRA", OperatorAction::Acknowledge { id: id(1) })),
        (at("2025-11-05T08:36:30Z"), operator("FRA", OperatorAction::Fulfil { id: id(1) })),
        (
            at("2025-11-05T08:41:00Z"),
            operator("VNM", OperatorAction::Refuse { id: id(3), ground: "not an emergency under our law".into() }),
        ),
        (at("2025-11-05T08:46:00Z"), operator("VNM", OperatorAction::AskTranslation { id: id(4) })),
        (at("2025-11-05T08:47:00Z"), Directive::End),
    ];
    let (r, json) = run_played(&s, script.clone());
    assert_eq!(r.exercise_ended, Some(at("2025-11-05T08:47:00Z")));
    let c1 = request(&r, 1);
    assert!(c1.receiver_played);
    // Scheduled 08:32, acknowledged 08:33 (the person's click), executed 08:36:30.
    assert_eq!(c1.time_to_acknowledge_ms(), Some(60_000));
    assert_eq!(c1.time_to_fulfil_ms(), Some(270_000));
    assert_eq!(c1.outcome, Outcome::Preserved);
    let c3 = request(&r, 3);
    assert_eq!(c3.outcome, Outcome::Refused);
    assert!(
        matches!(&c3.reason, Reason::Refused { ground, .. } if ground == "not an emergency under our law"),
        "{}",
        c3.reason
    );
    let c4 = request(&r, 4);
    assert!(c4.step.translation_ms.is_some(), "the person asked for a translation");
    assert_eq!(c4.outcome, Outcome::Unfinished);
    // C5 (08:50) onwards were never made: the exercise had ended.
    let c5 = r.cases.iter().find(|c| c.id == id(5)).expect("C5 is still a case");
    assert_eq!(c5.outcome, Outcome::Unfinished);
    assert!(matches!(c5.reason, Reason::NotMade { .. }), "{}", c5.reason);
    assert!(c5.reason.to_string().contains("not made"), "{}", c5.reason);
    let t = &r.totals;
    assert_eq!(t.injects, 8);
    let ended = t.cases_of(Outcome::Preserved) + t.cases_of(Outcome::Refused) + t.cases_of(Outcome::Unfinished);
    assert_eq!(ended, 8, "{t:?}");

    // The same actions at the same times give the same report, byte for byte.
    let (_, again) = run_played(&s, script);
    assert_eq!(again, json);
}

#[test]
fn a_virtual_run_of_an_exercise_leaves_the_players_requests_unfinished_at_its_end() {
    let s = tabletop();
    let (r, _) = run_played(&s, Vec::new());
    assert_eq!(r.exercise_ended, Some(s.end));
    let played: Vec<_> = r.requests.iter().filter(|q| q.receiver_played).collect();
    assert_eq!(played.len(), 6);
    assert!(played.iter().all(|q| q.outcome == Outcome::Unfinished && q.step.acknowledged.is_none()));
    // The simulated partners did act on theirs.
    assert!(r.requests.iter().filter(|q| !q.receiver_played).all(|q| q.step.acknowledged.is_some()));
}

#[test]
fn a_person_cannot_act_on_what_is_not_theirs_to_act_on() {
    let s = tabletop();
    let script = vec![
        // Fulfil before acknowledging is allowed (it acknowledges first); twice is not.
        (at("2025-11-05T08:33:00Z"), operator("FRA", OperatorAction::Fulfil { id: id(1) })),
        (at("2025-11-05T08:34:00Z"), operator("FRA", OperatorAction::Fulfil { id: id(1) })),
        // Viet Nam has no central authority in this scenario.
        (at("2025-11-05T08:42:00Z"), operator("VNM", OperatorAction::HandToCentralAuthority { id: id(3) })),
        (at("2025-11-05T08:43:00Z"), Directive::End),
    ];
    let (r, _) = run_played(&s, script);
    let rejected: Vec<&ActionRefusal> = r.refused_actions.iter().map(|a| &a.reason).collect();
    assert_eq!(
        rejected,
        [&ActionRefusal::AlreadyAnswered { id: id(1) }, &ActionRefusal::NoCentralAuthority { state: code("VNM") }],
    );
    assert_eq!(rejected[1].to_string(), "VNM has no central authority in its profile");
    let c1 = request(&r, 1);
    assert_eq!(c1.time_to_acknowledge_ms(), c1.time_to_fulfil_ms(), "fulfilling acknowledged it at once");
}

#[test]
fn a_person_answers_a_ping_at_the_console_by_acknowledging_it() {
    let text = tabletop_text()
        + "\n[ping_check]\nfrom = \"BRA\"\nto = [\"FRA\", \"VNM\"]\nschedule = \"at-once\"\nstart = \"2025-11-05T08:40:00Z\"\n";
    let s = parse("tabletop-ping.toml", &text);
    // The pings come after the 8 cases, in the order of their receivers: C9 to FRA, C10 to VNM.
    let script = vec![
        (at("2025-11-05T08:44:00Z"), operator("FRA", OperatorAction::Acknowledge { id: id(9) })),
        (at("2025-11-05T08:50:00Z"), Directive::End),
    ];
    let (r, json) = run_played(&s, script);
    let fra = r.pings.iter().find(|p| p.id == id(9)).expect("C9");
    assert_eq!(fra.to, code("FRA"));
    // The person's click at 08:44, its answer back at BRA after the link's delay.
    let answered = fra.answered.expect("answered").since(at("2025-11-05T08:44:00Z"));
    assert_eq!(answered, s.network.delay_ms(code("FRA"), code("BRA")));
    assert_eq!(fra.ending, pocnet::ledger::ping::PingEnding::WithinHour);
    let vnm = r.pings.iter().find(|p| p.id == id(10)).expect("C10");
    assert_eq!(vnm.ending, pocnet::ledger::ping::PingEnding::Never);
    assert!(matches!(vnm.reason, Reason::Unfinished { .. }), "{}", vnm.reason);
    assert!(json.contains("\"ping_check\""));
    assert_eq!(r.totals.injects, 8, "pings are not cases");
}
