//! Desks whose officers are counted, in `report.html`: a table, and the queue over the
//! weeks for the desks whose queues grew longest; regional hubs: what they took and saved.

use crate::outputs::axis::{count_ticks, Frame};
use crate::report::Account;
use std::fmt::Write;

/// Desks drawn in the queue chart.
const CHARTED_MAX: usize = 6;
const COLOURS: [&str; CHARTED_MAX] = ["#1f6feb", "#cf222e", "#8250df", "#bf8700", "#2da44e", "#6e7781"];

/// What each regional hub took and how much sooner a person answered: the section's
/// table, every column, and its note.
pub(super) fn hubs(a: &Account<'_>) -> String {
    crate::outputs::section::hubs(a).map_or(String::new(), |s| format!("<h2>{}</h2>{}", s.title, s.body_html()))
}

/// The desks' table, every column, and its sentences; the queue chart, or why there is
/// none; then the hubs.
pub(super) fn section(a: &Account<'_>) -> String {
    let Some(section) = crate::outputs::section::desks(a) else { return hubs(a) };
    let mut o = format!("<h2>{}</h2>{}", section.title, section.body_html());
    let mut charted: Vec<_> = a.analysis.desks.iter().filter(|d| d.queue_max > 0).collect();
    charted.sort_by(|x, y| y.queue_max.cmp(&x.queue_max).then(x.state.cmp(&y.state)));
    charted.truncate(CHARTED_MAX);
    if charted.is_empty() {
        o.push_str(&section.nothing_drawn_html());
    } else {
        o.push_str(&queues(a, &charted));
    }
    o.push_str(&hubs(a));
    o
}

/// The queue per UTC hour at the desks whose queues grew longest.
fn queues(a: &Account<'_>, charted: &[&crate::analysis::desks::DeskFigures]) -> String {
    let mut o = String::new();
    let hours = charted.iter().map(|d| d.queue_by_utc_hour.len()).max().unwrap_or(1).max(1);
    let top = charted.iter().flat_map(|d| d.queue_by_utc_hour.iter().copied()).fold(1.0, f64::max);
    let f = Frame { w: 1000.0, h: 260.0, left: 56.0, right: 14.0, top: 10.0, bottom: 76.0 };
    let ticks = count_ticks(0.0, top, f.y_ticks_fit());
    let top = ticks.last().map_or(1.0, |t| t.at);
    let x = |i: usize| f.x(i as f64, 0.0, hours as f64);
    let y = |v: f64| f.y(v, 0.0, top);
    let _ = write!(
        o,
        "<svg id=\"desk-queues\" data-n=\"{}\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\"><title>Work waiting per UTC hour at the desks whose queues grew longest</title>",
        charted.len(),
        w = f.w,
        h = f.h
    );
    let px_per_day = (f.x1() - f.left) * 24.0 / hours as f64;
    let days = super::charts::day_ticks(crate::outputs::week_start_of(a), hours, px_per_day);
    o.push_str(&f.x_axis(&days, |v| f.x(v, 0.0, hours as f64), "UTC, from Monday 00:00 of the first week"));
    o.push_str(&f.y_axis(&ticks, y));
    o.push_str(&f.y_title("work waiting"));
    for (i, (d, colour)) in charted.iter().zip(COLOURS).enumerate() {
        let points: Vec<String> =
            d.queue_by_utc_hour.iter().enumerate().map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v))).collect();
        let _ = write!(
            o,
            "<polyline class=\"queue\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"{}\"><title>{} {}</title></polyline>",
            points.join(" "),
            d.state,
            d.desk
        );
        let _ = write!(
            o,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"{colour}\">{} {}</text>",
            f.left + 160.0 * i as f64,
            f.h - 6.0,
            d.state,
            d.desk
        );
    }
    o.push_str("</svg><p class=\"note\">Mean pieces of work waiting for an officer in each UTC hour, from the Monday of the first week; day lines at 00:00 UTC.</p>");
    o
}
