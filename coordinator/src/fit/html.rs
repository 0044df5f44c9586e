//! fit.html: per figure a histogram with the fitted density and a QQ plot, and the
//! arrival heatmap; SVG drawn with the reports' axis module.

use super::outputs::{delay_text, markdown};
use super::stats::Fit;
use super::{Arrivals, Figure, Fitted};
use crate::outputs::axis::{count_ticks, duration_ticks, Frame};
use pocnet_core::time::WEEKDAYS;
use std::fmt::Write;

const BINS: usize = 24;

fn frame() -> Frame {
    Frame { w: 420.0, h: 260.0, left: 52.0, right: 16.0, top: 16.0, bottom: 44.0 }
}

/// A histogram of the durations (up to their 99th percentile) with the fitted density
/// as expected counts per bin.
pub fn histogram(sample: &[u64], fit: &Fit) -> String {
    let mut x: Vec<u64> = sample.to_vec();
    x.sort_unstable();
    let top = x[(x.len() * 99 / 100).min(x.len() - 1)].max(1);
    let ticks = duration_ticks(top, frame().x_ticks_fit(5));
    let hi = ticks.last().map_or(top as f64, |t| t.at);
    let width = hi / BINS as f64;
    let mut counts = [0u64; BINS];
    for v in &x {
        let b = ((*v as f64 / width) as usize).min(BINS - 1);
        counts[b] += 1;
    }
    let n = x.len() as f64;
    let expected: Vec<f64> =
        (0..BINS).map(|b| n * (fit.cdf((b + 1) as f64 * width) - fit.cdf(b as f64 * width))).collect();
    let ymax = counts.iter().map(|c| *c as f64).chain(expected.iter().copied()).fold(1.0, f64::max);
    let f = frame();
    let yt = count_ticks(0.0, ymax, f.y_ticks_fit());
    let ytop = yt.last().map_or(ymax, |t| t.at);
    let mut o = svg_open(&f, "histogram");
    o += &f.x_axis(&ticks, |v| f.x(v, 0.0, hi), &format!("duration (n = {})", x.len()));
    o += &f.y_axis(&yt, |v| f.y(v, 0.0, ytop));
    o += &f.y_title("requests per bin");
    for (b, c) in counts.iter().enumerate() {
        let (x0, x1) = (f.x(b as f64 * width, 0.0, hi), f.x((b + 1) as f64 * width, 0.0, hi));
        let y = f.y(*c as f64, 0.0, ytop);
        let _ = write!(o, "<rect x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#9ecae1\"><title>{c}</title></rect>", (x1 - x0 - 1.0).max(0.5), f.y1() - y);
    }
    let points: Vec<String> = expected
        .iter()
        .enumerate()
        .map(|(b, e)| format!("{:.1},{:.1}", f.x((b as f64 + 0.5) * width, 0.0, hi), f.y(*e, 0.0, ytop)))
        .collect();
    let _ = write!(o, "<polyline points=\"{}\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"><title>fitted {}</title></polyline></svg>", points.join(" "), delay_text(&fit.delay()));
    o
}

fn svg_open(f: &Frame, class: &str) -> String {
    format!(
        "<svg class=\"{class}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\">",
        w = f.w,
        h = f.h
    )
}

/// Observed quantiles against the fit's, with the diagonal.
pub fn qq(sample: &[u64], fit: &Fit) -> String {
    let mut x: Vec<u64> = sample.to_vec();
    x.sort_unstable();
    let n = x.len();
    let pairs: Vec<(f64, f64)> =
        x.iter().enumerate().map(|(i, v)| (fit.quantile((i as f64 + 0.5) / n as f64), *v as f64)).collect();
    let top = pairs.iter().map(|p| p.0.max(p.1)).fold(1.0, f64::max);
    let f = frame();
    let ticks = duration_ticks(top.ceil() as u64, f.x_ticks_fit(5));
    let hi = ticks.last().map_or(top, |t| t.at);
    let yt = duration_ticks(hi as u64, f.y_ticks_fit());
    let mut o = svg_open(&f, "qq");
    o += &f.x_axis(&ticks, |v| f.x(v, 0.0, hi), &format!("fitted quantile (n = {n})"));
    o += &f.y_axis(&yt, |v| f.y(v, 0.0, hi));
    o += &f.y_title("observed");
    let _ = write!(
        o,
        "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>",
        f.x(0.0, 0.0, hi),
        f.y(0.0, 0.0, hi),
        f.x(hi, 0.0, hi),
        f.y(hi, 0.0, hi)
    );
    for (q, v) in pairs {
        let _ =
            write!(o, "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2\" fill=\"#1f77b4\"/>", f.x(q, 0.0, hi), f.y(v, 0.0, hi));
    }
    o.push_str("</svg>");
    o
}

/// Arrivals an hour by local weekday (rows) and hour (columns), shaded by rate.
pub fn heatmap(a: &Arrivals) -> String {
    let (cw, ch, left, top) = (22.0, 22.0, 40.0, 10.0);
    let (w, h) = (left + 24.0 * cw + 10.0, top + 7.0 * ch + 44.0);
    let max = a.cells.iter().flatten().filter_map(|c| c.rate().map(|r| r.0)).fold(0.0, f64::max).max(1e-9);
    let mut o = format!("<svg class=\"heatmap\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\">");
    for (d, day) in a.cells.iter().enumerate() {
        let y = top + d as f64 * ch;
        let _ = write!(
            o,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            left - 4.0,
            y + 15.0,
            WEEKDAYS[d]
        );
        for (hr, c) in day.iter().enumerate() {
            let rate = c.rate().map_or(0.0, |r| r.0);
            let shade = 255.0 - 200.0 * rate / max;
            let _ = write!(o, "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"rgb({s:.0},{s:.0},255)\"><title>{} {hr:02}:00: {} arrivals in {} hours ({rate:.3} an hour)</title></rect>", left + hr as f64 * cw, cw - 1.0, ch - 1.0, WEEKDAYS[d], c.count, c.hours, s = shade);
        }
    }
    for hr in (0..24).step_by(3) {
        let _ = write!(
            o,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{hr:02}</text>",
            left + (hr as f64 + 0.5) * cw,
            top + 7.0 * ch + 14.0
        );
    }
    let zone = if a.local { "local hour" } else { "hour (UTC)" };
    let _ = write!(o, "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">{zone} (n = {} arrivals; darker: more an hour, up to {max:.3})</text></svg>", left + 12.0 * cw, top + 7.0 * ch + 34.0, a.count);
    o
}

fn figure_html(o: &mut String, f: &Figure) {
    let _ = write!(o, "<h3>{} (n = {})</h3>", f.title(), f.sample.len());
    match f.best() {
        None => o.push_str(&format!("<p>Fewer than {} durations: not fitted.</p>", super::MIN_SAMPLE)),
        Some(best) => {
            let _ = write!(
                o,
                "<p>Best by AIC: {} <code>{}</code></p><div class=\"charts\">{}{}</div>",
                best.family.as_str(),
                delay_text(&best.delay()),
                histogram(&f.sample, best),
                qq(&f.sample, best)
            );
        }
    }
}

/// fit.html: the charts, then fit.md's tables as preformatted text.
pub fn html(f: &Fitted, source: &str) -> String {
    let mut o = format!("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Fit of {}</title><style>body{{font-family:sans-serif;max-width:70em;margin:1em auto}} .charts{{display:flex;gap:1em;flex-wrap:wrap}} pre{{white-space:pre-wrap}}</style></head><body><h1>Fit of {} from {}</h1>", f.state, f.state, escape(source));
    o.push_str("<h2>Arrivals by local weekday and hour</h2>");
    match &f.arrivals {
        Some(a) => o.push_str(&heatmap(a)),
        None => o.push_str(&format!("<p>Fewer than {} records: no arrival pattern.</p>", super::MIN_ARRIVALS)),
    }
    o.push_str("<h2>Time to acknowledge, by roster mode at arrival</h2>");
    for fig in &f.acknowledge {
        figure_html(&mut o, fig);
    }
    o.push_str("<h2>Work time, by kind</h2>");
    for fig in &f.work {
        figure_html(&mut o, fig);
    }
    let _ = writeln!(o, "<h2>Tables</h2><pre>{}</pre></body></html>", escape(&markdown(f, source)));
    o
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
