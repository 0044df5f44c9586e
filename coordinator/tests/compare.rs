//! `pocnet compare` as a CI gate that cannot be passed by an empty report, a device, a FIFO
//! or a tolerance that turns the checks off (issue 27, point 4). Each attack runs the real
//! binary on real files.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(30);

fn scratch(name: &str) -> PathBuf {
    common::scratch(&format!("compare-{name}"))
}

fn smoke_report() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden/smoke/report.json")
}

fn compare(args: &[&str]) -> Output {
    common::pocnet(&[&["compare"], args].concat(), LIMIT)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8")
}

#[test]
fn a_report_without_figures_is_refused_not_passed() {
    let dir = scratch("empty");
    let smoke = smoke_report();
    let same = compare(&[s(&smoke), s(&smoke)]);
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));

    let empty = dir.join("empty.json");
    std::fs::write(&empty, r#"{"schema":"pocnet-report/2"}"#).expect("write");
    for (base, new) in [(&smoke, &empty), (&empty, &smoke)] {
        let out = compare(&[s(base), s(new)]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("{}: lacks figures compare reads", empty.display())), "{err}");
        assert!(
            err.contains("/latency/time_to_acknowledge/overall/p50_ms") && err.contains("/totals/injects"),
            "{err}"
        );
    }

    // A real report with its latency tables and SLA taken out, everything else kept.
    let mut stripped: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&smoke).expect("smoke")).expect("JSON");
    let o = stripped.as_object_mut().expect("object");
    o.remove("latency");
    o.remove("sla");
    let stripped_path = dir.join("stripped.json");
    std::fs::write(&stripped_path, stripped.to_string()).expect("write");
    let out = compare(&[s(&smoke), s(&stripped_path)]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("stripped.json: lacks figures"), "{err}");
    assert!(err.contains("/latency/time_to_fulfil/by_kind") && err.contains("/sla/overall/ratio"), "{err}");
    assert!(!err.contains("/totals/"), "the totals are there: {err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_device_a_fifo_and_a_huge_file_are_refused_without_being_read() {
    let dir = scratch("special");
    let smoke = smoke_report();
    let started = Instant::now();
    let out = compare(&[s(&smoke), "/dev/zero"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("/dev/zero: not a regular file (a character device)"), "{}", stderr(&out));

    let fifo = dir.join("report.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let out = compare(&[s(&fifo), s(&smoke)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("not a regular file (a FIFO)"), "{}", stderr(&out));

    // A regular file past the limit (sparse: no disk used) is refused once the limit is read.
    let huge = dir.join("huge.json");
    let file = std::fs::File::create(&huge).expect("create");
    file.set_len(pocnet::report::compare::REPORT_BYTES_MAX + 1).expect("set_len");
    let out = compare(&[s(&smoke), s(&huge)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("huge.json: more than 268435456 bytes"), "{}", stderr(&out));
    assert!(started.elapsed() < LIMIT, "took {:?}", started.elapsed());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_tolerance_that_would_turn_the_checks_off_is_refused_at_parsing() {
    let dir = scratch("tolerance");
    let smoke = smoke_report();
    // A real regression: every acknowledgement ten times slower.
    let mut slow: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&smoke).expect("smoke")).expect("JSON");
    let overall = &mut slow["latency"]["time_to_acknowledge"]["overall"];
    for stat in ["p50_ms", "p90_ms", "p95_ms", "p99_ms"] {
        overall[stat] = (overall[stat].as_u64().expect(stat) * 10).into();
    }
    let slower = dir.join("slower.json");
    std::fs::write(&slower, slow.to_string()).expect("write");
    let caught = compare(&[s(&smoke), s(&slower)]);
    assert_eq!(caught.status.code(), Some(1), "the default tolerance catches it: {}", stderr(&caught));

    for (flag, value) in
        [("--tolerance", "nan"), ("--tolerance", "inf"), ("--tolerance", "-5"), ("--ratio-tolerance", "NaN")]
    {
        let out = compare(&[s(&smoke), s(&slower), &format!("{flag}={value}")]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {err}");
        assert!(err.contains(flag) && err.contains("not a finite number of at least 0"), "{err}");
        assert!(out.stdout.is_empty(), "nothing compared: {}", String::from_utf8_lossy(&out.stdout));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
