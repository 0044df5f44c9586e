//! A communication check in `report.html`: who answered within an hour, by the receiver's
//! local hour and declared roster (a chart), and the "declared vs measured" table.

use crate::analysis::pings::{Answered, Declared, PingFigures};
use crate::outputs::axis::{self, Frame, Tick};
use crate::report::Account;
use std::fmt::Write;

const COLOURS: [&str; 3] = ["#1f6feb", "#bf8700", "#cf222e"];

pub(super) fn section(a: &Account<'_>) -> String {
    let (Some(p), Some(section)) = (&a.analysis.pings, crate::outputs::section::pings(a)) else {
        return String::new();
    };
    let mut o = format!("<h2>{}</h2>{}{}", section.title, section.headline_html(), section.sentences_html());
    o.push_str(&chart(p));
    o.push_str(&section.table_html("declared-vs-measured"));
    o
}

/// Answered within an hour, as a share of the pings sent in each local hour, one line per
/// declared pattern; a point on fewer than [`axis::FEW`] pings hollow.
fn chart(p: &PingFigures) -> String {
    let f = Frame { w: 760.0, h: 310.0, left: 56.0, right: 16.0, top: 10.0, bottom: 92.0 };
    let x = |hour: f64| f.x(hour, 0.0, 23.0);
    let y = |share: f64| f.y(share, 0.0, 1.0);
    let mut o = format!(
        "<svg id=\"ping-hours\" data-n=\"{}\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\"><title>Pings answered within 1 hour by the receiver's local hour, per declared roster</title>",
        p.answered.sent,
        w = f.w,
        h = f.h
    );
    let hours: Vec<Tick> = (0..24).step_by(3).map(|h| Tick { at: f64::from(h), label: format!("{h:02}h") }).collect();
    o.push_str(&f.x_axis(&hours, x, "receiver's local hour when the ping was sent"));
    o.push_str(&f.y_axis(&axis::percent_ticks(f.y_ticks_fit()), y));
    o.push_str(&f.y_title("answered within 1h"));
    for (i, (declared, colour)) in Declared::ALL.iter().zip(COLOURS).enumerate() {
        let Some(hours) = p.by_declared_hour.get(declared.as_str()) else { continue };
        let sent: Vec<(usize, &Answered)> = hours.iter().enumerate().filter(|(_, a)| a.sent > 0).collect();
        let points: Vec<String> =
            sent.iter().map(|(hour, a)| format!("{:.1},{:.1}", x(*hour as f64), y(share(a)))).collect();
        let _ = write!(
            o,
            "<polyline class=\"ping-line\" data-declared=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"><title>{}</title></polyline>",
            declared.as_str(),
            points.join(" "),
            declared.label()
        );
        for (hour, a) in &sent {
            let title = format!("{} {hour:02}h: {} of {} answered within 1h", declared.label(), a.within_1h, a.sent);
            o.push_str(&axis::marker(x(*hour as f64), y(share(a)), colour, a.sent as u64, &title));
        }
        let _ = write!(
            o,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"{colour}\">{}</text>",
            f.left,
            f.y1() + 50.0 + 14.0 * i as f64,
            declared.label()
        );
    }
    let _ = write!(
        o,
        "</svg><p class=\"note\">Share of the pings sent in each local hour that a person answered within one hour; a desk declared 24/7 should stay near the top at night. {}</p>",
        axis::FEW_NOTE
    );
    o
}

fn share(a: &Answered) -> f64 {
    if a.sent == 0 {
        0.0
    } else {
        a.within_1h as f64 / a.sent as f64
    }
}
