//! `pocnet run` keeps what `--resume` needs in `OUT/resume/`; `pocnet run --resume OUT`
//! reads it back into the same scenario, seed and options (see `pocnet::resume`).

use pocnet::resume::{self, journal::Journal, Header, Kept, Plan};
use pocnet::run::{ClockKind, EngineKind, RunOptions};
use pocnet::scenario::{self, Scenario};
use pocnet_node::say;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Keeps a fresh run's scenario (and register), seed and options in `OUT/resume/` and
/// opens its journal.
pub fn keep(scenario_path: &Path, register: Option<&str>, seed: u64, options: &RunOptions) -> anyhow::Result<Kept> {
    let name = resume::keep_scenario(&options.out, scenario_path, register)?;
    let header = Header {
        format: resume::FORMAT,
        scenario: name,
        seed,
        engine: value_name(options.engine),
        clock: value_name(options.clock),
        speed: options.speed,
        udp_loss: options.udp_loss,
        udp_delay_ms: u64::try_from(options.udp_delay.as_millis()).unwrap_or(u64::MAX),
        table: options.table,
        attached: options.attach.is_some(),
        console: None,
        linger_ms: u64::try_from(options.linger.as_millis()).unwrap_or(u64::MAX),
    };
    resume::write_header(&options.out, &header)?;
    let journal = Arc::new(resume::start_journal(&options.out)?);
    Ok(Kept { journal, header, plan: Plan::default() })
}

fn value_name(v: impl clap::ValueEnum) -> String {
    v.to_possible_value().map(|p| p.get_name().to_string()).unwrap_or_default()
}

fn value_of<T: clap::ValueEnum>(name: &str, what: &str) -> anyhow::Result<T> {
    T::from_str(name, false).map_err(|_| anyhow::anyhow!("the kept {what} `{name}` is not one pocnet knows"))
}

/// What `--resume OUT` found.
pub enum Resumed {
    /// The run had finished: nothing to do.
    Finished,
    /// The run to continue: its scenario (the kept copy, the kept seed) and options.
    Run(Box<Scenario>, Box<RunOptions>),
}

/// Reads the run kept in `out`: its scenario, options and journal.
pub fn resumed(out: &Path, node_bin: PathBuf, quiet: bool) -> anyhow::Result<Resumed> {
    let found = resume::find(out)?;
    if let Some(note) = &found.back.note {
        say!("pocnet: {note}");
    }
    let plan = resume::plan(&found.back.records);
    if plan.finished {
        return Ok(Resumed::Finished);
    }
    let header = found.header;
    let overrides = scenario::Overrides { seed: Some(header.seed) };
    let scenario = scenario::load(&found.scenario, &overrides).map_err(|e| anyhow::anyhow!("{e}"))?;
    let journal = Arc::new(Journal::open(&resume::journal_path(out), found.back.good_bytes)?);
    let console = header.console.clone();
    let options = RunOptions {
        clock: value_of::<ClockKind>(&header.clock, "clock")?,
        speed: header.speed,
        engine: value_of::<EngineKind>(&header.engine, "engine")?,
        out: out.to_path_buf(),
        node_bin,
        quiet,
        table: header.table,
        udp_loss: header.udp_loss,
        udp_delay: std::time::Duration::from_millis(header.udp_delay_ms),
        attach: None,
        stop: Default::default(),
        console_listen: console.as_ref().map_or(([127, 0, 0, 1], 8750).into(), |c| c.listen),
        console_tls: pocnet::exercise::tls::ConsoleTlsOptions {
            cert: console.as_ref().and_then(|c| c.cert.clone()),
            key: console.as_ref().and_then(|c| c.key.clone()),
            force: console.as_ref().is_some_and(|c| c.tls),
            names: console.map(|c| c.names).unwrap_or_default(),
        },
        linger: std::time::Duration::from_millis(header.linger_ms),
        kept: None,
    };
    say!(
        "pocnet: resuming {} from its start ({} directive(s) to replay, {} taken in but not yet entered)",
        out.display(),
        plan.entered.len(),
        plan.pending.len()
    );
    let kept = Kept { journal, header, plan };
    Ok(Resumed::Run(Box::new(scenario), Box::new(RunOptions { kept: Some(kept), ..options })))
}
