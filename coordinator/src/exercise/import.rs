//! `pocnet import injects`: an exercise planner's master scenario event list, kept in a
//! spreadsheet and saved as CSV, into the scenario's `[[injects]]` TOML.
//!
//! Columns are found by their headers (row 1), in any order; each bad cell is reported as
//! `file:row:column` with what was expected, every one of them (up to
//! [`ERRORS_SHOWN_MAX`]), and nothing is written unless all are good. Everything read is
//! bounded: the file's bytes, its rows, each cell.

use crate::scenario::{action_named, action_names, duration_ms, INJECTS_MAX};
use pocnet_core::{limits, RequestKind, SimTime, StateCode};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

/// The largest sheet read: a year of injects fits in far less.
pub const CSV_BYTES_MAX: u64 = 16 << 20;
/// Bad cells listed; the rest are counted.
pub const ERRORS_SHOWN_MAX: usize = 50;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Column {
    Time,
    From,
    To,
    Kind,
    Language,
    Authority,
    Offence,
    Data,
    Custodian,
    Necessity,
    MlaToFollow,
    Confidential,
    Retention,
    Chain,
    Expect,
    ExpectActions,
}

/// Headers as planners write them (lower case, spaces for `_` and `-`), and their column.
const HEADERS: [(&str, Column); 30] = [
    ("time", Column::Time),
    ("at", Column::Time),
    ("when", Column::Time),
    ("scheduled", Column::Time),
    ("from", Column::From),
    ("requester", Column::From),
    ("to", Column::To),
    ("receiver", Column::To),
    ("kind", Column::Kind),
    ("request kind", Column::Kind),
    ("language", Column::Language),
    ("authority", Column::Authority),
    ("offence", Column::Offence),
    ("offense", Column::Offence),
    ("data", Column::Data),
    ("custodian", Column::Custodian),
    ("necessity", Column::Necessity),
    ("mla to follow", Column::MlaToFollow),
    ("confidential", Column::Confidential),
    ("retention", Column::Retention),
    ("chain", Column::Chain),
    ("expect", Column::Expect),
    ("expected", Column::Expect),
    ("expected outcome", Column::Expect),
    ("expect actions", Column::ExpectActions),
    ("expected action", Column::ExpectActions),
    ("expected actions", Column::ExpectActions),
    ("evaluator notes", Column::Expect),
    ("description", Column::Offence),
    ("facts", Column::Offence),
];

/// Columns every row needs.
const REQUIRED: [(Column, &str); 4] =
    [(Column::Time, "time"), (Column::From, "from"), (Column::To, "to"), (Column::Kind, "kind")];

/// What the times of the sheet are read against.
#[derive(Debug, Default)]
pub struct ImportOptions {
    /// The exercise's start: times written `+5m`, `T+1h30m` or `+00:05` count from it.
    pub start: Option<SimTime>,
    /// The states' time zones: a time written `2025-11-05 09:32 FRA` is France's local time.
    pub zones: BTreeMap<StateCode, jiff::tz::TimeZone>,
    /// The states injects may name (none: any well-formed code).
    pub states: Option<BTreeSet<StateCode>>,
}

/// Why a sheet cannot be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: {problem}")]
    File { path: String, problem: String },
    /// Every bad cell, `file:row:column: problem`, then how many more there were.
    #[error("{}", .0.join("\n"))]
    Cells(Vec<String>),
}

/// The injects of the sheet, and notes on what was left aside (unknown columns).
#[derive(Debug)]
pub struct Imported {
    pub toml: String,
    pub injects: usize,
    pub notes: Vec<String>,
}

/// A bad cell, located.
struct Located {
    row: usize,
    column: usize,
    problem: String,
}

/// Reads `path` as a CSV sheet of injects.
pub fn import_injects(path: &Path, options: &ImportOptions) -> Result<Imported, ImportError> {
    let shown = path.display().to_string();
    let file_error = |problem: String| ImportError::File { path: shown.clone(), problem };
    let meta = std::fs::metadata(path).map_err(|e| file_error(e.to_string()))?;
    if !meta.is_file() {
        return Err(file_error("not a regular file".into()));
    }
    if meta.len() > CSV_BYTES_MAX {
        return Err(file_error(format!("{} bytes; a sheet of injects is at most {CSV_BYTES_MAX}", meta.len())));
    }
    let bytes = std::fs::read(path).map_err(|e| file_error(e.to_string()))?;
    let (toml, injects, notes) = parse(&bytes, &shown, options).map_err(|cells| {
        let total = cells.len();
        let mut lines: Vec<String> = cells
            .into_iter()
            .take(ERRORS_SHOWN_MAX)
            .map(|c| format!("{shown}:{}:{}: {}", c.row, c.column, c.problem))
            .collect();
        if total > ERRORS_SHOWN_MAX {
            lines.push(format!("{shown}: and {} more bad cells", total - ERRORS_SHOWN_MAX));
        }
        ImportError::Cells(lines)
    })?;
    Ok(Imported { toml, injects, notes })
}

/// The header row's columns: which holds what, and notes on those left aside.
fn headers(record: &csv::ByteRecord, errors: &mut Vec<Located>) -> (BTreeMap<usize, Column>, Vec<String>) {
    let mut columns = BTreeMap::new();
    let mut notes = Vec::new();
    let mut seen: BTreeMap<Column, usize> = BTreeMap::new();
    for (i, raw) in record.iter().enumerate() {
        let column = i + 1;
        let Ok(text) = std::str::from_utf8(raw) else {
            errors.push(Located { row: 1, column, problem: "not UTF-8 text: save the sheet as CSV (UTF-8)".into() });
            continue;
        };
        let name = normal(text.trim_start_matches('\u{feff}'));
        match HEADERS.iter().find(|(h, _)| *h == name).map(|(_, c)| *c) {
            Some(c) => match seen.insert(c, column) {
                Some(first) => {
                    errors.push(Located { row: 1, column, problem: format!("`{text}` again (column {first} too)") })
                }
                None => {
                    columns.insert(i, c);
                }
            },
            None if name.is_empty() => {}
            None => notes.push(format!("column {column} `{}` left aside: not a column pocnet reads", cut(text))),
        }
    }
    for (c, name) in REQUIRED {
        if !seen.contains_key(&c) {
            let known: Vec<&str> = HEADERS.iter().filter(|(_, k)| *k == c).map(|(h, _)| *h).collect();
            errors.push(Located {
                row: 1,
                column: 1,
                problem: format!("no `{name}` column (a header named {})", known.join(", ")),
            });
        }
    }
    (columns, notes)
}

/// A header as compared: lower case, `_` and `-` as spaces, single spaces.
fn normal(header: &str) -> String {
    let lower = header.to_lowercase().replace(['_', '-'], " ");
    lower.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A cell as an error echoes it.
fn cut(text: &str) -> &str {
    limits::truncated(text, 48)
}

fn parse(bytes: &[u8], shown: &str, options: &ImportOptions) -> Result<(String, usize, Vec<String>), Vec<Located>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut errors = Vec::new();
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(vec![Located { row: 1, column: 1, problem: format!("not CSV: {e}") }]),
        None => return Err(vec![Located { row: 1, column: 1, problem: "empty: no header row".into() }]),
    };
    let (columns, notes) = headers(&header, &mut errors);
    let mut out = format!("# Injects imported by `pocnet import injects` from {shown}.\n");
    let mut injects = 0;
    for (index, record) in records.enumerate() {
        let row = index + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(Located { row, column: 1, problem: format!("not CSV: {e}") });
                break;
            }
        };
        if record.iter().all(|c| c.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        if injects >= INJECTS_MAX {
            errors.push(Located { row, column: 1, problem: format!("more than {INJECTS_MAX} injects") });
            break;
        }
        if let Some(toml) = row_toml(&record, row, &columns, options, &mut errors) {
            let _ = write!(out, "\n# {shown} row {row}\n{toml}");
        }
        injects += 1;
        if errors.len() > ERRORS_SHOWN_MAX * 4 {
            break;
        }
    }
    if errors.is_empty() {
        Ok((out, injects, notes))
    } else {
        Err(errors)
    }
}

/// The cells of one row, by column, as text (each bad cell noted).
fn cells(
    record: &csv::ByteRecord,
    row: usize,
    columns: &BTreeMap<usize, Column>,
    errors: &mut Vec<Located>,
) -> BTreeMap<Column, (usize, String)> {
    let mut cells = BTreeMap::new();
    for (i, raw) in record.iter().enumerate() {
        let column = i + 1;
        let Some(c) = columns.get(&i) else { continue };
        let text = match std::str::from_utf8(raw) {
            Ok(t) if !t.contains('\0') => t.trim(),
            _ => {
                errors.push(Located { row, column, problem: "not text: save the sheet as CSV (UTF-8)".into() });
                continue;
            }
        };
        if text.len() > limits::TEXT_FIELD_BYTES_MAX {
            let max = limits::TEXT_FIELD_BYTES_MAX;
            errors.push(Located { row, column, problem: format!("{} bytes; a cell holds at most {max}", text.len()) });
            continue;
        }
        if !text.is_empty() {
            cells.insert(*c, (column, text.to_string()));
        }
    }
    cells
}

/// One row as a `[[injects]]` table, or `None` with its bad cells in `errors`.
fn row_toml(
    record: &csv::ByteRecord,
    row: usize,
    columns: &BTreeMap<usize, Column>,
    options: &ImportOptions,
    errors: &mut Vec<Located>,
) -> Option<String> {
    let before = errors.len();
    let cells = cells(record, row, columns, errors);
    let mut bad = |column: usize, problem: String| errors.push(Located { row, column, problem });
    let mut toml = String::from("[[injects]]\n");
    for (c, name) in REQUIRED {
        if !cells.contains_key(&c) {
            let column = columns.iter().find(|(_, k)| **k == c).map(|(i, _)| i + 1).unwrap_or(1);
            bad(column, format!("empty: every inject needs its `{name}`"));
        }
    }
    for (c, (column, text)) in &cells {
        match value(*c, text, options) {
            Ok(line) => toml.push_str(&line),
            Err(problem) => bad(*column, problem),
        }
    }
    (errors.len() == before).then_some(toml)
}

/// A TOML string, quoted and escaped.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// One cell as its line of TOML, or what is wrong with it.
fn value(column: Column, text: &str, options: &ImportOptions) -> Result<String, String> {
    let line = |key: &str, v: String| format!("{key} = {v}\n");
    Ok(match column {
        Column::Time => line("at", quoted(&time(text, options)?.to_string())),
        Column::From => line("from", quoted(state(text, options)?.as_str())),
        Column::To => line("to", quoted(state(text, options)?.as_str())),
        Column::Kind => line("kind", quoted(kind(text)?.as_str())),
        Column::Language => line("language", quoted(text)),
        Column::Authority => line("authority", quoted(text)),
        Column::Offence => line("offence", quoted(text)),
        Column::Data => line("data", quoted(text)),
        Column::Custodian => line("custodian", quoted(text)),
        Column::Necessity => line("necessity", quoted(text)),
        Column::MlaToFollow => line("mla_to_follow", yes_no(text)?.to_string()),
        Column::Confidential => line("confidential", yes_no(text)?.to_string()),
        Column::Retention => {
            duration_ms(text)?;
            line("retention", quoted(text))
        }
        Column::Chain => {
            let codes: Result<Vec<String>, String> =
                list(text).map(|c| state(c, options).map(|s| quoted(s.as_str()))).collect();
            line("chain", format!("[{}]", codes?.join(", ")))
        }
        Column::Expect => line("expect", quoted(text)),
        Column::ExpectActions => line("expect_actions", expected_actions(text, options)?),
    })
}

/// Items of a list cell: `;` or `,` between them.
fn list(text: &str) -> impl Iterator<Item = &str> {
    text.split([';', ',']).map(str::trim).filter(|s| !s.is_empty())
}

fn state(text: &str, options: &ImportOptions) -> Result<StateCode, String> {
    let code = StateCode::parse(&text.to_uppercase())
        .map_err(|_| format!("`{}` is not a state code (three letters, like FRA)", cut(text)))?;
    match &options.states {
        Some(known) if !known.contains(&code) => Err(format!("{code} is not a contact point of the scenario")),
        _ => Ok(code),
    }
}

fn kind(text: &str) -> Result<RequestKind, String> {
    let name = normal(text).replace(' ', "_");
    RequestKind::parse(&name).ok_or_else(|| {
        let kinds: Vec<&str> = RequestKind::ALL.iter().map(|k| k.as_str()).collect();
        format!("unknown kind `{}`: one of {}", cut(text), kinds.join(", "))
    })
}

fn yes_no(text: &str) -> Result<bool, String> {
    match text.to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "x" => Ok(true),
        "no" | "n" | "false" | "0" => Ok(false),
        _ => Err(format!("`{}` is not yes or no", cut(text))),
    }
}

/// `ACTION [by STATE] [within DURATION]`, several separated by `;`, as TOML tables.
fn expected_actions(text: &str, options: &ImportOptions) -> Result<String, String> {
    let mut tables = Vec::new();
    for item in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let words: Vec<&str> = item.split_whitespace().collect();
        let names = || action_names().join(", ");
        let Some((first, rest)) = words.split_first() else { continue };
        if action_named(first).is_none() {
            return Err(format!("unknown action `{}`: one of {}", cut(first), names()));
        }
        let mut table = format!("{{ action = {}", quoted(first));
        let mut rest = rest;
        while let [word, value, tail @ ..] = rest {
            match *word {
                "by" => {
                    let _ = write!(table, ", by = {}", quoted(state(value, options)?.as_str()));
                }
                "within" => {
                    duration_ms(value)?;
                    let _ = write!(table, ", within = {}", quoted(value));
                }
                other => return Err(format!("`{}`: expected `by STATE` or `within DURATION`", cut(other))),
            }
            rest = tail;
        }
        if let [extra] = rest {
            return Err(format!("`{}`: expected `by STATE` or `within DURATION`", cut(extra)));
        }
        table.push_str(" }");
        tables.push(table);
    }
    Ok(format!("[{}]", tables.join(", ")))
}

/// A time cell: UTC (`2025-11-05T08:32:00Z`, `2025-11-05 08:32 UTC`), a state's or a
/// zone's local time (`2025-11-05 09:32 FRA`, `... Europe/Paris`), or from the start
/// (`+32m`, `T+1h05m`, `+00:32`).
fn time(text: &str, options: &ImportOptions) -> Result<SimTime, String> {
    if let Some(rest) = text.strip_prefix("T+").or_else(|| text.strip_prefix('+')) {
        let start =
            options.start.ok_or("a time from the start needs the start: give --start or --scenario".to_string())?;
        return Ok(start.plus_ms(offset_ms(rest.trim())?));
    }
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return Ok(SimTime::from_timestamp(ts));
    }
    let (when, zone) = text.rsplit_once(' ').ok_or_else(|| format!("`{}` is not a time: {}", cut(text), FORMATS))?;
    let tz = match zone {
        "UTC" | "Z" | "GMT" => jiff::tz::TimeZone::UTC,
        z if z.len() == 3 && z.chars().all(|c| c.is_ascii_uppercase()) => {
            let code = StateCode::parse(z).map_err(|e| e.to_string())?;
            options.zones.get(&code).cloned().ok_or_else(|| {
                format!(
                    "{code}'s local time needs its time zone: give --scenario (or write the zone, like Europe/Paris)"
                )
            })?
        }
        z => pocnet_core::tzdb::zone(z).map_err(|_| format!("`{}` is not a state code or a time zone", cut(z)))?,
    };
    let civil: jiff::civil::DateTime =
        when.trim().parse().map_err(|_| format!("`{}` is not a date and time: {}", cut(when), FORMATS))?;
    let zoned = civil.to_zoned(tz).map_err(|e| format!("`{}`: {e}", cut(text)))?;
    Ok(SimTime::from_timestamp(zoned.timestamp()))
}

const FORMATS: &str =
    "write 2025-11-05T08:32:00Z, 2025-11-05 08:32 UTC, 2025-11-05 09:32 FRA, 2025-11-05 09:32 Europe/Paris or +32m";

/// `32m`, `1h05m` or `00:32` (hours and minutes), `00:32:10`.
fn offset_ms(text: &str) -> Result<u64, String> {
    if text.contains(':') {
        let parts: Vec<&str> = text.split(':').collect();
        let number = |s: &str| s.parse::<u64>().map_err(|_| format!("`{}` is not HH:MM from the start", cut(text)));
        let ms = match parts.as_slice() {
            [h, m] => number(h)? * 3_600_000 + number(m)? * 60_000,
            [h, m, s] => number(h)? * 3_600_000 + number(m)? * 60_000 + number(s)? * 1000,
            _ => return Err(format!("`{}` is not HH:MM from the start", cut(text))),
        };
        return if ms <= limits::DELAY_MS_MAX { Ok(ms) } else { Err("more than a year after the start".into()) };
    }
    duration_ms(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(text: &str) -> Result<(String, usize, Vec<String>), Vec<String>> {
        let start = SimTime::from_timestamp("2025-11-05T08:30:00Z".parse().expect("ts"));
        let mut zones = BTreeMap::new();
        zones.insert(StateCode::parse("FRA").expect("code"), pocnet_core::tzdb::zone("Europe/Paris").expect("tz"));
        let options = ImportOptions { start: Some(start), zones, states: None };
        parse(text.as_bytes(), "s.csv", &options)
            .map_err(|e| e.into_iter().map(|l| format!("{}:{}: {}", l.row, l.column, l.problem)).collect())
    }

    #[test]
    fn the_three_ways_of_writing_a_time_give_the_same_instant() {
        let text = "Time,From,To,Kind\n2025-11-05T08:32:00Z,NGA,FRA,preservation\n\
                    2025-11-05 09:32 FRA,NGA,FRA,Preservation\n+2m,NGA,FRA,preservation\nT+00:02,nga,fra,preservation\n";
        let (toml, n, notes) = sheet(text).expect("imports");
        assert_eq!(n, 4);
        assert!(notes.is_empty());
        assert_eq!(toml.matches("at = \"2025-11-05T08:32:00Z\"").count(), 4, "{toml}");
    }

    #[test]
    fn each_bad_cell_is_located_by_row_and_column() {
        let text = "time,from,to,kind,retention\n+2m,NGA,FRANCE,preservation,3 hours\nyesterday,NGA,FRA,lunch,\n";
        let errors = sheet(text).expect_err("bad cells");
        assert!(errors[0].starts_with("2:3: `FRANCE` is not a state code"), "{errors:?}");
        assert!(errors[1].starts_with("2:5: `3 hours` is not a duration"), "{errors:?}");
        assert!(errors[2].starts_with("3:1: `yesterday` is not a time"), "{errors:?}");
        assert!(errors[3].starts_with("3:4: unknown kind `lunch`"), "{errors:?}");
        assert_eq!(errors.len(), 4, "{errors:?}");
    }

    #[test]
    fn a_sheet_without_its_headers_or_in_binary_is_refused_plainly() {
        let errors = sheet("NGA,FRA\n").expect_err("no headers");
        assert!(errors.iter().any(|e| e.contains("no `time` column")), "{errors:?}");
        let errors = sheet("time,from,to,kind\n\u{0}\u{1},NGA,FRA,evidence\n").expect_err("binary");
        assert!(errors[0].starts_with("2:1: not text"), "{errors:?}");
        // An unclosed quote runs to the end of the file: one cell, judged as such.
        let errors =
            sheet("time,from,to,kind\n+1m,NGA,FRA,\"evidence\n+2m,NGA,FRA,evidence\n").expect_err("open quote");
        assert!(errors[0].starts_with("2:4: unknown kind"), "{errors:?}");
    }

    #[test]
    fn expected_actions_become_tables_pocnet_judges() {
        let text = "time,from,to,kind,expected action\n\
                    +20m,BRA,FRA,evidence,hand_to_central_authority within 15m; acknowledge by FRA\n";
        let (toml, _, _) = sheet(text).expect("imports");
        assert!(
            toml.contains(
                "expect_actions = [{ action = \"hand_to_central_authority\", within = \"15m\" }, \
                 { action = \"acknowledge\", by = \"FRA\" }]"
            ),
            "{toml}"
        );
        let errors =
            sheet("time,from,to,kind,expected action\n+1m,BRA,FRA,evidence,dance within 5m\n").expect_err("bad");
        assert!(errors[0].starts_with("2:5: unknown action `dance`"), "{errors:?}");
    }
}
