//! `summary.md`: Markdown that fits a CI job summary, one function per section.

use super::section::{self, percentile_row, Section};
use super::week_start_of;
use crate::analysis::coverage::hour_label;
use crate::report::{Account, Percentiles, ASSUMPTIONS};
use pocnet_core::time::format_duration_ms as dur;
use std::fmt::Write;

/// Markdown that fits a CI job summary: the run, its headline, then each section; sections
/// with nothing measured are not written.
pub fn summary_md(a: &Account<'_>) -> String {
    let evidence = section::evidence(a);
    let mut o = heading(a, evidence.as_ref());
    if let Some(outcomes) = section::outcomes(a) {
        o.push_str(&outcomes.markdown());
    }
    for s in [section::pings(a), section::decay(a), section::forgery(a)].iter().flatten() {
        o.push_str(&s.markdown());
    }
    for s in [section::thresholds(a), evidence, section::roads(a)].iter().flatten() {
        o.push_str(&s.markdown());
    }
    o.push_str(&latency(a));
    for s in [section::desks(a), section::hubs(a), section::worst(a)].iter().flatten() {
        o.push_str(&s.markdown());
    }
    o.push_str(&coverage(a));
    let _ = writeln!(o, "\n_{}_", ASSUMPTIONS);
    o
}

/// The scenario's name, what ran, and the run's headline when a section leads.
fn heading(a: &Account<'_>, evidence: Option<&Section>) -> String {
    let mut o = format!("# pocnet: {}\n\n", a.scenario.name);
    let _ = writeln!(o, "{}\n", section::the_run(a).markdown());
    if let Some(headline) = evidence.and_then(|e| e.headline.as_ref()) {
        let _ = writeln!(o, "**{}**\n", headline.markdown());
    }
    o
}

fn pct_row(name: &str, p: &Percentiles) -> String {
    let cells: Vec<String> = percentile_row(name.to_string(), p).iter().map(ToString::to_string).collect();
    format!("| {} |\n", cells.join(" | "))
}

/// Latency from the scheduled time, per measure and kind, for the measures with answers.
fn latency(a: &Account<'_>) -> String {
    let mut o = String::new();
    let measured: Vec<_> = a.analysis.latency.iter().filter(|(_, t)| t.overall.count > 0).collect();
    if !measured.is_empty() {
        o.push_str("\n## Latency from the scheduled time\n\n| | n | p50 | p90 | p95 | p99 | max |\n|---|---|---|---|---|---|---|\n");
    }
    for (name, table) in measured {
        o.push_str(&pct_row(name, &table.overall));
        for (kind, p) in &table.by_kind {
            o.push_str(&pct_row(&format!("{name} · {kind}"), p));
        }
    }
    o
}

/// The rosters' coverage: the hour with fewest contact points staffed, the SLA, the gaps.
fn coverage(a: &Account<'_>) -> String {
    let c = &a.analysis.coverage;
    let (min_h, min_v) = min_hour(&c.staffed_by_utc_hour);
    let mut o = format!(
        "\n## Coverage (rosters, week of {})\n\nFewest contact points staffed: {min_v:.1} at {}.",
        c.week_start,
        hour_label(week_start_of(a), min_h, min_h),
    );
    if a.ledger.totals.requests > 0 {
        let _ = write!(
            o,
            " Acknowledged within {}: {:.1}% of requests.",
            dur(a.analysis.sla.ack_sla_ms),
            a.analysis.sla.overall.ratio * 100.0
        );
    }
    o.push('\n');
    if c.gaps.is_empty() {
        o.push_str("No hour of the week without a staffed contact point.\n");
    } else {
        let gaps: Vec<&str> = c.gaps.iter().map(|g| g.label.as_str()).collect();
        let _ = writeln!(o, "No contact point staffed: {}.", gaps.join("; "));
    }
    o
}

fn min_hour(v: &[f64]) -> (usize, f64) {
    v.iter().copied().enumerate().fold((0, f64::INFINITY), |(bi, bv), (i, x)| if x < bv { (i, x) } else { (bi, bv) })
}
