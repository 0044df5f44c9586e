//! What `pocnet fit` writes: fit.toml (a profile and a `[[generate]]` block to paste into
//! a scenario), fit.json, fit.md and fit.html. Each number is a field of [`Fitted`].

use super::stats::{Fit, LEVEL};
use super::{Arrivals, Figure, Fitted, MIN_ARRIVALS, MIN_SAMPLE};
use pocnet_core::time::WEEKDAYS;
use pocnet_core::Delay;
use std::fmt::Write;

/// Milliseconds as a scenario's duration, to the second (`1h2m3s`), at least `1s`.
pub fn duration_text(ms: u64) -> String {
    let s = ms.div_ceil(1000).max(1);
    let (h, m, sec) = (s / 3600, s % 3600 / 60, s % 60);
    let mut out = String::new();
    for (v, unit) in [(h, "h"), (m, "m"), (sec, "s")] {
        if v > 0 {
            let _ = write!(out, "{v}{unit}");
        }
    }
    out
}

/// A delay as a scenario writes it.
pub fn delay_text(d: &Delay) -> String {
    match d {
        Delay::Fixed { ms } => duration_text(*ms),
        Delay::Uniform { min_ms, max_ms } => format!("{}..{}", duration_text(*min_ms), duration_text(*max_ms)),
        Delay::LogNormal { median_ms, p90_ms } => {
            format!("median {} p90 {}", duration_text(*median_ms), duration_text(*p90_ms))
        }
        Delay::Exponential { mean_ms } => format!("exponential mean {}", duration_text(*mean_ms)),
        Delay::Gamma { shape, mean_ms } => format!("gamma shape {shape} mean {}", duration_text(*mean_ms)),
        Delay::Empirical { samples_ms } => {
            let words: Vec<String> = samples_ms.iter().map(|ms| duration_text(*ms)).collect();
            format!("empirical {}", words.join(" "))
        }
    }
}

/// The delay fit.toml writes for a figure: the best family's, or the durations themselves
/// (empirical) when the bootstrap test rejects the best family at 5% and they are few
/// enough for a scenario's empirical delay.
pub fn chosen(f: &Figure) -> Option<Delay> {
    let best = f.best()?;
    match f.goodness {
        Some(g) if g.p_value < 0.05 && f.sample.len() <= pocnet_core::limits::EMPIRICAL_SAMPLES_MAX => {
            Some(Delay::Empirical { samples_ms: f.sample.clone() })
        }
        _ => Some(best.delay()),
    }
}

fn best_delay(figures: &[Figure], group: &str) -> Option<String> {
    figures.iter().find(|f| f.group == group).and_then(chosen).map(|d| delay_text(&d))
}

/// fit.toml: a profile with the fitted delays and a `[[generate]]` block with the rate.
pub fn toml(f: &Fitted, source: &str) -> String {
    let code = f.state.to_string();
    let name = format!("fitted-{}", code.to_lowercase());
    let mut o = format!(
        "# Fitted by `pocnet fit` from {} records of {code} ({source}): each delay is the family with the\n\
         # lowest AIC, its parameters the maximum-likelihood estimates (fit.md gives their {:.0}% intervals\n\
         # and tests). Paste into a scenario and set `profile = \"{name}\"` on {code}'s entry.\n\n[profiles.{name}]\n",
        f.records,
        LEVEL * 100.0
    );
    let staffed = best_delay(&f.acknowledge, "staffed");
    let on_call = best_delay(&f.acknowledge, "on-call").or_else(|| staffed.clone());
    match (&staffed, &on_call) {
        (Some(s), Some(c)) => {
            let _ = writeln!(o, "acknowledge = {{ staffed = \"{s}\", on_call = \"{c}\" }}");
        }
        _ => o.push_str("# acknowledge: too few acknowledged records in staffed hours to fit (write it by hand)\n"),
    }
    let common = f.work.iter().filter(|w| w.best().is_some()).max_by_key(|w| w.sample.len());
    match common.and_then(chosen) {
        Some(d) => {
            let d = delay_text(&d);
            let _ = writeln!(o, "fulfil = {{ staffed = \"{d}\", on_call = \"{d}\" }}   # the most frequent kind's work time; records do not say the mode of work");
        }
        None => o.push_str("# fulfil: too few executed records to fit (write it by hand)\n"),
    }
    for w in &f.work {
        if let Some(d) = chosen(w) {
            let d = delay_text(&d);
            let _ = writeln!(o, "kinds.{} = {{ fulfil = {{ staffed = \"{d}\", on_call = \"{d}\" }} }}", w.group);
        }
    }
    o.push_str("give_up_after = \"10d\"   # assumption: records do not say how long requesters wait\n");
    o.push_str(&generate_toml(f));
    o
}

fn generate_toml(f: &Fitted) -> String {
    let Some(a) = &f.arrivals else {
        return format!("\n# arrivals: fewer than {MIN_ARRIVALS} records, no [[generate]] block fitted\n");
    };
    let (rate, lo, hi) = a.per_day();
    let code = f.state;
    let office = office_ratio(a);
    let diurnal = if office > 2.0 { "office" } else { "flat" };
    format!(
        "\n# Arrivals at {code}: {} in {:.1} days, {rate:.2} a day ({:.0}% interval {lo:.2}..{hi:.2}); working-hour\n\
         # rate {office:.1}× the rest's. `rate_per_day` is per requesting state: divide it by the number\n\
         # of states this block's `from` names. `diurnal` follows the requester's hours, not {code}'s:\n\
         # fit.md has {code}'s own pattern by local hour and weekday.\n\
         [[generate]]\nfrom = [\"*\"]\ntargets = {{ \"{code}\" = 1, \"*\" = 0 }}\nrate_per_day = {rate:.3}\ndiurnal = \"{diurnal}\"\n",
        a.count,
        a.hours as f64 / 24.0,
        LEVEL * 100.0
    )
}

/// Arrivals an hour Monday-Friday 09:00-17:00 local, over those at other times.
fn office_ratio(a: &Arrivals) -> f64 {
    let (mut inside, mut outside) = (super::Cell::default(), super::Cell::default());
    for (d, day) in a.cells.iter().enumerate() {
        for (h, c) in day.iter().enumerate() {
            let cell = if d < 5 && (9..17).contains(&h) { &mut inside } else { &mut outside };
            cell.count += c.count;
            cell.hours += c.hours;
        }
    }
    match (inside.rate(), outside.rate()) {
        (Some((i, _, _)), Some((o, _, _))) if o > 0.0 => i / o,
        (Some(_), _) => f64::INFINITY,
        _ => 1.0,
    }
}

fn fit_json(fit: &Fit) -> serde_json::Value {
    let params: Vec<serde_json::Value> = fit
        .params
        .iter()
        .map(|p| serde_json::json!({ "name": p.name, "value": p.value, "lo": p.lo, "hi": p.hi }))
        .collect();
    serde_json::json!({
        "family": fit.family.as_str(),
        "delay": delay_text(&fit.delay()),
        "parameters": params,
        "log_likelihood": fit.log_likelihood,
        "aic": fit.aic,
    })
}

fn figure_json(f: &Figure) -> serde_json::Value {
    let fits: Vec<serde_json::Value> = f.fits.iter().map(fit_json).collect();
    let goodness =
        f.goodness.map(|g| serde_json::json!({ "ks_distance": g.ks, "p_value": g.p_value, "resamples": g.resamples }));
    let note = f.fits.is_empty().then(|| format!("fewer than {MIN_SAMPLE} durations: not fitted"));
    serde_json::json!({ "figure": f.what, "group": f.group, "n": f.sample.len(), "fits": fits, "goodness": goodness, "note": note })
}

fn cell_json(c: &super::Cell) -> serde_json::Value {
    let (rate, lo, hi) = c.rate().unwrap_or((0.0, 0.0, 0.0));
    serde_json::json!({ "count": c.count, "hours": c.hours, "per_hour": rate, "lo": lo, "hi": hi })
}

/// fit.json.
pub fn json(f: &Fitted) -> String {
    let arrivals = f.arrivals.as_ref().map(|a| {
        let (rate, lo, hi) = a.per_day();
        serde_json::json!({
            "count": a.count, "hours": a.hours, "local_time": a.local,
            "per_day": { "value": rate, "lo": lo, "hi": hi },
            "by_hour": a.by_hour().iter().map(cell_json).collect::<Vec<_>>(),
            "by_weekday": a.by_weekday().iter().map(cell_json).collect::<Vec<_>>(),
            "cells": a.cells.iter().map(|d| d.iter().map(|c| c.count).collect::<Vec<_>>()).collect::<Vec<_>>(),
        })
    });
    let value = serde_json::json!({
        "state": f.state.to_string(),
        "records": f.records,
        "level": LEVEL,
        "criterion": "AIC",
        "goodness_of_fit": "Kolmogorov-Smirnov distance, parametric bootstrap refitting each resample",
        "arrivals": arrivals,
        "acknowledge": f.acknowledge.iter().map(figure_json).collect::<Vec<_>>(),
        "work": f.work.iter().map(figure_json).collect::<Vec<_>>(),
    });
    format!("{}\n", serde_json::to_string_pretty(&value).unwrap_or_default())
}

/// A parameter's value as people read it: durations for `_ms`, else four digits.
fn param_text(name: &str, v: f64) -> String {
    if name.ends_with("_ms") {
        duration_text(v.max(0.0).round() as u64)
    } else {
        format!("{v:.3}")
    }
}

fn figure_md(o: &mut String, f: &Figure) {
    let _ = writeln!(o, "\n### {} (n = {})\n", f.title(), f.sample.len());
    if f.fits.is_empty() {
        let _ = writeln!(o, "Fewer than {MIN_SAMPLE} durations: not fitted.");
        return;
    }
    o.push_str("| family | parameters (95% interval) | AIC | ΔAIC |\n|---|---|---:|---:|\n");
    let best = f.fits[0].aic;
    for fit in &f.fits {
        let params: Vec<String> = fit
            .params
            .iter()
            .map(|p| {
                let n = p.name.trim_end_matches("_ms");
                format!(
                    "{n} {} ({}..{})",
                    param_text(p.name, p.value),
                    param_text(p.name, p.lo),
                    param_text(p.name, p.hi)
                )
            })
            .collect();
        let _ =
            writeln!(o, "| {} | {} | {:.1} | {:.1} |", fit.family.as_str(), params.join(", "), fit.aic, fit.aic - best);
    }
    if let Some(g) = f.goodness {
        let verdict = if g.p_value < 0.05 { "rejected at 5%" } else { "not rejected at 5%" };
        let _ = writeln!(
            o,
            "\nBest: **{}** (`{}`). Kolmogorov-Smirnov distance {:.3}, bootstrap p = {:.3} over {} resamples: {verdict}.",
            f.fits[0].family.as_str(),
            delay_text(&f.fits[0].delay()),
            g.ks,
            g.p_value,
            g.resamples
        );
    }
}

fn arrivals_md(o: &mut String, f: &Fitted) {
    let Some(a) = &f.arrivals else {
        let _ = writeln!(o, "\n## Arrivals\n\nFewer than {MIN_ARRIVALS} records: no arrival pattern fitted.");
        return;
    };
    let (rate, lo, hi) = a.per_day();
    let zone = if a.local { "the desk's local time" } else { "UTC (the records give no local time)" };
    let _ = writeln!(
        o,
        "\n## Arrivals\n\n{} requests over {} hours: {rate:.2} a day (95% interval {lo:.2}..{hi:.2}, exact Poisson). Hours in {zone}.\n",
        a.count, a.hours
    );
    o.push_str("| local hour | arrivals | hours observed | per hour (95% interval) |\n|---:|---:|---:|---|\n");
    for (h, c) in a.by_hour().iter().enumerate() {
        let (r, lo, hi) = c.rate().unwrap_or((0.0, 0.0, 0.0));
        let _ = writeln!(o, "| {h:02}:00 | {} | {} | {r:.3} ({lo:.3}..{hi:.3}) |", c.count, c.hours);
    }
    o.push_str("\n| weekday | arrivals | hours observed | per hour (95% interval) |\n|---|---:|---:|---|\n");
    for (d, c) in a.by_weekday().iter().enumerate() {
        let (r, lo, hi) = c.rate().unwrap_or((0.0, 0.0, 0.0));
        let _ = writeln!(o, "| {} | {} | {} | {r:.3} ({lo:.3}..{hi:.3}) |", WEEKDAYS[d], c.count, c.hours);
    }
}

/// fit.md.
pub fn markdown(f: &Fitted, source: &str) -> String {
    let mut o = format!(
        "# Fit of {} from {source}\n\n{} records received by {}. Each duration is fitted by the exponential, gamma and \
         log-normal families (maximum likelihood); the best has the lowest AIC. Intervals are 95%. The goodness-of-fit \
         test is a parametric bootstrap of the Kolmogorov-Smirnov distance ({} resamples, each refitted: it accounts for \
         the fitted parameters). Figures with fewer than {MIN_SAMPLE} durations are not fitted.\n",
        f.state, f.records, f.state, f.resamples
    );
    arrivals_md(&mut o, f);
    o.push_str("\n## Time to acknowledge, by roster mode at arrival\n");
    if f.acknowledge.is_empty() {
        o.push_str("\nNo acknowledged records.\n");
    }
    for fig in &f.acknowledge {
        figure_md(&mut o, fig);
    }
    o.push_str("\n## Work time (acknowledged to executed), by kind\n");
    if f.work.is_empty() {
        o.push_str("\nNo executed records.\n");
    }
    for fig in &f.work {
        figure_md(&mut o, fig);
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Record;
    use pocnet_core::{Mode, RequestKind, SimTime, StateCode};

    #[test]
    fn a_rejected_family_gives_way_to_the_durations_themselves() {
        let vnm = StateCode::parse("VNM").expect("code");
        let fra = StateCode::parse("FRA").expect("code");
        let records: Vec<Record> = (0..120i64)
            .map(|i| Record {
                id: format!("C{i}"),
                kind: RequestKind::Emergency,
                from: fra,
                to: vnm,
                received: SimTime(i * 3_600_000),
                offset_ms: Some(0),
                acknowledged: Some(SimTime(i * 3_600_000 + 60_000 * (1 + i % 7))),
                executed: Some(SimTime(
                    i * 3_600_000 + 600_000 + [1_200_000, 2_700_000, 3_600_000, 7_200_000][(i % 4) as usize],
                )),
                outcome: "fulfilled".into(),
                mode: Some(Mode::Staffed),
            })
            .collect();
        let fitted = super::super::fit(&records, vnm, 99, 1);
        let work = &fitted.work[0];
        assert!(work.goodness.expect("tested").p_value < 0.05, "{:?}", work.goodness);
        let text = toml(&fitted, "test.csv");
        assert!(text.contains("kinds.emergency = { fulfil = { staffed = \"empirical "), "{text}");
        let parsed: toml::Table = toml::from_str(&text).expect("fit.toml is TOML");
        assert!(parsed.contains_key("profiles") && parsed.contains_key("generate"), "{text}");
    }
}
