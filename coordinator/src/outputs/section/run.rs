//! The run as a whole: its sentence, how the cases ended, the thresholds, where it went
//! worst and the longest chain.

use super::{Cell, Part, Row, Section, Sentence, Shown, Table};
use crate::report::Account;
use pocnet_core::time::format_duration_ms as dur;

/// The run in a sentence, which every output says under the scenario's name: its contact
/// points, cases and requests, seed and start.
pub fn the_run(a: &Account<'_>) -> Sentence {
    let t = &a.ledger.totals;
    let words = format!(
        "{} contact points, {} cases ({} requests), seed {}, from {}.",
        a.scenario.states.len(),
        t.injects,
        t.requests,
        a.scenario.seed,
        a.scenario.start
    );
    Sentence::plain(None, words)
}

/// The windows of the virtual clock the run took, which the page adds to [`the_run`].
pub fn windows(a: &Account<'_>) -> Sentence {
    Sentence::plain(None, format!("{} windows of the virtual clock.", a.ledger.windows))
}

/// How the cases ended: a row per outcome; none without cases (a communication check
/// alone).
pub fn outcomes(a: &Account<'_>) -> Option<Table> {
    (a.ledger.totals.injects > 0).then(|| {
        let rows = a.by_outcome().into_iter().map(|(name, n)| [Cell::Text(name.to_string()), Cell::count(n)]).collect();
        Table::with(Some("outcomes"), [("outcome", true), ("cases", true)], rows)
    })
}

/// The scenario's bounds, each passed or breached: the brief outputs lead with the
/// verdict, the page ends with it.
pub fn thresholds(a: &Account<'_>) -> Option<Section> {
    let judged = &a.analysis.thresholds;
    if judged.is_empty() {
        return None;
    }
    let verdict =
        |passed: bool| Cell::Verdict { words: if passed { "pass" } else { "BREACH" }.into(), good: Some(passed) };
    let measured = |v: &crate::analysis::thresholds::Verdict| Cell::Text(format!("{} (n={})", v.value, v.samples));
    let brief =
        judged.iter().map(|v| Row::of([verdict(v.passed), Cell::Code(v.threshold.clone()), measured(v)])).collect();
    let page =
        judged.iter().map(|v| Row::of([Cell::Code(v.threshold.clone()), measured(v), verdict(v.passed)])).collect();
    Some(Section {
        title: "Thresholds",
        headline: None,
        leads: false,
        body: vec![
            Part::Table(Table::only(Shown::Brief, None, ["", "threshold", "measured"].map(String::from), brief)),
            Part::Table(Table::only(
                Shown::Page,
                Some("thresholds"),
                ["threshold", "measured", ""].map(String::from),
                page,
            )),
        ],
        clause: None,
        nothing_drawn: None,
    })
}

/// The region pairs and receiver hours where it went worst: a table of each in the brief
/// outputs, one of both on the page.
pub fn worst(a: &Account<'_>) -> Option<Section> {
    let o = &a.analysis.outcomes;
    let groups = [("region pair", &o.worst_region_pairs), ("receiver hour", &o.worst_receiver_hours)];
    if groups.iter().all(|(_, spots)| spots.is_empty()) {
        return None;
    }
    let row = |h: &crate::analysis::breakdown::Hotspot| {
        Row::of([
            Cell::Text(h.name.clone()),
            Cell::count(h.requests),
            Cell::count(h.failed),
            h.p90_ack_ms.map_or(Cell::Missing, Cell::Duration),
        ])
    };
    let columns = |group: &str| [group, "requests", "failed", "p90 acknowledge"].map(String::from);
    let brief = groups.iter().filter(|(_, spots)| !spots.is_empty()).map(|(group, spots)| {
        Part::Table(Table::only(Shown::Brief, None, columns(group), spots.iter().map(row).collect()))
    });
    let all = groups.iter().flat_map(|(_, spots)| spots.iter()).map(row).collect();
    Some(Section {
        title: "Where it went worst",
        headline: None,
        leads: false,
        body: brief.chain([Part::Table(Table::only(Shown::Page, Some("worst"), columns("group"), all))]).collect(),
        clause: None,
        nothing_drawn: None,
    })
}

/// The longest chain of the run (most links, then longest), which the page alone draws,
/// link by link, under its caption.
pub fn chain(a: &Account<'_>) -> Option<Section> {
    let case =
        a.ledger.cases.iter().max_by_key(|c| (c.path.len(), c.end_to_end_ms(), std::cmp::Reverse(c.id.to_string())))?;
    let caption = format!(
        "Case {} from {}: {} ({}), {} end to end.",
        case.id,
        case.from,
        case.outcome.as_str(),
        case.reason,
        dur(case.end_to_end_ms())
    );
    Some(Section {
        title: "A chain, link by link",
        headline: None,
        leads: false,
        body: vec![Part::Caption { request: case.id, sentence: Sentence::plain(None, caption) }],
        clause: None,
        nothing_drawn: None,
    })
}
