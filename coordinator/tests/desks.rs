//! Desks with counted officers, on scenarios timed by hand: a queue forms when the load
//! exceeds one officer and vanishes with two; emergencies go first; a desk with as many
//! officers as work gives the times of the model without desks; the report's utilisation
//! and waiting times are what the work says.
//!
//! Viet Nam's contact point is staffed around the clock: acknowledging takes 30 minutes of
//! an officer's time, executing 1 hour; requests arrive 1 s after they are made.

mod common;

use pocnet::ledger::Ledger;
use pocnet::scenario;
use pocnet_core::{RequestId, SimTime};

const MIN: i64 = 60_000;

fn scenario_text(officers: &str, injects: &str) -> String {
    format!(
        r#"
[scenario]
name = "desks"
seed = 5
start = "2025-11-03T00:00:00Z"

[network]
link_delay = "1s"

[profiles.p]
acknowledge = {{ staffed = "30m", on_call = "30m" }}
fulfil = {{ staffed = "1h", on_call = "1h" }}
give_up_after = "10d"
{officers}

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
region = "AP"
tz = "Asia/Ho_Chi_Minh"
roster = "staffed-24-7"
profile = "p"
{injects}
"#
    )
}

/// `n` requests from France at 00:00Z on 4 November, the last one an emergency if asked.
fn burst(n: u32, last_emergency: bool) -> String {
    (1..=n)
        .map(|i| {
            let kind = if last_emergency && i == n { "emergency" } else { "preservation" };
            format!("\n[[injects]]\nat = \"2025-11-04T00:00:00Z\"\nfrom = \"FRA\"\nto = \"VNM\"\nkind = \"{kind}\"\n")
        })
        .collect()
}

fn run(text: &str) -> (Ledger, serde_json::Value) {
    let s = scenario::parse("desks.toml", text).unwrap_or_else(|e| panic!("{e}"));
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let a = runtime.block_on(pocnet::run::simulate(&s)).expect("run");
    let json = serde_json::from_str(&a.report().to_json()).expect("JSON");
    (a.ledger, json)
}

/// Minutes from the requests' time (00:00Z) to each case's acknowledgement, by case.
fn acknowledged(l: &Ledger) -> Vec<i64> {
    let t0 = SimTime::from_timestamp("2025-11-04T00:00:00Z".parse().expect("time"));
    (1..=l.cases.len() as u32)
        .map(|case| {
            let r = l.requests.iter().find(|r| r.id == RequestId { case, link: 0 }).expect("request");
            (r.step.acknowledged.expect("acknowledged").0 .0 - t0.0 - 1_000) / MIN
        })
        .collect()
}

#[test]
fn a_queue_forms_when_the_load_exceeds_one_officer_and_vanishes_with_two() {
    // One officer: the four acknowledgements one after another (every acknowledgement that
    // waits joined before any execution did, so they go first).
    let (one, json) = run(&scenario_text("officers = { staffed = 1 }", &burst(4, false)));
    assert_eq!(acknowledged(&one), [30, 60, 90, 120]);
    let desk = &json["desks"][0];
    assert_eq!((desk["state"].as_str(), desk["desk"].as_str()), (Some("VNM"), Some("contact point")));
    assert_eq!(desk["queue_max"], 3, "three wait while the first is acknowledged");
    // Two officers: two at a time.
    let (two, json) = run(&scenario_text("officers = { staffed = 2 }", &burst(4, false)));
    assert_eq!(acknowledged(&two), [30, 30, 60, 60]);
    assert_eq!(json["desks"][0]["queue_max"], 2);
    // Four: nobody waits, and the times are those of the model without desks.
    let (four, json) = run(&scenario_text("officers = { staffed = 4 }", &burst(4, false)));
    let (unlimited, _) = run(&scenario_text("", &burst(4, false)));
    assert_eq!(acknowledged(&four), [30, 30, 30, 30]);
    assert_eq!(acknowledged(&four), acknowledged(&unlimited));
    assert_eq!(json["desks"][0]["waiting"]["max_ms"], 0);
}

#[test]
fn the_page_and_the_summary_render_one_desks_section_the_page_with_its_fuller_columns() {
    let page_and_summary = |officers: &str| {
        let a = common::account("desks.toml", &scenario_text(officers, &burst(4, false)));
        (pocnet::outputs::html::report_html(&a, None), pocnet::outputs::summary::summary_md(&a))
    };
    // Four officers: nothing waited, and the page says so where the queue chart would be.
    let (page, summary) = page_and_summary("officers = { staffed = 4 }");
    let said = "No work ever waited for an officer.";
    assert!(page.contains(&format!("<p>{said}</p>")) && !page.contains("id=\"desk-queues\""), "{page}");
    assert!(!summary.contains(said), "the summary draws no chart: {summary}");
    // One officer: the chart, and nothing said in its place.
    let (page, _) = page_and_summary("officers = { staffed = 1 }");
    assert!(page.contains("id=\"desk-queues\"") && !page.contains(said));
    // The same table: every column on the page, the brief ones in the summary.
    let header = "<table id=\"desks\"><tr><th>state</th><th>desk</th><th>officers</th><th>work</th><th>utilisation</th><th>waited at all</th><th>mean wait</th><th>waiting p50</th><th>waiting p90</th><th>working p50</th><th>longest queue</th></tr>";
    assert!(page.contains(header), "{page}");
    assert!(summary.contains("| state | desk | officers | work | utilisation | waited at all | mean wait | waiting p90 | longest queue |\n"), "{summary}");
}

#[test]
fn an_emergency_goes_to_the_head_of_the_queue() {
    let (l, _) = run(&scenario_text("officers = { staffed = 1 }", &burst(4, true)));
    // C4, the emergency, arrived at the same instant: acknowledged first (0-30), and its
    // execution, an emergency too, goes before the others' first looks (30-90).
    assert_eq!(acknowledged(&l), [120, 150, 180, 30]);
    let c4 = l.requests.iter().find(|r| r.id == RequestId { case: 4, link: 0 }).expect("C4");
    let t0 = SimTime::from_timestamp("2025-11-04T00:00:00Z".parse().expect("time"));
    assert_eq!(
        (c4.step.executed.expect("executed").0 - t0.0 - 1_000) / MIN,
        90,
        "then executed, before the others' looks"
    );
}

#[test]
fn utilisation_and_waiting_are_what_the_work_says() {
    let (l, json) = run(&scenario_text("officers = { staffed = 1 }", &burst(4, false)));
    let desk = &json["desks"][0];
    // 4 x 30 min of acknowledging and 4 x 1 h of executing: 6 officer-hours, one officer
    // on duty from the scenario's start to its last input.
    let last = l.last_input.expect("last input");
    let start = SimTime::from_timestamp("2025-11-03T00:00:00Z".parse().expect("time"));
    let duty_hours = (last.0 - start.0) as f64 / 3_600_000.0;
    let want = (6.0 / duty_hours * 10_000.0).round() / 10_000.0;
    assert_eq!(desk["utilisation"].as_f64(), Some(want));
    assert_eq!(desk["work"], 8);
    // The last execution waited for every acknowledgement and three executions.
    assert_eq!(desk["waiting"]["max_ms"].as_i64().map(|ms| (ms + 500) / MIN), Some(5 * 60 - 120));
    let summary_row = json["desks"].as_array().expect("desks").len();
    assert_eq!(summary_row, 1, "France's desk had no work: not listed");
}

#[test]
fn officers_are_validated_where_they_are_written() {
    let err = scenario::parse("desks.toml", &scenario_text("officers = { staffed = 0 }", "")).expect_err("zero");
    assert!(err.to_string().contains("officers: between 1 and"), "{err}");
    let err = scenario::parse("desks.toml", &scenario_text("queue = \"lifo\"", "")).expect_err("unknown order");
    assert!(err.to_string().contains("unknown queue order `lifo`"), "{err}");
}

/// Three requests in French at 00:00Z on 4 November to a Viet Nam that reads Vietnamese
/// only: each needs 2 h of a translator after its acknowledgement.
fn in_french(translators: &str) -> String {
    let officers = format!("translation = \"2h\"\n{translators}");
    let text = scenario_text(&officers, "").replace(
        "roster = \"staffed-24-7\"\nprofile = \"p\"\n",
        "roster = \"staffed-24-7\"\nprofile = \"p\"\nlanguages = [\"vi\"]\n",
    );
    let injects: String = (0..3)
        .map(|_| "\n[[injects]]\nat = \"2025-11-04T00:00:00Z\"\nfrom = \"FRA\"\nto = \"VNM\"\nkind = \"preservation\"\nlanguage = \"fr\"\n")
        .collect();
    text + &injects
}

/// Minutes from the requests' time to each case's execution.
fn executed(l: &Ledger) -> Vec<i64> {
    let t0 = SimTime::from_timestamp("2025-11-04T00:00:00Z".parse().expect("time"));
    (1..=l.cases.len() as u32)
        .map(|case| {
            let r = l.requests.iter().find(|r| r.id == RequestId { case, link: 0 }).expect("request");
            (r.step.executed.expect("executed").0 - t0.0 - 1_000) / MIN
        })
        .collect()
}

#[test]
fn one_translator_makes_foreign_requests_wait_and_three_do_not() {
    // Without counted translators, each translation is 2 h on its own: acknowledged at 30,
    // translated at 150, executed at 210.
    let (unlimited, json) = run(&in_french(""));
    assert_eq!(executed(&unlimited), [210, 210, 210]);
    assert!(json["desks"].as_array().is_none_or(|d| d.is_empty()), "no desk counted");
    // One translator: the translations one after another (30-150, 150-270, 270-390).
    let (one, json) = run(&in_french("translators = { staffed = 1 }"));
    assert_eq!(executed(&one), [210, 330, 450]);
    let t: Vec<Option<u64>> = one.requests.iter().map(|r| r.step.translation_ms).collect();
    assert_eq!(t, [Some(120 * MIN as u64), Some(240 * MIN as u64), Some(360 * MIN as u64)], "waiting counts");
    let desk = &json["desks"][0];
    assert_eq!((desk["state"].as_str(), desk["desk"].as_str()), (Some("VNM"), Some("translation desk")));
    assert_eq!(desk["queue_max"], 2);
    assert_eq!(desk["work"], 3);
    // Three translators: as without counting them.
    let (three, _) = run(&in_french("translators = { staffed = 3 }"));
    assert_eq!(executed(&three), executed(&unlimited));
}

/// Viet Nam's desk open one hour a day, 09:00-10:00 UTC on weekdays, one officer.
fn one_hour_a_day(injects: &str) -> String {
    scenario_text("officers = { staffed = 1 }", injects).replace(
        "tz = \"Asia/Ho_Chi_Minh\"\nroster = \"staffed-24-7\"",
        "tz = \"UTC\"\nroster = \"office-hours-only\"\nhours = [\"09:00-10:00\"]",
    )
}

fn inject(at: &str) -> String {
    format!("\n[[injects]]\nat = \"{at}\"\nfrom = \"FRA\"\nto = \"VNM\"\nkind = \"preservation\"\n")
}

#[test]
fn an_office_hours_desk_counts_only_its_open_hours_as_work() {
    // Arrives Monday 09:00:00: acknowledged 09:00-09:30; executing takes an hour of open
    // time: 09:30-10:00 on Monday and 09:00-09:30 on Tuesday. The officer worked 1h30m,
    // not the 24h30m from start to done that crosses the night.
    let (l, json) = run(&one_hour_a_day(&inject("2025-11-03T08:59:59Z")));
    let desk = &json["desks"][0];
    assert_eq!(desk["worked_ms"].as_u64(), Some(90 * MIN as u64));
    let longest = desk["working"]["max_ms"].as_f64().expect("working");
    assert!((longest / (60 * MIN) as f64 - 1.0).abs() < 1e-3, "the execution: an hour of work, not 24: {desk}");
    // On duty: Monday's hour and Tuesday from 09:00 to the last input (the answer back).
    let last = l.last_input.expect("last input");
    let tuesday_nine = SimTime::from_timestamp("2025-11-04T09:00:00Z".parse().expect("time"));
    let duty_ms = 60 * MIN + (last.0 - tuesday_nine.0).min(60 * MIN);
    assert_eq!(desk["on_duty_ms"].as_i64(), Some(duty_ms));
    let want = ((90.0 * MIN as f64 / duty_ms as f64) * 10_000.0).round() / 10_000.0;
    assert_eq!(desk["utilisation"].as_f64(), Some(want));
    assert!(want <= 1.0 && want > 0.99, "{want}");
}

#[test]
fn an_officer_busy_every_open_minute_is_busy_all_of_the_time_and_the_waits_are_counted() {
    // Two requests, Monday 09:00 and 09:10, one officer, first come first served. Work that
    // ends as the desk closes ends at its next opening (roster.rs), so the officer holds it
    // overnight without working on it:
    //   Mon 09:00-09:30 acknowledges the first (no wait);
    //   Mon 09:30-10:00 acknowledges the second (waited 20m), done Tue 09:00;
    //   Tue 09:00-10:00 executes the first (waited from Mon 09:30: 23h30m), done Wed 09:00;
    //   Wed 09:00-10:00 executes the second (waited from Tue 09:00: 24h), done Thu 09:00.
    // Three hours of work in three open hours and the last input's second on Thursday.
    let (_, json) = run(&one_hour_a_day(&(inject("2025-11-03T08:59:59Z") + &inject("2025-11-03T09:09:59Z"))));
    let desk = &json["desks"][0];
    assert_eq!(desk["work"], 4);
    assert_eq!(desk["worked_ms"].as_i64(), Some(180 * MIN));
    assert_eq!(desk["on_duty_ms"].as_i64(), Some(180 * MIN + 1_000), "{desk}");
    assert_eq!(desk["utilisation"].as_f64(), Some(0.9999));
    let waits = [0, 20 * MIN, 23 * 60 * MIN + 30 * MIN, 24 * 60 * MIN];
    assert_eq!(desk["waiting_mean_ms"].as_i64(), Some(waits.iter().sum::<i64>() / 4));
    assert_eq!(desk["waited_share"].as_f64(), Some(0.75));
}
