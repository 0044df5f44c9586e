//! How sure is the answer: the sweep rerun over draws of its assumptions.
//!
//! A sweep file may name `[[assumptions]]`, each a parameter of the base scenario (a
//! profile's acknowledgement or work delay per mode, the arrival rate, the data's
//! retention) and the range it may take. The sweep draws them by Latin hypercube
//! (`draws = N`: each assumption's range cut in N equal strata, each stratum drawn once,
//! the strata paired at random; deterministic from the base scenario's seed), runs the
//! base and every single change on the same seeds in each draw, and reports how often
//! each change ranks first and in the top three, its median rank, which assumption moves
//! the headline's benefit most (Spearman rank correlation between the assumption's draws
//! and the headline's mean cases saved a run over the base), and, where the draws say
//! it, the threshold beyond which the headline loses first rank.

use crate::scenario::diag::Checker;
use crate::scenario::raw::Spanned;
use crate::scenario::Scenario;
use pocnet_core::delay::Delay;
use pocnet_core::profile::DelaysByMode;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// Assumptions a sweep may vary at once.
pub const ASSUMPTIONS_MAX: usize = 20;
/// Draws of the assumptions a sweep may make.
pub const DRAWS_MAX: usize = 1000;
/// Draws when a sweep names assumptions and no `draws`.
pub const DRAWS_DEFAULT: usize = 32;
/// The longest delay median an assumption may set, in hours (30 days).
const DELAY_HOURS_MAX: f64 = 720.0;

/// A parameter of the base scenario an assumption varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Parameter {
    /// The median of a profile's acknowledgement delay when on call, in hours.
    OnCallAcknowledge,
    /// The median of a profile's acknowledgement delay when staffed, in hours.
    StaffedAcknowledge,
    /// The median of a profile's work time (acknowledgement to execution) on call, hours.
    OnCallWork,
    /// The median of a profile's work time when staffed, in hours.
    StaffedWork,
    /// The share of the base scenario's requests that arrive, in (0, 1].
    ArrivalScale,
    /// The data's retention (time left before deletion) as a multiple of the base's.
    RetentionScale,
}

impl Parameter {
    /// Names in the sweep file, the unit of the range, and how a sentence names it.
    pub const TABLE: [(&'static str, Parameter, &'static str, &'static str); 6] = [
        ("on_call_acknowledge", Parameter::OnCallAcknowledge, "h", "on-call acknowledgement (median)"),
        ("staffed_acknowledge", Parameter::StaffedAcknowledge, "h", "staffed acknowledgement (median)"),
        ("on_call_work", Parameter::OnCallWork, "h", "on-call work time (median)"),
        ("staffed_work", Parameter::StaffedWork, "h", "staffed work time (median)"),
        ("arrival_scale", Parameter::ArrivalScale, "x", "the arrival rate (share of the base's requests)"),
        ("retention_scale", Parameter::RetentionScale, "x", "retention (multiple of the base's)"),
    ];

    fn row(self) -> (&'static str, Parameter, &'static str, &'static str) {
        Parameter::TABLE.into_iter().find(|r| r.1 == self).unwrap_or(Parameter::TABLE[0])
    }

    pub fn name(self) -> &'static str {
        self.row().0
    }

    pub fn unit(self) -> &'static str {
        self.row().2
    }

    fn is_delay(self) -> bool {
        self.unit() == "h"
    }

    /// The range it may take: `(low, high, what)`.
    fn bounds(self) -> (f64, f64, &'static str) {
        match self {
            Parameter::OnCallAcknowledge
            | Parameter::StaffedAcknowledge
            | Parameter::OnCallWork
            | Parameter::StaffedWork => (0.0, DELAY_HOURS_MAX, "hours, above 0 and at most 720"),
            Parameter::ArrivalScale => (0.0, 1.0, "a share of the base's requests, above 0 and at most 1"),
            Parameter::RetentionScale => (0.0, 100.0, "a multiple of the base's retention, above 0 and at most 100"),
        }
    }
}

/// An `[[assumptions]]` entry as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAssumption {
    parameter: Spanned<String>,
    /// The profile whose delays it varies (delays only); none: every profile.
    #[serde(default)]
    profile: Option<Spanned<String>>,
    low: Spanned<f64>,
    high: Spanned<f64>,
}

/// A validated assumption: a parameter and its range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assumption {
    pub parameter: Parameter,
    pub profile: Option<String>,
    pub low: f64,
    pub high: f64,
}

impl Assumption {
    /// How a sentence names it: `on-call acknowledgement (median) of profile standard`.
    pub fn label(&self) -> String {
        let what = self.parameter.row().3;
        match &self.profile {
            Some(p) => format!("{what} of profile {p}"),
            None => what.to_string(),
        }
    }

    /// A value of it with its unit.
    pub fn show(&self, v: f64) -> String {
        match self.parameter.unit() {
            "h" if v < 1.0 => format!("{:.0} min", v * 60.0),
            "h" => format!("{v:.1} h"),
            _ => format!("{v:.2}x"),
        }
    }
}

/// The sweep file's assumptions, validated against the base scenario (located errors).
pub(crate) fn assumptions(c: &mut Checker<'_>, raw: &[Spanned<RawAssumption>], base: &Scenario) -> Vec<Assumption> {
    if raw.len() > ASSUMPTIONS_MAX {
        c.at(&raw[ASSUMPTIONS_MAX], format!("a sweep varies at most {ASSUMPTIONS_MAX} assumptions"));
        return Vec::new();
    }
    raw.iter().filter_map(|a| assumption(c, a.get_ref(), base)).collect()
}

fn assumption(c: &mut Checker<'_>, a: &RawAssumption, base: &Scenario) -> Option<Assumption> {
    let name = a.parameter.get_ref();
    let Some((_, parameter, ..)) = Parameter::TABLE.iter().find(|r| r.0 == name) else {
        let names: Vec<&str> = Parameter::TABLE.iter().map(|r| r.0).collect();
        let hint = crate::scenario::diag::did_you_mean(name, names.iter().copied());
        c.at(&a.parameter, format!("unknown parameter `{name}`{hint} (expected one of {})", names.join(", ")));
        return None;
    };
    let profile = match &a.profile {
        Some(p) if !parameter.is_delay() => {
            c.at(p, format!("`profile` names whose delays vary; `{name}` is the whole scenario's"));
            return None;
        }
        Some(p) if !base.states.iter().any(|s| &s.profile_name == p.get_ref()) => {
            let names: std::collections::BTreeSet<&str> = base.states.iter().map(|s| s.profile_name.as_str()).collect();
            let hint = crate::scenario::diag::did_you_mean(p.get_ref(), names.iter().copied());
            let known: Vec<&str> = names.into_iter().collect();
            c.at(
                p,
                format!(
                    "no state of the base scenario has profile `{}`{hint} (its profiles: {})",
                    p.get_ref(),
                    known.join(", ")
                ),
            );
            return None;
        }
        p => p.as_ref().map(|p| p.get_ref().clone()),
    };
    let (min, max, what) = parameter.bounds();
    let (low, high) = (*a.low.get_ref(), *a.high.get_ref());
    let mut ok = true;
    for (v, at) in [(low, &a.low), (high, &a.high)] {
        if !(v > min && v <= max) {
            c.at(at, format!("{name}: {what}"));
            ok = false;
        }
    }
    if ok && low >= high {
        c.at(&a.high, format!("{name}: `high` ({high}) must be above `low` ({low})"));
        ok = false;
    }
    ok.then_some(Assumption { parameter: *parameter, profile, low, high })
}

/// A Latin hypercube of `n` points in `[0, 1)^dims`: in each dimension, each of the `n`
/// strata `[k/n, (k+1)/n)` holds exactly one point; strata paired and points placed in
/// them at random, deterministically from `seed`. Rows are points.
pub fn latin_hypercube(dims: usize, n: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x4c48_5321_6472_6177);
    let mut points = vec![vec![0.0; dims]; n];
    for d in 0..dims {
        let mut strata: Vec<usize> = (0..n).collect();
        strata.shuffle(&mut rng);
        for (point, k) in points.iter_mut().zip(strata) {
            point[d] = (k as f64 + rng.random::<f64>()) / n as f64;
        }
    }
    points
}

/// Each draw's values of the assumptions, linear in their ranges.
pub fn draw_values(assumptions: &[Assumption], draws: usize, seed: u64) -> Vec<Vec<f64>> {
    latin_hypercube(assumptions.len(), draws, seed)
        .into_iter()
        .map(|u| assumptions.iter().zip(u).map(|(a, u)| a.low + u * (a.high - a.low)).collect())
        .collect()
}

/// A delay's median, in milliseconds.
fn median_ms(d: &Delay) -> f64 {
    match *d {
        Delay::Fixed { ms } => ms as f64,
        Delay::Uniform { min_ms, max_ms } => (min_ms as f64 + max_ms as f64) / 2.0,
        Delay::LogNormal { median_ms, .. } => median_ms as f64,
        Delay::Exponential { mean_ms } => mean_ms as f64 * std::f64::consts::LN_2,
        Delay::Gamma { shape, mean_ms } => gamma_median(shape, mean_ms as f64),
        Delay::Empirical { ref samples_ms } => {
            let mut sorted = samples_ms.clone();
            sorted.sort_unstable();
            sorted.get(sorted.len() / 2).map_or(0.0, |&m| m as f64)
        }
    }
}

/// A gamma distribution's median (no closed form: its quantile at one half).
fn gamma_median(shape: f64, mean: f64) -> f64 {
    use statrs::distribution::ContinuousCDF;
    match statrs::distribution::Gamma::new(shape, shape / mean.max(1.0)) {
        Ok(g) => g.inverse_cdf(0.5),
        Err(_) => mean,
    }
}

/// A delay scaled by `f` (its shape kept).
fn scaled(d: &Delay, f: f64) -> Delay {
    let s = |ms: u64| (ms as f64 * f).round().max(1.0) as u64;
    match *d {
        Delay::Fixed { ms } => Delay::Fixed { ms: s(ms) },
        Delay::Uniform { min_ms, max_ms } => Delay::Uniform { min_ms: s(min_ms), max_ms: s(max_ms) },
        Delay::LogNormal { median_ms, p90_ms } => Delay::LogNormal { median_ms: s(median_ms), p90_ms: s(p90_ms) },
        Delay::Exponential { mean_ms } => Delay::Exponential { mean_ms: s(mean_ms) },
        Delay::Gamma { shape, mean_ms } => Delay::Gamma { shape, mean_ms: s(mean_ms) },
        Delay::Empirical { ref samples_ms } => {
            Delay::Empirical { samples_ms: samples_ms.iter().map(|&m| s(m)).collect() }
        }
    }
}

/// One mode's delay of `d`.
fn mode_of(d: &mut DelaysByMode, on_call: bool) -> &mut Delay {
    if on_call {
        &mut d.on_call
    } else {
        &mut d.staffed
    }
}

/// Sets the median of one mode of a profile's acknowledgement or work delay to `hours`,
/// and scales that mode of the per-kind overrides by the same factor.
fn set_median(profile: &mut pocnet_core::profile::Profile, parameter: Parameter, hours: f64) {
    let target = hours * 3_600_000.0;
    let on_call = matches!(parameter, Parameter::OnCallAcknowledge | Parameter::OnCallWork);
    let work = matches!(parameter, Parameter::OnCallWork | Parameter::StaffedWork);
    let delay = mode_of(if work { &mut profile.fulfil } else { &mut profile.acknowledge }, on_call);
    let m = median_ms(delay);
    let f = if m > 0.0 { target / m } else { 1.0 };
    *delay = if m > 0.0 { scaled(delay, f) } else { Delay::Fixed { ms: target.round() as u64 } };
    for kind in profile.kinds.values_mut() {
        if let Some(d) = if work { kind.fulfil.as_mut() } else { kind.acknowledge.as_mut() } {
            let delay = mode_of(d, on_call);
            *delay = scaled(delay, f);
        }
    }
}

/// The base scenario under one draw of the assumptions (`values` in their order). Fewer
/// arrivals keep each request whose fixed uniform draw (from the base's seed, one per
/// request) falls below the share, so a smaller share is a subset of a larger one.
pub fn apply(base: &Scenario, assumptions: &[Assumption], values: &[f64]) -> Scenario {
    let mut s = base.clone();
    for (a, v) in assumptions.iter().zip(values) {
        match a.parameter {
            Parameter::OnCallAcknowledge
            | Parameter::StaffedAcknowledge
            | Parameter::OnCallWork
            | Parameter::StaffedWork => {
                for e in s.states.iter_mut().filter(|e| a.profile.as_ref().is_none_or(|p| *p == e.profile_name)) {
                    set_median(&mut e.profile, a.parameter, *v);
                }
            }
            Parameter::ArrivalScale => {
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(base.seed ^ 0x6172_7269_7661_6c73);
                let keep: Vec<bool> = s.injects.iter().map(|_| rng.random::<f64>() < *v).collect();
                let mut k = keep.iter();
                s.injects.retain(|_| k.next().copied().unwrap_or(true));
            }
            Parameter::RetentionScale => {
                for i in &mut s.injects {
                    if let Some(deleted) = i.evidence_deleted_at {
                        let left = deleted.since(i.at) as f64 * v;
                        i.evidence_deleted_at = Some(i.at.plus_ms(left.round() as u64));
                    }
                }
                for e in &mut s.states {
                    for days in e.profile.retention.days.values_mut() {
                        *days = (f64::from(*days) * v).round().clamp(1.0, 36_500.0) as u32;
                    }
                }
            }
        }
    }
    s
}

/// One draw as the analysis reads it: the assumptions' values, each single change's rank
/// (by index into the sweep's single changes) and the headline's benefit.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawRanks {
    pub values: Vec<f64>,
    /// Rank of each single change in this draw, from 1.
    pub ranks: Vec<usize>,
    /// The headline's mean difference from the base, cases a run.
    pub benefit: f64,
}

/// How one change fared over the draws.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeOver {
    pub change: String,
    /// Share of draws in which it ranks first, and in the top three.
    pub rank_first: f64,
    pub top3: f64,
    pub median_rank: f64,
}

/// How much an assumption moves the headline's benefit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Influence {
    pub assumption: String,
    /// Spearman rank correlation between its draws and the headline's benefit.
    pub spearman: f64,
}

/// Where the headline stops ranking first: beyond `threshold` of `assumption`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Holds {
    pub assumption: String,
    /// `above`: it loses first rank when the assumption exceeds the threshold; `below`:
    /// when it falls below.
    pub direction: &'static str,
    pub threshold: f64,
    pub unit: &'static str,
    /// Draws on the holding side, and those where it ranks first; the same beyond.
    pub inside: (usize, usize),
    pub beyond: (usize, usize),
}

/// What the draws say of the answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Robust {
    pub draws: usize,
    pub draw_seeds: Vec<u64>,
    pub method: String,
    pub assumptions: Vec<Assumption>,
    /// Each draw's values, in the assumptions' order.
    pub values: Vec<Vec<f64>>,
    /// Every single change, most often first first.
    pub changes: Vec<ChangeOver>,
    /// The plain sweep's headline change, whose benefit the tornado explains.
    pub headline: Option<String>,
    /// Most influential first.
    pub tornado: Vec<Influence>,
    pub holds: Option<Holds>,
    pub sentence: String,
}

/// Ranks with ties averaged, from 1.
fn ranks_of(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|a, b| x[*a].total_cmp(&x[*b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && x[order[j + 1]] == x[order[i]] {
            j += 1;
        }
        for k in i..=j {
            r[order[k]] = (i + j) as f64 / 2.0 + 1.0;
        }
        i = j + 1;
    }
    r
}

/// Spearman's rank correlation (Pearson's of the ranks); 0 when either is constant.
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    let (rx, ry) = (ranks_of(x), ranks_of(y));
    let n = rx.len().max(1) as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let cov: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = rx.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = ry.iter().map(|b| (b - my).powi(2)).sum();
    if vx == 0.0 || vy == 0.0 {
        0.0
    } else {
        cov / (vx * vy).sqrt()
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Each change's shares of first rank and top three, and its median rank.
fn changes_over(changes: &[String], draws: &[DrawRanks]) -> Vec<ChangeOver> {
    let n = draws.len().max(1) as f64;
    let mut out: Vec<ChangeOver> = changes
        .iter()
        .enumerate()
        .map(|(i, change)| {
            let ranks: Vec<usize> = draws.iter().map(|d| d.ranks[i]).collect();
            ChangeOver {
                change: change.clone(),
                rank_first: round4(ranks.iter().filter(|r| **r == 1).count() as f64 / n),
                top3: round4(ranks.iter().filter(|r| **r <= 3).count() as f64 / n),
                median_rank: median(ranks.iter().map(|r| *r as f64).collect()),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.rank_first
            .total_cmp(&a.rank_first)
            .then(a.median_rank.total_cmp(&b.median_rank))
            .then(a.change.cmp(&b.change))
    });
    out
}

/// A cut of one assumption's draws: where the headline stops ranking first.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Cut {
    threshold: f64,
    direction: &'static str,
    inside: (usize, usize),
    beyond: (usize, usize),
    /// Draws it classifies right: first inside, not first beyond.
    correct: usize,
}

/// The cut of `values` that best tells the draws where the headline ranks first
/// (`first`) from the others: the headline ranks first in most draws on one side and in
/// fewer than half beyond (at least two draws), and the cut classifies at least three
/// draws in four right. The threshold is halfway between the two draws it separates.
fn best_cut(values: &[f64], first: &[bool]) -> Option<Cut> {
    let n = values.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|a, b| values[*a].total_cmp(&values[*b]));
    let firsts_to = |k: usize| order[..k].iter().filter(|i| first[**i]).count();
    let total = firsts_to(n);
    let mut best: Option<Cut> = None;
    for k in 1..n {
        let (lo, hi) = (values[order[k - 1]], values[order[k]]);
        if lo == hi {
            continue;
        }
        let (below, above) = ((k, firsts_to(k)), (n - k, total - firsts_to(k)));
        let threshold = (lo + hi) / 2.0;
        for (direction, inside, beyond) in [("above", below, above), ("below", above, below)] {
            let holds = 2 * inside.1 > inside.0 && 2 * beyond.1 < beyond.0 && beyond.0 >= 2;
            let correct = inside.1 + beyond.0 - beyond.1;
            if holds && best.is_none_or(|b| correct > b.correct) {
                best = Some(Cut { threshold, direction, inside, beyond, correct });
            }
        }
    }
    best.filter(|b| 4 * b.correct >= 3 * n)
}

/// What the draws say: each change's shares, the tornado of the headline's benefit, and
/// the threshold beyond which the headline loses first rank, if one assumption's says it.
pub fn summarise(
    assumptions: &[Assumption],
    changes: &[String],
    draws: &[DrawRanks],
    headline: Option<usize>,
    draw_seeds: Vec<u64>,
) -> Robust {
    let column = |a: usize| -> Vec<f64> { draws.iter().map(|d| d.values[a]).collect() };
    let benefit: Vec<f64> = draws.iter().map(|d| d.benefit).collect();
    let mut tornado: Vec<(usize, f64)> =
        (0..assumptions.len()).map(|a| (a, round4(spearman(&column(a), &benefit)))).collect();
    tornado.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
    let first: Vec<bool> = draws.iter().map(|d| headline.is_some_and(|h| d.ranks[h] == 1)).collect();
    let strength = |a: usize| tornado.iter().find(|t| t.0 == a).map_or(0.0, |t| t.1.abs());
    let cut = (0..assumptions.len())
        .filter_map(|a| best_cut(&column(a), &first).map(|c| (a, c)))
        .max_by(|x, y| x.1.correct.cmp(&y.1.correct).then(strength(x.0).total_cmp(&strength(y.0))).then(y.0.cmp(&x.0)));
    let holds = cut.filter(|_| first.iter().any(|f| !f)).map(|(a, c)| Holds {
        assumption: assumptions[a].label(),
        direction: c.direction,
        threshold: round4(c.threshold),
        unit: assumptions[a].parameter.unit(),
        inside: c.inside,
        beyond: c.beyond,
    });
    let name = headline.map(|h| changes[h].clone());
    let sentence = sentence(name.as_deref(), &first, holds.as_ref().zip(cut.map(|c| &assumptions[c.0])));
    Robust {
        draws: draws.len(),
        draw_seeds,
        method: "Latin hypercube draws of the assumptions; every variant on the same seeds in each draw; influence: Spearman rank correlation between each assumption's draws and the headline's mean cases saved a run over the base".into(),
        assumptions: assumptions.to_vec(),
        values: draws.iter().map(|d| d.values.iter().map(|v| round4(*v)).collect()).collect(),
        changes: changes_over(changes, draws),
        headline: name,
        tornado: tornado.into_iter().map(|(a, rho)| Influence { assumption: assumptions[a].label(), spearman: rho }).collect(),
        holds,
        sentence,
    }
}

/// The one sentence: where the answer holds.
fn sentence(headline: Option<&str>, first: &[bool], holds: Option<(&Holds, &Assumption)>) -> String {
    let n = first.len();
    let k = first.iter().filter(|f| **f).count();
    match (headline, holds) {
        (None, _) => "The plain sweep names no headline change: only the shares of each change are read.".into(),
        (Some(h), _) if k == n => {
            format!("The answer holds in every draw: {h} ranks first in all {n} draws of the assumptions' ranges.")
        }
        (Some(h), Some((holds, a))) => format!(
            "The answer holds unless {} {} {}: {h} ranks first in {} of {} draws on this side of it, {} of {} beyond.",
            holds.assumption,
            if holds.direction == "above" { "exceeds" } else { "falls below" },
            a.show(holds.threshold),
            holds.inside.1,
            holds.inside.0,
            holds.beyond.1,
            holds.beyond.0
        ),
        (Some(h), None) => format!(
            "{h} ranks first in {k} of {n} draws; no one assumption's threshold tells the draws where it does not."
        ),
    }
}

/// The changes both pages show (the rest are in sweep.json).
const CHANGES_SHOWN: usize = 15;

/// A change's row, as both pages word it: the change, how often it ranks first and in the
/// top three, its median rank.
fn change_cells(c: &ChangeOver) -> [String; 4] {
    [
        c.change.clone(),
        format!("{:.0}%", c.rank_first * 100.0),
        format!("{:.0}%", c.top3 * 100.0),
        c.median_rank.to_string(),
    ]
}

/// The section of sweep.md.
pub fn markdown(r: &Robust) -> String {
    let mut o = format!("\n## How sure is the answer?\n\n**{}**\n\n", r.sentence);
    let _ = writeln!(
        o,
        "{} draws of {} assumptions; each draw runs every single change on seeds {:?}.\n",
        r.draws,
        r.assumptions.len(),
        r.draw_seeds
    );
    let _ = writeln!(o, "| assumption | range |\n|---|---|");
    for a in &r.assumptions {
        let _ = writeln!(o, "| {} (`{}`) | {} to {} |", a.label(), a.parameter.name(), a.show(a.low), a.show(a.high));
    }
    let _ = writeln!(o, "\n| change | ranks first | top three | median rank |\n|---|---|---|---|");
    for c in r.changes.iter().take(CHANGES_SHOWN) {
        let _ = writeln!(o, "| {} |", change_cells(c).join(" | "));
    }
    if r.changes.len() > CHANGES_SHOWN {
        let _ = writeln!(o, "\n({} more in sweep.json.)", r.changes.len() - CHANGES_SHOWN);
    }
    if let Some(h) = &r.headline {
        let _ = writeln!(o, "\nWhat moves the headline ({h}) most, Spearman rank correlation with its mean cases saved a run over the base, n = {} draws:\n\n| assumption | Spearman ρ |\n|---|---|", r.draws);
        for t in &r.tornado {
            let _ = writeln!(o, "| {} | {:+.2} |", t.assumption, t.spearman);
        }
    }
    let _ = writeln!(o, "\n_Method: {}._", r.method);
    o
}

/// The section of sweep.html: the sentence, the tornado chart and the shares.
pub fn html(r: &Robust) -> String {
    use crate::outputs::esc;
    let mut o =
        format!("<h2>How sure is the answer?</h2><p id=\"robust-sentence\"><strong>{}</strong></p>", esc(&r.sentence));
    o.push_str(&tornado(r));
    o.push_str(
        "<table id=\"robust\"><tr><th>change</th><th>ranks first</th><th>top three</th><th>median rank</th></tr>",
    );
    for c in r.changes.iter().take(CHANGES_SHOWN) {
        let cells: String = change_cells(c).iter().map(|cell| format!("<td>{}</td>", esc(cell))).collect();
        let _ = write!(o, "<tr>{cells}</tr>");
    }
    let _ = write!(o, "</table><p class=\"note\">{} draws; method: {}.</p>", r.draws, esc(&r.method));
    o
}

/// Each assumption's Spearman correlation with the headline's benefit, largest first, on
/// an axis from -1 to 1.
fn tornado(r: &Robust) -> String {
    use crate::outputs::axis::{count_ticks, Frame};
    use crate::outputs::esc;
    let Some(headline) = &r.headline else { return String::new() };
    let row = 24.0;
    let f =
        Frame { w: 1000.0, h: row * r.tornado.len() as f64 + 56.0, left: 380.0, right: 20.0, top: 4.0, bottom: 48.0 };
    let ticks = count_ticks(-1.0, 1.0, f.x_ticks_fit(5));
    let x = |v: f64| f.x(v, -1.0, 1.0);
    let mut o = format!(
        "<svg id=\"tornado\" data-n=\"{}\" width=\"{w}\" height=\"{h:.0}\" viewBox=\"0 0 {w} {h:.0}\" role=\"img\"><title>What moves the headline ({}) most: Spearman rank correlation of each assumption with its cases saved a run over the base, n = {} draws</title>",
        r.draws,
        esc(headline),
        r.draws,
        w = f.w,
        h = f.h
    );
    o.push_str(&f.x_axis(
        &ticks,
        x,
        &format!(
            "Spearman rank correlation with the headline's cases saved a run over the base (n = {} draws)",
            r.draws
        ),
    ));
    let zero = x(0.0);
    let _ =
        write!(o, "<line x1=\"{zero:.1}\" y1=\"{:.1}\" x2=\"{zero:.1}\" y2=\"{:.1}\" stroke=\"#999\"/>", f.top, f.y1());
    for (i, t) in r.tornado.iter().enumerate() {
        let yy = f.top + 4.0 + row * i as f64;
        let (a, b) = (x(t.spearman.min(0.0)), x(t.spearman.max(0.0)));
        let colour = if t.spearman < 0.0 { "#cf222e" } else { "#1f6feb" };
        let _ = write!(
            o,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"12\">{}</text><rect class=\"influence\" x=\"{a:.1}\" y=\"{yy:.1}\" width=\"{:.1}\" height=\"14\" fill=\"{colour}\"><title>{}: ρ = {:+.2}</title></rect>",
            yy + 12.0,
            esc(&t.assumption),
            (b - a).max(1.0),
            esc(&t.assumption),
            t.spearman
        );
    }
    o.push_str("</svg><p class=\"note\">Bars: Spearman rank correlation (unitless, -1 to 1) between each assumption's drawn values and the headline's mean cases saved a run over the base; red: the headline gains less as the assumption grows.</p>");
    o
}

#[cfg(test)]
mod delay_tests {
    use super::*;

    #[test]
    fn every_family_has_the_median_its_scaling_moves() {
        // Gamma of shape 1 is the exponential: both medians are mean × ln 2 (by hand: 41.59 min).
        let by_hand = 60.0 * 60_000.0 * std::f64::consts::LN_2;
        let exp = Delay::Exponential { mean_ms: 3_600_000 };
        let gamma = Delay::Gamma { shape: 1.0, mean_ms: 3_600_000 };
        assert!((median_ms(&exp) - by_hand).abs() < 1.0);
        assert!((median_ms(&gamma) - by_hand).abs() < 1.0, "{}", median_ms(&gamma));
        let empirical = Delay::Empirical { samples_ms: vec![5, 1, 9] };
        assert_eq!(median_ms(&empirical), 5.0);
        for d in [exp, gamma, empirical] {
            let doubled = median_ms(&scaled(&d, 2.0));
            assert!((doubled - 2.0 * median_ms(&d)).abs() <= 2.0, "{d:?}: {doubled}");
        }
    }
}
