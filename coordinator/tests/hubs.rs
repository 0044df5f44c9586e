//! Regional hubs, timed by hand: a request that reaches a member at night is acknowledged
//! by the hub; the hub executes what it may and hands the rest back to the member's desk,
//! which executes it at its opening; by day the member answers itself.
//!
//! Cambodia's contact point keeps office hours (09:00-17:00 Phnom Penh, UTC+7, closed
//! otherwise); Viet Nam, its hub, is staffed around the clock and covers 17:00-09:00 Hanoi
//! time (UTC+7). Acknowledging takes 10 minutes, executing 1 hour; requests arrive 1 s after
//! they are made.

mod common;

use common::{at, request, run};
use pocnet::scenario;
use pocnet_core::StateCode;

fn scenario_text(hub: &str, injects: &str) -> String {
    format!(
        r#"
[scenario]
name = "hubs"
seed = 9
start = "2025-11-03T00:00:00Z"

[network]
link_delay = "1s"

[profiles.p]
acknowledge = {{ staffed = "10m", on_call = "10m" }}
fulfil = {{ staffed = "1h", on_call = "1h" }}
give_up_after = "10d"

[[states]]
code = "FRA"
name = "France"
region = "EU"
tz = "Europe/Paris"
roster = "staffed-24-7"
profile = "p"

[[states]]
code = "VNM"
name = "Viet Nam"
region = "South-East Asia"
tz = "Asia/Ho_Chi_Minh"
roster = "staffed-24-7"
profile = "p"

[[states]]
code = "KHM"
name = "Cambodia"
region = "South-East Asia"
tz = "Asia/Phnom_Penh"
roster = "office-hours-only"
profile = "p"
{hub}
{injects}
"#
    )
}

const HUB: &str = r#"
[[hubs]]
hub = "VNM"
members = ["South-East Asia"]
hours = ["17:00-24:00", "00:00-09:00"]
"#;

fn inject(at: &str, kind: &str) -> String {
    format!("\n[[injects]]\nat = \"{at}\"\nfrom = \"FRA\"\nto = \"KHM\"\nkind = \"{kind}\"\n")
}

#[test]
fn night_requests_are_served_by_the_hub_and_the_rest_handed_back() {
    // Tuesday 15:00Z: 22:00 in Phnom Penh (closed), 22:00 in Hanoi (the hub covers).
    let night = format!(
        "{}{}",
        inject("2025-11-04T15:00:00Z", "technical_advice"),
        inject("2025-11-04T15:00:00Z", "preservation")
    );
    let (l, json) = run(&scenario_text(HUB, &night));
    let vnm = StateCode::parse("VNM").expect("code");
    // Technical advice: handed over at 15:00:01, at the hub a second later; the hub
    // acknowledges and answers itself.
    let c1 = request(&l, 1);
    assert_eq!(c1.hub.map(|h| h.by), Some(vnm));
    assert_eq!(c1.step.acknowledged.map(|(t, _)| t), Some(at("2025-11-04T15:10:02Z")));
    assert_eq!(c1.step.executed, Some(at("2025-11-04T16:10:02Z")));
    assert!(!c1.hub.is_some_and(|h| h.handed_back));
    // Preservation: the hub acknowledges it and hands it back; Cambodia executes it when
    // it opens (Wednesday 09:00 Phnom Penh, 02:00Z), an hour later.
    let c2 = request(&l, 2);
    assert_eq!(c2.step.acknowledged.map(|(t, _)| t), Some(at("2025-11-04T15:10:02Z")));
    assert!(c2.hub.is_some_and(|h| h.handed_back));
    assert_eq!(c2.step.executed, Some(at("2025-11-05T03:00:00Z")));
    let hub = &json["hubs"][0];
    assert_eq!(
        (hub["taken"].as_u64(), hub["executed"].as_u64(), hub["handed_back"].as_u64()),
        (Some(2), Some(1), Some(1))
    );
    // A person answered 10h49m58s sooner (the hand-over to the hub takes the link's second) than Cambodia's desk opens.
    let sooner = at("2025-11-05T02:00:00Z").0 - at("2025-11-04T15:10:02Z").0;
    assert_eq!(
        hub["sooner_than_the_member"]["max_ms"].as_i64().map(|v| (v - sooner).abs() <= sooner / 1000),
        Some(true)
    );

    // Without the hub, Cambodia's desk looks at both when it opens.
    let (alone, json) = run(&scenario_text("", &night));
    assert_eq!(request(&alone, 1).step.acknowledged.map(|(t, _)| t), Some(at("2025-11-05T02:10:00Z")));
    assert_eq!(request(&alone, 1).hub, None);
    assert!(json.get("hubs").is_none());
}

#[test]
fn by_day_the_member_answers_itself() {
    // Tuesday 03:00Z: 10:00 in Phnom Penh, staffed.
    let (l, json) = run(&scenario_text(HUB, &inject("2025-11-04T03:00:00Z", "technical_advice")));
    assert_eq!(request(&l, 1).hub, None);
    assert_eq!(request(&l, 1).step.acknowledged.map(|(t, _)| t), Some(at("2025-11-04T03:10:01Z")));
    assert_eq!(json["hubs"][0]["taken"], 0);
}

#[test]
fn a_hub_may_not_execute_what_only_the_member_can_order() {
    let hub = HUB.replace("hours =", "executes = [\"preservation\"]\nhours =");
    let err = scenario::parse("hubs.toml", &scenario_text(&hub, "")).expect_err("invalid");
    assert!(err.to_string().contains("a hub cannot execute `preservation`"), "{err}");
}

#[test]
fn a_ping_at_night_is_answered_by_the_hub() {
    // Tuesday 15:00Z: 22:00 in Phnom Penh; the hub's desk answers for Cambodia.
    let check =
        "\n[ping_check]\nfrom = \"FRA\"\nto = [\"KHM\"]\nschedule = \"at-once\"\nstart = \"2025-11-04T15:00:00Z\"\n";
    let (l, json) = run(&scenario_text(HUB, check));
    let ping = l.pings.first().expect("one ping");
    assert_eq!(ping.hub, StateCode::parse("VNM").ok());
    // Handed over at 15:00:01, at the hub at 15:00:02, acknowledged 10 minutes later,
    // back at FRA a second after.
    assert_eq!(ping.answered, Some(at("2025-11-04T15:10:03Z")));
    assert_eq!(json["hubs"][0]["taken"], 0, "a ping is not a request the hub took");
    // Without the hub, nobody answers before Cambodia opens (09:00 local, 02:00Z) and
    // acknowledges 10 minutes later.
    let (alone, _) = run(&scenario_text("", check));
    assert_eq!(alone.pings[0].answered, Some(at("2025-11-05T02:10:01Z")));
}
