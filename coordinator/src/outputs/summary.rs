//! `summary.md`: Markdown that fits a CI job summary.

use super::week_start_of;
use crate::analysis::coverage::hour_label;
use crate::report::{Account, Percentiles, ASSUMPTIONS};
use pocnet_core::time::format_duration_ms as dur;
use std::fmt::Write;

fn pct_row(name: &str, p: &Percentiles) -> String {
    format!("| {} |", super::section::percentile_row(name.to_string(), p).join(" | "))
}
/// Markdown that fits a CI job summary.
// Over 70 lines and not yet split by step: listed in ARCHITECTURE.md's debt, to go.
#[allow(clippy::too_many_lines)]
pub fn summary_md(a: &Account<'_>) -> String {
    let mut o = String::new();
    let t = &a.ledger.totals;
    let _ = writeln!(o, "# pocnet: {}\n", a.scenario.name);
    let _ = writeln!(
        o,
        "{} contact points, {} cases ({} requests), seed {}, from {}.\n",
        a.scenario.states.len(),
        t.injects,
        t.requests,
        a.scenario.seed,
        a.scenario.start
    );
    let evidence = super::section::evidence(a);
    if let Some(headline) = evidence.as_ref().and_then(|e| e.headline.as_ref()) {
        let _ = writeln!(o, "**{}**\n", headline.markdown());
    }
    // A run without cases (a communication check alone) has no outcomes to show.
    if t.injects > 0 {
        let _ = writeln!(o, "| outcome | cases |\n|---|---|");
        for (name, n) in a.by_outcome() {
            let _ = writeln!(o, "| {name} | {n} |");
        }
    }
    for section in [super::section::pings(a), super::section::decay(a), super::section::forgery(a)].iter().flatten() {
        o.push_str(&section.markdown());
    }
    if !a.analysis.thresholds.is_empty() {
        let _ = writeln!(o, "\n## Thresholds\n\n| | threshold | measured |\n|---|---|---|");
        for v in &a.analysis.thresholds {
            let mark = if v.passed { "pass" } else { "**BREACH**" };
            let _ = writeln!(o, "| {mark} | `{}` | {} (n={}) |", v.threshold, v.value, v.samples);
        }
    }
    if let Some(e) = &evidence {
        o.push_str(&e.markdown());
    }
    // Sections with nothing measured are not written.
    if a.analysis.latency.values().any(|t| t.overall.count > 0) {
        let _ = writeln!(
            o,
            "\n## Latency from the scheduled time\n\n| | n | p50 | p90 | p95 | p99 | max |\n|---|---|---|---|---|---|---|"
        );
    }
    for (name, table) in a.analysis.latency.iter().filter(|(_, t)| t.overall.count > 0) {
        let _ = writeln!(o, "{}", pct_row(name, &table.overall));
        for (kind, p) in &table.by_kind {
            let _ = writeln!(o, "{}", pct_row(&format!("{name} · {kind}"), p));
        }
    }
    for section in [super::section::desks(a), super::section::hubs(a)].iter().flatten() {
        o.push_str(&section.markdown());
    }
    let worst = [
        ("region pair", &a.analysis.outcomes.worst_region_pairs),
        ("receiver hour", &a.analysis.outcomes.worst_receiver_hours),
    ];
    if worst.iter().any(|(_, spots)| !spots.is_empty()) {
        let _ = writeln!(o, "\n## Where it went worst");
    }
    for (group, spots) in worst.into_iter().filter(|(_, spots)| !spots.is_empty()) {
        let _ = writeln!(o, "\n| {group} | requests | failed | p90 acknowledge |\n|---|---|---|---|");
        for h in spots {
            let p90 = h.p90_ack_ms.map(dur).unwrap_or("-".into());
            let _ = writeln!(o, "| {} | {} | {} | {p90} |", h.name, h.requests, h.failed);
        }
    }
    let c = &a.analysis.coverage;
    let (min_h, min_v) = min_hour(&c.staffed_by_utc_hour);
    let _ = write!(
        o,
        "\n## Coverage (rosters, week of {})\n\nFewest contact points staffed: {min_v:.1} at {}.",
        c.week_start,
        hour_label(week_start_of(a), min_h, min_h),
    );
    if t.requests > 0 {
        let _ = write!(
            o,
            " Acknowledged within {}: {:.1}% of requests.",
            dur(a.analysis.sla.ack_sla_ms),
            a.analysis.sla.overall.ratio * 100.0
        );
    }
    let _ = writeln!(o);
    if c.gaps.is_empty() {
        let _ = writeln!(o, "No hour of the week without a staffed contact point.");
    } else {
        let gaps: Vec<&str> = c.gaps.iter().map(|g| g.label.as_str()).collect();
        let _ = writeln!(o, "No contact point staffed: {}.", gaps.join("; "));
    }
    let _ = writeln!(o, "\n_{}_", ASSUMPTIONS);
    o
}
fn min_hour(v: &[f64]) -> (usize, f64) {
    v.iter().copied().enumerate().fold((0, f64::INFINITY), |(bi, bv), (i, x)| if x < bv { (i, x) } else { (bi, bv) })
}
