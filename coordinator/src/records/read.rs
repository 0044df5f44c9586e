//! Reading a records file: the header names the columns, each row is checked where it
//! stands (`file:row:column`), times in order, kinds and outcomes known.

use super::{known_outcome, offset_ms, parse_mode, Record, RecordsError, LINE_BYTES_MAX, REQUIRED, ROWS_MAX};
use pocnet_core::{RequestKind, SimTime, StateCode};
use std::io::BufRead;

/// Where each column is in a row.
struct Layout {
    at: std::collections::BTreeMap<&'static str, usize>,
    columns: usize,
}

impl Layout {
    fn get<'a>(&self, fields: &[&'a str], name: &str) -> Option<&'a str> {
        self.at.get(name).map(|&i| fields.get(i).copied().unwrap_or("").trim())
    }
}

/// A row's fields with the character column each starts at.
struct Row<'a> {
    fields: Vec<&'a str>,
    starts: Vec<usize>,
}

/// Reads records from CSV text (a header, then one row per request).
pub fn read_text(text: &str, file: &str, tz: Option<&jiff::tz::TimeZone>) -> Result<Vec<Record>, RecordsError> {
    read(std::io::BufReader::new(text.as_bytes()), file, tz)
}

/// Reads records from `input`, one line at a time, bounded in line length and rows.
pub fn read(mut input: impl BufRead, file: &str, tz: Option<&jiff::tz::TimeZone>) -> Result<Vec<Record>, RecordsError> {
    let at = |row: usize, column: usize, message: String| RecordsError::At { file: file.into(), row, column, message };
    let mut line = String::new();
    let mut row = 0usize;
    let mut layout: Option<Layout> = None;
    let mut records = Vec::new();
    loop {
        line.clear();
        let n = std::io::Read::take(&mut input, LINE_BYTES_MAX as u64 + 1)
            .read_line(&mut line)
            .map_err(|source| RecordsError::Io { file: file.into(), source })?;
        if n == 0 {
            break;
        }
        row += 1;
        if line.len() > LINE_BYTES_MAX {
            return Err(at(row, 1, format!("line longer than {LINE_BYTES_MAX} bytes")));
        }
        let text = line.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() || text.starts_with('#') {
            continue;
        }
        let parsed = split(text);
        match &layout {
            None => layout = Some(header(&parsed).map_err(|m| at(row, 1, m))?),
            Some(l) => {
                if records.len() == ROWS_MAX {
                    return Err(at(row, 1, format!("more than {ROWS_MAX} rows")));
                }
                records.push(record(l, &parsed, tz).map_err(|(col, m)| at(row, col, m))?);
            }
        }
    }
    if layout.is_none() {
        return Err(at(1, 1, format!("no header: expected the columns {}", REQUIRED.join(","))));
    }
    Ok(records)
}

fn split(text: &str) -> Row<'_> {
    let mut starts = vec![1];
    let mut chars = 1;
    for ch in text.chars() {
        chars += 1;
        if ch == ',' {
            starts.push(chars);
        }
    }
    Row { fields: text.split(',').collect(), starts }
}

fn header(row: &Row<'_>) -> Result<Layout, String> {
    let mut at = std::collections::BTreeMap::new();
    for (i, name) in row.fields.iter().enumerate() {
        if let Some(known) = super::COLUMNS.iter().find(|c| **c == name.trim()) {
            at.insert(*known, i);
        }
    }
    let missing: Vec<&str> = REQUIRED.iter().copied().filter(|c| !at.contains_key(c)).collect();
    if !missing.is_empty() {
        return Err(format!("missing column(s) {} (the header must name {})", missing.join(", "), REQUIRED.join(",")));
    }
    Ok(Layout { at, columns: row.fields.len() })
}

type Located = (usize, String);

fn record(l: &Layout, row: &Row<'_>, tz: Option<&jiff::tz::TimeZone>) -> Result<Record, Located> {
    let f = &row.fields;
    let col = |name: &str| l.at.get(name).map_or(1, |&i| row.starts.get(i).copied().unwrap_or(1));
    if f.len() < l.columns {
        return Err((
            row.starts.last().copied().unwrap_or(1),
            format!("{} fields, the header has {}", f.len(), l.columns),
        ));
    }
    let get = |name: &str| l.get(f, name).unwrap_or("");
    let kind =
        RequestKind::parse(get("kind")).ok_or_else(|| (col("kind"), format!("unknown kind `{}`", get("kind"))))?;
    let state = |name: &str| {
        StateCode::parse(get(name)).map_err(|_| (col(name), format!("`{}` is not a state code", get(name))))
    };
    let time = |name: &str| -> Result<Option<SimTime>, Located> {
        let t = get(name);
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<jiff::Timestamp>()
            .map(|ts| Some(SimTime::from_timestamp(ts)))
            .map_err(|_| (col(name), format!("`{t}` is not a UTC time like 2025-11-03T09:15:00Z")))
    };
    let received = time("received")?.ok_or_else(|| (col("received"), "no time of receipt".to_string()))?;
    let (acknowledged, executed) = (time("acknowledged")?, time("executed")?);
    if acknowledged.is_some_and(|a| a < received) {
        return Err((col("acknowledged"), "acknowledged before it was received".into()));
    }
    if let (Some(a), Some(e)) = (acknowledged, executed) {
        if e < a {
            return Err((col("executed"), "executed before it was acknowledged".into()));
        }
    }
    let outcome = get("outcome");
    if !known_outcome(outcome) {
        return Err((col("outcome"), format!("unknown outcome `{outcome}`")));
    }
    let mode = match l.get(f, "mode").filter(|m| !m.is_empty()) {
        None => None,
        Some(m) => Some(
            parse_mode(m).ok_or_else(|| (col("mode"), format!("unknown mode `{m}`: staffed, on-call or closed")))?,
        ),
    };
    let offset_ms = match l.get(f, "received_local").filter(|m| !m.is_empty()) {
        Some(text) => Some(offset_of(text, received).ok_or_else(|| {
            (
                col("received_local"),
                format!("`{text}` is not the same instant in local time, like 2025-11-03T16:15:00+07:00"),
            )
        })?),
        None => tz.map(|z| offset_ms(received, z)),
    };
    let id = get("id").to_string();
    Ok(Record {
        id,
        kind,
        from: state("from")?,
        to: state("to")?,
        received,
        offset_ms,
        acknowledged,
        executed,
        outcome: outcome.into(),
        mode,
    })
}

/// The UTC offset of a local time written `YYYY-MM-DDTHH:MM:SS±HH:MM`, which must be the
/// instant `received`.
fn offset_of(text: &str, received: SimTime) -> Option<i64> {
    let ts: jiff::Timestamp = text.parse().ok()?;
    if SimTime::from_timestamp(ts).0 / 1000 != received.0 / 1000 {
        return None;
    }
    let civil: jiff::civil::DateTime = text.get(..19)?.parse().ok()?;
    let wall = civil.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp();
    Some((SimTime::from_timestamp(wall).0 / 1000 - received.0 / 1000) * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "id,kind,from,to,received,received_local,acknowledged,executed,outcome,mode\n";

    #[test]
    fn a_file_reads_back_and_errors_are_located() {
        let ok = format!("{HEAD}C1,preservation,FRA,VNM,2025-11-03T01:30:00Z,2025-11-03T08:30:00+07:00,2025-11-03T01:40:00Z,2025-11-03T03:00:00Z,preserved,staffed\n");
        let r = read_text(&ok, "r.csv", None).expect("reads");
        assert_eq!(r[0].local_hour_day(), Some((8, 0)));
        assert_eq!(r[0].acknowledge_ms(), Some(600_000));
        assert_eq!(r[0].work_ms(), Some(4_800_000));
        let bad = ok.replace("preservation", "gossip");
        let e = read_text(&bad, "r.csv", None).expect_err("unknown kind").to_string();
        assert_eq!(e, "r.csv:2:4: unknown kind `gossip`");
        let backwards = ok.replace("2025-11-03T03:00:00Z", "2025-11-03T01:35:00Z");
        let e = read_text(&backwards, "r.csv", None).expect_err("order").to_string();
        assert!(e.starts_with("r.csv:2:") && e.contains("executed before"), "{e}");
        let e = read_text("id,kind\nC1,emergency\n", "r.csv", None).expect_err("columns").to_string();
        assert!(e.starts_with("r.csv:1:1: missing column(s) from, to"), "{e}");
        let long = format!("{HEAD}{}\n", "x".repeat(5000));
        assert!(read_text(&long, "r.csv", None).expect_err("long").to_string().contains("r.csv:2:1: line longer"));
    }
}
