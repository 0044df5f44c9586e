//! Forged requests and verification in `report.html`: how the forgeries ended by the
//! receiving desk's verification (stacked bars), and what verification cost genuine
//! emergencies (their time to fulfil with and without it, percentile by percentile).

use crate::analysis::forgery::Forgeries;
use crate::outputs::axis::{count_ticks, duration_ticks, Frame};
use crate::report::Account;
use pocnet_core::time::format_duration_ms as dur;
use std::fmt::Write;

pub(super) fn section(a: &Account<'_>) -> String {
    let (Some(f), Some(section)) = (&a.analysis.forgery, crate::outputs::section::forgery(a)) else {
        return String::new();
    };
    let mut o = format!("<h2>{}</h2>{}{}", section.title, section.headline_html(), section.sentences_html());
    o.push_str(&bars(&f.by_verification));
    if let Some(w) = &f.without_verification {
        o.push_str(&section.table_html("verification-trade-off"));
        o.push_str(&ladder(w));
    }
    o
}

/// One stacked bar per verification policy: accepted, caught, other.
fn bars(by: &std::collections::BTreeMap<&'static str, Forgeries>) -> String {
    let most = by.values().map(|f| f.forged).max().unwrap_or(0).max(1) as f64;
    let row = 24.0;
    let f = Frame { w: 640.0, h: 10.0 + row * by.len() as f64 + 56.0, left: 90.0, right: 20.0, top: 6.0, bottom: 56.0 };
    let ticks = count_ticks(0.0, most, f.x_ticks_fit(4));
    let most = ticks.last().map_or(1.0, |t| t.at);
    let (w, h, left, right) = (f.w, f.h, f.left, f.x1());
    let mut o = format!(
        "<svg id=\"forgery-bars\" data-n=\"{}\" width=\"{w}\" height=\"{h:.0}\" viewBox=\"0 0 {w} {h:.0}\" role=\"img\"><title>Forged requests by the receiving desk's verification: accepted, caught, other</title>",
        by.values().map(|f| f.forged).sum::<usize>()
    );
    o.push_str(&f.x_axis(&ticks, |v| f.x(v, 0.0, most), "forged requests"));
    for (i, (policy, f)) in by.iter().enumerate() {
        let y = 10.0 + row * i as f64;
        let _ = write!(o, "<text x=\"0\" y=\"{:.1}\" font-size=\"12\">{policy}</text>", y + 15.0);
        let mut x = left;
        for (class, n, colour) in
            [("accepted", f.accepted, "#cf222e"), ("caught", f.caught, "#2da44e"), ("other", f.other, "#afb8c1")]
        {
            let width = (right - left) * n as f64 / most;
            if n > 0 {
                let _ = write!(
                    o,
                    "<rect class=\"forged-{class}\" data-policy=\"{policy}\" data-n=\"{n}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{:.1}\" fill=\"{colour}\"><title>{policy}: {n} {class}</title></rect>",
                    row - 6.0
                );
            }
            x += width;
        }
    }
    let _ = write!(
        o,
        "<text x=\"{left}\" y=\"{:.1}\" font-size=\"11\" fill=\"#cf222e\">accepted</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#2da44e\">caught by verification</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#6e7781\">other</text></svg>",
        h - 6.0,
        left + 80.0,
        h - 6.0,
        left + 240.0,
        h - 6.0
    );
    o.push_str("<p class=\"note\">Forged requests by the receiving desk's verification of their kind (none, call-back, supervisor).</p>");
    o
}

/// Genuine emergencies' time to fulfil at each percentile, with and without verification.
fn ladder(w: &crate::analysis::forgery::WithoutVerification) -> String {
    let (with, without) = (&w.genuine_emergency_time_to_fulfil, &w.genuine_emergency_time_to_fulfil_without);
    let rows = [
        ("p50", with.p50_ms, without.p50_ms),
        ("p90", with.p90_ms, without.p90_ms),
        ("p95", with.p95_ms, without.p95_ms),
        ("p99", with.p99_ms, without.p99_ms),
    ];
    let top = rows.iter().map(|r| r.1.max(r.2)).max().unwrap_or(1).max(1);
    let row = 30.0;
    let f =
        Frame { w: 640.0, h: 10.0 + row * rows.len() as f64 + 56.0, left: 50.0, right: 190.0, top: 6.0, bottom: 56.0 };
    let ticks = duration_ticks(top, f.x_ticks_fit(5));
    let top = ticks.last().map_or(1.0, |t| t.at);
    let (wd, h, left) = (f.w, f.h, f.left);
    let mut o = format!(
        "<svg id=\"verification-cost\" data-n=\"{}\" width=\"{wd}\" height=\"{h:.0}\" viewBox=\"0 0 {wd} {h:.0}\" role=\"img\"><title>Genuine emergencies: time to fulfil with and without verification</title>",
        with.count.min(without.count)
    );
    o.push_str(&f.x_axis(&ticks, |v| f.x(v, 0.0, top), "time to fulfil"));
    for (i, (name, a, b)) in rows.iter().enumerate() {
        let y = 10.0 + row * i as f64;
        let scale = |v: u64| (f.x1() - left) * v as f64 / top;
        let _ = write!(
            o,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"12\">{name}</text><rect class=\"without\" x=\"{left}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"11\" fill=\"#8c959f\"/><rect class=\"with\" x=\"{left}\" y=\"{:.1}\" width=\"{:.1}\" height=\"11\" fill=\"#1f6feb\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{} without, {} with</text>",
            y + 16.0,
            scale(*b),
            y + 12.0,
            scale(*a),
            left + scale((*a).max(*b)) + 6.0,
            y + 16.0,
            dur(*b),
            dur(*a)
        );
    }
    let _ = write!(
        o,
        "<text x=\"{left}\" y=\"{:.1}\" font-size=\"11\" fill=\"#6e7781\">without verification</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#1f6feb\">with it</text></svg>",
        h - 4.0,
        left + 150.0,
        h - 4.0
    );
    o.push_str("<p class=\"note\">Genuine emergencies' time to fulfil, from the scheduled time, in this run (blue) and in the same run with no desk verifying (grey).</p>");
    o
}
