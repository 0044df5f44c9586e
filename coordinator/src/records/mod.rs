//! A desk's records: every request as its receiving desk saw it, one CSV row each.
//!
//! `pocnet run --records FILE.csv` writes them, projected from the ledger; `pocnet fit` and
//! `pocnet validate` read them back, from a run or from a real desk's case log mapped to
//! the same columns (docs/records.md). Reading is bounded: the file's size is checked before
//! anything is read, rows are counted, and every refusal names `file:row:column`.

use crate::ledger::{Ledger, Outcome};
use crate::scenario::Scenario;
use pocnet_core::{Mode, RequestKind, SimTime, StateCode};
use std::collections::BTreeMap;
use std::path::Path;

/// The columns, in the order pocnet writes them; a file may order them otherwise and add
/// its own (ignored).
pub const COLUMNS: [&str; 10] =
    ["id", "kind", "from", "to", "received", "received_local", "acknowledged", "executed", "outcome", "mode"];
/// The columns a records file must have (`received_local` is optional: without it, local
/// hours are read in the zone given with `--tz`, else UTC).
pub const REQUIRED: [&str; 8] = ["id", "kind", "from", "to", "received", "acknowledged", "executed", "outcome"];
/// Largest records file read (checked before reading): a million rows of a real log.
pub const FILE_BYTES_MAX: u64 = 256 << 20;
/// Most rows read.
pub const ROWS_MAX: usize = 1_000_000;
/// Longest line read.
const LINE_BYTES_MAX: usize = 4096;

/// One request as the receiving desk saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: String,
    pub kind: RequestKind,
    pub from: StateCode,
    pub to: StateCode,
    /// Delivered to the desk (UTC).
    pub received: SimTime,
    /// The desk's UTC offset at receipt (local time = received + offset).
    pub offset_ms: Option<i64>,
    pub acknowledged: Option<SimTime>,
    pub executed: Option<SimTime>,
    pub outcome: String,
    /// The desk's roster mode at receipt; `None` where the log does not say.
    pub mode: Option<Mode>,
}

impl Record {
    /// The desk's local hour (0-23) and weekday (0 = Monday) at receipt.
    pub fn local_hour_day(&self) -> Option<(u8, u8)> {
        self.offset_ms.map(|o| hour_day(SimTime(self.received.0 + o)))
    }

    pub fn acknowledge_ms(&self) -> Option<u64> {
        self.acknowledged.map(|a| a.since(self.received))
    }

    /// From acknowledgement to execution: the work time (translation, queues and closed
    /// hours included, as a log sees it).
    pub fn work_ms(&self) -> Option<u64> {
        Some(self.executed?.since(self.acknowledged?))
    }
}

/// The mode as records write it.
pub fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Staffed => "staffed",
        Mode::OnCall => "on-call",
        Mode::Closed => "closed",
    }
}

fn parse_mode(text: &str) -> Option<Mode> {
    [Mode::Staffed, Mode::OnCall, Mode::Closed].into_iter().find(|m| mode_name(*m) == text)
}

/// Every request of the ledger that reached its desk, in order of receipt.
pub fn of_ledger(scenario: &Scenario, ledger: &Ledger) -> Vec<Record> {
    let zones: BTreeMap<StateCode, jiff::tz::TimeZone> =
        scenario.states.iter().filter_map(|s| pocnet_core::tzdb::zone(&s.tz).ok().map(|z| (s.code, z))).collect();
    let mut records: Vec<Record> = ledger
        .requests
        .iter()
        .filter_map(|r| {
            let (received, mode) = r.step.delivered?;
            let offset_ms = zones.get(&r.to).map(|z| offset_ms(received, z));
            Some(Record {
                id: r.id.to_string(),
                kind: r.kind,
                from: r.from,
                to: r.to,
                received,
                offset_ms,
                acknowledged: r.step.acknowledged.map(|a| a.0),
                executed: r.step.executed,
                outcome: r.outcome.as_str().to_string(),
                mode: Some(mode),
            })
        })
        .collect();
    records.sort_by(|a, b| a.received.cmp(&b.received).then_with(|| a.id.cmp(&b.id)));
    records
}

/// `zone`'s offset from UTC at `t`.
pub fn offset_ms(t: SimTime, zone: &jiff::tz::TimeZone) -> i64 {
    i64::from(zone.to_offset(t.timestamp()).seconds()) * 1000
}

/// Hour and weekday (Monday 0) of `t` read as a wall-clock time in UTC.
pub fn hour_day(t: SimTime) -> (u8, u8) {
    let z = t.timestamp().to_zoned(jiff::tz::TimeZone::UTC);
    (z.hour() as u8, z.weekday().to_monday_zero_offset() as u8)
}

/// The CSV text of `records`, with the desk's local time where its zone is known.
pub fn to_csv(scenario: &Scenario, records: &[Record]) -> String {
    let zones: BTreeMap<StateCode, jiff::tz::TimeZone> =
        scenario.states.iter().filter_map(|s| pocnet_core::tzdb::zone(&s.tz).ok().map(|z| (s.code, z))).collect();
    let mut out = COLUMNS.join(",");
    out.push('\n');
    let time = |t: Option<SimTime>| t.map(|t| t.to_string()).unwrap_or_default();
    for r in records {
        let local = zones
            .get(&r.to)
            .map(|z| r.received.timestamp().to_zoned(z.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
            .unwrap_or_default();
        let row = [
            r.id.clone(),
            r.kind.as_str().to_string(),
            r.from.to_string(),
            r.to.to_string(),
            r.received.to_string(),
            local,
            time(r.acknowledged),
            time(r.executed),
            r.outcome.clone(),
            r.mode.map(mode_name).unwrap_or_default().to_string(),
        ];
        out += &row.join(",");
        out.push('\n');
    }
    out
}

/// What is wrong with a records file, and where.
#[derive(Debug, thiserror::Error)]
pub enum RecordsError {
    #[error("{file}: {source}")]
    Io { file: String, source: std::io::Error },
    #[error("{file}: {bytes} bytes is more than the {max} a records file may have", max = FILE_BYTES_MAX)]
    TooLarge { file: String, bytes: u64 },
    #[error("{file}:{row}:{column}: {message}")]
    At { file: String, row: usize, column: usize, message: String },
}

mod read;
pub use read::{read, read_text};

/// Outcomes a records file may name (the report's).
pub fn known_outcome(text: &str) -> bool {
    Outcome::ALL.iter().any(|o| o.as_str() == text)
}

/// Reads `path` after checking its size.
pub fn read_file(path: &Path, tz: Option<&jiff::tz::TimeZone>) -> Result<Vec<Record>, RecordsError> {
    let file = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| RecordsError::Io { file: file.clone(), source })?;
    if meta.len() > FILE_BYTES_MAX {
        return Err(RecordsError::TooLarge { file, bytes: meta.len() });
    }
    let f = std::fs::File::open(path).map_err(|source| RecordsError::Io { file: file.clone(), source })?;
    read(std::io::BufReader::new(f), &file, tz)
}
