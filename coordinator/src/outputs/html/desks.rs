//! Desks whose officers are counted, in `report.html`: a table, and the queue over the
//! weeks for the desks whose queues grew longest; regional hubs: what they took and saved.

use super::super::esc;
use crate::outputs::axis::{count_ticks, Frame};
use crate::report::Account;
use pocnet_core::time::format_duration_ms as dur;
use std::fmt::Write;

/// Desks drawn in the queue chart.
const CHARTED_MAX: usize = 6;
const COLOURS: [&str; CHARTED_MAX] = ["#1f6feb", "#cf222e", "#8250df", "#bf8700", "#2da44e", "#6e7781"];

/// What each regional hub took and how much sooner a person answered.
pub(super) fn hubs(a: &Account<'_>) -> String {
    if a.analysis.hubs.is_empty() {
        return String::new();
    }
    let mut o = String::from("<h2>Regional hubs</h2><table id=\"hubs\"><tr><th>hub</th><th>members</th><th>taken</th><th>executed</th><th>handed back</th><th>acknowledged p50</th><th>sooner than the member, p50</th></tr>");
    for h in &a.analysis.hubs {
        let members: Vec<&str> = h.members.iter().map(|m| m.as_str()).collect();
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            h.hub,
            members.join(" "),
            h.taken,
            h.executed,
            h.handed_back,
            dur(h.time_to_acknowledge.p50_ms),
            dur(h.sooner_than_the_member.p50_ms)
        );
    }
    o.push_str("</table><p class=\"note\">Requests that came while a member's desk was not staffed and its hub covered. Sooner: the member's next staffed opening after delivery, minus the hub's acknowledgement.</p>");
    o
}

pub(super) fn section(a: &Account<'_>) -> String {
    let desks = &a.analysis.desks;
    if desks.is_empty() {
        return hubs(a);
    }
    let mut o = String::from("<h2>Desks</h2><table id=\"desks\"><tr><th>state</th><th>desk</th><th>officers</th><th>work</th><th>utilisation</th><th>waited at all</th><th>mean wait</th><th>waiting p50</th><th>waiting p90</th><th>working p50</th><th>longest queue</th></tr>");
    for d in desks {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}%</td><td>{:.1}%</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            d.state,
            d.desk,
            esc(&d.officers),
            d.work,
            d.utilisation * 100.0,
            d.waited_share * 100.0,
            dur(d.waiting_mean_ms),
            dur(d.waiting.p50_ms),
            dur(d.waiting.p90_ms),
            dur(d.working.p50_ms),
            d.queue_max
        );
    }
    o.push_str("</table>");
    if let Some(section) = crate::outputs::section::desks(a) {
        o.push_str(&section.sentences_html());
    }
    let mut charted: Vec<_> = desks.iter().filter(|d| d.queue_max > 0).collect();
    charted.sort_by(|x, y| y.queue_max.cmp(&x.queue_max).then(x.state.cmp(&y.state)));
    charted.truncate(CHARTED_MAX);
    if charted.is_empty() {
        o.push_str("<p>No work ever waited for an officer.</p>");
        o.push_str(&hubs(a));
        return o;
    }
    o.push_str(&queues(a, &charted));
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
