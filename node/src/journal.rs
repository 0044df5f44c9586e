//! The node's journal: what it accepted and which windows it completed, so that a node
//! killed at any moment (SIGKILL included: writes are in the page cache) and restarted
//! rebuilds exactly the state it had, by replaying the same inputs through the same core.
//!
//! Records are frames of the wire codec. The first names the run and the state; a journal
//! of another run (a node host that kept its volume from an earlier run) is never
//! replayed, it is started afresh; a journal of another state (a host given the wrong
//! file) is refused, named, and left as it is. A record is written before the node answers for it: a batch before
//! `Queued` and `Accepted`, a window before `WindowDone`. A window's answer is not stored: replaying the same inputs
//! through the deterministic core computes it again. A torn last record (the process died
//! mid-write) is ignored on replay; the peer or coordinator never got the answer it would
//! have confirmed, and sends again.

use pocnet_core::limits::FRAME_BYTES_MAX;
use pocnet_core::wire::{decode_frame, encode_frame, Envelope, RunId};
use pocnet_core::{SimTime, StateCode};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Record {
    /// The run and the state this journal belongs to: always the first record.
    Run { id: RunId, state: StateCode },
    /// A batch this node accepted (and then reported `Queued` and answered `Accepted`).
    Batch { from: StateCode, envelopes: Vec<Envelope> },
    /// A window this node completed (and then answered).
    Window { until: SimTime },
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("journal {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("journal {path}: not a regular file")]
    NotAFile { path: String },
    #[error("journal {path}: {bytes} bytes, more than the {max} a journal may hold", max = JOURNAL_BYTES_MAX)]
    TooLarge { path: String, bytes: u64 },
    #[error("journal {path}: cannot encode a record: {reason}")]
    Encode { path: String, reason: String },
    /// Its records are another state's: never replayed, never overwritten.
    #[error("journal {path}: its records are {named}'s, and this node is {state}'s contact point: refusing to replay or overwrite it (give each node its own journal)")]
    OtherState { path: String, named: StateCode, state: StateCode },
}

pub struct Journal {
    path: PathBuf,
    file: std::fs::File,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").field("path", &self.path).finish()
    }
}

/// Largest journal replayed (a week of hanoi-72 writes a few megabytes per node).
pub const JOURNAL_BYTES_MAX: u64 = 1 << 30;

impl Journal {
    /// Opens (or creates) `state`'s journal of run `run` at `path` and returns the records
    /// of that run already in it (none for a new file or another run's journal); a journal
    /// whose records name another state is refused.
    pub fn open(path: &Path, run: RunId, state: StateCode) -> Result<(Journal, Vec<Record>), JournalError> {
        let shown = path.display().to_string();
        let io = |source| JournalError::Io { path: shown.clone(), source };
        let bytes = match std::fs::symlink_metadata(path) {
            Ok(meta) if !meta.file_type().is_file() => return Err(JournalError::NotAFile { path: shown }),
            Ok(meta) if meta.len() > JOURNAL_BYTES_MAX => {
                return Err(JournalError::TooLarge { path: shown, bytes: meta.len() })
            }
            Ok(_) => {
                let mut buf = Vec::new();
                let file = std::fs::File::open(path).map_err(io)?;
                file.take(JOURNAL_BYTES_MAX + 1).read_to_end(&mut buf).map_err(io)?;
                buf
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io(e)),
        };
        let mut records = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            match decode_frame::<Record>(&bytes[at..]) {
                Ok((record, used)) => {
                    records.push(record);
                    at += used;
                }
                Err(e) => {
                    tracing::warn!(
                        "journal {shown}: ignoring {} bytes after record {}: {e}",
                        bytes.len() - at,
                        records.len()
                    );
                    break;
                }
            }
        }
        if let Some(named) = other_state(&records, state) {
            return Err(JournalError::OtherState { path: shown, named, state });
        }
        let ours = matches!(records.first(), Some(Record::Run { id, .. }) if *id == run);
        if !ours {
            if !records.is_empty() {
                tracing::warn!("journal {shown}: from another run; starting it afresh");
            }
            records.clear();
            at = 0;
        }
        // Drop a torn tail (or another run's journal) so that new records follow the last
        // whole one of this run.
        let mut file = std::fs::OpenOptions::new().create(true).write(true).truncate(false).open(path).map_err(io)?;
        file.set_len(at as u64).map_err(io)?;
        std::io::Seek::seek(&mut file, std::io::SeekFrom::End(0)).map_err(io)?;
        let mut journal = Journal { path: path.to_path_buf(), file };
        if !ours {
            journal.append(&Record::Run { id: run, state })?;
        }
        let replay = records.split_off(usize::from(ours));
        Ok((journal, replay))
    }

    pub fn append(&mut self, record: &Record) -> Result<(), JournalError> {
        let bytes = encode_frame(record)
            .map_err(|e| JournalError::Encode { path: self.path.display().to_string(), reason: e.to_string() })?;
        debug_assert!(bytes.len() <= FRAME_BYTES_MAX);
        self.file.write_all(&bytes).map_err(|source| JournalError::Io { path: self.path.display().to_string(), source })
    }
}

/// The first other state `records` name as their owner: the run's, or a batch's receiver.
fn other_state(records: &[Record], state: StateCode) -> Option<StateCode> {
    records.iter().find_map(|r| match r {
        Record::Run { state: named, .. } => (*named != state).then_some(*named),
        Record::Batch { envelopes, .. } => envelopes.iter().map(|e| e.to).find(|to| *to != state),
        Record::Window { .. } => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN: RunId = RunId([7; 16]);

    fn fra() -> StateCode {
        StateCode::parse("FRA").expect("code")
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pocnet-journal-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("j");
        let _ = std::fs::remove_file(&path);
        path
    }

    #[test]
    fn a_torn_last_record_is_dropped_and_appending_goes_on() {
        let path = scratch("torn");
        {
            let (mut j, records) = Journal::open(&path, RUN, fra()).expect("open");
            assert!(records.is_empty());
            j.append(&Record::Window { until: SimTime(1) }).expect("append");
            j.append(&Record::Window { until: SimTime(2) }).expect("append");
        }
        let len = std::fs::metadata(&path).expect("meta").len();
        let f = std::fs::OpenOptions::new().write(true).open(&path).expect("open");
        f.set_len(len - 3).expect("tear"); // the process died inside the second record
        let (mut j, records) = Journal::open(&path, RUN, fra()).expect("reopen");
        assert_eq!(records, vec![Record::Window { until: SimTime(1) }]);
        j.append(&Record::Window { until: SimTime(3) }).expect("append");
        let (_, records) = Journal::open(&path, RUN, fra()).expect("reopen");
        assert_eq!(records, vec![Record::Window { until: SimTime(1) }, Record::Window { until: SimTime(3) }]);
    }

    #[test]
    fn another_runs_journal_is_never_replayed() {
        let path = scratch("other-run");
        {
            let (mut j, _) = Journal::open(&path, RunId([1; 16]), fra()).expect("open");
            j.append(&Record::Window { until: SimTime(1) }).expect("append");
        }
        let (_, records) = Journal::open(&path, RUN, fra()).expect("open for another run");
        assert!(records.is_empty());
        let (_, records) = Journal::open(&path, RUN, fra()).expect("reopen");
        assert!(records.is_empty(), "the old run's records are gone: {records:?}");
    }

    #[test]
    fn a_journal_that_is_not_a_file_is_named() {
        let path = scratch("dir");
        std::fs::create_dir_all(&path).expect("a directory where the journal goes");
        let err = Journal::open(&path, RUN, fra()).expect_err("not a file");
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }

    #[test]
    fn another_states_journal_of_the_same_run_is_refused_named_and_left_alone() {
        let path = scratch("other-state");
        let vnm = StateCode::parse("VNM").expect("code");
        {
            let (mut j, _) = Journal::open(&path, RUN, vnm).expect("VNM's journal");
            j.append(&Record::Window { until: SimTime(1) }).expect("append");
        }
        let before = std::fs::read(&path).expect("read");
        let err = Journal::open(&path, RUN, fra()).expect_err("FRA given VNM's journal");
        assert!(
            matches!(&err, JournalError::OtherState { named, state, .. } if *named == vnm && *state == fra()),
            "{err:?}"
        );
        let said = err.to_string();
        assert!(said.contains(&path.display().to_string()) && said.contains("VNM") && said.contains("FRA"), "{said}");
        assert_eq!(std::fs::read(&path).expect("read"), before, "the other state's journal is left as it was");
        let (_, records) = Journal::open(&path, RUN, vnm).expect("VNM's own node still replays it");
        assert_eq!(records, vec![Record::Window { until: SimTime(1) }]);
    }
}
