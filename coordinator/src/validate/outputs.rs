//! validate.json, validate.md and validate.html: each figure's distance, p-value and
//! verdict; the records' and the simulated distributions on one chart.

use super::{Compared, Values, ALPHA};
use crate::outputs::axis::{duration_ticks, percent_ticks, Frame};
use std::fmt::Write;

/// The verdict's headline, shared by every output and the console.
pub fn verdict(compared: &[Compared]) -> String {
    let tested = compared.iter().filter(|c| c.p_value.is_some()).count();
    match super::most_at_fault(compared) {
        None => format!(
            "all {tested} figures tested are inside the run-to-run noise (Holm, family-wise error {:.0}%)",
            ALPHA * 100.0
        ),
        Some(worst) => format!(
            "{} of {tested} figures are outside the run-to-run noise (Holm, family-wise error {:.0}%); most likely at fault: {} (figure `{}`, p = {:.4})",
            compared.iter().filter(|c| c.failed).count(),
            ALPHA * 100.0,
            worst.parameter,
            worst.name,
            worst.p_value.unwrap_or(1.0)
        ),
    }
}

fn median(v: &Values) -> String {
    match v {
        Values::Durations(d) if !d.is_empty() => {
            let mut d = d.clone();
            d.sort_unstable();
            crate::fit::outputs::duration_text(d[d.len() / 2])
        }
        _ => "-".into(),
    }
}

fn pooled(c: &Compared) -> Values {
    super::pool(&c.simulated, None)
}

/// validate.md.
pub fn markdown(compared: &[Compared], scenario: &str, records: &str, seeds: &[u64]) -> String {
    let mut o = format!(
        "# Validation of {scenario} against {records}\n\n{}.\n\nThe scenario ran on seeds {}. Distance: two-sample \
         Kolmogorov-Smirnov for durations, total variation for outcomes, each scaled by √(nm/(n+m)). p: the share of \
         samples of the records' size, drawn from one run and compared with the others, at least as far (Monte Carlo). \
         Holm's procedure holds the family-wise error at {:.0}%; figures with fewer than {} records are shown, not tested.\n\n\
         | figure | records n | simulated n | median (records) | median (simulated) | distance | p | verdict |\n|---|---:|---:|---|---|---:|---:|---|\n",
        verdict(compared),
        seeds.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "),
        ALPHA * 100.0,
        super::MIN_RECORDS
    );
    for c in compared {
        let sim = pooled(c);
        let (d, p, v) = match (c.distance, c.p_value) {
            (Some(d), Some(p)) => {
                (format!("{d:.2}"), format!("{p:.4}"), if c.failed { "**outside noise**" } else { "inside noise" })
            }
            _ => ("-".into(), "-".into(), "not tested (too few)"),
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {d} | {p} | {v} |",
            c.name,
            c.observed.len(),
            sim.len(),
            median(&c.observed),
            median(&sim)
        );
    }
    o
}

/// validate.json.
pub fn json(compared: &[Compared], seeds: &[u64]) -> String {
    let figures: Vec<serde_json::Value> = compared
        .iter()
        .map(|c| {
            serde_json::json!({
                "figure": c.name, "parameter": c.parameter, "records": c.observed.len(),
                "simulated": pooled(c).len(), "distance": c.distance, "p_value": c.p_value, "failed": c.failed,
            })
        })
        .collect();
    let fault = super::most_at_fault(compared).map(|c| c.parameter.clone());
    let value = serde_json::json!({
        "seeds": seeds, "family_wise_error": ALPHA, "method": "Holm",
        "passed": fault.is_none(), "most_likely_at_fault": fault, "verdict": verdict(compared), "figures": figures,
    });
    format!("{}\n", serde_json::to_string_pretty(&value).unwrap_or_default())
}

fn ecdf_points(v: &[u64], f: &Frame, hi: f64) -> String {
    let mut v = v.to_vec();
    v.sort_unstable();
    let n = v.len() as f64;
    let mut pts = vec![format!("{:.1},{:.1}", f.x(0.0, 0.0, hi), f.y(0.0, 0.0, 1.0))];
    for (i, x) in v.iter().enumerate() {
        let xp = f.x(*x as f64, 0.0, hi);
        pts.push(format!("{xp:.1},{:.1}", f.y(i as f64 / n, 0.0, 1.0)));
        pts.push(format!("{xp:.1},{:.1}", f.y((i + 1) as f64 / n, 0.0, 1.0)));
    }
    pts.join(" ")
}

/// The records' and the simulated runs' distribution functions on one chart.
pub fn ecdf_chart(c: &Compared) -> Option<String> {
    let (Values::Durations(obs), Values::Durations(sim)) = (&c.observed, pooled(c)) else { return None };
    if obs.is_empty() || sim.is_empty() {
        return None;
    }
    let mut all: Vec<u64> = obs.iter().chain(&sim).copied().collect();
    all.sort_unstable();
    let top = all[(all.len() * 99 / 100).min(all.len() - 1)].max(1);
    let f = Frame { w: 440.0, h: 250.0, left: 48.0, right: 16.0, top: 14.0, bottom: 44.0 };
    let ticks = duration_ticks(top, f.x_ticks_fit(5));
    let hi = ticks.last().map_or(top as f64, |t| t.at);
    let mut o = format!("<svg class=\"ecdf\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\">", w = f.w, h = f.h);
    o += &f.x_axis(
        &ticks,
        |v| f.x(v, 0.0, hi),
        &format!("duration (records n = {}, simulated n = {})", obs.len(), sim.len()),
    );
    o += &f.y_axis(&percent_ticks(5), |v| f.y(v, 0.0, 1.0));
    o += &f.y_title("share at most");
    let _ = write!(o, "<polyline points=\"{}\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\"><title>simulated</title></polyline>", ecdf_points(&sim, &f, hi));
    let _ = write!(o, "<polyline points=\"{}\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"><title>records</title></polyline></svg>", ecdf_points(obs, &f, hi));
    Some(o)
}

/// validate.html: the verdict, then each tested figure's chart.
pub fn html(compared: &[Compared], scenario: &str, records: &str, seeds: &[u64]) -> String {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let mut o = format!("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Validation</title><style>body{{font-family:sans-serif;max-width:70em;margin:1em auto}} .grid{{display:flex;flex-wrap:wrap;gap:1em}} pre{{white-space:pre-wrap}}</style></head><body><h1>Validation of {} against {}</h1><p>{}</p><p><span style=\"color:#d62728\">■ records</span> <span style=\"color:#1f77b4\">■ simulated (all seeds)</span></p><div class=\"grid\">", esc(scenario), esc(records), esc(&verdict(compared)));
    for c in compared.iter().filter(|c| c.p_value.is_some()) {
        if let Some(chart) = ecdf_chart(c) {
            let v = if c.failed { "outside the noise" } else { "inside the noise" };
            let _ = write!(
                o,
                "<figure><figcaption>{}: distance {:.2}, p = {:.4}, {v}</figcaption>{chart}</figure>",
                esc(&c.name),
                c.distance.unwrap_or(0.0),
                c.p_value.unwrap_or(1.0)
            );
        }
    }
    let _ = writeln!(
        o,
        "</div><h2>Table</h2><pre>{}</pre></body></html>",
        esc(&markdown(compared, scenario, records, seeds))
    );
    o
}
