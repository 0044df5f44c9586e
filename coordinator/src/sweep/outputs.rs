//! What a sweep found, for people and tools: single changes ranked by evidence saved per
//! added staffed hour with paired confidence intervals, the Pareto frontier, and every
//! variant's runs. `sweep.json`, `sweep.md` and a self-contained `sweep.html` (inline SVG).

use super::file::Sweep;
use super::variants::{apply, cost_hours_per_week, overtime_hours_per_week};
use super::{Counted, Found};
use crate::outputs::axis::{count_ticks, text_width, Frame, Placer, Tick};
use crate::outputs::esc;
use serde::Serialize;
use std::fmt::Write;

pub const SCHEMA: &str = "pocnet-sweep/2";

/// Two-sided 95% quantiles of Student's t, by degrees of freedom 1 to 30 (then 1.96).
const T95: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
    2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
];

fn t95(df: usize) -> f64 {
    T95.get(df.wrapping_sub(1)).copied().unwrap_or(1.96)
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The fewest seeds a paired interval is estimated from: with fewer, the spread of a few
/// differences says too little about the next (and four equal ones say nothing).
pub const SEEDS_FOR_INTERVAL: usize = 5;

/// Why a change's interval is not estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotEstimable {
    /// Fewer than [`SEEDS_FOR_INTERVAL`] seeds.
    Seeds(usize),
    /// Every seed's difference from the base the same: no spread to estimate one from (a
    /// zero-width interval would read as certainty).
    EqualDifferences,
}

impl std::fmt::Display for NotEstimable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotEstimable::Seeds(n) => write!(f, "{n} seeds, fewer than {SEEDS_FOR_INTERVAL}"),
            NotEstimable::EqualDifferences => write!(f, "every seed's difference from the base is the same"),
        }
    }
}

/// A variant's differences from the base, seed by seed: their mean, and their 95% interval
/// where one can be estimated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paired {
    pub mean: f64,
    pub interval: Result<(f64, f64), NotEstimable>,
}

/// One single change against the base, on the same seeds.
#[derive(Debug, Clone, Serialize)]
pub struct Ranked {
    /// Index into the sweep's single changes.
    #[serde(skip)]
    pub single: usize,
    /// Its place in the ranking, from 1.
    pub rank: usize,
    pub option: String,
    pub change: String,
    /// `roster`, `hours`, `officers`, `translators`, `hub` or `circulation`.
    pub kind: &'static str,
    /// It reduces a desk's coverage, as its option says (`downgrade = true`).
    pub downgrade: bool,
    /// Staffed officer-hours a week it adds (negative: it saves hours).
    pub added_hours: f64,
    /// Mean difference from the base in the measure, seed by seed, and its 95% paired
    /// confidence interval (none when not estimable).
    pub mean: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// The interval is estimated; if not, why not.
    pub estimable: bool,
    pub not_estimable: Option<String>,
    /// The mean and its interval per added staffed hour a week (when it adds hours).
    pub per_added_hour: Option<f64>,
    pub per_added_hour_ci: Option<(f64, f64)>,
    /// Not shown beyond the noise of the seeds: its interval holds zero, or it has none.
    pub within_noise: bool,
}

/// The paired differences of `counts` from `base`, seed by seed: their mean and 95%
/// Student-t interval, not estimated from fewer than [`SEEDS_FOR_INTERVAL`] seeds or from
/// differences that are all equal.
pub fn paired(base: &[u64], counts: &[u64]) -> Paired {
    let d: Vec<f64> = counts.iter().zip(base).map(|(a, b)| *a as f64 - *b as f64).collect();
    let n = d.len().max(1) as f64;
    let mean = d.iter().sum::<f64>() / n;
    if d.len() < SEEDS_FOR_INTERVAL {
        return Paired { mean, interval: Err(NotEstimable::Seeds(d.len())) };
    }
    if d.iter().all(|x| *x == d[0]) {
        return Paired { mean, interval: Err(NotEstimable::EqualDifferences) };
    }
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let half = t95(d.len() - 1) * (var / n).sqrt();
    Paired { mean, interval: Ok((mean - half, mean + half)) }
}

/// One single change against the base.
fn ranked(sweep: &Sweep, base: &Counted, c: &Counted, base_cost: f64) -> Ranked {
    let i = c.variant - 1;
    let single = &sweep.singles[i];
    let cost = cost_hours_per_week(&apply(&sweep.base, &[&single.change], sweep.base.seed), sweep.on_call_cost)
        + overtime_hours_per_week(&sweep.base, &c.overtime_ms);
    let added = round4(cost - base_cost);
    let p = paired(&base.counts, &c.counts);
    let ci = p.interval.ok();
    Ranked {
        single: i,
        rank: 0,
        option: single.option.clone(),
        change: single.change.describe(),
        kind: single.change.kind(),
        downgrade: single.downgrade,
        added_hours: added,
        mean: round4(p.mean),
        ci_low: ci.map(|(low, _)| round4(low)),
        ci_high: ci.map(|(_, high)| round4(high)),
        estimable: ci.is_some(),
        not_estimable: p.interval.err().map(|e| e.to_string()),
        per_added_hour: (added > 0.0).then(|| round4(p.mean / added)),
        per_added_hour_ci: ci.filter(|_| added > 0.0).map(|(low, high)| (round4(low / added), round4(high / added))),
        within_noise: ci.is_none_or(|(low, high)| low <= 0.0 && high >= 0.0),
    }
}

/// Every single change, those that add hours first by evidence per added hour (then by
/// mean, then by name), then those that add none.
pub fn rank(sweep: &Sweep, base: &Counted, singles: &[Counted]) -> Vec<Ranked> {
    let base_cost =
        cost_hours_per_week(&sweep.base, sweep.on_call_cost) + overtime_hours_per_week(&sweep.base, &base.overtime_ms);
    let mut ranked: Vec<Ranked> = singles.iter().map(|c| ranked(sweep, base, c, base_cost)).collect();
    ranked.sort_by(|a, b| {
        let key = |r: &Ranked| r.per_added_hour.unwrap_or(f64::NEG_INFINITY);
        key(b).total_cmp(&key(a)).then(b.mean.total_cmp(&a.mean)).then(a.change.cmp(&b.change))
    });
    for (i, r) in ranked.iter_mut().enumerate() {
        r.rank = i + 1;
    }
    ranked
}

/// One variant run: what it changes, what it costs, what it counted.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub name: String,
    pub changes: Vec<String>,
    pub hours_per_week: f64,
    pub mean: f64,
    pub counts: Vec<u64>,
    /// On the Pareto frontier: no other variant saves as much for fewer hours.
    pub frontier: bool,
    /// A single change that reduces a desk's coverage, as its option says.
    pub downgrade: bool,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub name: String,
    pub description: String,
    pub base: String,
    pub seeds: Vec<u64>,
    /// What each run counts.
    pub measure: String,
    /// An on-call hour's cost as a share of a staffed hour, and how hours are counted.
    pub on_call_cost: f64,
    pub assumptions: Vec<String>,
    /// The answer, a sentence each (what sweep.md, sweep.html and the command print).
    pub answer: Vec<String>,
    pub ranking: Vec<Ranked>,
    /// Every variant: the base, each single change, each combination; frontier marked.
    pub variants: Vec<Point>,
    /// How sure the answer is, over draws of the sweep's assumptions (sweep/robust.rs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub robust: Option<super::robust::Robust>,
    /// The words the pages count in (the measure's).
    #[serde(skip)]
    pub unit: super::file::Unit,
}

/// Every variant run: the base, each single change, each combination; frontier marked.
fn points(sweep: &Sweep, found: &Found) -> Vec<Point> {
    let mean = |c: &Counted| round4(c.counts.iter().sum::<u64>() as f64 / c.counts.len().max(1) as f64);
    let overtime = |c: &Counted| overtime_hours_per_week(&sweep.base, &c.overtime_ms);
    let mut points = vec![Point {
        name: "base".into(),
        changes: vec![],
        hours_per_week: cost_hours_per_week(&sweep.base, sweep.on_call_cost) + overtime(&found.base),
        mean: mean(&found.base),
        counts: found.base.counts.clone(),
        frontier: false,
        downgrade: false,
    }];
    for c in &found.singles {
        let single = &sweep.singles[c.variant - 1];
        let label = if single.downgrade { " (downgrade)" } else { "" };
        points.push(Point {
            name: format!("{}: {}{label}", single.option, single.change.describe()),
            changes: vec![single.change.describe()],
            hours_per_week: cost_hours_per_week(
                &apply(&sweep.base, &[&single.change], sweep.base.seed),
                sweep.on_call_cost,
            ) + overtime(c),
            mean: mean(c),
            counts: c.counts.clone(),
            frontier: false,
            downgrade: single.downgrade,
        });
    }
    for (set, c) in &found.combinations {
        let changes: Vec<&super::file::Change> = set.iter().map(|i| &sweep.singles[*i].change).collect();
        points.push(Point {
            name: format!("the best {} changes together", set.len()),
            changes: changes.iter().map(|c| c.describe()).collect(),
            hours_per_week: cost_hours_per_week(&apply(&sweep.base, &changes, sweep.base.seed), sweep.on_call_cost)
                + overtime(c),
            mean: mean(c),
            counts: c.counts.clone(),
            frontier: false,
            downgrade: false,
        });
    }
    mark_frontier(&mut points);
    points
}

/// The frontier: by hours, each variant that saves more than every cheaper one.
fn mark_frontier(points: &mut [Point]) {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|a, b| {
        points[*a]
            .hours_per_week
            .total_cmp(&points[*b].hours_per_week)
            .then(points[*b].mean.total_cmp(&points[*a].mean))
    });
    let mut best = f64::NEG_INFINITY;
    for i in order {
        if points[i].mean > best {
            best = points[i].mean;
            points[i].frontier = true;
        }
    }
}

/// Everything a sweep writes, from what it found.
pub fn report(sweep: &Sweep, found: &Found) -> Report {
    let measure = match (sweep.measure, sweep.base.evidence_step) {
        (super::file::Measure::Saved, true) => "saved (cases disclosed as usable evidence)".to_string(),
        (super::file::Measure::Saved, false) => "saved (cases preserved in time)".to_string(),
        (super::file::Measure::DeadlinesMet, _) => {
            "answered by their deadline (direct orders to providers, under the agreements' terms)".to_string()
        }
        (m, _) => m.name().to_string(),
    };
    let points = points(sweep, found);
    let ranking = rank(sweep, &found.base, &found.singles);
    Report {
        schema: SCHEMA,
        name: sweep.name.clone(),
        description: sweep.description.clone(),
        base: sweep.base_file.clone(),
        seeds: sweep.seeds.clone(),
        measure,
        on_call_cost: sweep.on_call_cost,
        assumptions: vec![
            format!(
                "Staffed officer-hours a week: each contact point's officers (and translators where counted) on duty in the scenario's first week (a desk that does not count its officers counts as one per mode), an on-call hour at {} of a staffed one, and each hub desk's covered hours{}, plus the overtime the runs worked (`shift_end = \"overtime\"`) spread over the weeks of the scenario's injects: an assumption.",
                sweep.on_call_cost,
                if sweep.base.network.roads.providers.is_empty() { "" } else { ", and each provider's desk as a contact point's" }
            ),
            format!("Every variant runs on the same seeds as the base (common random numbers); intervals are 95% paired t-intervals over the seeds, not estimated from fewer than {SEEDS_FOR_INTERVAL} seeds or from differences that are all equal."),
            "An option changes a desk only upwards (more staffed or on-call officer-hours), unless the sweep file marks it `downgrade = true`: then only the desks it reduces, labelled as downgrades.".into(),
            crate::report::ASSUMPTIONS.into(),
        ],
        answer: answers(&ranking, sweep.measure.unit()),
        ranking,
        variants: points,
        robust: None,
        unit: sweep.measure.unit(),
    }
}

pub fn json(r: &Report) -> String {
    let mut s = serde_json::to_string_pretty(r).unwrap_or_else(|e| unreachable!("a sweep report serialises: {e}"));
    s.push('\n');
    s
}

/// A change's cases a run: its mean and interval, or that it has none.
fn ci(r: &Ranked) -> String {
    match (r.ci_low, r.ci_high) {
        (Some(low), Some(high)) => format!("{:+.2} [{low:+.2}, {high:+.2}]", r.mean),
        _ => format!("{:+.2} (not estimable)", r.mean),
    }
}

/// The sweep's answer, sentence by sentence: the change that saves the most evidence per
/// added staffed hour, and the one that saves the most at no added hours, each an
/// improvement whose interval is estimated and clear of zero; or that none is.
fn answers(ranking: &[Ranked], unit: super::file::Unit) -> Vec<String> {
    let finding = |x: &&Ranked| x.estimable && !x.within_noise && !x.downgrade;
    let per_hour = headline(ranking);
    // Changes that add no staffed desk hours (the register's circulation): the most saved.
    let free = ranking
        .iter()
        .filter(finding)
        .filter(|x| x.added_hours <= 0.0 && x.mean > 0.0)
        .max_by(|a, b| a.mean.total_cmp(&b.mean).then(b.change.cmp(&a.change)));
    let mut out = Vec::new();
    if let Some(best) = per_hour {
        out.push(format!(
            "The change that {} per added staffed hour: {} ({}), {} {} a run for {:.0} hours a week: {:.3} per hour.",
            unit.gain,
            best.change,
            best.option,
            ci(best),
            unit.counted,
            best.added_hours,
            best.per_added_hour.unwrap_or(0.0)
        ));
    }
    if let Some(best) = free {
        out.push(format!(
            "The change that {} at no added staffed hours: {} ({}), {} {} a run.",
            unit.gain,
            best.change,
            best.option,
            ci(best),
            unit.counted
        ));
    }
    if out.is_empty() {
        out.push(nothing_beyond_noise(ranking, unit));
    }
    out
}

/// The headline: the change that saves the most evidence per added staffed hour, an
/// improvement whose interval is estimated and clear of zero.
pub fn headline(ranking: &[Ranked]) -> Option<&Ranked> {
    ranking
        .iter()
        .filter(|x| x.estimable && !x.within_noise && !x.downgrade)
        .find(|x| x.per_added_hour.is_some_and(|p| p > 0.0))
}

/// That no change is shown to save evidence, and how many could not be judged, and why.
fn nothing_beyond_noise(ranking: &[Ranked], unit: super::file::Unit) -> String {
    let mut why: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for reason in ranking.iter().filter_map(|x| x.not_estimable.as_deref()) {
        *why.entry(reason).or_default() += 1;
    }
    let unjudged: usize = why.values().sum();
    if unjudged == 0 {
        return format!(
            "No single change {} beyond the noise of these seeds: run more seeds, or try larger changes.",
            unit.gains
        );
    }
    let why: Vec<String> = why.iter().map(|(reason, n)| format!("{n}: {reason}")).collect();
    format!(
        "No single change is shown to {} beyond the noise: {unjudged} of {} changes have no estimable interval ({}), the others are within noise. Run at least {SEEDS_FOR_INTERVAL} seeds, or more, before reading the ranking.",
        unit.gains.replacen("saves", "save", 1).replacen("meets", "meet", 1),
        ranking.len(),
        why.join("; ")
    )
}

/// What a change's row notes: a downgrade, no interval (and why), within noise.
fn notes(x: &Ranked) -> String {
    let mut notes: Vec<String> = Vec::new();
    if x.downgrade {
        notes.push("downgrade".into());
    }
    match &x.not_estimable {
        Some(why) => notes.push(format!("not estimable: {why}")),
        None if x.within_noise => notes.push("within noise".into()),
        None => {}
    }
    notes.join("; ")
}

/// A change's row as every table shows it.
fn columns(unit: super::file::Unit) -> [String; 7] {
    [
        "#",
        "change",
        "option",
        "added hours/week",
        &format!("{} a run (95% CI)", unit.counted),
        "per added hour",
        "notes",
    ]
    .map(str::to_string)
}

fn cells(x: &Ranked) -> [String; 7] {
    [
        x.rank.to_string(),
        x.change.clone(),
        x.option.clone(),
        format!("{:+.1}", x.added_hours),
        ci(x),
        x.per_added_hour.map_or("-".into(), |p| format!("{p:.4}")),
        notes(x),
    ]
}

/// The cases a run per added hour with its interval, as the ranking chart's tooltip says.
fn per_hour_text(x: &Ranked) -> String {
    let per = x.per_added_hour.map_or("-".into(), |p| format!("{p:.4}"));
    match x.per_added_hour_ci {
        Some((low, high)) => format!("{per} per hour [{low:.4}, {high:.4}]"),
        None => format!("{per} per hour, not estimable"),
    }
}

/// The rows the hub section shows: every hub change, whatever its rank.
fn hub_rows(r: &Report) -> impl Iterator<Item = &Ranked> {
    r.ranking.iter().filter(|x| x.kind == "hub")
}

/// Rows of the ranking shown in the pages (the rest are in sweep.json).
const SHOWN: usize = 30;

/// Markdown: the answer first, then the ranking and the frontier.
pub fn markdown(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# pocnet sweep: {}\n", r.name);
    let base = r.variants.first();
    let _ = writeln!(
        o,
        "Base `{}`: {:.1} {} {} a run over seeds {:?}, {:.0} staffed officer-hours a week.\n",
        r.base,
        base.map_or(0.0, |b| b.mean),
        r.unit.counted,
        r.measure,
        r.seeds,
        base.map_or(0.0, |b| b.hours_per_week)
    );
    for answer in &r.answer {
        let _ = writeln!(o, "**{answer}**\n");
    }
    let _ = writeln!(o, "## Single changes, by {} per added hour\n", r.unit.gained);
    md_table(&mut o, r.unit, r.ranking.iter().take(SHOWN));
    if let Some(more) = not_shown(r) {
        let _ = writeln!(o, "\n{more}");
    }
    if hub_rows(r).next().is_some() {
        let _ = writeln!(o, "\n## Regional hubs\n\nEvery hub change, whatever its rank.\n");
        md_table(&mut o, r.unit, hub_rows(r));
    }
    let _ = writeln!(
        o,
        "\n## The frontier: {} for the hours\n\n| variant | hours/week | {} a run |\n|---|---|---|",
        r.unit.most, r.unit.counted
    );
    for p in frontier_of(r) {
        let [hours, mean] = frontier_figures(p);
        let _ = writeln!(o, "| {} | {hours} | {mean} |", p.name);
    }
    if let Some(robust) = &r.robust {
        o.push_str(&super::robust::markdown(robust));
    }
    for a in &r.assumptions {
        let _ = writeln!(o, "\n_{a}_");
    }
    o
}

/// What the pages say of the ranking's rows they do not show, when there are any.
fn not_shown(r: &Report) -> Option<String> {
    (r.ranking.len() > SHOWN).then(|| format!("({} more in sweep.json.)", r.ranking.len() - SHOWN))
}

/// A frontier variant's staffed hours a week and cases a run, as both pages word them.
fn frontier_figures(p: &Point) -> [String; 2] {
    [format!("{:.1}", p.hours_per_week), format!("{:.2}", p.mean)]
}

/// A Markdown table of changes.
fn md_table<'a>(o: &mut String, unit: super::file::Unit, rows: impl Iterator<Item = &'a Ranked>) {
    let columns = columns(unit);
    let _ = writeln!(o, "| {} |\n|{}", columns.join(" | "), "---|".repeat(columns.len()));
    for x in rows {
        let _ = writeln!(o, "| {} |", cells(x).join(" | "));
    }
}

/// An HTML table of changes.
fn html_table<'a>(o: &mut String, id: &str, unit: super::file::Unit, rows: impl Iterator<Item = &'a Ranked>) {
    let head: Vec<String> = columns(unit).iter().map(|c| format!("<th>{}</th>", esc(c))).collect();
    let _ = write!(o, "<table id=\"{id}\"><tr>{}</tr>", head.concat());
    for x in rows {
        let row: Vec<String> = cells(x).iter().map(|c| format!("<td>{}</td>", esc(c))).collect();
        let _ = write!(o, "<tr>{}</tr>", row.concat());
    }
    o.push_str("</table>");
}

/// The page's tables: the ranking's first rows and every hub change.
fn html_tables(r: &Report) -> String {
    let mut o = format!("<h2>Single changes, by {} per added hour</h2>", r.unit.gained);
    html_table(&mut o, "changes", r.unit, r.ranking.iter().take(SHOWN));
    if let Some(more) = not_shown(r) {
        let _ = write!(o, "<p class=\"note\">{more}</p>");
    }
    if hub_rows(r).next().is_some() {
        o.push_str("<h2>Regional hubs</h2><p class=\"note\">Every hub change, whatever its rank.</p>");
        html_table(&mut o, "hubs", r.unit, hub_rows(r));
    }
    o
}

/// One page: the variants by hours and evidence with the frontier, and the best changes
/// per added hour with their intervals.
pub fn html(r: &Report) -> String {
    let mut o = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>pocnet sweep: {}</title><style>body{{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}}table{{border-collapse:collapse}}td,th{{border:1px solid #ddd;padding:2px 8px;text-align:right}}td:first-child,th:first-child{{text-align:left}}.note{{color:#666;font-size:.9em}}</style></head><body>\n<h1>pocnet sweep: {}</h1><p>{}</p>",
        esc(&r.name),
        esc(&r.name),
        esc(&r.description)
    );
    o.push_str("<div id=\"answer\">");
    for answer in &r.answer {
        let _ = write!(o, "<p><strong>{}</strong></p>", esc(answer));
    }
    o.push_str("</div>");
    o.push_str(&scatter(r));
    o.push_str(&ranking_chart(r));
    o.push_str(&html_tables(r));
    if let Some(robust) = &r.robust {
        o.push_str(&super::robust::html(robust));
    }
    for a in &r.assumptions {
        let _ = write!(o, "<p class=\"note\">{}</p>", esc(a));
    }
    o.push_str("</body></html>\n");
    o
}

/// Variants: hours a week against cases a run, the frontier joined and its points numbered.
fn scatter(r: &Report) -> String {
    let f = Frame { w: 1000.0, h: 440.0, left: 64.0, right: 20.0, top: 16.0, bottom: 50.0 };
    let span =
        |v: &mut dyn Iterator<Item = f64>| v.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
    let (h0, h1) = span(&mut r.variants.iter().map(|p| p.hours_per_week));
    let (m0, m1) = span(&mut r.variants.iter().map(|p| p.mean));
    let xt = count_ticks(h0, if h1 > h0 { h1 } else { h0 + 1.0 }, f.x_ticks_fit(5));
    let yt = count_ticks(m0, if m1 > m0 { m1 } else { m0 + 1.0 }, f.y_ticks_fit());
    let bounds = |t: &[Tick]| (t.first().map_or(0.0, |t| t.at), t.last().map_or(1.0, |t| t.at));
    let ((h0, h1), (m0, m1)) = (bounds(&xt), bounds(&yt));
    let x = |v: f64| f.x(v, h0, h1);
    let y = |v: f64| f.y(v, m0, m1);
    let mut o = format!(
        "<h2>{} against staffed hours</h2><svg id=\"frontier\" data-n=\"{}\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\"><title>Each variant: staffed officer-hours a week and {} a run</title>",
        capitalised(r.unit.gained),
        r.variants.len(),
        r.unit.counted_gained,
        w = f.w,
        h = f.h
    );
    o.push_str(&f.x_axis(&xt, x, "staffed officer-hours a week"));
    o.push_str(&f.y_axis(&yt, y));
    o.push_str(&f.y_title(&format!("{}, mean a run", esc(r.measure.split(' ').next().unwrap_or("saved")))));
    let mut placer = Placer::default();
    for p in r.variants.iter().filter(|p| !p.frontier) {
        let (px, py) = (x(p.hours_per_week), y(p.mean));
        placer.take((px - 3.0, py - 3.0, px + 3.0, py + 3.0));
        let _ = write!(o, "<circle class=\"variant\" cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"3\" fill=\"#8c959f\"><title>{}: {:.1} h, {:.2}</title></circle>", esc(&p.name), p.hours_per_week, p.mean);
    }
    let frontier = frontier_of(r);
    let line: Vec<String> = frontier.iter().map(|p| format!("{:.1},{:.1}", x(p.hours_per_week), y(p.mean))).collect();
    let _ = write!(o, "<polyline fill=\"none\" stroke=\"#cf222e\" stroke-width=\"2\" points=\"{}\"/>", line.join(" "));
    for p in &frontier {
        let (px, py) = (x(p.hours_per_week), y(p.mean));
        placer.take((px - 5.0, py - 5.0, px + 5.0, py + 5.0));
    }
    if let Some(base) = r.variants.first() {
        let (bx, by) = (x(base.hours_per_week), y(base.mean));
        let _ = write!(o, "<circle id=\"base\" cx=\"{bx:.1}\" cy=\"{by:.1}\" r=\"8\" fill=\"none\" stroke=\"#222\"/>");
        let at = [(bx, by - 12.0, "middle"), (bx, by + 22.0, "middle"), (bx + 12.0, by + 4.0, "start")];
        if let Some((lx, ly, anchor)) = placer.place("base", 12.0, &at, (f.w, f.h)) {
            let _ =
                write!(o, "<text x=\"{lx:.1}\" y=\"{ly:.1}\" font-size=\"12\" text-anchor=\"{anchor}\">base</text>");
        }
    }
    for (i, p) in frontier.iter().enumerate() {
        let (px, py) = (x(p.hours_per_week), y(p.mean));
        let _ = write!(o, "<circle class=\"frontier\" cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"5\" fill=\"#cf222e\"><title>{}: {}: {:.1} h, {:.2}</title></circle>", i + 1, esc(&p.name), p.hours_per_week, p.mean);
        let label = (i + 1).to_string();
        let at = [
            (px + 8.0, py - 6.0, "start"),
            (px - 8.0, py - 6.0, "end"),
            (px + 8.0, py + 14.0, "start"),
            (px - 8.0, py + 14.0, "end"),
            (px, py - 10.0, "middle"),
            (px, py + 18.0, "middle"),
        ];
        if let Some((lx, ly, anchor)) = placer.place(&label, 12.0, &at, (f.w, f.h)) {
            let _ = write!(o, "<text class=\"frontier-label\" x=\"{lx:.1}\" y=\"{ly:.1}\" font-size=\"12\" font-weight=\"bold\" fill=\"#cf222e\" text-anchor=\"{anchor}\">{label}</text>");
        }
    }
    o.push_str("</svg><ol id=\"frontier-points\">");
    for p in &frontier {
        let [hours, mean] = frontier_figures(p);
        let _ = write!(o, "<li>{}: {hours} hours a week, {mean} a run</li>", esc(&p.name));
    }
    o.push_str("</ol><p class=\"note\">Each dot a variant; red: the frontier (no variant saves as much for fewer hours), numbered as listed.</p>");
    o
}

/// The frontier's variants by hours.
fn frontier_of(r: &Report) -> Vec<&Point> {
    let mut frontier: Vec<&Point> = r.variants.iter().filter(|p| p.frontier).collect();
    frontier.sort_by(|a, b| a.hours_per_week.total_cmp(&b.hours_per_week));
    frontier
}

/// The best changes per added hour, each with its 95% interval, on a numeric axis.
fn ranking_chart(r: &Report) -> String {
    let best: Vec<&Ranked> = r.ranking.iter().filter(|x| x.per_added_hour.is_some()).take(15).collect();
    if best.is_empty() {
        return String::new();
    }
    let (lo, hi) = best.iter().fold((0.0f64, 0.0f64), |(a, b), x| {
        let (l, h) = x.per_added_hour_ci.unwrap_or((0.0, 0.0));
        (a.min(l), b.max(h))
    });
    let row = 24.0;
    let f = Frame { w: 1000.0, h: row * best.len() as f64 + 56.0, left: 360.0, right: 20.0, top: 4.0, bottom: 48.0 };
    let ticks = count_ticks(lo, if hi > lo { hi } else { lo + 1.0 }, f.x_ticks_fit(6));
    let (lo, hi) = (ticks.first().map_or(0.0, |t| t.at), ticks.last().map_or(1.0, |t| t.at));
    let x = |v: f64| f.x(v, lo, hi);
    let mut o = format!(
        "<h2>{} per added staffed hour</h2><svg id=\"ranking\" data-n=\"{}\" width=\"{w}\" height=\"{h:.0}\" viewBox=\"0 0 {w} {h:.0}\" role=\"img\"><title>The best single changes per added hour, with 95% paired intervals</title>",
        capitalised(r.unit.gained),
        best.len(),
        w = f.w,
        h = f.h
    );
    o.push_str(&f.x_axis(&ticks, x, &format!("{} a run per added staffed hour a week", r.unit.counted)));
    let zero = x(0.0);
    let _ =
        write!(o, "<line x1=\"{zero:.1}\" y1=\"{:.1}\" x2=\"{zero:.1}\" y2=\"{:.1}\" stroke=\"#999\"/>", f.top, f.y1());
    let fits = ((f.left - 8.0) / text_width("m", 12.0)) as usize;
    for (i, item) in best.iter().enumerate() {
        let yy = f.top + 4.0 + row * i as f64;
        let per = item.per_added_hour.unwrap_or(0.0);
        let (l, hgh) = item.per_added_hour_ci.unwrap_or((per, per));
        let colour = if item.within_noise { "#8c959f" } else { "#1f6feb" };
        let name: String = if item.change.chars().count() > fits {
            item.change.chars().take(fits.saturating_sub(1)).chain(['…']).collect()
        } else {
            item.change.clone()
        };
        let _ = write!(
            o,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"12\">{}<title>{}</title></text><rect class=\"gain\" x=\"{:.1}\" y=\"{yy:.1}\" width=\"{:.1}\" height=\"14\" fill=\"{colour}\"><title>{}</title></rect><line class=\"ci\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#222\"/>",
            yy + 12.0,
            esc(&name),
            esc(&item.change),
            x(per.min(0.0)),
            (x(per.max(0.0)) - x(per.min(0.0))).max(1.0),
            esc(&per_hour_text(item)),
            x(l),
            yy + 7.0,
            x(hgh),
            yy + 7.0
        );
    }
    let _ = write!(o, "</svg><p class=\"note\">Bars: {} a run per added staffed hour a week; whiskers: 95% paired interval; grey: within the noise of the seeds.</p>", r.unit.counted_gained);
    o
}

/// `text` with its first letter a capital (`Evidence saved`).
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}
