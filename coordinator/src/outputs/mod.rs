//! The run in the forms people and tools read, each a projection of its ledger and figures
//! ([`crate::report::Account`]): `summary.md` (a CI job summary), `junit.xml` (each
//! threshold a test case), the console's table and `report.html` (one self-contained page:
//! inline SVG charts, no script, no network), and an exercise's after-action review. All
//! deterministic, like `report.json`.
//!
//! - [`section`]: each section (usable evidence, roads to evidence, pings, stale entries,
//!   forgery, outcomes, thresholds, desks, hubs, where it went worst) as one value, worded
//!   once, which summary.md, report.html and the console render; the run's sentence; and
//!   the totals line from the sections' clauses;
//! - [`summary`], [`junit`], [`table`], [`html`] (its charts in `html/charts.rs`),
//!   [`after_action`];
//! - [`compare`]: `pocnet compare`'s table, `compare.junit.xml` and `compare.md`.

pub mod after_action;
pub(crate) mod axis;
pub mod compare;
pub mod html;
pub mod junit;
pub mod section;
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

/// A signed duration as people read it: `-3d04h` for a margin missed.
pub fn signed_duration(ms: i64) -> String {
    let d = pocnet_core::time::format_duration_ms(ms.unsigned_abs());
    if ms < 0 {
        format!("-{d}")
    } else {
        d
    }
}
