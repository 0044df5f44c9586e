//! Stale register entries and fallback channels, timed by hand. France's desk sends to
//! Cambodia's entry; both are staffed around the clock; acknowledging takes 10 minutes,
//! executing an hour; links take 1 s. A requester with no delivery receipt resends after
//! six hours, through INTERPOL's I-24/7 (4 h), then the G7 network (2 h).

mod common;

use common::{at, request, run};
use pocnet::ledger::{Outcome, Request};
use pocnet::scenario;
use pocnet_core::SimTime;

fn scenario_text(extra: &str) -> String {
    format!(
        r#"
[scenario]
name = "decay"
seed = 5
start = "2025-11-03T00:00:00Z"
end = "2025-11-10T00:00:00Z"

[network]
link_delay = "1s"
{fallbacks}

[profiles.p]
acknowledge = {{ staffed = "10m", on_call = "10m" }}
fulfil = {{ staffed = "1h", on_call = "1h" }}
resend_after = "6h"
resends_max = 3
give_up_after = "10d"

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
roster = "staffed-24-7"
profile = "p"

[[faults]]
kind = "stale"
state = "KHM"
from = "2025-11-04T00:00:00Z"
until = "2025-11-06T00:00:00Z"

[[injects]]
at = "2025-11-05T10:00:00Z"
from = "FRA"
to = "KHM"
kind = "technical_advice"

[[injects]]
at = "2025-11-07T10:00:00Z"
from = "FRA"
to = "KHM"
kind = "technical_advice"
{extra}
"#,
        fallbacks = if extra.contains("no fallback") {
            ""
        } else {
            "[[network.fallback]]\nname = \"INTERPOL I-24/7\"\ndelay = \"4h\"\n\n[[network.fallback]]\nname = \"G7 24/7 network\"\ndelay = \"2h\"\n"
        }
    )
}

#[test]
fn a_request_to_a_stale_entry_goes_by_the_first_fallback_after_the_resend_timeout() {
    let (l, json) = run(&scenario_text(""));
    let c1 = request(&l, 1);
    assert!(c1.reach.dead_entry);
    assert_eq!(c1.reach.fallbacks, vec![0]);
    // Lost at 10:00; no receipt by 16:00; resent through I-24/7: at the desk 20:00.
    assert_eq!(c1.step.delivered.map(|(t, _)| t), Some(at("2025-11-05T20:00:00Z")));
    assert_eq!(c1.step.acknowledged.map(|(t, _)| t), Some(at("2025-11-05T20:10:00Z")));
    // The answers go back on the thread, by the link (the requester's entry is current).
    assert_eq!(c1.step.response_received, Some(at("2025-11-05T21:10:01Z")));
    assert_eq!(c1.outcome, Outcome::Fulfilled);
    // After the span, the entry is current again.
    let c2 = request(&l, 2);
    assert!(!c2.reach.dead_entry && c2.reach.fallbacks.is_empty());
    assert_eq!(c2.step.delivered.map(|(t, _)| t), Some(at("2025-11-07T10:00:01Z")));
    // [[faults]] stale is not register decay: no register_decay section.
    assert!(json.get("register_decay").is_none());
    assert_eq!(json["requests"][0]["dead_entry"], true);
    assert_eq!(json["requests"][0]["fallbacks"], serde_json::json!(["INTERPOL I-24/7"]));
}

#[test]
fn without_fallback_channels_every_resend_goes_to_the_entry_until_it_is_current() {
    let (l, _) = run(&scenario_text("# no fallback"));
    let c1 = request(&l, 1);
    assert!(c1.reach.dead_entry && c1.reach.fallbacks.is_empty());
    // Resent at 16:00 and 22:00 to the dead entry; the third resend, at 04:00 on the 6th,
    // finds it current (stale until midnight).
    assert_eq!(c1.step.resends, 3);
    assert_eq!(c1.step.lost_messages, 3);
    assert_eq!(c1.step.delivered.map(|(t, _)| t), Some(at("2025-11-06T04:00:01Z")));
    assert_eq!(c1.outcome, Outcome::Fulfilled);
}

#[test]
fn a_fallback_does_not_pass_a_desk_that_is_down() {
    let down = "\n[[faults]]\nkind = \"down\"\nstate = \"KHM\"\nfrom = \"2025-11-05T19:00:00Z\"\nuntil = \"2025-11-05T21:00:00Z\"\n";
    let (l, _) = run(&scenario_text(down));
    let c1 = request(&l, 1);
    // I-24/7 at 16:00 arrives at 20:00, while the desk is down: lost. The G7 network at
    // 22:00 reaches it at midnight.
    assert_eq!(c1.reach.fallbacks, vec![0, 1]);
    assert_eq!(c1.step.delivered.map(|(t, _)| t), Some(at("2025-11-06T00:00:00Z")));
    assert_eq!(c1.step.lost_messages, 2);
}

const DECAY: &str = r#"
[register_decay]
changes_per_year = 12.0
notified = 0.5
notice_delay = "2d"
circulation = "7d"
last_circulated = "2025-10-30T00:00:00Z"
"#;

/// Many injects, a fast-changing register; no [[faults]] of its own beyond the test's.
fn decay_scenario() -> scenario::Scenario {
    let mut injects = String::new();
    for day in 3..10 {
        for hour in [2, 8, 14, 20] {
            injects.push_str(&format!(
                "\n[[injects]]\nat = \"2025-11-{day:02}T{hour:02}:00:00Z\"\nfrom = \"FRA\"\nto = \"KHM\"\nkind = \"preservation\"\nevidence_deleted_at = \"2025-11-{day:02}T{:02}:00:00Z\"\n",
                hour + 3
            ));
        }
    }
    let text = scenario_text(&format!("{DECAY}{injects}"));
    scenario::parse("decay.toml", &text).unwrap_or_else(|e| panic!("{e}"))
}

/// Each span by the rule, recomputed here: a notified change is corrected at the first
/// weekly circulation (from 30 Oct) at or after its notice two days later.
fn spans_follow_the_rule(s: &scenario::Scenario) {
    let decay = s.register_decay.as_ref().expect("decay");
    let week = 7 * 86_400_000;
    let first = at("2025-10-30T00:00:00Z").0;
    for x in decay.changes.iter().filter(|x| x.notified) {
        let noticed = x.at.0 + 2 * 86_400_000;
        let circulated = first + (noticed - first + week - 1).div_euclid(week) * week;
        let span =
            decay.stale.iter().find(|s| s.state == x.state && s.changed <= x.at && s.until.is_none_or(|u| u > x.at));
        if circulated > s.start.0 && circulated > x.at.0 {
            let span = span.unwrap_or_else(|| panic!("no span holds the change at {}", x.at));
            assert!(span.until.is_none_or(|u| u.0 >= circulated), "{span:?} ends before {circulated}");
        }
    }
}

/// The scenario run to its end on the in-process engine, and accounted.
fn run_and_account(s: &scenario::Scenario) -> pocnet::report::Account<'_> {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let clock_run = runtime
        .block_on(async {
            let (mut engine, next) = pocnet::engine::inproc::InProcess::new(s)?;
            let clock = pocnet::clock::Clock::new(
                next,
                s.network.lookahead_ms(),
                pocnet::clock::AsFastAsPossible,
                pocnet::run::exercise_state(s),
            );
            pocnet::clock::run_to_end(&mut engine, clock).await
        })
        .expect("run");
    pocnet::run::account(s, &clock_run).expect("account")
}

/// Every dead first send was sent inside a stale span (the decay's, or the scenario's own
/// stale fault); every other first send outside.
fn dead_sends_fall_in_stale_spans(s: &scenario::Scenario, a: &pocnet::report::Account<'_>) {
    let decay = s.register_decay.as_ref().expect("decay");
    let json: serde_json::Value = serde_json::from_str(&a.report().to_json()).expect("JSON");
    let d = &json["register_decay"];
    let mut spans: Vec<(pocnet_core::StateCode, SimTime, Option<SimTime>)> =
        decay.stale.iter().map(|s| (s.state, s.changed, s.until)).collect();
    spans.push((
        pocnet_core::StateCode::parse("KHM").expect("code"),
        at("2025-11-04T00:00:00Z"),
        Some(at("2025-11-06T00:00:00Z")),
    ));
    for r in &a.ledger.requests {
        let stale = spans.iter().any(|(state, from, until)| {
            *state == r.to && *from <= r.scheduled && until.is_none_or(|u| r.scheduled < u)
        });
        assert_eq!(r.reach.dead_entry, stale, "{}", r.id);
    }
    let dead = a.ledger.requests.iter().filter(|r| r.reach.dead_entry).count();
    assert!(dead > 0);
    assert_eq!(d["first_sends_dead"], dead);
}

/// The same run with a current register, case by case: the cases lost to stale entries.
fn what_a_current_register_saves(s: &scenario::Scenario, a: &pocnet::report::Account<'_>) {
    let json: serde_json::Value = serde_json::from_str(&a.report().to_json()).expect("JSON");
    let d = &json["register_decay"];
    let current = pocnet::run::with_current_register(s).expect("the counterfactual");
    let other = pocnet::run::in_process_ledger(&current).expect("run");
    // Only the scenario's own stale fault is left there.
    let own = |r: &&Request| r.scheduled >= at("2025-11-04T00:00:00Z") && r.scheduled < at("2025-11-06T00:00:00Z");
    assert!(other.requests.iter().all(|r| r.reach.dead_entry == own(&r)));
    let lost = a
        .ledger
        .cases
        .iter()
        .filter(|c| !c.outcome.is_success())
        .filter(|c| other.cases.iter().any(|o| o.id == c.id && o.outcome.is_success()))
        .count();
    assert_eq!(d["with_current_register"]["lost_to_stale_entries"], lost);
    assert!(lost > 0, "three-hour windows: a fallback after an hour's wait and four hours' delay loses them");
}

#[test]
fn register_decay_makes_stale_spans_by_its_rule_and_counts_what_they_cost() {
    let s = decay_scenario();
    let decay = s.register_decay.as_ref().expect("decay");
    assert!(!decay.stale.is_empty(), "a register changing monthly goes stale within the week");
    spans_follow_the_rule(&s);
    let a = run_and_account(&s);
    dead_sends_fall_in_stale_spans(&s, &a);
    what_a_current_register_saves(&s, &a);
}

#[test]
fn a_bad_register_decay_is_named_at_its_place() {
    for (decay, says) in [
        ("[register_decay]\nchanges_per_year = -1.0\n", "changes_per_year: 0 to 52"),
        ("[register_decay]\nchanges_per_year = 1.0\ncirculation = \"monthly\"\n", "or yearly or quarterly"),
        ("[register_decay]\nchanges_per_year = 1.0\nnotified = 2.0\n", "notified: a share"),
        (
            "[register_decay]\nchanges_per_year = 1.0\nlast_circulated = \"2025-12-01T00:00:00Z\"\n",
            "before the scenario's start",
        ),
    ] {
        let err = scenario::parse("decay.toml", &scenario_text(decay)).expect_err(decay);
        assert!(err.to_string().contains(says), "{decay}: {err}");
        assert!(err.to_string().contains("decay.toml:"), "{err}");
    }
}
