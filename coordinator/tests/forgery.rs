//! Forged requests and verification, timed by hand. France's desk sends Cambodia's
//! emergencies, genuine and forged (a compromised mailbox: the same channel); both desks
//! are staffed around the clock; acknowledging takes 10 minutes, executing an hour,
//! verifying's own work 10 minutes; links take 1 s.

mod common;

use common::{at, request, run};
use pocnet::ledger::reason::Reason;
use pocnet::ledger::Outcome;
use pocnet::scenario;

fn scenario_text(verify: &str, extra: &str) -> String {
    format!(
        r#"
[scenario]
name = "forgery"
seed = 11
start = "2025-11-03T00:00:00Z"

[network]
link_delay = "1s"

[profiles.p]
acknowledge = {{ staffed = "10m", on_call = "10m" }}
fulfil = {{ staffed = "1h", on_call = "1h" }}
give_up_after = "10d"
{verify}

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

[[injects]]
at = "2025-11-04T10:00:00Z"
from = "FRA"
to = "KHM"
kind = "emergency"

[[injects]]
at = "2025-11-04T14:00:00Z"
from = "FRA"
to = "KHM"
kind = "emergency"
forged = true

[[injects]]
at = "2025-11-04T18:00:00Z"
from = "FRA"
to = "KHM"
kind = "technical_advice"
forged = true
{extra}
"#
    )
}

const CALL_BACK: &str = "verify = { how = \"call-back\", time = \"10m\" }";

#[test]
fn a_call_back_confirms_a_genuine_emergency_and_catches_a_forged_one() {
    let (l, json) = run(&scenario_text(CALL_BACK, ""));
    // Genuine: at KHM 10:00:01, acknowledged 10:10:01; the call is placed after 10
    // minutes' work, 10:20:01, reaches FRA a second later; a person there answers after its
    // acknowledgement delay, 10:30:02; the answer is at KHM 10:30:03: verified; executed an
    // hour later.
    let c1 = request(&l, 1);
    let v = c1.forgery.verification.expect("verified");
    let (started, ended) = (v.started, v.ended);
    assert_eq!(started, at("2025-11-04T10:10:01Z"));
    assert_eq!(ended, Some((at("2025-11-04T10:30:03Z"), true)));
    assert_eq!(c1.step.executed, Some(at("2025-11-04T11:30:03Z")));
    assert_eq!(c1.outcome, Outcome::Fulfilled);
    // Forged: the genuine desk never sent it: refused at 14:30:03, the answer at FRA
    // (the forger's channel) a second later.
    let c2 = request(&l, 2);
    assert_eq!(c2.forgery.verification.map(|v| v.ended), Some(Some((at("2025-11-04T14:30:03Z"), false))));
    assert_eq!(c2.outcome, Outcome::Refused);
    assert!(matches!(c2.reason, Reason::Unverified { .. }), "{}", c2.reason);
    assert_eq!(c2.step.response_received, Some(at("2025-11-04T14:30:04Z")));
    // Technical advice is not a kind the desk verifies: the forgery is executed.
    let c3 = request(&l, 3);
    assert!(c3.forgery.verification.is_none());
    assert_eq!(c3.outcome, Outcome::Fulfilled);
    let f = &json["forgery"];
    assert_eq!(f["requests"]["forged"], 2);
    assert_eq!((f["requests"]["accepted"].as_u64(), f["requests"]["caught"].as_u64()), (Some(1), Some(1)));
    assert_eq!(f["by_verification"]["call-back"]["caught"], 1);
    assert_eq!(f["by_verification"]["none"]["accepted"], 1);
    // Against the same run without verification: the genuine emergency took 20m02s more
    // (executed 11:10:01 there), and both forgeries would have been accepted.
    let w = &f["without_verification"];
    assert_eq!(
        w["added_to_genuine_emergencies"]["max_ms"].as_u64().map(|v| v.abs_diff(1_202_000) <= 1_202),
        Some(true)
    );
    assert_eq!(w["forged_accepted_without"], 2);
    // By verification: the call-back desk's genuine emergency, nothing at desks without.
    assert_eq!(w["added_by_verification"]["call-back"]["count"], 1);
    assert_eq!(w["added_by_verification"]["call-back"]["max_ms"], w["added_to_genuine_emergencies"]["max_ms"]);
    assert_eq!(w["genuine_cases_lost"], 0);
    assert_eq!(json["cases"][1]["forged"], true);
    assert_eq!(json["requests"][0]["verification"]["how"], "call-back");
    assert_eq!(json["requests"][0]["verification"]["took_ms"], 1_202_000);
}

#[test]
fn a_supervisor_catches_by_its_rate_in_its_hours() {
    let always = "verify = { how = \"supervisor\", time = \"10m\", catches = 1.0 }";
    let (l, _) = run(&scenario_text(always, ""));
    // The supervisor decides after 10 minutes of work: 14:20:01.
    let c2 = request(&l, 2);
    assert_eq!(c2.forgery.verification.map(|v| v.ended), Some(Some((at("2025-11-04T14:20:01Z"), false))));
    assert_eq!(c2.outcome, Outcome::Refused);
    // The genuine emergency passes, executed an hour after the review.
    assert_eq!(request(&l, 1).step.executed, Some(at("2025-11-04T11:20:01Z")));
    let never = "verify = { how = \"supervisor\", time = \"10m\", catches = 0.0 }";
    let (l, json) = run(&scenario_text(never, ""));
    assert_eq!(request(&l, 2).outcome, Outcome::Fulfilled, "a review that never catches passes every forgery");
    assert_eq!(json["forgery"]["requests"]["accepted"], 2);
}

#[test]
fn verification_waits_for_the_hours_it_works_in() {
    // Cambodia keeps office hours 09:00-17:00 Phnom Penh (02:00-10:00Z), on call
    // otherwise; its supervisor works staffed hours only. The forged emergency comes at
    // 14:00Z (21:00 local): acknowledged on call at 14:10:01, reviewed from 02:00Z.
    let text = scenario_text("verify = { how = \"supervisor\", time = \"10m\", catches = 1.0 }", "").replacen(
        "roster = \"staffed-24-7\"\nprofile = \"p\"\n\n[[injects]]",
        "roster = \"office-hours-on-call\"\nprofile = \"p\"\n\n[[injects]]",
        1,
    );
    let (l, _) = run(&text);
    let c2 = request(&l, 2);
    assert_eq!(c2.forgery.verification.map(|v| v.started), Some(at("2025-11-04T14:10:01Z")));
    assert_eq!(c2.forgery.verification.map(|v| v.ended), Some(Some((at("2025-11-05T02:10:00Z"), false))));
}

#[test]
fn the_forged_accepted_threshold_judges_the_forged_cases() {
    let threshold = "\n[[thresholds]]\nmetric = \"forged_accepted\"\nbelow = 0.4\n";
    let (_, json) = run(&scenario_text(CALL_BACK, threshold));
    let t = &json["thresholds"][0];
    assert_eq!(t["value"], "0.5000", "{t}");
    assert_eq!(t["samples"], 2);
    assert_eq!(t["passed"], false);
}

#[test]
fn a_bad_verification_is_named_at_its_place() {
    for (verify, says) in [
        ("verify = { how = \"fax\", time = \"10m\" }", "unknown verification `fax`"),
        ("verify = { how = \"supervisor\", time = \"10m\", hours = \"night\" }", "unknown hours `night`"),
        ("verify = { how = \"supervisor\", time = \"10m\", catches = 1.5 }", "1.5"),
        ("verify = { how = \"supervisor\", time = \"10m\", kinds = [\"gossip\"] }", "gossip"),
    ] {
        let err = scenario::parse("forgery.toml", &scenario_text(verify, "")).expect_err(verify);
        assert!(err.to_string().contains(says), "{verify}: {err}");
        assert!(err.to_string().contains("forgery.toml:"), "{err}");
    }
}

#[test]
fn a_call_back_nobody_answers_is_placed_again_each_hour_then_refused() {
    // France's desk is down when the first call comes (10:20:01): the call is placed again
    // at 11:20:01, answered at 11:30:02, back at 11:30:03.
    let down = "\n[[faults]]\nkind = \"down\"\nstate = \"FRA\"\nfrom = \"2025-11-04T10:15:00Z\"\nuntil = \"2025-11-04T11:00:00Z\"\n";
    let (l, _) = run(&scenario_text(CALL_BACK, down));
    let c1 = request(&l, 1);
    assert_eq!(c1.forgery.verification.and_then(|v| v.ended), Some((at("2025-11-04T11:30:03Z"), true)));
    assert_eq!(c1.step.executed, Some(at("2025-11-04T12:30:03Z")));
    // A requesting desk whose register entry is stale for two days cannot be called back:
    // after 24 calls an hour apart, the genuine emergency is refused as unverified.
    let stale = "\n[[faults]]\nkind = \"stale\"\nstate = \"FRA\"\nfrom = \"2025-11-04T10:15:00Z\"\nuntil = \"2025-11-06T10:00:00Z\"\n";
    let (l, json) = run(&scenario_text(CALL_BACK, stale));
    let c1 = request(&l, 1);
    // Calls at 10:20:01 + k hours, k = 0..23; the 25th attempt, at 10:20:01 the next day, gives up.
    assert_eq!(c1.forgery.verification.and_then(|v| v.ended), Some((at("2025-11-05T10:20:01Z"), false)));
    assert_eq!(c1.outcome, Outcome::Refused);
    // The only genuine request verified; the forged one is caught the same way.
    assert_eq!(json["forgery"]["genuine_refused_unverified"].as_u64(), Some(1));
    assert_eq!(json["forgery"]["requests"]["caught"].as_u64(), Some(1));
}
