//! Nothing lost when the coordinator dies: what `pocnet run` keeps in `OUT/resume/` to be
//! continued by `pocnet run --resume OUT`.
//!
//! - `run.json`: what is needed to start the run again: the scenario's copy (and its
//!   register's) beside it, the seed, the command's options, the console's address and
//!   access tokens (readable by the owner only, like `console.json`);
//! - `journal.jsonl` ([`journal`]): every command that came in (console, dashboard,
//!   standard input) and every directive the clock took, with the scenario time at which
//!   it entered, synced to disk before it is acted on.
//!
//! A resumed run starts over from the scenario's start: the core is deterministic, so the
//! same windows run again and the journal's directives enter at the same waits with the
//! same stamps ([`pacing`]); then the run goes live where the dead one had got to. The
//! nodes of a mesh run start afresh and run the same windows again (see ARCHITECTURE.md).

pub mod journal;
pub mod pacing;

use journal::{Intake, Logged, ReadBack, Record};
use pocnet_core::{OperatorAction, SimTime, StateCode};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The folder inside `--out`.
pub const FOLDER: &str = "resume";
const HEADER: &str = "run.json";
const JOURNAL: &str = "journal.jsonl";
/// The header's format.
pub const FORMAT: u32 = 1;
/// Bytes of `run.json` (tokens of at most 256 players, paths).
const HEADER_BYTES_MAX: u64 = 1024 * 1024;

/// What `run.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    pub format: u32,
    /// The scenario's copy, relative to `OUT/resume/`.
    pub scenario: String,
    pub seed: u64,
    /// `mesh` or `inproc`, as `--engine` takes it.
    pub engine: String,
    /// `virtual` or `wall`, as `--clock` takes it.
    pub clock: String,
    pub speed: f64,
    pub udp_loss: f64,
    pub udp_delay_ms: u64,
    pub table: bool,
    /// Runs on attached nodes are not resumable (their nodes live elsewhere).
    pub attached: bool,
    pub console: Option<ConsoleHeader>,
    /// `--linger`: how long the console stays up after the end, in milliseconds.
    #[serde(default)]
    pub linger_ms: u64,
}

/// The console of a wall-clock exercise, as players reach it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConsoleHeader {
    /// The address it was bound to (the links' address).
    pub listen: std::net::SocketAddr,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub names: Vec<String>,
    pub tls: bool,
    /// Access tokens: `control`, or the played state's code.
    pub tokens: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ResumeError {
    #[error("{}: not a pocnet run's folder (no {FOLDER}/{HEADER}): nothing to resume", .0.display())]
    NotARun(PathBuf),
    #[error("{path}: {message}", path = .path.display())]
    Header { path: PathBuf, message: String },
    #[error("{}: the run was on attached nodes, which cannot be resumed from here: run it again", .0.display())]
    Attached(PathBuf),
    #[error("{}: cannot keep the scenario for resuming: {message}", .path.display())]
    Keep { path: PathBuf, message: String },
    #[error(transparent)]
    Journal(#[from] journal::JournalError),
}

/// `OUT/resume/`.
pub fn folder(out: &Path) -> PathBuf {
    out.join(FOLDER)
}

/// Keeps the scenario at `scenario` (and the register it names, relative to its folder)
/// in `OUT/resume/`, and returns the copy's name there.
pub fn keep_scenario(out: &Path, scenario: &Path, register: Option<&str>) -> Result<String, ResumeError> {
    let dir = folder(out);
    let keep = |path: &Path, message: String| ResumeError::Keep { path: path.to_path_buf(), message };
    std::fs::create_dir_all(&dir).map_err(|e| keep(&dir, e.to_string()))?;
    let name = scenario.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "scenario.toml".into());
    let mut files = vec![(scenario.to_path_buf(), dir.join(&name))];
    // A register named by an absolute path is read from there again on resume.
    if let Some(reg) = register.filter(|r| !Path::new(r).is_absolute()) {
        let rel = Path::new(reg);
        let plain = rel.components().all(|c| matches!(c, std::path::Component::Normal(_)));
        if !plain {
            return Err(keep(rel, "the register must sit in the scenario's folder or below it".into()));
        }
        let base = scenario.parent().unwrap_or(Path::new(""));
        files.push((base.join(rel), dir.join(rel)));
    }
    for (from, to) in files {
        let bytes = pocnet_node::files::read_regular(&from, crate::scenario::SCENARIO_BYTES_MAX)
            .map_err(|e| keep(&from, e.to_string()))?;
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| keep(parent, e.to_string()))?;
        }
        pocnet_node::files::write_atomic(&to, &bytes).map_err(|e| keep(&to, e.to_string()))?;
    }
    Ok(name)
}

/// Writes `run.json` (owner-readable only: it holds the console's tokens).
pub fn write_header(out: &Path, header: &Header) -> Result<(), ResumeError> {
    let path = folder(out).join(HEADER);
    let text = serde_json::to_string_pretty(header)
        .map_err(|e| ResumeError::Header { path: path.clone(), message: e.to_string() })?;
    pocnet_node::pki::write_private(&path, &format!("{text}\n"))
        .map_err(|e| ResumeError::Header { path, message: e.to_string() })
}

/// `OUT/resume/journal.jsonl`.
pub fn journal_path(out: &Path) -> PathBuf {
    folder(out).join(JOURNAL)
}

/// Opens a fresh journal for a new run.
pub fn start_journal(out: &Path) -> Result<journal::Journal, ResumeError> {
    Ok(journal::Journal::open(&folder(out).join(JOURNAL), 0)?)
}

/// A run found in `OUT`, to be resumed.
#[derive(Debug)]
pub struct Found {
    pub header: Header,
    /// The scenario's copy.
    pub scenario: PathBuf,
    pub back: ReadBack,
}

/// Reads the run kept in `out`.
pub fn find(out: &Path) -> Result<Found, ResumeError> {
    let dir = folder(out);
    let path = dir.join(HEADER);
    if !path.is_file() {
        return Err(ResumeError::NotARun(out.to_path_buf()));
    }
    let bad = |message: String| ResumeError::Header { path: path.clone(), message };
    let bytes = pocnet_node::files::read_regular(&path, HEADER_BYTES_MAX).map_err(|e| bad(e.to_string()))?;
    let header: Header = serde_json::from_slice(&bytes).map_err(|e| bad(format!("not a run header ({e})")))?;
    if header.format != FORMAT {
        return Err(bad(format!("format {} where this pocnet reads {FORMAT}", header.format)));
    }
    if header.attached {
        return Err(ResumeError::Attached(out.to_path_buf()));
    }
    let scenario = dir.join(&header.scenario);
    let back = journal::read(&dir.join(JOURNAL))?;
    Ok(Found { header, scenario, back })
}

/// What a run keeps for resuming: its journal open for appending, its header, and what a
/// resumed run replays (nothing for a fresh one).
#[derive(Debug)]
pub struct Kept {
    pub journal: std::sync::Arc<journal::Journal>,
    pub header: Header,
    pub plan: Plan,
}

/// What a resumed run does with its journal.
#[derive(Debug, Default)]
pub struct Plan {
    /// Directives to hand back at their waits.
    pub entered: Vec<pacing::Entered>,
    /// Commands that came in and never reached the clock: taken first when live.
    pub pending: Vec<Logged>,
    /// Where the dead run's clock had got to.
    pub reached: Option<SimTime>,
    /// The controller had paused it, or asked for the rest as fast as possible.
    pub paused: bool,
    pub fast: bool,
    pub finished: bool,
    /// What players typed beside their actions, in the order the actions came in (those
    /// that entered and those still pending): the after-action review's decision log.
    pub rationales: Vec<(StateCode, OperatorAction, String)>,
}

/// Reads the journal's records into what the resumed run must do.
pub fn plan(records: &[Record]) -> Plan {
    let mut plan = Plan::default();
    let mut received = Vec::new();
    fn reached(plan: &mut Plan, t: SimTime) {
        plan.reached = Some(plan.reached.map_or(t, |r| r.max(t)));
    }
    for record in records {
        match record {
            Record::Received(Intake::Pause) => plan.paused = true,
            Record::Received(Intake::Resume) => plan.paused = false,
            Record::Received(Intake::Fast) => (plan.fast, plan.paused) = (true, false),
            Record::Received(Intake::Directive(d)) => {
                if let Logged::Operator { state, action, rationale: Some(r) } = d {
                    plan.rationales.push((*state, action.clone(), r.clone()));
                }
                received.push(d.clone());
            }
            Record::Entered { call, wanted, arrived, directive } => {
                reached(&mut plan, *arrived);
                plan.entered.push(pacing::Entered {
                    call: *call,
                    wanted: *wanted,
                    arrived: *arrived,
                    directive: directive.clone(),
                });
            }
            Record::Reached { at } => reached(&mut plan, *at),
            Record::Finished => plan.finished = true,
        }
    }
    // Commands reach the clock in the order they were recorded: the first ones entered.
    plan.pending = received.split_off(plan.entered.len().min(received.len()));
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_replays_what_entered_takes_the_rest_first_and_picks_up_paused_where_it_had_got_to() {
        let entered =
            |call, at| Record::Entered { call, wanted: SimTime(at), arrived: SimTime(at - 1), directive: Logged::End };
        let records = vec![
            Record::Received(Intake::Directive(Logged::End)),
            Record::Received(Intake::Pause),
            entered(3, 100),
            Record::Reached { at: SimTime(400) },
            Record::Received(Intake::Directive(Logged::End)),
        ];
        let plan = plan(&records);
        assert_eq!(plan.entered.len(), 1);
        assert_eq!(plan.entered[0].call, 3);
        assert_eq!(plan.pending, vec![Logged::End], "received, never entered");
        assert_eq!(plan.reached, Some(SimTime(400)));
        assert!(plan.paused && !plan.fast && !plan.finished);
        assert!(plan.rationales.is_empty());
        let done = super::plan(&[Record::Received(Intake::Fast), Record::Finished]);
        assert!(done.finished && done.fast && !done.paused && done.pending.is_empty());
    }

    #[test]
    fn a_players_rationale_is_journaled_with_the_action_and_comes_back_in_the_plan() {
        use crate::clock::{wall::Command, Directive};
        let id: pocnet_core::RequestId = "C1".parse().expect("id");
        let fra = StateCode::parse("FRA").expect("code");
        let action = OperatorAction::Acknowledge { id };
        let command = Command::Directive(Directive::Operator { state: fra, action: action.clone() });
        let with = Record::Received(Intake::of(&command, Some("the request is complete")));
        let line = serde_json::to_string(&with).expect("json");
        assert!(line.contains("\"rationale\":\"the request is complete\""), "{line}");
        let without = serde_json::to_string(&Record::Received(Intake::of(&command, None))).expect("json");
        assert!(!without.contains("rationale"), "journals written before rationales read the same: {without}");
        let back: Record = serde_json::from_str(&line).expect("read back");
        let plain: Record = serde_json::from_str(&without).expect("read back");
        let plan = plan(&[back, plain, Record::Received(Intake::of(&Command::Pause, Some("ignored")))]);
        assert_eq!(plan.rationales, vec![(fra, action, "the request is complete".to_string())]);
        assert_eq!(plan.pending.len(), 2, "both actions still to enter");
    }
}
