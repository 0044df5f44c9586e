//! The evidence step, one rule per test, on scenarios small enough to time by hand: a hold
//! that lapses by one day (and its control, a day early), an MLA request drafted over a
//! weekend, an early notice and a withdrawal, a partial preservation, an emergency
//! disclosed without MLA, a refusal and a request never pursued, and the thresholds on
//! the evidence step passing and breaching as they should.
//!
//! Both contact points are staffed around the clock with fixed delays (delivery 1 s,
//! acknowledgement 10 min, fulfilment 1 h), so a request made at `T` is executed at
//! `T + 1h10m01s` and its response is back at `T + 1h10m02s`.

use pocnet::ledger::reason::{DisclosedBy, Reason};
use pocnet::ledger::{Ledger, Outcome, Request};
use pocnet::scenario;
use pocnet_core::{DataClass, Notice, RequestId, SimTime};

const DAY: u64 = 86_400_000;

/// `mla` goes into `[mla]` (with fixed delays and no refusals unless it says otherwise);
/// `france` into France's profile; `extra` after the states.
fn scenario_text(mla: &str, france_mla: &str, extra: &str) -> String {
    format!(
        r#"
[scenario]
name = "evidence"
seed = 11
start = "2025-11-03T00:00:00Z"
end = "2025-11-17T00:00:00Z"

[network]
link_delay = "1s"

[mla]
transmission = "2d"
queue = "10d"
execution = "8h"
translation = "8h"
refuse_probability = 0.0
hold = "60d"
hold_renewable = false
{mla}

[profiles.fr]
acknowledge = {{ staffed = "10m", on_call = "10m" }}
fulfil = {{ staffed = "1h", on_call = "1h" }}
give_up_after = "10d"
retention = {{ traffic = "30d", subscriber = "365d" }}
{france_mla}

[profiles.vn]
acknowledge = {{ staffed = "10m", on_call = "10m" }}
fulfil = {{ staffed = "1h", on_call = "1h" }}
give_up_after = "10d"
retention = {{ traffic = "30d", subscriber = "365d" }}

[[states]]
code = "FRA"
name = "France"
region = "EU"
tz = "Europe/Paris"
roster = "staffed-24-7"
languages = ["fr", "en"]
profile = "fr"

[[states]]
code = "VNM"
name = "Viet Nam"
region = "AP"
tz = "Asia/Ho_Chi_Minh"
roster = "staffed-24-7"
languages = ["vi", "en"]
profile = "vn"
{extra}
"#
    )
}

fn inject(at: &str, kind: &str, classes: &str, age: &str) -> String {
    format!(
        "\n[[injects]]\nat = \"{at}\"\nfrom = \"FRA\"\nto = \"VNM\"\nkind = \"{kind}\"\ndata_classes = [{classes}]\ndata_age = \"{age}\"\n"
    )
}

/// A ledger and report.json of a run.
fn run(text: &str) -> (Ledger, serde_json::Value) {
    let s = scenario::parse("evidence.toml", text).unwrap_or_else(|e| panic!("{e}"));
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let a = runtime.block_on(pocnet::run::simulate(&s)).expect("run");
    let json = serde_json::from_str(&a.report().to_json()).expect("JSON");
    (a.ledger, json)
}

fn at(s: &str) -> SimTime {
    SimTime::from_timestamp(s.parse().expect("time"))
}

fn request(ledger: &Ledger, case: u32) -> &Request {
    let id = RequestId { case, link: 0 };
    ledger.requests.iter().find(|r| r.id == id).unwrap_or_else(|| panic!("{id}"))
}

/// France works every day of the week (its central authority too).
fn everyday(text: String) -> String {
    text.replace("profile = \"fr\"\n", "profile = \"fr\"\nworkweek = \"Mon-Sun\"\n")
}

/// Office hours around the clock, every day: office time is calendar time.
const ALL_HOURS: &str = r#"hours = ["00:00-24:00"]"#;

#[test]
fn a_hold_that_lapses_by_one_day_loses_the_data_and_one_day_early_keeps_it() {
    // Preservation executed at 01:10:01 on 3 November: the hold runs 60 days, to 01:10:01
    // on 2 January (not renewed). The response is back at 01:10:02; drafting takes D
    // (office hours all day and every day, so calendar time), transmission 2 days of
    // calendar time, the link's second within it: the MLA request arrives at
    // 01:10:02 + D + 2d. Traffic data is kept 30 days: gone by then.
    let case = inject("2025-11-03T00:00:00Z", "preservation", "\"traffic\"", "0d");
    let with = |days: u64| {
        let france = format!("mla = {{ drafting = \"{days}d\", {ALL_HOURS} }}");
        everyday(scenario_text("", &france, &case))
    };
    let (early, _) = run(&with(57));
    let r = request(&early, 1);
    assert_eq!(r.evidence.hold_until, Some(at("2026-01-02T01:10:01Z")));
    assert_eq!(r.evidence.mla.arrived, Some(at("2026-01-01T01:10:02Z")), "a day before the hold's end");
    assert_eq!(r.hold_margin_ms(), Some(DAY as i64 - 1_000));
    assert_eq!((r.outcome, r.evidence.mla.in_time), (Outcome::Disclosed, Some(true)));

    let (late, json) = run(&with(59));
    let r = request(&late, 1);
    assert_eq!(r.evidence.mla.arrived, Some(at("2026-01-03T01:10:02Z")), "a day after the hold's end");
    assert_eq!(r.hold_margin_ms(), Some(-(DAY as i64) - 1_000));
    assert_eq!((r.outcome, r.evidence.mla.in_time), (Outcome::HoldLapsed, Some(false)));
    assert!(matches!(r.reason, Reason::HoldLapsed { .. }), "{}", r.reason);
    assert_eq!(json["totals"]["hold_lapsed"], 1);
    assert_eq!(json["evidence"]["hold_lapsed_ratio"], 1.0);
    assert_eq!(json["evidence"]["hold_margin"]["min_ms"], -(DAY as i64) - 1_000);
}

#[test]
fn a_hold_that_lapsed_still_finds_data_its_provider_keeps_longer() {
    // The same lapse by a day (hold not renewed), but subscriber data is kept a year:
    // still there.
    let case = inject("2025-11-03T00:00:00Z", "preservation", "\"traffic\", \"subscriber\"", "0d");
    let france = format!("mla = {{ drafting = \"59d\", {ALL_HOURS} }}");
    let (l, _) = run(&everyday(scenario_text("", &france, &case)));
    let r = request(&l, 1);
    assert_eq!(r.evidence.mla.in_time, Some(false));
    assert_eq!(r.outcome, Outcome::Disclosed);
    assert!(
        matches!(&r.reason, Reason::Disclosed { by: DisclosedBy::Mla, lost, .. } if lost == &vec![DataClass::Traffic])
    );
}

#[test]
fn an_mla_request_is_drafted_in_office_hours_over_a_weekend() {
    // The response is back on Friday 7 November at 15:10:02Z (16:10:02 in Paris). Eight
    // office hours of drafting (09:00-17:00, Monday to Friday): 49m58s on Friday, the rest
    // on Monday from 09:00, done at 16:10:02 in Paris (15:10:02Z) on 10 November.
    let case = inject("2025-11-07T14:00:00Z", "preservation", "\"subscriber\"", "0d");
    let (l, _) = run(&scenario_text("drafting = \"8h\"", "", &case));
    let r = request(&l, 1);
    assert_eq!(r.step.response_received, Some(at("2025-11-07T15:10:02Z")));
    assert_eq!(r.evidence.mla.drafted, Some(at("2025-11-10T15:10:02Z")));
    // Viet Nam accepts English: no translation; sent as drafted, there 2 days on (calendar
    // time, each way: the link's second is within it).
    assert_eq!(r.evidence.mla.translated, None);
    assert_eq!(r.evidence.mla.sent, r.evidence.mla.drafted);
    assert_eq!(r.evidence.mla.arrived, Some(at("2025-11-12T15:10:02Z")));
    let went = l.cases[0].time_went.expect("where the time went");
    assert_eq!(went.step, 3_600_000 + 600_000 + 2_000);
    assert_eq!(went.drafting, at("2025-11-10T15:10:02Z").since(at("2025-11-07T15:10:02Z")));
    assert_eq!(went.total(), l.cases[0].end_to_end_ms(), "the stages add up to the whole time");
}

#[test]
fn a_request_in_a_language_the_requested_state_does_not_accept_is_translated_first() {
    let mut case = inject("2025-11-07T14:00:00Z", "preservation", "\"subscriber\"", "0d");
    case.push_str("language = \"fr\"\n");
    let (l, _) = run(&scenario_text("drafting = \"8h\"", "", &case));
    let r = request(&l, 1);
    // Eight more office hours after drafting: Tuesday 16:10:02 in Paris.
    assert_eq!(r.evidence.mla.translated, Some(at("2025-11-11T15:10:02Z")));
    assert_eq!(r.evidence.mla.sent, r.evidence.mla.translated);
}

#[test]
fn early_notice_when_part_of_the_data_is_gone_and_a_withdrawal_when_all_of_it_is() {
    // Data 31 days old, traffic kept 30 days: gone before the request. With subscriber
    // data too, the requester goes on and the preservation is partial; with traffic data
    // alone, it withdraws on the notice.
    let partial = inject("2025-11-04T00:00:00Z", "preservation", "\"traffic\", \"subscriber\"", "31d");
    let nothing = inject("2025-11-04T00:00:00Z", "preservation", "\"traffic\"", "31d");
    let (l, json) = run(&scenario_text("drafting = \"8h\"", "", &format!("{partial}{nothing}")));
    let gone = Notice::WillNotEnsureAvailability { gone: vec![DataClass::Traffic] };
    let c1 = request(&l, 1);
    assert_eq!(c1.step.notice.as_ref().map(|(t, n)| (*t, n.clone())), Some((at("2025-11-04T00:10:01Z"), gone.clone())));
    assert_eq!(c1.evidence.lost_at_preservation, vec![DataClass::Traffic]);
    assert_eq!(c1.outcome, Outcome::Disclosed);
    let c2 = request(&l, 2);
    assert_eq!(c2.outcome, Outcome::Withdrawn);
    assert!(matches!(&c2.reason, Reason::Withdrawn { notice, .. } if *notice == gone), "{}", c2.reason);
    assert_eq!(c2.step.executed, None, "withdrawn before execution");
    assert_eq!(json["totals"]["withdrawn"], 1);
}

#[test]
fn partial_preservation_when_a_class_is_deleted_between_acknowledgement_and_execution() {
    // Traffic data created 30 days minus 40 minutes before the request: deleted at
    // T + 40m, after the acknowledgement (T + 10m01s, no notice) and before the execution
    // (T + 1h10m01s).
    let case = inject("2025-11-04T00:00:00Z", "preservation", "\"traffic\", \"subscriber\"", "29d23h20m");
    let (l, json) = run(&scenario_text("drafting = \"8h\"", "", &case));
    let r = request(&l, 1);
    assert_eq!(r.step.notice, None);
    assert_eq!(r.step.outcome, Outcome::Preserved);
    assert_eq!(r.evidence.lost_at_preservation, vec![DataClass::Traffic]);
    assert_eq!(r.outcome, Outcome::Disclosed);
    assert!(r.reason.to_string().contains("partial: traffic already gone"), "{}", r.reason);
    assert_eq!(json["requests"][0]["evidence"]["lost_at_preservation"], serde_json::json!(["traffic"]));
}

#[test]
fn an_emergency_is_disclosed_without_mla() {
    let case = "\n[[injects]]\nat = \"2025-11-04T00:00:00Z\"\nfrom = \"FRA\"\nto = \"VNM\"\nkind = \"emergency\"\n";
    let (l, json) = run(&scenario_text("", "", case));
    let r = request(&l, 1);
    assert_eq!(r.outcome, Outcome::Disclosed);
    assert!(matches!(r.reason, Reason::Disclosed { by: DisclosedBy::Step, .. }), "{}", r.reason);
    assert_eq!(r.evidence.mla.drafted, None);
    assert_eq!(r.evidence.hold_until, None);
    assert_eq!(r.time_to_evidence_ms(), Some(3_600_000 + 600_000 + 2_000));
    assert_eq!(json["evidence"]["time_to_usable_evidence"]["by_kind"]["emergency"]["count"], 1);
}

#[test]
fn a_refused_and_an_unpursued_mla_request_end_so_with_their_reasons() {
    let case = inject("2025-11-04T00:00:00Z", "preservation", "\"subscriber\"", "0d");
    let (refused, _) =
        run(&scenario_text("refusal_grounds = [\"dual criminality\"]", "mla = { refuse_probability = 1.0 }", &case)
            .replace("refuse_probability = 0.0\n", ""));
    let r = request(&refused, 1);
    // Viet Nam's central authority refuses (its own profile says nothing: the scenario's
    // odds, 0 here, would apply; France's odds do not matter to Viet Nam's decision).
    assert_eq!(r.outcome, Outcome::Disclosed, "France's refusal odds are not Viet Nam's: {}", r.reason);
    let (refused, _) =
        run(&scenario_text("refusal_grounds = [\"dual criminality\"]\nrefuse_probability = 1.0", "", &case)
            .replace("refuse_probability = 0.0\n", ""));
    let r = request(&refused, 1);
    assert_eq!(r.outcome, Outcome::MlaRefused);
    assert!(matches!(&r.reason, Reason::MlaRefused { ground, .. } if ground == "dual criminality"), "{}", r.reason);
    let (unpursued, _) = run(&scenario_text("", "mla = { pursue_probability = 0.0 }", &case));
    let r = request(&unpursued, 1);
    assert_eq!(r.outcome, Outcome::MlaNotPursued);
    assert_eq!(r.evidence.mla.drafted, None);
}

#[test]
fn thresholds_on_the_evidence_step_pass_and_breach_as_they_should() {
    let case = inject("2025-11-03T00:00:00Z", "preservation", "\"traffic\"", "0d");
    let thresholds = "\n[[thresholds]]\nmetric = \"hold_lapsed_ratio\"\nbelow = 0.5\n\n[[thresholds]]\nmetric = \"disclosed_ratio\"\nabove = 0.5\n\n[[thresholds]]\nmetric = \"evidence_time\"\nstat = \"max\"\nbelow = \"90d\"\n";
    let with = |days: u64| {
        let france = format!("mla = {{ drafting = \"{days}d\", {ALL_HOURS} }}");
        everyday(scenario_text("", &france, &format!("{case}{thresholds}")))
    };
    let passed = |json: &serde_json::Value| -> Vec<bool> {
        json["thresholds"].as_array().expect("thresholds").iter().map(|v| v["passed"] == true).collect()
    };
    let (_, early) = run(&with(57));
    assert_eq!(passed(&early), [true, true, true], "{}", early["thresholds"]);
    let (_, late) = run(&with(59));
    assert_eq!(passed(&late), [false, false, false], "{}", late["thresholds"]);
    assert_eq!(late["thresholds"][2]["value"], "never");
}

#[test]
fn evidence_metrics_without_the_evidence_step_are_refused() {
    let text = scenario_text("", "", "\n[[thresholds]]\nmetric = \"hold_lapsed_ratio\"\nbelow = 0.5\n");
    let without: String = text.replace("[mla]\n", "[ignored]\n");
    let err = scenario::parse("evidence.toml", &without).expect_err("invalid");
    assert!(
        err.to_string().contains("unknown field `ignored`") || err.to_string().contains("add an `[mla]` section"),
        "{err}"
    );
    let minimal = without.split("[ignored]").next().expect("head").to_string()
        + "[profiles.p]\nacknowledge = { staffed = \"10m\", on_call = \"10m\" }\nfulfil = { staffed = \"1h\", on_call = \"1h\" }\ngive_up_after = \"1d\"\n"
        + "[[states]]\ncode = \"FRA\"\nname = \"F\"\ntz = \"UTC\"\nroster = \"staffed-24-7\"\nprofile = \"p\"\n"
        + "[[states]]\ncode = \"VNM\"\nname = \"V\"\ntz = \"UTC\"\nroster = \"staffed-24-7\"\nprofile = \"p\"\n"
        + "[[thresholds]]\nmetric = \"hold_lapsed_ratio\"\nbelow = 0.5\n";
    let err = scenario::parse("evidence.toml", &minimal).expect_err("no [mla]");
    assert!(err.to_string().contains("add an `[mla]` section"), "{err}");
}

#[test]
fn a_hold_below_sixty_days_is_refused() {
    let err = scenario::parse("evidence.toml", &scenario_text("", "", "").replace("hold = \"60d\"", "hold = \"59d\""))
        .expect_err("too short");
    assert!(err.to_string().contains("at least 60"), "{err}");
}

#[test]
fn by_default_a_hold_is_renewed_once_as_its_sources_say() {
    // Budapest Art. 16(2): up to 90 days, renewable; US providers: 90 days, extendable by
    // 90. With the defaults, the preservation executed at 01:10:01 on 3 November holds
    // until 180 days later; `hold_renewable = false` keeps the 90 days alone.
    let case = inject("2025-11-03T00:00:00Z", "preservation", "\"subscriber\"", "0d");
    let text = scenario_text("", "", &case).replace("hold = \"60d\"\nhold_renewable = false\n", "");
    let (l, json) = run(&text);
    assert_eq!(request(&l, 1).evidence.hold_until, Some(at("2025-11-03T01:10:01Z").plus_ms(180 * DAY)));
    let assumptions = json["evidence"].to_string() + &json["scenario"].to_string();
    assert!(assumptions.contains("hold_renewable"), "the default is listed with its source");
    let (l, _) = run(&text.replace("[mla]\n", "[mla]\nhold_renewable = false\n"));
    assert_eq!(request(&l, 1).evidence.hold_until, Some(at("2025-11-03T01:10:01Z").plus_ms(90 * DAY)));
}
