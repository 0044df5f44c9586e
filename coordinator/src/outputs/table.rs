//! The console's table: one line per request, times in scenario UTC and both parties'
//! local time, then the totals, the percentiles and the thresholds.

use crate::report::Account;
use pocnet_core::time::format_duration_ms;
use std::fmt::Write;

/// The whole table; `totals_only` keeps what follows the per-request lines.
pub fn table(a: &Account<'_>, totals_only: bool) -> String {
    let mut out = String::new();
    if !totals_only && !a.ledger.requests.is_empty() {
        requests(a, &mut out);
        out.push('\n');
    }
    let _ = writeln!(out, "{}", super::section::totals_line(a));
    for section in [super::section::evidence(a), super::section::roads(a)].into_iter().flatten() {
        if let Some(headline) = section.headline {
            let _ = writeln!(out, "{}", headline.text());
        }
    }
    for (name, table) in &a.analysis.latency {
        let p = &table.overall;
        if p.count == 0 {
            let _ = writeln!(out, "{name:<20} n=0    (no answer to measure)");
            continue;
        }
        let _ = writeln!(
            out,
            "{name:<20} n={:<4} p50 {:<7} p90 {:<7} p95 {:<7} p99 {:<7} max {}",
            p.count,
            format_duration_ms(p.p50_ms),
            format_duration_ms(p.p90_ms),
            format_duration_ms(p.p95_ms),
            format_duration_ms(p.p99_ms),
            format_duration_ms(p.max_ms)
        );
    }
    for v in &a.analysis.thresholds {
        let mark = if v.passed { "ok    " } else { "BREACH" };
        let _ = writeln!(out, "threshold {mark} {}  (measured {}, n={})", v.threshold, v.value, v.samples);
    }
    out
}

fn requests(a: &Account<'_>, out: &mut String) {
    let short = |state, t| a.zones.format(state, t, "%a %H:%M");
    let _ = writeln!(
        out,
        "{:<6} {:<18} {:<8} {:<17} {:<10} {:<24} {:<24} outcome",
        "id", "kind", "from>to", "scheduled UTC", "req local", "acknowledged (rcv local)", "executed (rcv local)",
    );
    for r in &a.ledger.requests {
        let ack = match (r.step.acknowledged, r.time_to_acknowledge_ms()) {
            (Some((t, _)), Some(ms)) => format!("{} +{}", short(r.to, t), format_duration_ms(ms)),
            _ => "-".into(),
        };
        let done = match (r.step.executed, r.time_to_fulfil_ms()) {
            (Some(t), Some(ms)) => format!("{} +{}", short(r.to, t), format_duration_ms(ms)),
            // Executed, but not in time, or refused: the outcome says which.
            (Some(t), None) => format!("{} ({})", short(r.to, t), r.outcome.as_str()),
            _ => "-".into(),
        };
        let _ = writeln!(
            out,
            "{:<6} {:<18} {:<8} {:<17} {:<10} {:<24} {:<24} {}",
            r.id.to_string(),
            r.kind.to_string(),
            format!("{}>{}", r.from, r.to),
            r.scheduled.timestamp().strftime("%Y-%m-%d %H:%M").to_string(),
            short(r.from, r.scheduled),
            ack,
            done,
            r.outcome.as_str()
        );
    }
}
