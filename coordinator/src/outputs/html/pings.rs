//! A communication check in `report.html`: who answered within an hour, by the receiver's
//! local hour and declared roster (a chart), and the "declared vs measured" table.

use crate::analysis::pings::{Answered, Declared, Measured, PingFigures};
use crate::outputs::axis::{self, Frame, Tick};
use crate::report::Account;
use pocnet_core::time::format_duration_ms as dur;
use std::fmt::Write;

const COLOURS: [&str; 3] = ["#1f6feb", "#bf8700", "#cf222e"];

pub(super) fn section(a: &Account<'_>) -> String {
    let (Some(p), Some(section)) = (&a.analysis.pings, crate::outputs::section::pings(a)) else {
        return String::new();
    };
    let mut o = format!("<h2>{}</h2>{}{}", section.title, section.headline_html(), section.sentences_html());
    o.push_str(&chart(p));
    o.push_str(&table(p));
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

fn table(p: &PingFigures) -> String {
    let mut o = format!(
        "<table id=\"declared-vs-measured\"><tr><th>state</th><th>declared</th><th>staffed, out of office hours (≤ {})</th><th>staffed, in office hours (≤ {})</th><th>on call (≤ {})</th><th>within 1h</th><th>never</th><th>measured</th></tr>",
        dur(p.staffed_within_ms),
        dur(p.staffed_within_ms),
        dur(p.on_call_within_ms)
    );
    let mut states: Vec<_> = p.states.iter().collect();
    states.sort_by_key(|s| (!matches!(s.measured, Measured::Contradicted { .. }), s.state));
    for s in states {
        let cell = |t: &crate::analysis::pings::InTime| {
            if t.sent == 0 {
                "-".to_string()
            } else {
                format!("{} of {}", t.in_time, t.sent)
            }
        };
        let (class, verdict) = match s.measured {
            Measured::Consistent => ("ok", "consistent".to_string()),
            Measured::NotTested => ("", "not tested".to_string()),
            Measured::Unreachable => ("bad", "unreachable: no ping reached the desk".to_string()),
            Measured::Contradicted { during, in_time, of } => {
                ("bad", format!("contradicted: {} ({in_time} of {of} in time)", during.label()))
            }
        };
        let _ = write!(
            o,
            "<tr data-state=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{class}\">{verdict}</td></tr>",
            s.state,
            s.state,
            super::esc(&s.declared_roster),
            cell(&s.staffed_out_of_office),
            cell(&s.staffed_in_office),
            cell(&s.on_call),
            s.answered.within_1h,
            s.answered.never
        );
    }
    o.push_str("</table><p class=\"note\">Each ping that reached the desk is placed in the declared roster's mode when it was sent, and in or out of office hours (08:00-18:00 local on working days). A period with at least 3 pings where fewer than half were answered in time contradicts the declared roster (docs/report.md). A ping that never arrived (a stale register entry, a desk that is down) is not judged.</p>");
    o
}
