//! `pocnet sweep FILE`: the sweep as a command, from its options to its files.

use super::file::{self, Sweep};
use super::{finish, first_stage, merge, outputs, read_shard, runs_planned, write_shard, Progress};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct SweepOptions {
    pub file: PathBuf,
    pub out: PathBuf,
    /// Remove another run's files from `out` first (else such a folder is refused).
    pub force: bool,
    /// Run only shard I of N of the first stage, and write its file.
    pub shard: Option<(usize, usize)>,
    /// Shard files to merge (instead of running the first stage).
    pub merge: Vec<PathBuf>,
    /// How long to wait for shard files that are not there yet.
    pub merge_wait: Option<Duration>,
    /// Rerun the N best variants on the mesh and compare their reports byte for byte.
    pub confirm_on_mesh: usize,
    pub node_bin: PathBuf,
    pub progress: bool,
}

/// What the command did, for `main` to print.
#[derive(Debug)]
pub struct Done {
    pub written: Vec<PathBuf>,
    /// Runs made here.
    pub runs: usize,
    /// Runs read from shard files (`--merge`), made elsewhere.
    pub merged: usize,
    pub seconds: f64,
    /// Variant runs of the base scenario per second.
    pub runs_per_second: f64,
    /// The answer's line, when the sweep finished.
    pub answer: Option<String>,
    /// Where the answer holds over the draws of the assumptions, when the sweep drew them.
    pub robust: Option<String>,
    /// Mesh confirmations: (variant, identical).
    pub confirmed: Vec<(String, bool)>,
}

/// Parses `I/N`.
pub fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let (i, n) = s.split_once('/').ok_or_else(|| format!("`{s}`: expected I/N, like 0/4"))?;
    let (i, n): (usize, usize) = (
        i.parse().map_err(|_| format!("`{i}`: not a number"))?,
        n.parse().map_err(|_| format!("`{n}`: not a number"))?,
    );
    if n == 0 || i >= n || n > 10_000 {
        return Err(format!("`{s}`: expected I/N with 0 <= I < N <= 10000"));
    }
    Ok((i, n))
}

pub fn load(path: &Path) -> Result<Sweep, crate::scenario::ScenarioError> {
    file::load(path)
}

pub fn run(sweep: &Sweep, options: &SweepOptions) -> anyhow::Result<Done> {
    // A shard writes its own file beside its sweep's other shards; a merge may write
    // beside the shards it reads.
    let own = options.shard.map(|(i, n)| format!("sweep-shard-{i}-of-{n}.json"));
    let keep = |name: &str| crate::out_dir::is_shard_file(name) && own.as_deref() != Some(name);
    crate::out_dir::claim(&options.out, options.force, keep)?;
    let started = Instant::now();
    let planned = match options.shard {
        Some((_, n)) => {
            (((sweep.singles.len() + 1).div_ceil(n)) * sweep.seeds.len()) as u64 + super::draw_runs(sweep, n)
        }
        None => runs_planned(sweep),
    };
    let progress = Progress::new(planned, options.progress);
    let mut runs = 0;
    if let Some((i, n)) = options.shard {
        let shard = first_stage(sweep, i, n, &progress)?;
        progress.finish();
        runs += shard.variants.iter().chain(shard.draws.iter().flatten()).map(|v| v.counts.len()).sum::<usize>();
        let path = write_shard(&options.out, &shard)?;
        let seconds = started.elapsed().as_secs_f64();
        return Ok(Done {
            written: vec![path],
            runs,
            merged: 0,
            seconds,
            runs_per_second: runs as f64 / seconds.max(1e-9),
            answer: None,
            robust: None,
            confirmed: vec![],
        });
    }
    let (first, draws) = if options.merge.is_empty() {
        let whole = first_stage(sweep, 0, 1, &progress)?;
        (whole.variants, whole.draws)
    } else {
        if let Some(wait) = options.merge_wait {
            wait_for(&options.merge, wait)?;
        }
        let shards: Vec<_> = options.merge.iter().map(|p| read_shard(p)).collect::<anyhow::Result<_>>()?;
        (merge(sweep, &shards)?, super::merge_draws(sweep, &shards)?)
    };
    // Runs read from shards were run elsewhere: counted apart, never as this run's.
    let first_runs = first.iter().chain(draws.iter().flatten()).map(|v| v.counts.len()).sum::<usize>();
    let merged = if options.merge.is_empty() { 0 } else { first_runs };
    runs += first_runs - merged;
    let found = finish(sweep, first, &progress)?;
    progress.finish();
    runs += found.combinations.iter().map(|(_, c)| c.counts.len()).sum::<usize>();
    let mut report = outputs::report(sweep, &found);
    report.robust = super::robustness(sweep, &report.ranking, &draws);
    let mut written = Vec::new();
    for (name, text) in [
        ("sweep.json", outputs::json(&report)),
        ("sweep.md", outputs::markdown(&report)),
        ("sweep.html", outputs::html(&report)),
    ] {
        let path = options.out.join(name);
        pocnet_node::files::write_atomic(&path, text.as_bytes())?;
        written.push(path);
    }
    let seconds = started.elapsed().as_secs_f64();
    let answer = report.answer.first().cloned();
    let robust = report.robust.as_ref().map(|r| r.sentence.clone());
    let confirmed = if options.confirm_on_mesh > 0 { confirm(sweep, &found, &report, options)? } else { vec![] };
    let runs_per_second = runs as f64 / seconds.max(1e-9);
    Ok(Done { written, runs, merged, seconds, runs_per_second, answer, robust, confirmed })
}

/// Waits until every file in `paths` exists (shards write theirs whole, by renaming), up
/// to `wait`; names the first missing one if they do not all appear.
fn wait_for(paths: &[PathBuf], wait: Duration) -> anyhow::Result<()> {
    let until = Instant::now() + wait;
    loop {
        let missing = paths.iter().find(|p| !p.exists());
        match missing {
            None => return Ok(()),
            Some(p) if Instant::now() >= until => {
                anyhow::bail!("{}: not there after waiting {:?} for the shards", p.display(), wait)
            }
            Some(_) => std::thread::sleep(Duration::from_millis(500).min(until - Instant::now())),
        }
    }
}

/// Reruns the best variants (the frontier, most evidence first) on the mesh with the first
/// seed, and compares each report.json with the in-process one byte for byte.
fn confirm(
    sweep: &Sweep,
    found: &super::Found,
    report: &outputs::Report,
    options: &SweepOptions,
) -> anyhow::Result<Vec<(String, bool)>> {
    let mut best: Vec<usize> = (0..report.variants.len()).filter(|i| report.variants[*i].frontier).collect();
    best.sort_by(|a, b| report.variants[*b].mean.total_cmp(&report.variants[*a].mean));
    best.truncate(options.confirm_on_mesh);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut out = Vec::new();
    for i in best {
        let changes: Vec<&file::Change> = if i == 0 {
            vec![]
        } else if i <= found.singles.len() {
            vec![&sweep.singles[found.singles[i - 1].variant - 1].change]
        } else {
            found.combinations[i - 1 - found.singles.len()].0.iter().map(|k| &sweep.singles[*k].change).collect()
        };
        let scenario = super::variants::apply(&sweep.base, &changes, sweep.seeds[0]);
        let name = report.variants[i].name.clone();
        let inproc = runtime.block_on(crate::run::simulate(&scenario))?.report().to_json();
        let run_dir = options.out.join(format!("confirm-{i}"));
        let mesh_options = crate::engine::mesh::MeshOptions {
            node_bin: options.node_bin.clone(),
            run_dir,
            udp_loss: 0.0,
            udp_delay: std::time::Duration::ZERO,
            attach: None,
            stop: Default::default(),
        };
        let mesh = runtime.block_on(async {
            let (mut mesh, next) = crate::engine::mesh::Mesh::start(&scenario, &mesh_options).await?;
            let clock = crate::clock::Clock::new(
                next,
                scenario.network.lookahead_ms(),
                crate::clock::AsFastAsPossible,
                crate::run::exercise_state(&scenario),
            );
            let run = crate::clock::run_to_end(&mut mesh, clock).await?;
            mesh.finish().await?;
            anyhow::Ok(crate::run::account(&scenario, &run)?.report().to_json())
        })?;
        out.push((name, mesh == inproc));
    }
    Ok(out)
}
