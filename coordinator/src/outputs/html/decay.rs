//! Register decay in `report.html`: which entries were stale during the run (a bar per
//! entry), the requests whose first send reached one (dots), and what it cost.

use crate::outputs::axis::{Frame, Tick};
use crate::report::Account;
use pocnet_core::{SimTime, StateCode};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Rows drawn at most (the entries with the most dead first sends).
const ROWS_MAX: usize = 40;

pub(super) fn section(a: &Account<'_>) -> String {
    let Some(decay) = &a.scenario.register_decay else { return String::new() };
    let Some(section) = crate::outputs::section::decay(a) else { return String::new() };
    let mut o = format!("<h2>{}</h2>{}{}", section.title, section.headline_html(), section.sentences_html());
    // The run's window: the scenario, or to the last dead first send if later.
    let dead: Vec<(StateCode, SimTime)> =
        a.ledger.requests.iter().filter(|r| r.reach.dead_entry).map(|r| (r.to, r.scheduled)).collect();
    let (t0, t1) = (a.scenario.start, dead.iter().map(|(_, t)| *t).max().unwrap_or(a.scenario.end).max(a.scenario.end));
    let rows = rows_of(decay, &dead, (t0, t1));
    if rows.is_empty() {
        o.push_str(&section.nothing_drawn_html());
        return o;
    }
    let (row, top) = (14.0, 10.0);
    let f = Frame { w: 900.0, h: top + row * rows.len() as f64 + 44.0, left: 44.0, right: 14.0, top, bottom: 44.0 };
    let span = (t1.0 - t0.0).max(1) as f64;
    let x = |t: SimTime| f.x((t.0 - t0.0) as f64, 0.0, span);
    let (w, h) = (f.w, f.h);
    let _ = write!(
        o,
        "<svg id=\"stale-entries\" data-n=\"{}\" width=\"{w}\" height=\"{h:.0}\" viewBox=\"0 0 {w} {h:.0}\" role=\"img\"><title>Stale register entries during the run, and the first sends that reached them</title>",
        rows.len()
    );
    let ticks = date_ticks(t0, t1, f.x_ticks_fit(6));
    o.push_str(&f.x_axis(&ticks, |v| f.x(v, 0.0, span), "date (UTC)"));
    for (i, state) in rows.iter().enumerate() {
        let y = top + row * i as f64;
        let _ = write!(o, "<text x=\"0\" y=\"{:.1}\" font-size=\"11\">{state}</text>", y + 10.0);
        for s in decay.stale.iter().filter(|s| s.state == *state) {
            let (a_, b_) = (x(s.changed.max(t0)), x(s.until.unwrap_or(t1).min(t1)));
            if b_ <= a_ {
                continue;
            }
            let how = if s.notified { "notified" } else { "not notified" };
            let _ = write!(
                o,
                "<rect class=\"stale\" data-state=\"{state}\" x=\"{a_:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{state}: stale since {} ({how}), until {}</title></rect>",
                y + 2.0,
                b_ - a_,
                row - 4.0,
                if s.notified { "#f2cc60" } else { "#ff8182" },
                s.changed,
                s.until.map_or("after the run".to_string(), |u| u.to_string())
            );
        }
        for (_, t) in dead.iter().filter(|(s, _)| s == state) {
            let _ = write!(
                o,
                "<circle class=\"dead-send\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"#24292f\"/>",
                x(*t),
                y + row / 2.0
            );
        }
    }
    let _ = write!(o, "</svg><p class=\"note\">A bar per entry stale during the run (yellow: the state notified the change, and the next circulation corrects it; red: nobody notified it); a dot per request whose first send reached it. Up to {ROWS_MAX} entries, those most sent to first.</p>");
    o.push_str(&section.table_html("fallbacks"));
    o
}

/// The entries stale at some time in `t0..t1`, those most sent to first, up to [`ROWS_MAX`].
fn rows_of(
    decay: &crate::scenario::RegisterDecay,
    dead: &[(StateCode, SimTime)],
    (t0, t1): (SimTime, SimTime),
) -> Vec<StateCode> {
    let mut per_state: BTreeMap<StateCode, usize> = BTreeMap::new();
    for (s, _) in dead {
        *per_state.entry(*s).or_default() += 1;
    }
    let mut rows: Vec<StateCode> =
        decay.stale.iter().filter(|s| s.changed < t1 && s.until.is_none_or(|u| u > t0)).map(|s| s.state).collect();
    rows.dedup();
    rows.sort_by_key(|s| (std::cmp::Reverse(per_state.get(s).copied().unwrap_or(0)), *s));
    rows.truncate(ROWS_MAX);
    rows
}

/// A tick every few days from `t0` to `t1`, dated, at most `most`.
fn date_ticks(t0: SimTime, t1: SimTime, most: usize) -> Vec<Tick> {
    let days = ((t1.0 - t0.0) / 86_400_000).max(1) as u64;
    let step = days.div_ceil(most as u64).max(1);
    (0..=days)
        .step_by(step as usize)
        .map(|d| {
            let t = t0.plus_ms(d * 86_400_000);
            Tick { at: (t.0 - t0.0) as f64, label: t.timestamp().strftime("%-d %b").to_string() }
        })
        .collect()
}
