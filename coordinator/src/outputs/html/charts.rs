//! The charts of `report.html`, as inline SVG: the follow-the-sun curve, the coverage
//! heatmap, latency CDFs, the region-pair matrix, the longest chain link by link.

use super::super::{esc, week_start_of};
use crate::analysis::coverage::{hour_label, HOURS_PER_WEEK};
use crate::report::Account;
use pocnet_core::time::format_duration_ms as dur;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Contact points staffed (and reachable) per UTC hour of the week.
pub(super) fn follow_the_sun(a: &Account<'_>) -> String {
    let c = &a.analysis.coverage;
    let (w, h, left, bottom) = (1000.0, 220.0, 40.0, 30.0);
    let n = a.scenario.states.len().max(1) as f64;
    let hours = c.staffed_by_utc_hour.len().max(1);
    let x = |i: usize| left + (w - left - 10.0) * i as f64 / hours as f64;
    let y = |v: f64| 10.0 + (h - bottom - 10.0) * (1.0 - v / n);
    let line = |v: &[f64]| -> String {
        v.iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1} {:.1},{:.1}", x(i), y(*v), x(i + 1), y(*v)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut o = format!(
        "<svg id=\"follow-the-sun\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\"><title>Contact points staffed per UTC hour, {} week(s) from {}</title>",
        c.weeks, c.week_start
    );
    let days = hours / 24;
    let start = week_start_of(a);
    for d in 0..=days {
        let xd = x(d * 24);
        let _ = write!(o, "<line x1=\"{xd:.1}\" y1=\"10\" x2=\"{xd:.1}\" y2=\"{:.1}\" stroke=\"#ddd\"/>", h - bottom);
        // One label a day for a week, one a week (its Monday's date) beyond.
        let label = if days <= 7 {
            Some(format!("{} (UTC)", pocnet_core::time::WEEKDAYS[d % 7]))
        } else if d % 7 == 0 {
            Some(start.plus_ms(d as u64 * 86_400_000).timestamp().strftime("Mon %d %b").to_string())
        } else {
            None
        };
        if let (true, Some(label)) = (d < days, label) {
            let _ = write!(o, "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{label}</text>", xd + 4.0, h - 12.0);
        }
    }
    let _ = write!(
        o,
        "<text x=\"2\" y=\"{:.1}\" font-size=\"11\">{n:.0}</text><text x=\"2\" y=\"{:.1}\" font-size=\"11\">0</text>",
        y(n) + 4.0,
        y(0.0)
    );
    let _ = write!(o, "<polyline fill=\"none\" stroke=\"#e0a000\" stroke-width=\"1.5\" points=\"{}\"><title>staffed or on call</title></polyline>", line(&c.reachable_by_utc_hour));
    let _ = write!(o, "<polyline class=\"curve\" fill=\"none\" stroke=\"#1a7f37\" stroke-width=\"2\" points=\"{}\"><title>staffed</title></polyline>", line(&c.staffed_by_utc_hour));
    for g in &c.gaps {
        let _ = write!(
            o,
            "<rect x=\"{:.1}\" y=\"10\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#b00\" opacity=\".15\"><title>no contact point staffed: {}</title></rect>",
            x(g.from_hour),
            x(g.to_hour + 1) - x(g.from_hour),
            h - bottom - 10.0,
            esc(&g.label)
        );
    }
    o.push_str(
        "</svg><p class=\"note\">Green: staffed; amber: staffed or on call; red bands: no contact point staffed.</p>",
    );
    o
}
/// State × UTC hour of the week: staffed (green), on call (amber), closed (grey).
pub(super) fn heatmap(a: &Account<'_>) -> String {
    let c = &a.analysis.coverage;
    let hours = c.staffed_by_utc_hour.len();
    let start = week_start_of(a);
    let (cell_h, left) = (11.0, 40.0);
    let cell_w = (5.5 * HOURS_PER_WEEK as f64 / hours.max(1) as f64).max(1.5);
    let w = left + cell_w * hours as f64 + 10.0;
    let h = cell_h * c.states.len() as f64 + 20.0;
    let mut o = format!("<svg id=\"coverage-heatmap\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" role=\"img\"><title>Roster mode of each contact point per UTC hour</title>");
    for (row, s) in c.states.iter().enumerate() {
        let yy = row as f64 * cell_h;
        let _ = write!(o, "<text x=\"0\" y=\"{:.1}\" font-size=\"9\">{}</text>", yy + cell_h - 2.0, s.code);
        for hour in 0..hours {
            let staffed = s.staffed_by_utc_hour.get(hour).copied().unwrap_or(0.0);
            let closed = s.closed_by_utc_hour.get(hour).copied().unwrap_or(0.0);
            let colour = if staffed >= 0.5 {
                "#1a7f37"
            } else if closed >= 0.5 {
                "#d0d0d0"
            } else {
                "#e0a000"
            };
            let _ = write!(
                o,
                "<rect class=\"cell\" x=\"{:.2}\" y=\"{yy:.1}\" width=\"{cell_w:.2}\" height=\"{:.1}\" fill=\"{colour}\"><title>{} {}: staffed {:.0}%</title></rect>",
                left + cell_w * hour as f64,
                cell_h - 1.0,
                s.code,
                hour_label(start, hour, hour),
                staffed * 100.0
            );
        }
    }
    o.push_str("</svg><p class=\"note\">Each row a contact point, each column a UTC hour from Monday 00:00 of the first week: green staffed, amber on call, grey closed.</p>");
    o
}
/// Cumulative distributions of time to acknowledge and to fulfil, log time axis.
pub(super) fn cdfs(a: &Account<'_>) -> String {
    let (w, h, left, bottom) = (1000.0, 260.0, 40.0, 30.0);
    let (lo, hi) = (60_000f64.ln(), (30.0 * 86_400_000f64).ln()); // 1 minute to 30 days
    let x = |ms: u64| left + (w - left - 10.0) * (((ms.max(60_000) as f64).ln() - lo) / (hi - lo)).clamp(0.0, 1.0);
    let y = |f: f64| 10.0 + (h - bottom - 10.0) * (1.0 - f);
    let mut o = format!("<svg id=\"latency-cdf\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\"><title>Share of requests acknowledged and fulfilled within a time</title>");
    for (ms, label) in [
        (60_000u64, "1m"),
        (600_000, "10m"),
        (3_600_000, "1h"),
        (21_600_000, "6h"),
        (86_400_000, "1d"),
        (604_800_000, "7d"),
        (2_592_000_000, "30d"),
    ] {
        let xv = x(ms);
        let _ = write!(o, "<line x1=\"{xv:.1}\" y1=\"10\" x2=\"{xv:.1}\" y2=\"{:.1}\" stroke=\"#eee\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{label}</text>", h - bottom, xv - 8.0, h - 12.0);
    }
    for (f, label) in [(0.5, "50%"), (0.9, "90%"), (1.0, "100%")] {
        let _ = write!(o, "<line x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#eee\"/><text x=\"2\" y=\"{:.1}\" font-size=\"11\">{label}</text>", y(f), w - 10.0, y(f), y(f) + 4.0);
    }
    let series: [(&str, &str, Vec<Option<u64>>); 2] = [
        ("acknowledged", "#1f6feb", a.ledger.requests.iter().map(|q| q.time_to_acknowledge_ms()).collect()),
        ("fulfilled", "#8250df", a.ledger.requests.iter().map(|q| q.time_to_fulfil_ms()).collect()),
    ];
    for (name, colour, values) in series {
        let total = values.len().max(1) as f64;
        let mut done: Vec<u64> = values.into_iter().flatten().collect();
        done.sort_unstable();
        let mut points = vec![format!("{left:.1},{:.1}", y(0.0))];
        for (i, v) in done.iter().enumerate() {
            points.push(format!(
                "{:.1},{:.1} {:.1},{:.1}",
                x(*v),
                y(i as f64 / total),
                x(*v),
                y((i + 1) as f64 / total)
            ));
        }
        let _ = write!(
            o,
            "<polyline class=\"cdf\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"><title>{name}: {} of {} requests</title></polyline>",
            points.join(" "),
            done.len(),
            total
        );
    }
    o.push_str("</svg><p class=\"note\">Blue: acknowledged; purple: fulfilled. Requests never acknowledged or fulfilled keep the curve below 100%.</p>");
    o
}
/// Requester region × receiver region: p90 time to acknowledge and failure share.
pub(super) fn region_matrix(a: &Account<'_>) -> String {
    let placed = crate::analysis::place(a.scenario, &a.ledger);
    let mut regions: Vec<String> =
        placed.iter().flat_map(|q| [q.from_region.to_string(), q.to_region.to_string()]).collect();
    regions.sort();
    regions.dedup();
    let mut cells: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for q in &placed {
        let e = cells.entry(q.region_pair()).or_default();
        e.0 += 1;
        e.1 += usize::from(!q.request.outcome.is_success());
    }
    let ack = a.analysis.latency.get("time_to_acknowledge").map(|t| &t.by_region_pair);
    let (cw, ch, left, top) = (150.0, 34.0, 190.0, 40.0);
    let w = left + cw * regions.len() as f64 + 10.0;
    let h = top + ch * regions.len() as f64 + 10.0;
    let mut o = format!("<svg id=\"region-matrix\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" role=\"img\"><title>Requester region (rows) to receiver region (columns)</title>");
    for (i, reg) in regions.iter().enumerate() {
        let _ = write!(
            o,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">to {}</text>",
            left + cw * i as f64 + 2.0,
            top - 8.0,
            esc(reg)
        );
        let _ = write!(
            o,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"10\">from {}</text>",
            top + ch * i as f64 + ch / 2.0 + 3.0,
            esc(reg)
        );
    }
    for (i, from) in regions.iter().enumerate() {
        for (j, to) in regions.iter().enumerate() {
            let key = format!("{from} > {to}");
            let (n, failed) = cells.get(&key).copied().unwrap_or((0, 0));
            let p90 = ack.and_then(|m| m.get(&key)).map(|p| p.p90_ms);
            let share = if n == 0 { 0.0 } else { failed as f64 / n as f64 };
            let fill = if n == 0 {
                "#f8f8f8".to_string()
            } else {
                format!("rgb(255,{0},{0})", (255.0 * (1.0 - share.min(1.0) * 0.8)) as u8)
            };
            let (xx, yy) = (left + cw * j as f64, top + ch * i as f64);
            let label = match p90 {
                Some(p) if n > 0 => format!("p90 {} · {failed}/{n} failed", dur(p)),
                _ if n > 0 => format!("{failed}/{n} failed"),
                _ => String::new(),
            };
            let _ = write!(
                o,
                "<rect class=\"pair\" x=\"{xx:.1}\" y=\"{yy:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\" stroke=\"#ccc\"><title>{}: {n} requests</title></rect><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{label}</text>",
                cw - 2.0,
                ch - 2.0,
                esc(&key),
                xx + 4.0,
                yy + ch / 2.0 + 3.0
            );
        }
    }
    o.push_str(
        "</svg><p class=\"note\">Each cell: p90 time to acknowledge and failed requests; redder is more failures.</p>",
    );
    o
}
/// The longest chain of the run (most links, then longest), each link as a bar.
pub(super) fn chain_timeline(a: &Account<'_>) -> String {
    let Some(case) =
        a.ledger.cases.iter().max_by_key(|c| (c.path.len(), c.end_to_end_ms(), std::cmp::Reverse(c.id.to_string())))
    else {
        return "<p>No cases.</p>".into();
    };
    let links: Vec<_> = a.ledger.requests.iter().filter(|q| q.id.case == case.id.case).collect();
    let t0 = links.first().map(|q| q.scheduled.0).unwrap_or(0);
    let ms = |t: Option<pocnet_core::SimTime>| t.map(|t| t.0 - t0);
    // The 24/7 step of every link (the evidence step has a chart of its own).
    let span =
        links.iter().map(|q| q.step_at.since(q.scheduled) as i64 + q.scheduled.0 - t0).max().unwrap_or(1).max(1) as f64;
    let (w, left, row) = (1000.0, 120.0, 30.0);
    let h = row * links.len() as f64 + 40.0;
    let x = |v: i64| left + (w - left - 10.0) * (v.max(0) as f64 / span).min(1.0);
    let mut o = format!(
        "<p>Case {} from {}: {} ({}), {} end to end.</p><svg id=\"chain-timeline\" width=\"{w}\" height=\"{h:.0}\" viewBox=\"0 0 {w} {h:.0}\" role=\"img\"><title>Links of case {}</title>",
        esc(&case.id.to_string()),
        case.from,
        case.outcome.as_str(),
        esc(&case.reason.to_string()),
        dur(case.end_to_end_ms()),
        esc(&case.id.to_string())
    );
    for (i, q) in links.iter().enumerate() {
        let yy = 10.0 + row * i as f64;
        let start = q.scheduled.0 - t0;
        let ack = ms(q.acknowledged.map(|(t, _)| t));
        let done = ms(q.executed).or(ms(q.response_received)).unwrap_or(start + q.time_to_outcome_ms() as i64);
        let id = q.id.to_string();
        let _ = write!(
            o,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"11\">{} {}&gt;{}</text>",
            yy + 14.0,
            esc(&id),
            q.from,
            q.to
        );
        let _ = write!(
            o,
            "<rect class=\"link\" x=\"{:.1}\" y=\"{yy:.1}\" width=\"{:.1}\" height=\"18\" fill=\"#8250df\" opacity=\".6\"><title>{}: {} ({})</title></rect>",
            x(start),
            (x(done) - x(start)).max(1.0),
            esc(&id),
            q.outcome.as_str(),
            esc(&q.reason.to_string())
        );
        if let Some(a) = ack {
            let _ = write!(o, "<line x1=\"{0:.1}\" y1=\"{yy:.1}\" x2=\"{0:.1}\" y2=\"{1:.1}\" stroke=\"#1f6feb\" stroke-width=\"3\"><title>acknowledged</title></line>", x(a), yy + 18.0);
        }
    }
    o.push_str("</svg><p class=\"note\">Bars from request to execution; blue ticks: acknowledgement.</p>");
    o
}
