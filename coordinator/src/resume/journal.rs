//! The coordinator's journal: one JSON record a line, appended and synced to disk before
//! what it records is acted on. Read back whole by `pocnet run --resume`; a last record
//! cut off mid-write (the coordinator killed while writing it) is dropped with a note, any
//! other damage is an error that names the line.

use crate::clock::wall::Command;
use crate::clock::Directive;
use pocnet_core::{Inject, OperatorAction, SimTime, StateCode};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Bytes one journal record may take: the largest inject (every Art. 42 text field at
/// its limit) fits many times over.
pub const RECORD_BYTES_MAX: usize = 64 * 1024;
/// Bytes the whole journal may take: a day's exercise at one action a second is under a
/// tenth of it. Beyond it an action is refused, never lost silently.
pub const JOURNAL_BYTES_MAX: u64 = 64 * 1024 * 1024;
const _: () = assert!(RECORD_BYTES_MAX as u64 * 16 <= JOURNAL_BYTES_MAX);
const _: () = assert!(RECORD_BYTES_MAX > 12 * pocnet_core::limits::TEXT_FIELD_BYTES_MAX);

/// A directive as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Logged {
    /// A player's action; `rationale`: what they typed beside it (the decision log), kept
    /// with the action as it came in so that a resumed run's review still shows it.
    Operator {
        state: StateCode,
        action: OperatorAction,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rationale: Option<String>,
    },
    Inject(Box<Inject>),
    End,
}

impl Logged {
    pub fn of(directive: &Directive) -> Logged {
        match directive {
            Directive::Operator { state, action } => {
                Logged::Operator { state: *state, action: action.clone(), rationale: None }
            }
            Directive::Inject(i) => Logged::Inject(i.clone()),
            Directive::End => Logged::End,
        }
    }

    pub fn directive(&self) -> Directive {
        match self {
            Logged::Operator { state, action, .. } => Directive::Operator { state: *state, action: action.clone() },
            Logged::Inject(i) => Directive::Inject(i.clone()),
            Logged::End => Directive::End,
        }
    }
}

/// A controller's or player's command as it came in (before the clock saw it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intake {
    Pause,
    Resume,
    Fast,
    Directive(Logged),
}

impl Intake {
    /// `command` as the journal keeps it; `rationale` goes with a player's action.
    pub fn of(command: &Command, rationale: Option<&str>) -> Intake {
        match command {
            Command::Pause => Intake::Pause,
            Command::Resume => Intake::Resume,
            Command::Fast => Intake::Fast,
            Command::Directive(d) => Intake::Directive(match (Logged::of(d), rationale) {
                (Logged::Operator { state, action, .. }, Some(r)) => {
                    Logged::Operator { state, action, rationale: Some(r.to_string()) }
                }
                (logged, _) => logged,
            }),
        }
    }
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Record {
    /// A command came in (console, dashboard, standard input); written before it is
    /// handed to the clock.
    Received(Intake),
    /// The clock's `call`-th wait, for scenario time `wanted`, handed back `directive`
    /// stamped `arrived`; written before the directive enters the run.
    Entered { call: u64, wanted: SimTime, arrived: SimTime, directive: Logged },
    /// The wall clock reached `at` (at most one a second): where a resumed run's clock
    /// picks up.
    Reached { at: SimTime },
    /// The run ended and its reports are written.
    Finished,
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{path}: cannot write the run's journal ({source}); nothing was taken. Free space, then `pocnet run --resume {out}`", path = .path.display(), out = .path.parent().and_then(Path::parent).unwrap_or(Path::new(".")).display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("{path}: the run's journal is full ({max} bytes, JOURNAL_BYTES_MAX); nothing more can be taken", path = .path.display(), max = JOURNAL_BYTES_MAX)]
    Full { path: PathBuf },
    #[error("a journal record of {0} bytes is over RECORD_BYTES_MAX ({RECORD_BYTES_MAX})")]
    TooLarge(usize),
    #[error("{path}: {source}", path = .path.display())]
    Read { path: PathBuf, source: pocnet_node::files::FileError },
    #[error("{path}:{line}: not a journal record ({message})", path = .path.display())]
    Corrupt { path: PathBuf, line: usize, message: String },
}

/// The journal open for appending.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Mutex<(std::fs::File, u64)>,
    /// Held from a command's record until the clock has it, so records and the clock's
    /// queue keep one order.
    intake: tokio::sync::Mutex<()>,
}

impl Journal {
    /// Opens `path` for appending after its first `good` bytes (what [`read`] kept),
    /// creating it if missing.
    pub fn open(path: &Path, good: u64) -> Result<Journal, JournalError> {
        use std::os::unix::fs::OpenOptionsExt;
        let fail = |source| JournalError::Write { path: path.to_path_buf(), source };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(false)
            .mode(0o600)
            .open(path)
            .map_err(fail)?;
        // Only a torn tail is cut: a journal with nothing beyond its whole records is left
        // as it is (a device, such as a full disk's stand-in /dev/full, cannot be cut).
        if file.metadata().map_err(fail)?.len() != good {
            file.set_len(good).map_err(fail)?;
        }
        std::io::Seek::seek(&mut &file, std::io::SeekFrom::Start(good)).map_err(fail)?;
        Ok(Journal { path: path.to_path_buf(), file: Mutex::new((file, good)), intake: tokio::sync::Mutex::new(()) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `record` and syncs it to disk. On failure the file is cut back to its last
    /// whole record and the record counts as not written.
    pub fn append(&self, record: &Record) -> Result<(), JournalError> {
        let mut line = serde_json::to_string(record).map_err(|e| JournalError::TooLarge(e.to_string().len()))?;
        line.push('\n');
        if line.len() > RECORD_BYTES_MAX {
            return Err(JournalError::TooLarge(line.len()));
        }
        let mut guard = match self.file.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let (file, bytes) = &mut *guard;
        if *bytes + line.len() as u64 > JOURNAL_BYTES_MAX {
            return Err(JournalError::Full { path: self.path.clone() });
        }
        let written = file.write_all(line.as_bytes()).and_then(|()| file.sync_data());
        if let Err(source) = written {
            let _ = file.set_len(*bytes);
            return Err(JournalError::Write { path: self.path.clone(), source });
        }
        *bytes += line.len() as u64;
        Ok(())
    }

    /// Records `command` (with a player's `rationale` for it), then hands it to the clock
    /// through `to`: nothing reaches the clock unrecorded. Fails with the reason when it
    /// cannot be recorded or the run is over.
    pub async fn submit(
        &self,
        to: &tokio::sync::mpsc::Sender<Command>,
        command: Command,
        rationale: Option<&str>,
    ) -> Result<(), String> {
        let _order = self.intake.lock().await;
        if to.is_closed() {
            return Err("the exercise is over".into());
        }
        self.append(&Record::Received(Intake::of(&command, rationale))).map_err(|e| e.to_string())?;
        to.send(command).await.map_err(|_| "the exercise is over".to_string())
    }
}

/// A journal read back: its records, how many bytes of it are whole, and a note when a
/// last record cut off mid-write was dropped.
#[derive(Debug, Default)]
pub struct ReadBack {
    pub records: Vec<Record>,
    pub good_bytes: u64,
    pub note: Option<String>,
}

/// Reads the journal at `path` (an absent one is empty).
pub fn read(path: &Path) -> Result<ReadBack, JournalError> {
    if !path.exists() {
        return Ok(ReadBack::default());
    }
    let bytes = pocnet_node::files::read_regular(path, JOURNAL_BYTES_MAX)
        .map_err(|source| JournalError::Read { path: path.to_path_buf(), source })?;
    let mut back = ReadBack::default();
    let mut rest = bytes.as_slice();
    let mut line = 0;
    while !rest.is_empty() {
        line += 1;
        let Some(end) = rest.iter().position(|b| *b == b'\n') else {
            back.note = Some(format!(
                "{}:{line}: the last record ({} bytes) was cut off mid-write and is dropped",
                path.display(),
                rest.len()
            ));
            break;
        };
        let record = serde_json::from_slice(&rest[..end]).map_err(|e| JournalError::Corrupt {
            path: path.to_path_buf(),
            line,
            message: e.to_string(),
        })?;
        back.records.push(record);
        back.good_bytes += end as u64 + 1;
        rest = &rest[end + 1..];
    }
    Ok(back)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("pocnet-journal-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("mkdir");
        d
    }

    #[test]
    fn a_reopened_journal_appends_after_its_whole_records_and_a_torn_tail_is_dropped_with_a_note() {
        let path = dir("reopen").join("journal.jsonl");
        let first = Journal::open(&path, 0).expect("open");
        first.append(&Record::Received(Intake::Pause)).expect("append");
        first.append(&Record::Reached { at: SimTime(5) }).expect("append");
        drop(first);
        let mut bytes = std::fs::read(&path).expect("read");
        let whole = bytes.len() as u64;
        bytes.extend_from_slice(b"{\"entered\":{\"ca");
        std::fs::write(&path, &bytes).expect("tear");
        let back = read(&path).expect("read back");
        assert_eq!(back.records.len(), 2);
        assert_eq!(back.good_bytes, whole);
        assert!(back.note.as_deref().is_some_and(|n| n.contains("journal.jsonl:3:") && n.contains("cut off")));
        let again = Journal::open(&path, back.good_bytes).expect("reopen");
        again.append(&Record::Finished).expect("append");
        let back = read(&path).expect("read back");
        assert_eq!(
            back.records,
            vec![Record::Received(Intake::Pause), Record::Reached { at: SimTime(5) }, Record::Finished]
        );
        assert!(back.note.is_none());
    }
}
