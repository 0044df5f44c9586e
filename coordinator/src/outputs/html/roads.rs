//! The roads to evidence in `report.html`: the section's sentences and tables, and a chart
//! of each road's time to usable evidence (p50 to p90 as a bar, the median marked) on a
//! log time axis, with its number of cases.

use crate::analysis::roads::RoadRow;
use crate::outputs::axis::{log_duration_ticks, Frame};
use crate::report::Account;
use pocnet_core::time::format_duration_ms as dur;
use std::fmt::Write;

pub(super) fn section(a: &Account<'_>) -> String {
    let (Some(f), Some(section)) = (&a.analysis.roads, crate::outputs::section::roads(a)) else {
        return String::new();
    };
    let mut o = format!("<h2>{}</h2>{}", section.title, section.headline_html());
    o.push_str(&chart(&f.roads));
    o.push_str(&section.body_html());
    o
}

const HOUR_MS: u64 = 3_600_000;

fn chart(roads: &[RoadRow]) -> String {
    let longest = roads.iter().map(|r| r.time_to_evidence.p90_ms).max().unwrap_or(0).max(2 * HOUR_MS) as f64;
    // The axis ends at the first labelled time past the longest bar, so the bar ends
    // before the last label.
    let day = 24.0 * HOUR_MS as f64;
    let hi = [2.0, 7.0, 28.0, 91.0, 364.0]
        .into_iter()
        .map(|d| d * day)
        .find(|t| *t >= longest * 1.2)
        .unwrap_or(longest * 1.5);
    let lo = HOUR_MS as f64 / 2.0;
    let row = 30.0;
    let f =
        Frame { w: 640.0, h: 10.0 + row * roads.len() as f64 + 44.0, left: 150.0, right: 20.0, top: 6.0, bottom: 44.0 };
    let x = |ms: f64| f.x(ms.max(lo).ln(), lo.ln(), hi.ln());
    let ticks = log_duration_ticks(lo as u64, hi as u64);
    let n: usize = roads.iter().map(|r| r.requests).sum();
    let mut o = format!(
        "<svg id=\"roads-chart\" data-n=\"{n}\" width=\"{w}\" height=\"{h:.0}\" viewBox=\"0 0 {w} {h:.0}\" role=\"img\"><title>Time to usable evidence by road, p50 to p90 (log scale)</title>",
        w = f.w,
        h = f.h
    );
    o.push_str(&f.x_axis(&ticks, x, "time to usable evidence, from the scheduled time (log scale)"));
    for (i, r) in roads.iter().enumerate() {
        let y = 10.0 + row * i as f64;
        let p = &r.time_to_evidence;
        let _ = write!(o, "<text x=\"0\" y=\"{:.1}\" font-size=\"12\">{} (n={})</text>", y + 15.0, r.road, p.count);
        if p.count == 0 {
            continue;
        }
        let (x50, x90) = (x(p.p50_ms as f64), x(p.p90_ms as f64));
        let _ = write!(
            o,
            "<rect class=\"road\" data-road=\"{road}\" data-n=\"{n}\" x=\"{x50:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"#54aeff\"><title>{road}: p50 {p50}, p90 {p90} ({n} cases with usable evidence)</title></rect><line x1=\"{x50:.1}\" y1=\"{y:.1}\" x2=\"{x50:.1}\" y2=\"{y2:.1}\" stroke=\"#0550ae\" stroke-width=\"3\"/>",
            road = r.road,
            n = p.count,
            w = (x90 - x50).max(2.0),
            h = row - 10.0,
            y2 = y + row - 10.0,
            p50 = dur(p.p50_ms),
            p90 = dur(p.p90_ms)
        );
    }
    o.push_str("</svg><p class=\"note\">Each bar runs from the median (the dark mark) to the 90th percentile of the time to usable evidence, over the cases an agreement covered that ended in usable evidence (n).</p>");
    o
}
