//! `pocnet sweep`: which staffing change saves the most evidence per staffed hour.
//!
//! A sweep runs the base scenario and every single change it names on the in-process
//! engine, each on the same seeds (common random numbers: a change's effect is measured
//! against the base on the very same draws, so most of the noise cancels), on every core.
//! Each change's difference from the base, seed by seed, gives its mean and a 95% paired
//! confidence interval (Student's t); divided by the staffed officer-hours it adds a week,
//! its evidence saved per added hour. Then the best changes are combined greedily, and
//! the Pareto frontier of evidence saved against staffed hours is drawn from every
//! variant run.
//!
//! - [`file`]: the sweep file, validated against its base scenario;
//! - [`variants`]: changes applied, costs, one run counted;
//! - [`outputs`]: `sweep.json`, `sweep.md`, `sweep.html`.
//!
//! A sweep larger than a machine runs in shards (`--shard I/N`: the runs of every N-th
//! variant), and a merge reads the shards' files and writes exactly what a whole run
//! writes.

pub mod command;
pub mod file;
pub mod hours;
pub mod outputs;
pub mod robust;
pub mod variants;

use crate::scenario::validate::hubs::conflict as hub_conflict;
use file::{Change, Sweep};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The counts of one variant, one per seed in the sweep's order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counted {
    /// 0 for the base, then the single changes in the sweep file's order.
    pub variant: usize,
    pub counts: Vec<u64>,
    /// Officer time worked as overtime in each run (`shift_end = "overtime"`), in seed
    /// order; absent when no run had any.
    #[serde(default, skip_serializing_if = "no_overtime")]
    pub overtime_ms: Vec<u64>,
}

fn no_overtime(overtime_ms: &[u64]) -> bool {
    overtime_ms.iter().all(|ms| *ms == 0)
}

/// The first stage of a sweep (the base and every single change), whole or a shard of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shard {
    pub schema: String,
    /// A hash of the sweep file and its base scenario: a merge never mixes two sweeps.
    pub sweep: String,
    pub shard: usize,
    pub of: usize,
    pub variants: Vec<Counted>,
    /// The same variants in each draw of the sweep's assumptions (none without).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub draws: Vec<Vec<Counted>>,
}

pub const SHARD_SCHEMA: &str = "pocnet-sweep-shard/1";

/// What a whole sweep found.
#[derive(Debug, Clone)]
pub struct Found {
    pub base: Counted,
    pub singles: Vec<Counted>,
    /// The greedy combinations: the single changes each takes (indices into the sweep's
    /// singles), and their counts.
    pub combinations: Vec<(Vec<usize>, Counted)>,
}

/// Progress of the runs: a bar on a terminal, nothing otherwise.
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    pub fn new(total: u64, shown: bool) -> Progress {
        let bar = shown.then(|| {
            let bar = indicatif::ProgressBar::new(total);
            let style = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} runs, {per_sec}, {eta} left")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        Progress(bar)
    }

    fn step(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// The hash of a sweep: its file and its base scenario's identity.
pub fn sweep_hash(sweep: &Sweep) -> String {
    // The validated base, all of it: shards of a sweep whose base scenario changed between
    // them are refused at the merge (the model holds no hash maps: its text is stable).
    crate::scenario::identity_hash(&format!("{}\n{:?}", sweep.text, sweep.base))
}

/// Runs `variants` (indices: 0 the base, i the i-th single change) on every seed, in
/// parallel on every core; each variant's counts in seed order.
fn run_variants(
    sweep: &Sweep,
    variants: &[Vec<&Change>],
    ids: &[usize],
    progress: &Progress,
) -> anyhow::Result<Vec<Counted>> {
    let mut out = run_on(sweep, std::slice::from_ref(&sweep.base), &sweep.seeds, variants, ids, progress)?;
    Ok(out.pop().unwrap_or_default())
}

/// Runs `variants` on each of `bases` (the base scenario under each draw of its
/// assumptions) on every seed, all in one pool: per base, each variant's counts in seed
/// order.
fn run_on(
    sweep: &Sweep,
    bases: &[crate::scenario::Scenario],
    seeds: &[u64],
    variants: &[Vec<&Change>],
    ids: &[usize],
    progress: &Progress,
) -> anyhow::Result<Vec<Vec<Counted>>> {
    let jobs: Vec<(usize, usize, usize)> = (0..bases.len())
        .flat_map(|b| (0..variants.len()).flat_map(move |v| (0..seeds.len()).map(move |s| (b, v, s))))
        .collect();
    let counts: Vec<anyhow::Result<variants::RunCount>> = jobs
        .par_iter()
        .map(|(b, v, s)| {
            let counted = variants::run_once(&bases[*b], &variants[*v], seeds[*s], sweep.measure);
            progress.step();
            counted
        })
        .collect();
    let mut out: Vec<Vec<Counted>> = (0..bases.len())
        .map(|_| ids.iter().map(|id| Counted { variant: *id, ..Counted::default() }).collect())
        .collect();
    for ((b, v, _), count) in jobs.iter().zip(counts) {
        let count = count?;
        out[*b][*v].counts.push(count.count);
        out[*b][*v].overtime_ms.push(count.overtime_ms);
    }
    for counted in out.iter_mut().flatten() {
        if no_overtime(&counted.overtime_ms) {
            counted.overtime_ms.clear();
        }
    }
    Ok(out)
}

/// The base scenario under each draw of the sweep's assumptions, with the draws' values.
pub fn drawn_bases(sweep: &Sweep) -> (Vec<Vec<f64>>, Vec<crate::scenario::Scenario>) {
    let r = &sweep.robust;
    let values = robust::draw_values(&r.assumptions, r.draws, sweep.base.seed);
    let bases = values.iter().map(|v| robust::apply(&sweep.base, &r.assumptions, v)).collect();
    (values, bases)
}

/// The first stage, or the shard `shard` of `of` of it: the base and the single changes
/// whose index modulo `of` is `shard`.
pub fn first_stage(sweep: &Sweep, shard: usize, of: usize, progress: &Progress) -> anyhow::Result<Shard> {
    anyhow::ensure!(of >= 1 && shard < of, "shard {shard} of {of}: expected I/N with I < N");
    let ids: Vec<usize> = (0..=sweep.singles.len()).filter(|v| v % of == shard).collect();
    let variants: Vec<Vec<&Change>> =
        ids.iter().map(|v| if *v == 0 { vec![] } else { vec![&sweep.singles[v - 1].change] }).collect();
    let runs = run_variants(sweep, &variants, &ids, progress)?;
    let (_, bases) = drawn_bases(sweep);
    let draws = run_on(
        sweep,
        &bases,
        &sweep.seeds[..sweep.robust.draw_seeds.min(sweep.seeds.len())],
        &variants,
        &ids,
        progress,
    )?;
    Ok(Shard { schema: SHARD_SCHEMA.to_string(), sweep: sweep_hash(sweep), shard, of, variants: runs, draws })
}

/// Shards put together: every variant of the first stage exactly once, from one sweep.
pub fn merge(sweep: &Sweep, shards: &[Shard]) -> anyhow::Result<Vec<Counted>> {
    let hash = sweep_hash(sweep);
    for s in shards {
        anyhow::ensure!(
            s.schema == SHARD_SCHEMA,
            "shard {}/{}: schema {}, expected {SHARD_SCHEMA}",
            s.shard,
            s.of,
            s.schema
        );
        anyhow::ensure!(s.sweep == hash, "shard {}/{} is of another sweep (or another base scenario)", s.shard, s.of);
    }
    gather(sweep, shards.iter().map(|s| s.variants.as_slice()), sweep.seeds.len())
}

/// The draws of the shards put together: in each draw, every variant exactly once (the
/// shards checked by [`merge`] first).
pub fn merge_draws(sweep: &Sweep, shards: &[Shard]) -> anyhow::Result<Vec<Vec<Counted>>> {
    let draws = sweep.robust.draws;
    if let Some(s) = shards.iter().find(|s| s.draws.len() != draws) {
        anyhow::bail!("shard {}/{}: {} draws, the sweep makes {draws}", s.shard, s.of, s.draws.len());
    }
    let seeds = sweep.robust.draw_seeds.min(sweep.seeds.len());
    (0..draws).map(|d| gather(sweep, shards.iter().map(|s| s.draws[d].as_slice()), seeds)).collect()
}

/// Every variant of the first stage exactly once from `lists`, each with `seeds` counts.
fn gather<'a>(sweep: &Sweep, lists: impl Iterator<Item = &'a [Counted]>, seeds: usize) -> anyhow::Result<Vec<Counted>> {
    let mut all: Vec<Option<Counted>> = vec![None; sweep.singles.len() + 1];
    let cases = sweep.base.injects.len() as u64;
    for list in lists {
        for c in list {
            let slot = all.get_mut(c.variant).ok_or_else(|| anyhow::anyhow!("variant {} out of range", c.variant))?;
            anyhow::ensure!(slot.is_none(), "variant {} is in two shards", c.variant);
            anyhow::ensure!(
                c.counts.len() == seeds,
                "variant {}: {} counts for {seeds} seeds",
                c.variant,
                c.counts.len()
            );
            // A count is of the base's cases: more than it has is an altered shard.
            if let Some(n) = c.counts.iter().find(|n| **n > cases) {
                anyhow::bail!(
                    "variant {}: {n} cases counted where the base scenario has {cases} (an altered shard)",
                    c.variant
                );
            }
            *slot = Some(c.clone());
        }
    }
    let missing: Vec<usize> = all.iter().enumerate().filter(|(_, c)| c.is_none()).map(|(i, _)| i).collect();
    anyhow::ensure!(
        missing.is_empty(),
        "{} variants missing from the shards (the first: variant {})",
        missing.len(),
        missing.first().map_or_else(String::new, |v| v.to_string())
    );
    Ok(all.into_iter().flatten().collect())
}

/// The second stage: the best single changes combined greedily (one change per state, never
/// a downgrade), and every figure of the sweep.
pub fn finish(sweep: &Sweep, first: Vec<Counted>, progress: &Progress) -> anyhow::Result<Found> {
    let mut first = first.into_iter();
    let base = first.next().ok_or_else(|| anyhow::anyhow!("no base run"))?;
    let singles: Vec<Counted> = first.collect();
    let ranked = outputs::rank(sweep, &base, &singles);
    let mut picked: Vec<usize> = Vec::new();
    let mut states = std::collections::BTreeSet::new();
    let mut providers = std::collections::BTreeSet::new();
    let mut hubs: Vec<&pocnet_core::network::Hub> = sweep.base.network.hubs.iter().collect();
    for r in ranked.iter().filter(|r| r.mean > 0.0 && r.added_hours > 0.0 && !r.downgrade) {
        let change = &sweep.singles[r.single].change;
        // Hubs that cannot stand together (a state in two) are never combined.
        if let Change::Hub(h) = change {
            if hub_conflict(hubs.iter().copied(), h).is_some() {
                continue;
            }
        }
        // One change per state's desk and per provider's desk.
        if change.state().is_none_or(|s| states.insert(s)) && change.provider().is_none_or(|p| providers.insert(p)) {
            if let Change::Hub(h) = change {
                hubs.push(h);
            }
            picked.push(r.single);
        }
    }
    let sets: Vec<Vec<usize>> = (2..=picked.len().min(sweep.combine)).map(|k| picked[..k].to_vec()).collect();
    let variants: Vec<Vec<&Change>> =
        sets.iter().map(|set| set.iter().map(|i| &sweep.singles[*i].change).collect()).collect();
    let ids: Vec<usize> = (0..sets.len()).collect();
    let counted = run_variants(sweep, &variants, &ids, progress)?;
    Ok(Found { base, singles, combinations: sets.into_iter().zip(counted).collect() })
}

/// How many runs the whole sweep makes, first stage and at most every combination.
pub fn runs_planned(sweep: &Sweep) -> u64 {
    ((sweep.singles.len() + 1 + sweep.combine.saturating_sub(1)) * sweep.seeds.len()) as u64 + draw_runs(sweep, 1)
}

/// The runs of the assumptions' draws, whole or in `of` shards (one shard's).
pub fn draw_runs(sweep: &Sweep, of: usize) -> u64 {
    let r = &sweep.robust;
    ((sweep.singles.len() + 1).div_ceil(of.max(1)) * r.draws * r.draw_seeds.min(sweep.seeds.len())) as u64
}

/// What the draws say of the answer: each draw's ranking of the single changes (as the
/// plain sweep ranks them), against the plain sweep's headline (`ranking`'s). `None`
/// without draws.
pub fn robustness(sweep: &Sweep, ranking: &[outputs::Ranked], draws: &[Vec<Counted>]) -> Option<robust::Robust> {
    if draws.is_empty() {
        return None;
    }
    let headline = outputs::headline(ranking).map(|r| r.single);
    let (values, _) = drawn_bases(sweep);
    let ranked: Vec<robust::DrawRanks> = draws
        .iter()
        .zip(values)
        .map(|(draw, values)| {
            let (base, singles) = draw.split_first().map_or((None, &[][..]), |(b, s)| (Some(b), s));
            let ranking = base.map(|b| outputs::rank(sweep, b, singles)).unwrap_or_default();
            let mut ranks = vec![0; sweep.singles.len()];
            for r in &ranking {
                ranks[r.single] = r.rank;
            }
            let benefit = headline.and_then(|h| ranking.iter().find(|r| r.single == h)).map_or(0.0, |r| r.mean);
            robust::DrawRanks { values, ranks, benefit }
        })
        .collect();
    let changes: Vec<String> = sweep.singles.iter().map(|s| s.change.describe()).collect();
    let seeds = sweep.seeds[..sweep.robust.draw_seeds.min(sweep.seeds.len())].to_vec();
    Some(robust::summarise(&sweep.robust.assumptions, &changes, &ranked, headline, seeds))
}

/// Writes a shard's file.
pub fn write_shard(out: &Path, shard: &Shard) -> anyhow::Result<std::path::PathBuf> {
    let path = out.join(format!("sweep-shard-{}-of-{}.json", shard.shard, shard.of));
    let mut text = serde_json::to_string_pretty(shard)?;
    text.push('\n');
    pocnet_node::files::write_atomic(&path, text.as_bytes())?;
    Ok(path)
}

/// Reads a shard's file.
pub fn read_shard(path: &Path) -> anyhow::Result<Shard> {
    let text = pocnet_node::files::read_text(path, 64 << 20)?;
    serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{}: not a shard file: {e}", path.display()))
}
