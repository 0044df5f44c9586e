//! The node's journal: what it accepted and which windows it completed, so that a node
//! killed at any moment (SIGKILL included: writes are in the page cache) and restarted
//! rebuilds exactly the state it had, by replaying the same inputs through the same core.
//!
//! Records are frames of the wire codec. A record is written before the node answers for
//! it: a batch before `Accepted`, a window before `WindowDone`. A torn last record (the
//! process died mid-write) is ignored on replay; the peer or coordinator never got the
//! answer it would have confirmed, and sends again.

use pocnet_core::wire::{decode_frame, encode_frame, Envelope, WindowDone};
use pocnet_core::{SimTime, StateCode};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Record {
    /// A batch this node accepted (and then answered `Accepted`).
    Batch { from: StateCode, envelopes: Vec<Envelope> },
    /// A window this node completed, with the answer it gave.
    Window { until: SimTime, done: WindowDone },
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("journal {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("journal {path}: cannot encode a record: {reason}")]
    Encode { path: String, reason: String },
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

impl Journal {
    /// Opens (or creates) the journal at `path` and returns the records already in it.
    pub fn open(path: &Path) -> Result<(Journal, Vec<Record>), JournalError> {
        let io = |source| JournalError::Io { path: path.display().to_string(), source };
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
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
                        "journal {}: ignoring {} bytes after record {}: {e}",
                        path.display(),
                        bytes.len() - at,
                        records.len()
                    );
                    break;
                }
            }
        }
        // Drop a torn tail so that new records follow the last whole one.
        let file = std::fs::OpenOptions::new().create(true).write(true).truncate(false).open(path).map_err(io)?;
        file.set_len(at as u64).map_err(io)?;
        let mut file = file;
        std::io::Seek::seek(&mut file, std::io::SeekFrom::End(0)).map_err(io)?;
        Ok((Journal { path: path.to_path_buf(), file }, records))
    }

    pub fn append(&mut self, record: &Record) -> Result<(), JournalError> {
        let bytes = encode_frame(record)
            .map_err(|e| JournalError::Encode { path: self.path.display().to_string(), reason: e.to_string() })?;
        self.file.write_all(&bytes).map_err(|source| JournalError::Io { path: self.path.display().to_string(), source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_last_record_is_dropped_and_appending_goes_on() {
        let dir = std::env::temp_dir().join(format!("pocnet-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("j");
        let _ = std::fs::remove_file(&path);
        let done = WindowDone { next_event: Some(SimTime(5)), sent: vec![], events: vec![] };
        {
            let (mut j, records) = Journal::open(&path).expect("open");
            assert!(records.is_empty());
            j.append(&Record::Window { until: SimTime(1), done: done.clone() }).expect("append");
            j.append(&Record::Window { until: SimTime(2), done: done.clone() }).expect("append");
        }
        let len = std::fs::metadata(&path).expect("meta").len();
        let f = std::fs::OpenOptions::new().write(true).open(&path).expect("open");
        f.set_len(len - 3).expect("tear"); // the process died inside the second record
        let (mut j, records) = Journal::open(&path).expect("reopen");
        assert_eq!(records, vec![Record::Window { until: SimTime(1), done: done.clone() }]);
        j.append(&Record::Window { until: SimTime(3), done: done.clone() }).expect("append");
        let (_, records) = Journal::open(&path).expect("reopen");
        assert_eq!(records.len(), 2);
        assert!(matches!(records[1], Record::Window { until: SimTime(3), .. }));
    }
}
