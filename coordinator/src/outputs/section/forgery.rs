//! Forged requests and verification: how the forgeries ended, and what verification cost.

use super::{Cell, Part, Row, Section, Sentence, Shown, Table};
use crate::report::Account;
use pocnet_core::time::format_duration_ms as dur;

/// Forged requests and verification: how the forgeries ended, and what verification cost
/// genuine emergencies.
pub fn forgery(a: &Account<'_>) -> Option<Section> {
    let f = a.analysis.forgery.as_ref()?;
    let r = &f.requests;
    let clause = format!("{} forged requests: {} accepted, {} caught by verification", r.forged, r.accepted, r.caught);
    let headline = format!(
        "{clause}, {} ended otherwise; {} genuine requests verified (p50 {}, p90 {}).",
        r.other,
        f.genuine_verified,
        dur(f.verification_time.p50_ms),
        dur(f.verification_time.p90_ms)
    );
    let without = f.without_verification.as_ref().map(|w| {
        let (with, without) = (&w.genuine_emergency_time_to_fulfil, &w.genuine_emergency_time_to_fulfil_without);
        Sentence::plain(
            Some("forgery-trade-off"),
            format!(
                "Without verification: {} forged cases accepted instead of {}; genuine emergencies fulfilled in p50 {} instead of {} (p90 {} instead of {}); genuine cases lost to verification: {}.",
                w.forged_accepted_without,
                f.forged_cases_accepted,
                dur(without.p50_ms),
                dur(with.p50_ms),
                dur(without.p90_ms),
                dur(with.p90_ms),
                w.genuine_cases_lost
            ),
        )
    });
    let rows = f
        .by_verification
        .iter()
        .map(|(policy, g)| {
            let [forged, accepted, caught, other] = [g.forged, g.accepted, g.caught, g.other].map(Cell::count);
            [Cell::Text(policy.to_string()), forged, accepted, caught, other]
        })
        .collect();
    Some(Section {
        title: "Forged requests and verification",
        headline: Some(Sentence::plain(Some("forgery-summary"), headline)),
        leads: false,
        body: std::iter::once(Part::Table(Table {
            shown: Shown::Brief,
            ..Table::of(["verification", "forged", "accepted", "caught", "other"], rows)
        }))
        .chain(without.map(Part::Sentence))
        .chain(f.without_verification.as_ref().into_iter().flat_map(|w| trade_off(f, w)))
        .collect(),
        clause: Some(clause),
        nothing_drawn: None,
    })
}

/// The page's table of the trade-off, by verification: the forgeries it caught and let
/// through, and what it added to genuine emergencies; and its note.
fn trade_off(
    f: &crate::analysis::forgery::ForgeryFigures,
    w: &crate::analysis::forgery::WithoutVerification,
) -> [Part; 2] {
    let policies: std::collections::BTreeSet<&str> =
        f.by_verification.keys().chain(w.added_by_verification.keys()).copied().collect();
    let rows = policies
        .into_iter()
        .map(|policy| {
            let forged = f.by_verification.get(policy).cloned().unwrap_or_default();
            let added = w.added_by_verification.get(policy);
            let time =
                |ms: fn(&crate::report::Percentiles) -> u64| added.map_or(Cell::Missing, |a| Cell::Duration(ms(a)));
            Row::named(
                "policy",
                policy.to_string(),
                [
                    Cell::Text(policy.to_string()),
                    Cell::count(forged.forged),
                    Cell::count(forged.caught),
                    Cell::count(forged.accepted),
                    Cell::Count(added.map_or(0, |a| a.count)),
                    time(|p| p.p50_ms),
                    time(|p| p.p90_ms),
                ],
            )
        })
        .collect();
    let columns = ["verification", "forged", "caught", "accepted", "genuine emergencies", "time added, p50", "p90"]
        .map(String::from);
    let note = "The trade-off: forgeries each verification caught and let through, and the time it added to genuine emergencies at desks of that verification (against the same run with no desk verifying).";
    [
        Part::Table(Table::only(Shown::Page, Some("verification-trade-off"), columns, rows)),
        Part::Note(Sentence::plain(None, note.into())),
    ]
}
