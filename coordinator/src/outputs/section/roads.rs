//! The roads to evidence: the roads compared, and each provider's desk.

use super::{Cell, Part, Section, Sentence, Table};
use crate::report::Account;
use pocnet_core::time::format_duration_ms as dur;

/// The roads to evidence compared on the cases an agreement covered, and each provider's
/// desk against its deadlines.
pub fn roads(a: &Account<'_>) -> Option<Section> {
    let f = a.analysis.roads.as_ref()?;
    let road = |r: &crate::analysis::roads::RoadRow| {
        format!(
            "{} in {} of {} (p50 {}, p90 {})",
            r.road,
            r.usable,
            r.requests,
            dur(r.time_to_evidence.p50_ms),
            dur(r.time_to_evidence.p90_ms)
        )
    };
    let words: Vec<String> = f.roads.iter().map(road).collect();
    let (orders, breaches, unstaffed) = f
        .providers
        .iter()
        .fold((0, 0, 0), |(o, b, u), p| (o + p.orders, b + p.deadline_breaches, u + p.received_unstaffed));
    let headline = format!(
        "On the cases an agreement covered, usable evidence came by {}. Providers missed the deadline on {breaches} of {orders} orders; {unstaffed} arrived while their desk was not staffed.",
        words.join("; by ")
    );
    let mut body = vec![Part::Table(road_table(f)), Part::Table(provider_table(f))];
    if f.reviewed > 0 {
        let w = &f.review_wait;
        let review = format!(
            "The review by the provider's state held {} orders after their data was produced: p50 {}, p90 {}.",
            f.reviewed,
            dur(w.p50_ms),
            dur(w.p90_ms)
        );
        body.push(Part::Sentence(Sentence::plain(Some("roads-review"), review)));
    }
    Some(Section {
        title: "Roads to evidence",
        headline: Some(Sentence::plain(Some("roads-summary"), headline)),
        leads: false,
        body,
        clause: Some(format!("{orders} by direct order")),
        nothing_drawn: None,
    })
}

fn road_table(f: &crate::analysis::roads::RoadFigures) -> Table {
    let rows = f
        .roads
        .iter()
        .map(|r| {
            let p = &r.time_to_evidence;
            [
                Cell::Text(r.road.to_string()),
                Cell::count(r.requests),
                Cell::count(r.usable),
                Cell::Duration(p.p50_ms),
                Cell::Duration(p.p90_ms),
                Cell::count(r.lost),
                Cell::count(r.refused),
                Cell::count(r.other),
            ]
        })
        .collect();
    let columns = [
        ("road", true),
        ("cases", true),
        ("usable evidence", true),
        ("time to evidence p50", true),
        ("p90", true),
        ("data lost", true),
        ("refused", true),
        ("other", false),
    ];
    Table::with(Some("roads"), columns, rows)
}

fn provider_table(f: &crate::analysis::roads::RoadFigures) -> Table {
    let rows = f
        .providers
        .iter()
        .map(|p| {
            [
                Cell::Text(p.provider.clone()),
                Cell::Text(p.home.to_string()),
                Cell::count(p.orders),
                Cell::count(p.deadline_breaches),
                Cell::count(p.received_unstaffed),
                Cell::Duration(p.time_to_answer.p50_ms),
                Cell::Duration(p.time_to_answer.p90_ms),
            ]
        })
        .collect();
    let columns = [
        ("provider", true),
        ("home", true),
        ("orders", true),
        ("deadline missed", true),
        ("arrived unstaffed", true),
        ("answered p50", true),
        ("p90", false),
    ];
    Table::with(Some("providers"), columns, rows)
}
