//! `summary.md`: Markdown that fits a CI job summary.

use super::week_start_of;
use crate::analysis::coverage::hour_label;
use crate::report::{Account, Percentiles, ASSUMPTIONS};
use pocnet_core::time::format_duration_ms as dur;
use std::fmt::Write;

fn pct_row(name: &str, p: &Percentiles) -> String {
    format!(
        "| {name} | {} | {} | {} | {} | {} | {} |",
        p.count,
        dur(p.p50_ms),
        dur(p.p90_ms),
        dur(p.p95_ms),
        dur(p.p99_ms),
        dur(p.max_ms)
    )
}
/// Markdown that fits a CI job summary.
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
    if let Some(headline) = super::evidence_headline(a) {
        let _ = writeln!(o, "**{headline}**\n");
    }
    // A run without cases (a communication check alone) has no outcomes to show.
    if t.injects > 0 {
        let _ = writeln!(o, "| outcome | cases |\n|---|---|");
        for (name, n) in a.by_outcome() {
            let _ = writeln!(o, "| {name} | {n} |");
        }
    }
    if let Some(p) = &a.analysis.pings {
        let n = &p.answered;
        let _ = writeln!(
            o,
            "\n## Communication check\n\n{} pings from {}: {} answered within 1h, {} within 24h, {} later, {} never.\n\nDeclared roster contradicted: **{}**.\n\n| declared | pings | within 1h | within 24h | later | never |\n|---|---|---|---|---|---|",
            n.sent,
            p.from,
            n.within_1h,
            n.within_24h,
            n.later,
            n.never,
            p.contradicted_line()
        );
        for (declared, g) in &p.by_declared {
            let _ = writeln!(
                o,
                "| {declared} | {} | {} | {} | {} | {} |",
                g.sent, g.within_1h, g.within_24h, g.later, g.never
            );
        }
    }
    if let Some(d) = &a.analysis.decay {
        let _ = writeln!(
            o,
            "\n## Register decay\n\n{} of {} first sends ({:.1}%) reached a stale register entry ({} entries stale at the start); {} reached the desk by a fallback channel, {} never did; time lost p50 {}, p90 {}.",
            d.first_sends_dead,
            d.requests,
            d.first_sends_dead_share * 100.0,
            d.stale_at_start,
            d.reached_by_fallback,
            d.never_reached,
            dur(d.time_lost.p50_ms),
            dur(d.time_lost.p90_ms)
        );
        if let Some(c) = &d.with_current_register {
            let _ = writeln!(
                o,
                "\nWith every entry current: {} cases succeeded instead of {}; **{} lost to stale entries**, {} saved by the delay.",
                c.succeeded_with_current_register, c.succeeded, c.lost_to_stale_entries, c.saved_by_the_delay
            );
        }
    }
    if let Some(f) = &a.analysis.forgery {
        let r = &f.requests;
        let _ = writeln!(
            o,
            "\n## Forged requests and verification\n\n{} forged requests: {} accepted, {} caught by verification, {} ended otherwise; {} genuine requests verified (p50 {}, p90 {}).\n\n| verification | forged | accepted | caught | other |\n|---|---|---|---|---|",
            r.forged,
            r.accepted,
            r.caught,
            r.other,
            f.genuine_verified,
            dur(f.verification_time.p50_ms),
            dur(f.verification_time.p90_ms)
        );
        for (policy, g) in &f.by_verification {
            let _ = writeln!(o, "| {policy} | {} | {} | {} | {} |", g.forged, g.accepted, g.caught, g.other);
        }
        if let Some(w) = &f.without_verification {
            let _ = writeln!(
                o,
                "\nWithout verification: {} forged cases accepted instead of {}; genuine emergencies fulfilled in p50 {} instead of {} (p90 {} instead of {}); genuine cases lost to verification: {}.",
                w.forged_accepted_without,
                f.forged_cases_accepted,
                dur(w.genuine_emergency_time_to_fulfil_without.p50_ms),
                dur(w.genuine_emergency_time_to_fulfil.p50_ms),
                dur(w.genuine_emergency_time_to_fulfil_without.p90_ms),
                dur(w.genuine_emergency_time_to_fulfil.p90_ms),
                w.genuine_cases_lost
            );
        }
    }
    if !a.analysis.thresholds.is_empty() {
        let _ = writeln!(o, "\n## Thresholds\n\n| | threshold | measured |\n|---|---|---|");
        for v in &a.analysis.thresholds {
            let mark = if v.passed { "pass" } else { "**BREACH**" };
            let _ = writeln!(o, "| {mark} | `{}` | {} (n={}) |", v.threshold, v.value, v.samples);
        }
    }
    if let Some(e) = &a.analysis.evidence {
        let _ =
            writeln!(o, "\n## Usable evidence\n\n| | n | p50 | p90 | p95 | p99 | max |\n|---|---|---|---|---|---|---|");
        let t = &e.time_to_usable_evidence;
        let _ = writeln!(o, "{}", pct_row("time to usable evidence", &t.overall));
        for (kind, p) in &t.by_kind {
            let _ = writeln!(o, "{}", pct_row(&format!("time to usable evidence · {kind}"), p));
        }
        let m = &e.hold_margin;
        let _ = writeln!(
            o,
            "\nHolds lapsed: {} of {} ({:.1}%); margin when the MLA request arrived: p5 {}, p50 {} ({} requests).\n",
            e.hold_lapsed,
            e.with_mla,
            e.hold_lapsed_ratio * 100.0,
            super::signed_duration(m.p5_ms),
            super::signed_duration(m.p50_ms),
            m.requests
        );
        let _ = writeln!(o, "| where the time went | mean per case | share |\n|---|---|---|");
        for s in &e.where_the_time_went.stages {
            let _ = writeln!(o, "| {} | {} | {:.0}% |", s.stage, dur(s.mean_ms), s.share * 100.0);
        }
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
    if !a.analysis.desks.is_empty() {
        let _ = writeln!(
            o,
            "\n## Desks\n\nUtilisation counts an officer's work only while the desk is open for it.\n\n| state | desk | officers | work | utilisation | waited at all | mean wait | waiting p90 | longest queue |\n|---|---|---|---|---|---|---|---|---|"
        );
        for d in &a.analysis.desks {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {:.1}% | {:.1}% | {} | {} | {} |",
                d.state,
                d.desk,
                d.officers,
                d.work,
                d.utilisation * 100.0,
                d.waited_share * 100.0,
                dur(d.waiting_mean_ms),
                dur(d.waiting.p90_ms),
                d.queue_max
            );
        }
    }
    if !a.analysis.hubs.is_empty() {
        let _ = writeln!(o, "\n## Regional hubs\n\n| hub | taken | executed | handed back | acknowledged p50 | sooner than the member, p50 |\n|---|---|---|---|---|---|");
        for h in &a.analysis.hubs {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                h.hub,
                h.taken,
                h.executed,
                h.handed_back,
                dur(h.time_to_acknowledge.p50_ms),
                dur(h.sooner_than_the_member.p50_ms)
            );
        }
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
