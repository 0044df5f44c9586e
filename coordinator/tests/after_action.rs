//! The after-action review tells the truth: players who do exactly what the injects
//! expect rate P everywhere with no gap; players who do nothing rate U with each gap
//! named; and a mixed case (the issue's: France hands C5 to its central authority 5 s
//! after it arrived, Viet Nam asks for a translation of C4) is judged as timed by hand.
//! People's actions are scripted as directives at scenario times, through the clock loop
//! the wall clock drives, on the in-process engine.

mod common;

use common::play::{code, id, operator, play, tabletop_text};
use common::{at, parse};
use pocnet::clock::Directive;
use pocnet::ledger::{Ledger, Request};
use pocnet::outputs::after_action::{review, AfterAction, Rating, EXPECTED_ACTIONS_OBJECTIVE};
use pocnet::scenario::Scenario;
use pocnet_core::{OperatorAction, RequestId, SimTime};

/// The bundled exercise without its control-group objective (simulated partners are
/// rated on their draws, not on what the players do).
fn tabletop() -> Scenario {
    let text = tabletop_text();
    let control = "[[exercise.objectives]]\nname = \"Simulated partners acknowledge within an hour (control group)\"\nstates = [\"BRA\", \"NGA\", \"EGY\", \"PHL\"]\nacknowledge_within = \"1h\"\n";
    assert!(text.contains(control), "the control-group objective moved");
    parse("tabletop-hour.toml", &text.replace(control, ""))
}

/// `scenario` played with `script`: its ledger and its after-action review.
fn reviewed(scenario: &Scenario, script: Vec<(SimTime, Directive)>) -> (Ledger, AfterAction) {
    let account = play(scenario, script);
    let review = review(&account, scenario.exercise.as_ref().expect("an exercise"), &[]);
    (account.ledger, review)
}

fn request(ledger: &Ledger, case: u32, link: u16) -> &Request {
    ledger.requests.iter().find(|q| q.id == RequestId { case, link }).unwrap_or_else(|| panic!("C{case}.{link}"))
}

fn arrived(r: &Request) -> SimTime {
    r.step.delivered.expect("delivered").0
}

fn op(t: SimTime, state: &str, action: OperatorAction) -> (SimTime, Directive) {
    (t, operator(state, action))
}

/// What the players do before the moments that depend on the run: C4's translation
/// being ready and C7.1 reaching France.
fn first_part() -> Vec<(SimTime, Directive)> {
    vec![
        op(at("2025-11-05T08:35:00Z"), "FRA", OperatorAction::Fulfil { id: id(1) }),
        op(at("2025-11-05T08:42:00Z"), "VNM", OperatorAction::Fulfil { id: id(3) }),
        op(at("2025-11-05T08:46:00Z"), "VNM", OperatorAction::Acknowledge { id: id(4) }),
        op(at("2025-11-05T08:46:30Z"), "VNM", OperatorAction::AskTranslation { id: id(4) }),
        op(at("2025-11-05T08:50:05Z"), "FRA", OperatorAction::HandToCentralAuthority { id: id(5) }),
        op(at("2025-11-05T09:07:00Z"), "VNM", OperatorAction::Fulfil { id: id(7) }),
        op(at("2025-11-05T09:17:00Z"), "FRA", OperatorAction::Acknowledge { id: id(8) }),
    ]
}

#[test]
fn players_who_do_what_the_injects_expect_rate_p_with_no_gap() {
    let s = tabletop();
    let (first, _) = reviewed(&s, first_part());
    let c4 = request(&first, 4, 0);
    let ready = at("2025-11-05T08:46:30Z").plus_ms(c4.step.translation_ms.expect("translation asked"));
    let c71 = request(&first, 7, 1);
    assert_eq!(c71.to, code("FRA"), "C7's chain leads to France");
    let mut script = first_part();
    script.push(op(ready.plus_ms(60_000), "VNM", OperatorAction::Fulfil { id: id(4) }));
    script.push(op(arrived(c71).plus_ms(120_000), "FRA", OperatorAction::Acknowledge { id: c71.id }));
    assert!(ready.plus_ms(60_000) < s.end, "C4's translation is ready before the end ({ready})");
    let (ledger, review) = reviewed(&s, script);
    for o in &review.objectives {
        assert_eq!(o.rating, Rating::P, "{}: {:?}", o.name, o.missed);
    }
    assert!(review.objectives.iter().any(|o| o.name == EXPECTED_ACTIONS_OBJECTIVE && o.judged == 10));
    assert!(review.gaps.is_empty(), "{:#?}", review.gaps);
    assert!(ledger.refused_actions.is_empty());
    // Every player action is in "what happened", in the player's local time.
    let c5 = review.injects.iter().find(|i| i.id == "C5").expect("C5");
    assert!(c5.happened.contains("hand to central authority 09:50:05 CET"), "{}", c5.happened);
    assert!(c5.performed.iter().all(|p| p.starts_with("yes")), "{:?}", c5.performed);
}

#[test]
fn players_who_do_nothing_rate_u_with_each_gap_named() {
    let s = tabletop();
    let (_, review) = reviewed(&s, Vec::new());
    for o in &review.objectives {
        assert_eq!(o.rating, Rating::U, "{}", o.name);
        assert_eq!(o.met, 0);
        assert_eq!(o.missed.len(), o.judged, "{}: each miss named", o.name);
    }
    let expected = review.objectives.iter().find(|o| o.name == EXPECTED_ACTIONS_OBJECTIVE).expect("judged");
    // C7.1 never exists (VNM never preserved): France's acknowledgement of it is missed as such.
    assert_eq!(expected.judged, 10);
    assert!(expected.missed.iter().any(|m| m.contains("C7 never reached FRA")), "{:?}", expected.missed);
    for case in ["C1", "C3", "C4", "C5", "C7", "C8"] {
        let open = format!("{case} to ");
        assert!(
            review.gaps.iter().any(|g| g.starts_with(&open) && g.contains("still open")),
            "{case} not named open: {:#?}",
            review.gaps
        );
    }
    for line in review.injects.iter().filter(|i| i.played) {
        assert!(line.happened.contains("no action by the player"), "{}", line.happened);
    }
}

#[test]
fn the_issues_case_is_judged_as_timed_by_hand() {
    let s = tabletop();
    // France hands C5 over 5 s after it arrived; Viet Nam asks for C4's translation a minute
    // after it arrived; France acknowledges C1 8 minutes after it was scheduled. Nothing else.
    let (probe, _) = reviewed(&s, Vec::new());
    let c5_arrived = arrived(request(&probe, 5, 0));
    assert_eq!(c5_arrived, at("2025-11-05T08:50:00.250Z"), "scheduled 08:50 and the link's 250 ms");
    let script = vec![
        op(at("2025-11-05T08:40:00Z"), "FRA", OperatorAction::Acknowledge { id: id(1) }),
        op(at("2025-11-05T08:46:00Z"), "VNM", OperatorAction::AskTranslation { id: id(4) }),
        op(c5_arrived.plus_ms(5_000), "FRA", OperatorAction::HandToCentralAuthority { id: id(5) }),
    ];
    let (ledger, review) = reviewed(&s, script);
    let line = |case: &str| review.injects.iter().find(|i| i.id == case).unwrap_or_else(|| panic!("{case}"));
    // C5: with the central authority, as expected: neither open nor escalated-to as a gap.
    assert!(
        line("C5").happened.contains("hand to central authority 09:50:05 CET, 5s after it arrived"),
        "{}",
        line("C5").happened
    );
    assert_eq!(
        line("C5").performed,
        ["yes: hand to central authority by FRA within 15m on C5: done 5s after it arrived"]
    );
    assert!(!review.gaps.iter().any(|g| g.starts_with("C5 ")), "{:#?}", review.gaps);
    // BRA escalated C5 after France had acted: shown in what happened, not a gap.
    let c5 = request(&ledger, 5, 0);
    if c5.step.escalated {
        assert!(line("C5").happened.contains("BRA escalated"), "{}", line("C5").happened);
    }
    // C4: the translation asked, at 15:46:00 in Hanoi; the acknowledgement never came.
    assert!(line("C4").happened.contains("ask for translation 15:46:00 +07"), "{}", line("C4").happened);
    assert!(review.gaps.iter().any(|g| g.starts_with("C4 to VNM was still open")), "{:#?}", review.gaps);
    // By hand: preservation acknowledged within 15 min: C1 (8 min) yes, C4 and C7 no: 1/3, M.
    let preservation = &review.objectives[0];
    assert_eq!((preservation.met, preservation.judged, preservation.rating), (1, 3, Rating::M));
    // Expected actions: C1's acknowledgement, C4's translation and C5's hand-over of 10: M.
    let expected = review.objectives.iter().find(|o| o.name == EXPECTED_ACTIONS_OBJECTIVE).expect("judged");
    assert_eq!((expected.met, expected.judged, expected.rating), (3, 10, Rating::M), "{:#?}", expected.missed);
    // Escalations named as gaps only where they came before the player acted.
    for gap in review.gaps.iter().filter(|g| g.contains("had to escalate")) {
        assert!(!gap.starts_with("C1 ") && !gap.starts_with("C5 "), "{gap}");
    }
}
