//! Report metrics on a scenario small enough to compute by hand, and roster coverage
//! against a second, independent computation.

mod common;

use common::{bundled, load};
use pocnet::ledger::Outcome;
use pocnet::report::Account;

/// FRA (Paris, UTC+1) and VNM (Hanoi, UTC+7), both staffed 24/7; acknowledgement 10m
/// (emergency 1m), fulfilment 2h, link 1s. Every time below follows from those.
const SCENARIO: &str = r#"
[scenario]
name = "by-hand"
seed = 1
start = "2025-11-03T00:00:00Z"
ack_sla = "5m"

[network]
link_delay = "1s"

[profiles.p]
acknowledge = { staffed = "10m", on_call = "10m" }
fulfil = { staffed = "2h", on_call = "2h" }
kinds.emergency = { acknowledge = { staffed = "1m", on_call = "1m" } }
give_up_after = "3d"

[[states]]
code = "FRA"
name = "France"
region = "EU/Europe"
tz = "Europe/Paris"
roster = "staffed-24-7"
profile = "p"

[[states]]
code = "VNM"
name = "Viet Nam"
region = "Asia-Pacific"
tz = "Asia/Ho_Chi_Minh"
roster = "staffed-24-7"
profile = "p"

[[injects]]                    # C1: VNM 09:00 Mon; acknowledged after 10m01s
at = "2025-11-03T02:00:00Z"
from = "FRA"
to = "VNM"
kind = "preservation"

[[injects]]                    # C2: VNM 21:00 Mon; emergency, 1m01s
at = "2025-11-03T14:00:00Z"
from = "FRA"
to = "VNM"
kind = "emergency"

[[injects]]                    # C3: FRA 09:00 Tue
at = "2025-11-04T08:00:00Z"
from = "VNM"
to = "FRA"
kind = "preservation"

[[injects]]                    # C4: FRA 21:00 Tue; data deleted after 1h, executed after 2h10m01s: lost
at = "2025-11-04T20:00:00Z"
from = "VNM"
to = "FRA"
kind = "preservation"
retention = "1h"

[[injects]]                    # C5: FRA 09:00 Wed
at = "2025-11-05T08:00:00Z"
from = "VNM"
to = "FRA"
kind = "technical_advice"
"#;

fn run(text: &str) -> Account<'static> {
    common::account("by-hand.toml", text)
}

/// HdrHistogram at 3 significant figures: within 0.1%.
fn near(got: u64, want: u64) -> bool {
    (got as f64 - want as f64).abs() <= want as f64 * 0.001 + 1.0
}

#[test]
fn latency_groups_match_hand_computation() {
    let a = run(SCENARIO);
    let r = &a.analysis;
    let ack = &r.latency["time_to_acknowledge"];
    assert_eq!(ack.overall.count, 5);
    let eu_to_ap = &ack.by_region_pair["EU/Europe > Asia-Pacific"];
    assert_eq!(eu_to_ap.count, 2);
    assert!(near(eu_to_ap.p50_ms, 61_000), "{eu_to_ap:?}");
    assert!(near(eu_to_ap.max_ms, 601_000), "{eu_to_ap:?}");
    let ap_to_eu = &ack.by_region_pair["Asia-Pacific > EU/Europe"];
    assert_eq!(ap_to_eu.count, 3);
    assert!(near(ap_to_eu.p50_ms, 601_000) && near(ap_to_eu.max_ms, 601_000), "{ap_to_eu:?}");
    assert_eq!(ack.by_receiver_local_hour["09"].count, 3, "C1, C3, C5 at 09:00 receiver time");
    assert_eq!(ack.by_receiver_local_hour["21"].count, 2, "C2, C4 at 21:00 receiver time");
    let days: Vec<(&str, u64)> = ack.by_receiver_weekday.iter().map(|(k, v)| (k.as_str(), v.count)).collect();
    assert_eq!(days, [("1-Mon", 2), ("2-Tue", 2), ("3-Wed", 1)]);
    let fulfil = &r.latency["time_to_fulfil"];
    assert!(near(fulfil.by_kind["emergency"].max_ms, 1_000 + 60_000 + 7_200_000));
    assert!(near(fulfil.by_kind["preservation"].max_ms, 1_000 + 600_000 + 7_200_000));
}

#[test]
fn outcomes_sla_and_hotspots_match_hand_computation() {
    let a = run(SCENARIO);
    let t = &a.ledger.totals;
    assert_eq!(
        (t.cases_of(Outcome::Fulfilled), t.cases_of(Outcome::EvidenceLost), t.cases_of(Outcome::Preserved)),
        (4, 1, 0)
    );
    let r = &a.analysis;
    let by_kind = &r.outcomes.by_kind;
    assert_eq!(
        (by_kind["preservation"].cases, by_kind["preservation"].succeeded, by_kind["preservation"].evidence_lost),
        (3, 2, 1)
    );
    assert_eq!(by_kind["emergency"].succeeded, 1);
    assert_eq!(r.outcomes.by_region["EU/Europe"].cases, 3);
    assert_eq!(r.outcomes.by_region["EU/Europe"].success_ratio, 0.6667);
    assert_eq!(r.outcomes.by_region["Asia-Pacific"].success_ratio, 1.0);
    // Only groups of at least three requests are named: Asia-Pacific > EU/Europe, 1 of 3 failed.
    let worst = &r.outcomes.worst_region_pairs;
    assert_eq!(worst.len(), 1, "{worst:?}");
    assert_eq!((worst[0].name.as_str(), worst[0].requests, worst[0].failed), ("Asia-Pacific > EU/Europe", 3, 1));
    assert_eq!(r.outcomes.worst_receiver_hours[0].name, "09:00 receiver local");
    // SLA 5m: only the emergency (1m01s) is within it.
    assert_eq!(r.sla.ack_sla_ms, 300_000);
    assert_eq!((r.sla.overall.requests, r.sla.overall.within), (5, 1));
    assert_eq!(r.sla.overall.ratio, 0.2);
    assert_eq!(r.sla.by_kind["emergency"].ratio, 1.0);
    assert_eq!(r.sla.by_kind["preservation"].ratio, 0.0);
    assert_eq!(r.sla.by_receiver_local_hour["21"].within, 1);
}

/// The local-time rule from its sentence (docs/scenarios.md), without the roster code: the
/// zone's offset at `t` (the tz database's answer), then civil arithmetic.
fn independent_mode(spec: &pocnet_core::RosterSpec, t: i64) -> pocnet_core::Mode {
    use pocnet_core::Mode;
    if spec.always_staffed {
        return Mode::Staffed;
    }
    let tz = pocnet_core::tzdb::zone(&spec.tz).expect("zone");
    let offset = i64::from(tz.to_offset(jiff::Timestamp::from_millisecond(t).expect("time")).seconds()) * 1000;
    let local = t + offset;
    let day = local.div_euclid(86_400_000);
    let minute = u16::try_from(local.rem_euclid(86_400_000) / 60_000).expect("minute");
    let date = jiff::civil::Date::constant(1970, 1, 1) + jiff::Span::new().days(day);
    let names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let weekday = names[usize::try_from((day + 3).rem_euclid(7)).expect("weekday")];
    let working = spec.workweek.to_string().split(',').any(|d| d == weekday) && !spec.holidays.contains(&date);
    if working && spec.shifts.iter().any(|s| s.start_minute <= minute && minute < s.end_minute) {
        Mode::Staffed
    } else {
        spec.off_hours
    }
}

#[test]
fn coverage_equals_an_independent_minute_by_minute_computation() {
    for name in ["smoke.toml", "dst-week.toml", "hanoi-72.toml", "follow-the-sun.toml"] {
        let s = load(&bundled(name));
        let coverage = pocnet::analysis::coverage::compute(&s);
        let start = pocnet::analysis::coverage::week_start(s.start);
        let hours = 168 * coverage.weeks;
        assert_eq!(coverage.staffed_by_utc_hour.len(), hours, "{name}");
        let step = if s.states.len() > 20 { 5 } else { 1 }; // every shift boundary is on 5 minutes
        let mut total = vec![0.0f64; hours];
        for (entry, cov) in s.states.iter().zip(&coverage.states) {
            let mut staffed_minutes = 0u32;
            let mut closed_minutes = 0u32;
            for (hour, hour_total) in total.iter_mut().enumerate() {
                let (mut staffed, mut closed) = (0u32, 0u32);
                for minute in (0..60).step_by(step) {
                    let t = start.0 + (hour as i64 * 60 + minute as i64) * 60_000;
                    match independent_mode(&entry.roster, t) {
                        pocnet_core::Mode::Staffed => staffed += step as u32,
                        pocnet_core::Mode::Closed => closed += step as u32,
                        pocnet_core::Mode::OnCall => {}
                    }
                }
                staffed_minutes += staffed;
                closed_minutes += closed;
                let share = f64::from(staffed) / 60.0;
                *hour_total += share;
                assert!(
                    (cov.staffed_by_utc_hour[hour] - share).abs() < 1e-3,
                    "{name} {} hour {hour}: {} vs {share}",
                    entry.code,
                    cov.staffed_by_utc_hour[hour]
                );
                assert!((cov.closed_by_utc_hour[hour] - f64::from(closed) / 60.0).abs() < 1e-3);
            }
            let all = hours as f64 * 60.0;
            assert!((cov.staffed_share - f64::from(staffed_minutes) / all).abs() < 1e-3, "{name} {}", entry.code);
            assert!((cov.closed_share - f64::from(closed_minutes) / all).abs() < 1e-3, "{name} {}", entry.code);
            for share in [cov.staffed_share, cov.on_call_share, cov.closed_share] {
                assert!((0.0..=1.0).contains(&share), "{name} {}: share {share}", entry.code);
            }
            assert!((cov.staffed_share + cov.on_call_share + cov.closed_share - 1.0).abs() < 1e-3);
        }
        for (hour, (got, want)) in coverage.staffed_by_utc_hour.iter().zip(&total).enumerate() {
            assert!((got - want).abs() < 1e-2, "{name} hour {hour}");
        }
        let no_one = (0..hours).filter(|&h| total[h] < 1e-9).count();
        let in_gaps: usize = coverage.gaps.iter().map(|g| g.to_hour - g.from_hour + 1).sum();
        assert_eq!(no_one, in_gaps, "{name}: gap hours");
    }
}

#[test]
fn dst_week_coverage_shows_each_change_of_clocks() {
    let s = load(&bundled("dst-week.toml"));
    let c = pocnet::analysis::coverage::compute(&s);
    assert_eq!((c.week_start.as_str(), c.weeks), ("2026-03-16T00:00:00Z", 4));
    // The first staffed UTC hour of a Monday, Thursday..., in each week.
    let first_staffed = |code: &str, week: usize, day: usize| -> Option<usize> {
        let st = c.states.iter().find(|x| x.code.as_str() == code).expect("state");
        (0..24).find(|h| st.staffed_by_utc_hour[week * 168 + day * 24 + h] > 0.0)
    };
    // Morocco (08:30 local) leaves Ramadan time on 22 March: 08:30Z, then 07:30Z.
    assert_eq!((first_staffed("MAR", 0, 3), first_staffed("MAR", 1, 3)), (Some(8), Some(7)));
    // France (09:00 local) springs forward on 29 March: 08:00Z, then 07:00Z.
    assert_eq!((first_staffed("FRA", 1, 3), first_staffed("FRA", 2, 3)), (Some(8), Some(7)));
    // Chile (09:00 local) falls back on 5 April: 12:00Z, then 13:00Z.
    assert_eq!((first_staffed("CHL", 2, 3), first_staffed("CHL", 3, 0)), (Some(12), Some(13)));
}
