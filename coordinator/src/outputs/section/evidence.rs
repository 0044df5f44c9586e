//! The evidence step's section: usable evidence, the holds, time to usable evidence and
//! where it went, and the cases whose life the page draws.

use super::{Cell, Part, Row, Section, Sentence, Shown, Table};
use crate::ledger::{Outcome, Request};
use crate::report::Account;
use pocnet_core::time::format_duration_ms as dur;

/// The evidence step: the headline (how many cases ended in usable evidence, the biggest
/// cause of the rest), the holds, time to usable evidence and where it went.
pub fn evidence(a: &Account<'_>) -> Option<Section> {
    let e = a.analysis.evidence.as_ref()?;
    let m = &e.hold_margin;
    let signed = crate::outputs::signed_duration;
    let holds = format!(
        "Preservation holds: {} of {} preserved cases an MLA request was to follow lapsed ({:.1}%). Margin left when the MLA request arrived (hold end minus arrival, {} requests): p5 {}, p50 {}, least {}.",
        e.hold_lapsed,
        e.with_mla,
        e.hold_lapsed_ratio * 100.0,
        m.requests,
        signed(m.p5_ms),
        signed(m.p50_ms),
        signed(m.min_ms)
    );
    let t = &e.time_to_usable_evidence;
    let name = "time to usable evidence";
    let latency = std::iter::once((name.to_string(), &t.overall))
        .chain(t.by_kind.iter().map(|(kind, p)| (format!("{name} · {kind}"), p)))
        .map(|(row, p)| percentile_row(row, p))
        .collect();
    let went = e
        .where_the_time_went
        .stages
        .iter()
        .map(|s| [Cell::Text(s.stage.to_string()), Cell::Duration(s.mean_ms), Cell::percent(s.share, 0)])
        .collect();
    Some(Section {
        title: "Usable evidence",
        headline: evidence_headline(a).map(|h| Sentence::plain(Some("evidence-headline"), h)),
        leads: true,
        body: vec![
            Part::Table(Table {
                shown: Shown::Brief,
                ..Table::of(["", "n", "p50", "p90", "p95", "p99", "max"], latency)
            }),
            Part::Table(evidence_table(e)),
            Part::Sentence(Sentence::plain(None, holds)),
            Part::Table(Table {
                shown: Shown::Brief,
                ..Table::of(["where the time went", "mean per case", "share"], went)
            }),
        ]
        .into_iter()
        .chain(shown_cases(a).into_iter().map(|(what, r)| Part::Caption {
            request: r.id,
            sentence: Sentence::plain(
                None,
                format!("Case {} ({what}): {} to {}, {}: {}.", r.id, r.from, r.to, r.outcome.label(), r.reason),
            ),
        }))
        .collect(),
        clause: None,
        nothing_drawn: (e.where_the_time_went.cases == 0)
            .then(|| Sentence::plain(None, "No case ended in usable evidence.".into())),
    })
}

/// The link whose evidence step decided its case, for the cases whose life the page
/// draws: the disclosed case with the median time to evidence, and the lapsed case with
/// the least margin.
fn shown_cases<'l>(a: &'l Account<'_>) -> Vec<(&'static str, &'l Request)> {
    let link_of = |case: u32, want: fn(&Request) -> bool| {
        a.ledger.requests.iter().filter(|r| r.id.case == case && want(r)).max_by_key(|r| r.outcome_at)
    };
    let mut disclosed: Vec<&crate::ledger::Case> =
        a.ledger.cases.iter().filter(|c| c.outcome == Outcome::Disclosed && c.time_went.is_some()).collect();
    disclosed.sort_by_key(|c| (c.end_to_end_ms(), c.id));
    let mut shown = Vec::new();
    if let Some(c) = disclosed.get(disclosed.len() / 2) {
        if let Some(r) = link_of(c.id.case, |r| r.outcome == Outcome::Disclosed) {
            shown.push(("the median disclosed case", r));
        }
    }
    let lapsed = a
        .ledger
        .requests
        .iter()
        .filter(|r| r.outcome == Outcome::HoldLapsed)
        .min_by_key(|r| (r.hold_margin_ms().unwrap_or(0), r.id));
    if let Some(r) = lapsed {
        shown.push(("the lapsed case that missed by the most", r));
    }
    shown
}

/// The page's table of time to usable evidence: all kinds, then each kind.
fn evidence_table(e: &crate::analysis::evidence::EvidenceFigures) -> Table {
    let t = &e.time_to_usable_evidence;
    let rows = std::iter::once(("all kinds".to_string(), &t.overall))
        .chain(t.by_kind.iter().map(|(kind, p)| (kind.clone(), p)))
        .map(|(name, p)| {
            Row::of([
                Cell::Text(name),
                Cell::Count(p.count),
                Cell::Duration(p.p50_ms),
                Cell::Duration(p.p90_ms),
                Cell::Duration(p.p99_ms),
                Cell::Duration(p.max_ms),
            ])
        })
        .collect();
    let columns = ["time to usable evidence", "n", "p50", "p90", "p99", "max"].map(String::from);
    Table::only(Shown::Page, Some("evidence"), columns, rows)
}

/// A row of percentiles: its name, n, p50, p90, p95, p99, max.
pub fn percentile_row(name: String, p: &crate::report::Percentiles) -> [Cell; 7] {
    [
        Cell::Text(name),
        Cell::Count(p.count),
        Cell::Duration(p.p50_ms),
        Cell::Duration(p.p90_ms),
        Cell::Duration(p.p95_ms),
        Cell::Duration(p.p99_ms),
        Cell::Duration(p.max_ms),
    ]
}

/// The one thing a reader needs first about the evidence step: how many cases ended in
/// usable evidence, and the biggest cause of those that did not.
fn evidence_headline(a: &Account<'_>) -> Option<String> {
    let e = a.analysis.evidence.as_ref()?;
    let kinds: Vec<&str> = a.scenario.evidence_kinds.iter().map(|k| k.as_str()).collect();
    let mut line = format!(
        "{} of the {} cases whose kind asks for evidence ({}) ended in usable evidence ({:.0}%)",
        e.disclosed,
        e.cases,
        kinds.join(", "),
        e.disclosed_ratio * 100.0
    );
    if let Some(cause) = e.not_usable.first() {
        let label = Outcome::ALL.iter().find(|o| o.as_str() == cause.outcome).map_or(cause.outcome, |o| o.label());
        line.push_str(&format!("; the biggest cause of the rest: {label} ({} cases)", cause.cases));
    }
    if e.time_to_usable_evidence.overall.count > 0 {
        let p = &e.time_to_usable_evidence.overall;
        line.push_str(&format!("; time to usable evidence p50 {}, p90 {}", dur(p.p50_ms), dur(p.p90_ms)));
    }
    line.push('.');
    Some(line)
}
