//! The evidence step in `report.html`: a case's whole life on a day scale (the 24/7 step,
//! the MLA leg's stages, the hold and its end), and where the time to usable evidence went,
//! stacked by stage for every kind.

use super::super::esc;
use crate::analysis::evidence::StageTime;
use crate::ledger::Request;
use crate::outputs::axis::{duration_ticks, Frame};
use crate::report::Account;
use pocnet_core::time::format_duration_ms as dur;
use pocnet_core::SimTime;
use std::fmt::Write;

/// One colour per stage of [`crate::ledger::TimeWent::STAGES`].
const STAGE_COLOURS: [&str; 5] = ["#1f6feb", "#8250df", "#bf8700", "#6e7781", "#cf222e"];

const DAY_MS: f64 = 86_400_000.0;

/// The headline, the figures and both charts; empty when the evidence step is not modelled.
pub(super) fn section(a: &Account<'_>) -> String {
    let Some(section) = crate::outputs::section::evidence(a) else { return String::new() };
    let mut o = format!("<h2>{}</h2>{}", section.title, section.headline_html());
    o.push_str(&section.table_html("evidence"));
    o.push_str(&section.sentences_html());
    o.push_str("<h3>Where the time went</h3>");
    o.push_str(&time_went(a, &section));
    o.push_str("<h3>A case's whole life</h3>");
    o.push_str(&case_life(a, &section));
    o
}

/// Mean days per stage, stacked, for all disclosed cases and for each kind; or, without a
/// disclosed case, what the section says in its place.
fn time_went(a: &Account<'_>, section: &crate::outputs::section::Section) -> String {
    let Some(e) = &a.analysis.evidence else { return String::new() };
    let went = &e.where_the_time_went;
    if went.cases == 0 {
        return section.nothing_drawn_html();
    }
    let rows: Vec<(String, &Vec<StageTime>)> = std::iter::once(("all kinds".to_string(), &went.stages))
        .chain(went.by_kind.iter().map(|(k, s)| (k.clone(), s)))
        .collect();
    let longest = rows.iter().map(|(_, s)| s.iter().map(|t| t.mean_ms).sum::<u64>()).max().unwrap_or(1).max(1);
    let row = 28.0;
    let f = Frame { w: 1000.0, h: row * rows.len() as f64 + 70.0, left: 150.0, right: 20.0, top: 6.0, bottom: 64.0 };
    let ticks = duration_ticks(longest, f.x_ticks_fit(5));
    let end = ticks.last().map_or(1.0, |t| t.at);
    let x = |ms: f64| f.x(ms, 0.0, end);
    let (w, h) = (f.w, f.h);
    let mut o = format!(
        "<svg id=\"time-went\" data-n=\"{}\" width=\"{w}\" height=\"{h:.0}\" viewBox=\"0 0 {w} {h:.0}\" role=\"img\"><title>Mean time per stage on the way to usable evidence, disclosed cases</title>",
        went.cases
    );
    o.push_str(&f.x_axis(&ticks, x, "mean time per case"));
    for (i, (name, stages)) in rows.iter().enumerate() {
        let y = f.top + 4.0 + row * i as f64;
        let _ = write!(o, "<text x=\"0\" y=\"{:.1}\" font-size=\"12\">{}</text>", y + 15.0, esc(name));
        let mut at = 0.0;
        for (s, colour) in stages.iter().zip(STAGE_COLOURS) {
            let len = s.mean_ms as f64;
            if len > 0.0 {
                let _ = write!(
                    o,
                    "<rect class=\"stage\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"20\" fill=\"{colour}\"><title>{}: {} on average ({:.0}%)</title></rect>",
                    x(at),
                    (x(at + len) - x(at)).max(0.5),
                    s.stage,
                    dur(s.mean_ms),
                    s.share * 100.0
                );
            }
            at += len;
        }
    }
    let ly = h - 16.0;
    for (i, (stage, colour)) in crate::ledger::TimeWent::STAGES.iter().zip(STAGE_COLOURS).enumerate() {
        let lx = f.left + 150.0 * i as f64;
        let _ = write!(
            o,
            "<rect x=\"{lx:.1}\" y=\"{ly:.1}\" width=\"12\" height=\"12\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{stage}</text>",
            lx + 16.0,
            ly + 11.0
        );
    }
    o.push_str("</svg><p class=\"note\">Mean time per case in each stage, from the scheduled time to usable evidence; the 24/7 step covers every link of a chain; transmission counts both ways.</p>");
    o
}

/// A link's life, stage by stage from its case's scheduled time `t0`: (name, from, to,
/// colour).
type Bar<'s> = (&'s str, SimTime, SimTime, &'s str);

fn life_bars(r: &Request, t0: SimTime) -> Vec<Bar<'static>> {
    let step_end = r.step.response_received.unwrap_or(r.step.at);
    let m = &r.evidence.mla;
    let mut bars: Vec<Bar<'static>> = vec![("24/7 step", t0, step_end, STAGE_COLOURS[0])];
    if let (Some(d), Some(sent)) = (m.drafted, m.sent) {
        bars.push(("drafting", step_end, d, STAGE_COLOURS[1]));
        if let Some(tr) = m.translated {
            bars.push(("translation", d, tr, STAGE_COLOURS[2]));
        }
        if let Some(arrived) = m.arrived {
            bars.push(("transmission", sent, arrived, STAGE_COLOURS[3]));
            if let Some(ex) = m.executed {
                bars.push(("backlog and work", arrived, ex, STAGE_COLOURS[4]));
                if let Some(ans) = m.answered {
                    bars.push(("answer back", ex, ans, STAGE_COLOURS[3]));
                }
            }
        }
    }
    bars
}

/// The life of each case the section captions, one bar per stage on a day scale, with its
/// hold.
fn case_life(a: &Account<'_>, section: &crate::outputs::section::Section) -> String {
    let mut o = String::new();
    for (id, caption) in section.captions() {
        let Some(r) = a.ledger.requests.iter().find(|r| r.id == id) else { continue };
        let t0 = a.ledger.cases.iter().find(|c| c.id.case == r.id.case).map_or(r.scheduled, |c| c.scheduled);
        let bars = life_bars(r, t0);
        let m = &r.evidence.mla;
        let end =
            [Some(r.outcome_at), r.evidence.hold_until, m.answered].into_iter().flatten().max().unwrap_or(r.outcome_at);
        let row = 24.0;
        let f = Frame {
            w: 1000.0,
            h: row * (bars.len() + 1) as f64 + 46.0,
            left: 140.0,
            right: 20.0,
            top: 4.0,
            bottom: 42.0,
        };
        let ticks = duration_ticks(end.since(t0).max(DAY_MS as u64), f.x_ticks_fit(5));
        let span = ticks.last().map_or(DAY_MS, |t| t.at);
        let x = |t: SimTime| f.x(t.since(t0) as f64, 0.0, span);
        let (w, h) = (f.w, f.h);
        let _ = write!(
            o,
            "{caption}<svg class=\"case-life\" data-n=\"{}\" width=\"{w}\" height=\"{h:.0}\" viewBox=\"0 0 {w} {h:.0}\" role=\"img\"><title>Case {} on a day scale</title>",
            bars.len(),
            esc(&r.id.to_string())
        );
        o.push_str(&f.x_axis(&ticks, |v| f.x(v, 0.0, span), "time from the scheduled time"));
        for (i, (name, from, to, colour)) in bars.iter().enumerate() {
            let y = 6.0 + row * i as f64;
            let _ = write!(
                o,
                "<text x=\"0\" y=\"{:.1}\" font-size=\"11\">{name}</text><rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"16\" fill=\"{colour}\"><title>{name}: {}</title></rect>",
                y + 12.0,
                x(*from),
                (x(*to) - x(*from)).max(1.0),
                dur(to.since(*from))
            );
        }
        if let (Some(until), Some(held)) = (r.evidence.hold_until, r.step.executed) {
            let y = 6.0 + row * bars.len() as f64;
            let (from, to, bottom) = (x(held), x(until), f.y1());
            let _ = write!(
                o,
                "<text x=\"0\" y=\"{:.1}\" font-size=\"11\">hold</text><rect class=\"hold\" x=\"{from:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"16\" fill=\"#2da44e\" opacity=\".35\"><title>hold until {until}</title></rect><line x1=\"{to:.1}\" y1=\"4\" x2=\"{to:.1}\" y2=\"{bottom:.1}\" stroke=\"#cf222e\" stroke-dasharray=\"4 3\"><title>the hold's end: {until}</title></line>",
                y + 12.0,
                (to - from).max(1.0),
            );
        }
        o.push_str("</svg>");
    }
    if o.is_empty() {
        return "<p>No case went through an MLA leg.</p>".into();
    }
    o.push_str("<p class=\"note\">Days from the scheduled time. Green band: the preservation hold, from the execution of the preservation to its end (dashed red line); an MLA request that arrives before it keeps the data until decided.</p>");
    o
}
