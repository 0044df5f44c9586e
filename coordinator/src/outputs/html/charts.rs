//! The charts of `report.html`, as inline SVG: the follow-the-sun curve, the coverage
//! heatmap, latency CDFs, the region-pair matrix, the longest chain link by link. Axes,
//! ticks and labels come from [`crate::outputs::axis`].

use super::super::axis::{self, count_ticks, duration_ticks, label_row, text_width, Frame, Tick};
use super::super::{esc, week_start_of};
use crate::analysis::coverage::{hour_label, StateCoverage, HOURS_PER_WEEK};
use crate::report::Account;
use pocnet_core::time::format_duration_ms as dur;
use pocnet_core::SimTime;
use std::collections::BTreeMap;
use std::fmt::Write;

const MS_PER_HOUR: i64 = 3_600_000;

/// One tick a day at 00:00 UTC from `start`: "Mon 3 Nov" where the labels fit a day
/// apart, on Mondays only where they do not.
pub(super) fn day_ticks(start: SimTime, hours: usize, px_per_day: f64) -> Vec<Tick> {
    let every_day = px_per_day >= text_width("Wed 30 Nov", 11.0) + 8.0;
    (0..=hours / 24)
        .map(|d| {
            let t = SimTime(start.0 + (d * 24) as i64 * MS_PER_HOUR);
            let label = if d < hours / 24 && (every_day || d % 7 == 0) {
                t.timestamp().strftime("%a %-d %b").to_string()
            } else {
                String::new()
            };
            Tick { at: (d * 24) as f64, label }
        })
        .collect()
}

/// Contact points staffed (and reachable) per UTC hour of the week.
pub(super) fn follow_the_sun(a: &Account<'_>) -> String {
    let c = &a.analysis.coverage;
    let f = Frame { w: 1000.0, h: 240.0, left: 56.0, right: 14.0, top: 10.0, bottom: 50.0 };
    let n = a.scenario.states.len();
    let hours = c.staffed_by_utc_hour.len().max(1);
    let ticks = count_ticks(0.0, n.max(1) as f64, f.y_ticks_fit().min(n.max(1)));
    let top = ticks.last().map_or(1.0, |t| t.at);
    let x = |i: f64| f.x(i, 0.0, hours as f64);
    let y = |v: f64| f.y(v, 0.0, top);
    let line = |v: &[f64]| -> String {
        v.iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1} {:.1},{:.1}", x(i as f64), y(*v), x((i + 1) as f64), y(*v)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut o = format!(
        "<svg id=\"follow-the-sun\" data-n=\"{n}\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\"><title>Contact points staffed per UTC hour, {} week(s) from {}</title>",
        c.weeks,
        c.week_start,
        w = f.w,
        h = f.h
    );
    let px_per_day = (f.x1() - f.left) * 24.0 / hours as f64;
    o.push_str(&f.x_axis(
        &day_ticks(week_start_of(a), hours, px_per_day),
        x,
        "UTC, from Monday 00:00 of the first week",
    ));
    o.push_str(&f.y_axis(&ticks, y));
    o.push_str(&f.y_title("contact points"));
    for g in &c.gaps {
        let _ = write!(
            o,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#b00\" opacity=\".15\"><title>no contact point staffed: {}</title></rect>",
            x(g.from_hour as f64),
            f.top,
            x((g.to_hour + 1) as f64) - x(g.from_hour as f64),
            f.y1() - f.top,
            esc(&g.label)
        );
    }
    let _ = write!(o, "<polyline fill=\"none\" stroke=\"#e0a000\" stroke-width=\"1.5\" points=\"{}\"><title>staffed or on call</title></polyline>", line(&c.reachable_by_utc_hour));
    let _ = write!(o, "<polyline class=\"curve\" fill=\"none\" stroke=\"#1a7f37\" stroke-width=\"2\" points=\"{}\"><title>staffed</title></polyline>", line(&c.staffed_by_utc_hour));
    let _ = write!(
        o,
        "</svg><p class=\"note\">Contact points (of {n}) per UTC hour. Green: staffed; amber: staffed or on call; red bands: no contact point staffed.</p>"
    );
    o
}

/// State × UTC hour of the week: staffed (green), on call (amber), closed (grey); each run
/// of hours a state spends in the same mode is one rectangle.
pub(super) fn heatmap(a: &Account<'_>) -> String {
    let c = &a.analysis.coverage;
    let hours = c.staffed_by_utc_hour.len().max(1);
    let start = week_start_of(a);
    let (cell_h, left) = (12.0, 40.0);
    let cell_w = (5.5 * HOURS_PER_WEEK as f64 / hours as f64).max(1.5);
    let w = left + cell_w * hours as f64 + 20.0;
    let rows = cell_h * c.states.len() as f64;
    let h = rows + 46.0;
    let mut o = format!(
        "<svg id=\"coverage-heatmap\" data-n=\"{}\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" role=\"img\"><title>Roster mode of each contact point per UTC hour</title>",
        c.states.len()
    );
    for (row, s) in c.states.iter().enumerate() {
        let yy = row as f64 * cell_h;
        let _ = write!(o, "<text x=\"0\" y=\"{:.1}\" font-size=\"10\">{}</text>", yy + cell_h - 3.0, s.code);
        o.push_str(&runs(s, start, (left, yy), (cell_w, cell_h)));
    }
    let x = |hour: usize| left + cell_w * hour as f64;
    for d in (0..=hours).step_by(24) {
        let _ = write!(o, "<line x1=\"{0:.1}\" y1=\"0\" x2=\"{0:.1}\" y2=\"{1:.1}\" stroke=\"#fff\"/><line x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"#888\"/>", x(d), rows, rows + 4.0);
    }
    // Hours of the day between the day lines, every 3, 6 or 12 hours as they fit.
    let step = [3, 6, 12].into_iter().find(|k| *k as f64 * cell_w >= 22.0).unwrap_or(12);
    let hour_labels: Vec<(f64, String)> =
        (0..hours).filter(|h| h % step == 0 && h % 24 != 0).map(|h| (x(h), format!("{:02}", h % 24))).collect();
    o.push_str(&label_row(hour_labels.iter().map(|(x, l)| (*x, l.as_str())), rows + 14.0, w));
    let days = day_ticks(start, hours, 24.0 * cell_w);
    o.push_str(&label_row(days.iter().map(|t| (x(t.at as usize), t.label.as_str())), rows + 28.0, w));
    let _ = write!(
        o,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">UTC hour and day</text></svg><p class=\"note\">Each row a contact point, each column a UTC hour from Monday 00:00 of the first week (hours of the day above, days at their 00:00 line below): green staffed, amber on call, grey closed. Each run of hours a contact point spends in one mode is one bar (its hours in the tooltip).</p>",
        left + cell_w * hours as f64 / 2.0,
        rows + 42.0
    );
    o
}

/// One state's row: a rectangle per run of hours with the same staffed and closed shares.
fn runs(s: &StateCoverage, start: SimTime, (left, yy): (f64, f64), (cell_w, cell_h): (f64, f64)) -> String {
    let hours = s.staffed_by_utc_hour.len();
    let at = |h: usize| (s.staffed_by_utc_hour[h], s.closed_by_utc_hour.get(h).copied().unwrap_or(0.0));
    let mut o = String::new();
    let mut from = 0;
    for hour in 1..=hours {
        if hour < hours && at(hour) == at(from) {
            continue;
        }
        let (staffed, closed) = at(from);
        let colour = if staffed >= 0.5 {
            "#1a7f37"
        } else if closed >= 0.5 {
            "#d0d0d0"
        } else {
            "#e0a000"
        };
        let _ = write!(
            o,
            "<rect class=\"cell\" data-hours=\"{}\" x=\"{:.2}\" y=\"{yy:.1}\" width=\"{:.2}\" height=\"{:.1}\" fill=\"{colour}\"><title>{} {}: staffed {:.0}%</title></rect>",
            hour - from,
            left + cell_w * from as f64,
            cell_w * (hour - from) as f64,
            cell_h - 1.0,
            s.code,
            hour_label(start, from, hour - 1),
            staffed * 100.0
        );
        from = hour;
    }
    o
}

/// Cumulative distributions of time to acknowledge and to fulfil, log time axis from a
/// minute to the first tick past the slowest answer.
pub(super) fn cdfs(a: &Account<'_>) -> String {
    let f = Frame { w: 1000.0, h: 270.0, left: 56.0, right: 14.0, top: 10.0, bottom: 50.0 };
    let series: [(&str, &str, Vec<Option<u64>>); 2] = [
        ("acknowledged", "#1f6feb", a.ledger.requests.iter().map(|q| q.time_to_acknowledge_ms()).collect()),
        ("fulfilled", "#8250df", a.ledger.requests.iter().map(|q| q.time_to_fulfil_ms()).collect()),
    ];
    let slowest = series.iter().flat_map(|s| s.2.iter().flatten()).max().copied().unwrap_or(0);
    let hi = axis::log_duration_ticks(86_400_000, u64::MAX).into_iter().map(|t| t.at as u64).find(|t| *t >= slowest);
    let (lo, hi) = (60_000f64.ln(), (hi.unwrap_or(slowest) as f64).ln());
    let x = |ms: f64| f.x(ms.max(60_000.0).ln(), lo, hi);
    let y = |share: f64| f.y(share, 0.0, 1.0);
    let mut o = format!(
        "<svg id=\"latency-cdf\" data-n=\"{}\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\"><title>Share of requests acknowledged and fulfilled within a time</title>",
        a.ledger.totals.requests,
        w = f.w,
        h = f.h
    );
    let ticks = axis::log_duration_ticks(60_000, hi.exp().round() as u64);
    o.push_str(&f.x_axis(&ticks, x, "time from the scheduled time (log scale)"));
    o.push_str(&f.y_axis(&axis::percent_ticks(f.y_ticks_fit()), y));
    o.push_str(&f.y_title("requests"));
    for (name, colour, values) in series {
        let total = values.len().max(1) as f64;
        let mut done: Vec<u64> = values.into_iter().flatten().collect();
        done.sort_unstable();
        let mut points = vec![format!("{:.1},{:.1}", f.left, y(0.0))];
        for (i, v) in done.iter().enumerate() {
            let xv = x(*v as f64);
            points.push(format!("{xv:.1},{:.1} {xv:.1},{:.1}", y(i as f64 / total), y((i + 1) as f64 / total)));
        }
        let _ = write!(
            o,
            "<polyline class=\"cdf\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"><title>{name}</title></polyline>",
            points.join(" ")
        );
    }
    let count = |key: &str| a.analysis.latency.get(key).map_or(0, |t| t.overall.count);
    let _ = write!(
        o,
        "</svg><p class=\"note\">Share of the {} requests answered within a time. Blue: acknowledged ({} requests); purple: fulfilled ({}). Requests never acknowledged or fulfilled keep the curve below 100%.</p>",
        a.ledger.totals.requests,
        count("time_to_acknowledge"),
        count("time_to_fulfil")
    );
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
    let mut o = format!("<svg id=\"region-matrix\" data-n=\"{}\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" role=\"img\"><title>Requester region (rows) to receiver region (columns)</title>", placed.len());
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
/// The chain the section captions, each link as a bar on a time axis from its first
/// request.
pub(super) fn chain_timeline(a: &Account<'_>) -> String {
    let Some(section) = crate::outputs::section::chain(a) else { return String::new() };
    let Some((id, caption)) = section.captions().next() else { return String::new() };
    let Some(case) = a.ledger.cases.iter().find(|c| c.id == id) else { return String::new() };
    let links: Vec<_> = a.ledger.requests.iter().filter(|q| q.id.case == case.id.case).collect();
    let t0 = links.first().map(|q| q.scheduled.0).unwrap_or(0);
    let ms = |t: Option<pocnet_core::SimTime>| t.map(|t| t.0 - t0);
    // The 24/7 step of every link (the evidence step has a chart of its own).
    let span = links.iter().map(|q| q.step.at.since(q.scheduled) as i64 + q.scheduled.0 - t0).max().unwrap_or(1).max(1);
    let row = 30.0;
    let f = Frame { w: 1000.0, h: row * links.len() as f64 + 50.0, left: 130.0, right: 14.0, top: 6.0, bottom: 44.0 };
    let ticks = duration_ticks(span as u64, f.x_ticks_fit(6));
    let end = ticks.last().map_or(1.0, |t| t.at);
    let x = |v: i64| f.x(v.max(0) as f64, 0.0, end);
    let mut o = format!(
        "<h2>{}</h2>{caption}<svg id=\"chain-timeline\" data-n=\"{}\" width=\"{w}\" height=\"{h:.0}\" viewBox=\"0 0 {w} {h:.0}\" role=\"img\"><title>Links of case {}</title>",
        section.title,
        links.len(),
        esc(&case.id.to_string()),
        w = f.w,
        h = f.h
    );
    o.push_str(&f.x_axis(&ticks, |v| x(v as i64), "time from the case's first request"));
    for (i, q) in links.iter().enumerate() {
        let yy = f.top + 4.0 + row * i as f64;
        let start = q.scheduled.0 - t0;
        let ack = ms(q.step.acknowledged.map(|(t, _)| t));
        let done =
            ms(q.step.executed).or(ms(q.step.response_received)).unwrap_or(start + q.time_to_outcome_ms() as i64);
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
