//! `pocnet import injects`: a planner's sheet in, scenario TOML out that `pocnet check`
//! accepts; every bad cell located as file:row:column (exit 2); hostile files refused
//! with a bounded, located error.

mod common;

use common::{pocnet, scratch};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn the_sample_sheet_round_trips_into_a_scenario_check_accepts() {
    let dir = scratch("import-round-trip");
    let sheet = root().join("docs/tabletop-injects.csv");
    let scenario = root().join("scenarios/tabletop-hour.toml");
    let injects = dir.join("injects.toml");
    let args = ["import", "injects", sheet.to_str().expect("utf-8"), "--scenario", scenario.to_str().expect("utf-8")];
    let out = pocnet(&[&args[..], &["--out", injects.to_str().expect("utf-8")]].concat(), LIMIT);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("5 injects written"), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("column 13 `Controller notes` left aside"), "{}", text(&out.stderr));
    let toml = std::fs::read_to_string(&injects).expect("injects.toml");
    // Paris 09:32, +10m from 08:30, +15m, UTC 08:50, Hanoi 16:05: each in UTC.
    for at in ["08:32:00Z", "08:40:00Z", "08:45:00Z", "08:50:00Z", "09:05:00Z"] {
        assert!(toml.contains(&format!("at = \"2025-11-05T{at}\"")), "{at}: {toml}");
    }
    // The same scenario with the sheet's injects instead of its own.
    let base = std::fs::read_to_string(&scenario).expect("scenario");
    let head = &base[..base.find("[[injects]]").expect("injects")];
    let merged = dir.join("from-sheet.toml");
    std::fs::write(&merged, format!("{head}\n{toml}")).expect("write");
    let check = pocnet(&["check", merged.to_str().expect("utf-8")], LIMIT);
    assert!(check.status.success(), "{}{}", text(&check.stdout), text(&check.stderr));
    assert!(text(&check.stdout).contains("5 cases"), "{}", text(&check.stdout));
    // Without --out: the same TOML on standard output.
    let stdout = pocnet(&args, LIMIT);
    assert!(stdout.status.success());
    assert_eq!(text(&stdout.stdout).trim_end(), toml.trim_end());
}

#[test]
fn each_bad_cell_is_reported_at_its_row_and_column_and_nothing_is_written() {
    let dir = scratch("import-bad");
    let sheet = dir.join("sheet.csv");
    std::fs::write(
        &sheet,
        "time,from,to,kind,expected action\n+5m,NGA,FRANCE,preservation,acknowledge\n+6m,NGA,FRA,lunch,dance\n",
    )
    .expect("write");
    let injects = dir.join("injects.toml");
    let out = pocnet(
        &[
            "import",
            "injects",
            sheet.to_str().expect("utf-8"),
            "--start",
            "2025-11-05T08:30:00Z",
            "--out",
            injects.to_str().expect("utf-8"),
        ],
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    let file = sheet.display().to_string();
    for (row, column, what) in
        [(2, 3, "`FRANCE` is not a state code"), (3, 4, "unknown kind `lunch`"), (3, 5, "unknown action `dance`")]
    {
        assert!(err.contains(&format!("{file}:{row}:{column}: {what}")), "{row}:{column}: {err}");
    }
    assert!(!injects.exists(), "nothing written");
    // A time from the start with no start known.
    let out = pocnet(&["import", "injects", sheet.to_str().expect("utf-8")], LIMIT);
    assert!(
        text(&out.stderr).contains(&format!("{file}:2:1: a time from the start needs the start")),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn hostile_sheets_get_bounded_located_errors() {
    let dir = scratch("import-hostile");
    let run = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write");
        let out =
            pocnet(&["import", "injects", path.to_str().expect("utf-8"), "--start", "2025-11-05T08:30:00Z"], LIMIT);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", text(&out.stderr));
        (path.display().to_string(), text(&out.stderr))
    };
    let (file, err) = run("huge.csv", &vec![b'a'; (16 << 20) + 1]);
    assert!(err.contains(&format!("{file}: 16777217 bytes; a sheet of injects is at most")), "{err}");
    let (file, err) = run("binary.csv", &[0x89, b'P', b'N', b'G', 0, 0xff, b'\n', 1, 2, 3]);
    assert!(err.contains(&format!("{file}:1:")), "{err}");
    let (file, err) = run("no-headers.csv", b"+5m,NGA,FRA,preservation\n");
    assert!(err.contains(&format!("{file}:1:1: no `time` column")), "{err}");
    let (_, err) = run("empty.csv", b"");
    assert!(err.contains("empty: no header row"), "{err}");
    // An open quote swallows the rest of the file into one cell, bounded by the cell's limit.
    let mut quoted = b"time,from,to,kind,offence\n+5m,NGA,FRA,preservation,\"".to_vec();
    quoted.extend(std::iter::repeat_n(b'x', 10_000));
    let (file, err) = run("quote.csv", &quoted);
    assert!(err.contains(&format!("{file}:2:5: 10000 bytes; a cell holds at most 2048")), "{err}");
    // Many bad rows: the first 50 listed, the rest counted.
    let mut many = b"time,from,to,kind\n".to_vec();
    for _ in 0..500 {
        many.extend_from_slice(b"+5m,NGA,FRA,lunch\n");
    }
    let (_, err) = run("many.csv", &many);
    assert_eq!(err.lines().filter(|l| l.contains("unknown kind")).count(), 50, "{err}");
    assert!(err.contains("more bad cells"), "{err}");
}
