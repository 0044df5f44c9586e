//! The run in the forms people and tools read, each a projection of its ledger and figures
//! ([`crate::report::Account`]): `summary.md` (a CI job summary), `junit.xml` (each
//! threshold a test case), the console's table and `report.html` (one self-contained page:
//! inline SVG charts, no script, no network), and an exercise's after-action review. All
//! deterministic, like `report.json`.
//!
//! - [`summary`], [`junit`], [`table`], [`html`] (its charts in `html/charts.rs`),
//!   [`after_action`];
//! - [`compare`]: `pocnet compare`'s table, `compare.junit.xml` and `compare.md`.

pub mod after_action;
pub(crate) mod axis;
pub mod compare;
pub mod html;
pub mod junit;
pub mod summary;
pub mod table;

/// Text escaped for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Monday 00:00 UTC of the first week the coverage measures.
pub(crate) fn week_start_of(a: &crate::report::Account<'_>) -> pocnet_core::SimTime {
    crate::analysis::coverage::weeks_of(a.scenario.start, a.scenario.end).0
}

/// The one thing a reader needs first about the evidence step: how many cases ended in
/// usable evidence, and the biggest cause of those that did not.
pub fn evidence_headline(a: &crate::report::Account<'_>) -> Option<String> {
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
        let label = crate::ledger::Outcome::ALL
            .iter()
            .find(|o| o.as_str() == cause.outcome)
            .map_or(cause.outcome, |o| o.label());
        line.push_str(&format!("; the biggest cause of the rest: {label} ({} cases)", cause.cases));
    }
    if e.time_to_usable_evidence.overall.count > 0 {
        let p = &e.time_to_usable_evidence.overall;
        line.push_str(&format!(
            "; time to usable evidence p50 {}, p90 {}",
            pocnet_core::time::format_duration_ms(p.p50_ms),
            pocnet_core::time::format_duration_ms(p.p90_ms)
        ));
    }
    line.push('.');
    Some(line)
}

/// A signed duration as people read it: `-3d04h` for a margin missed.
pub fn signed_duration(ms: i64) -> String {
    let d = pocnet_core::time::format_duration_ms(ms.unsigned_abs());
    if ms < 0 {
        format!("-{d}")
    } else {
        d
    }
}
