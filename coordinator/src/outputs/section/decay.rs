//! Register decay's section: first sends to stale entries, what they cost, the fallbacks.

use super::{Cell, Part, Row, Run, Section, Sentence, Shown, Table};
use crate::report::Account;
use pocnet_core::time::format_duration_ms as dur;

/// Register decay: first sends to stale entries, how they reached the desk, what it cost.
pub fn decay(a: &Account<'_>) -> Option<Section> {
    let d = a.analysis.decay.as_ref()?;
    let headline = format!(
        "{} of {} first sends ({:.1}%) reached a stale register entry ({} entries stale at the start); {} reached the desk by a fallback channel, {} never did; time lost p50 {}, p90 {}.",
        d.first_sends_dead,
        d.requests,
        d.first_sends_dead_share * 100.0,
        d.stale_at_start,
        d.reached_by_fallback,
        d.never_reached,
        dur(d.time_lost.p50_ms),
        dur(d.time_lost.p90_ms)
    );
    let cost = d.with_current_register.as_ref().map(|c| Sentence {
        id: Some("decay-cost"),
        runs: vec![
            Run::Plain(format!(
                "With every entry current: {} cases succeeded instead of {}; ",
                c.succeeded_with_current_register, c.succeeded
            )),
            Run::Strong(format!("{} lost to stale entries", c.lost_to_stale_entries)),
            Run::Plain(format!(", {} saved by the delay.", c.saved_by_the_delay)),
        ],
    });
    let clause = (d.requests > 0).then(|| {
        let lost =
            d.with_current_register.as_ref().map(|c| format!(", {} cases lost to them", c.lost_to_stale_entries));
        format!("{} of {} first sends to stale entries{}", d.first_sends_dead, d.requests, lost.unwrap_or_default())
    });
    Some(Section {
        title: "Register decay",
        headline: Some(Sentence::plain(Some("decay-summary"), headline)),
        leads: false,
        body: cost.into_iter().map(Part::Sentence).chain([Part::Table(fallbacks(d))]).collect(),
        clause,
        nothing_drawn: Some(Sentence::plain(None, "No entry was stale during the run.".into())),
    })
}

/// The page's table of the fallback channels and the resends each carried.
fn fallbacks(d: &crate::analysis::decay::DecayFigures) -> Table {
    let rows = d
        .fallbacks
        .iter()
        .map(|f| Row::of([Cell::Text(f.name.clone()), Cell::Duration(f.delay_ms), Cell::count(f.resends)]))
        .collect();
    let columns = ["fallback channel", "delay", "resends by it"].map(String::from);
    Table::only(Shown::Page, Some("fallbacks"), columns, rows)
}
