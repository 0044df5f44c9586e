//! What `check` passes, `run` runs: a scenario `run` would refuse is refused by `check`,
//! at its line; options that cannot go together are refused, never silently dropped.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pocnet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pocnet")).args(args).output().expect("pocnet runs")
}

fn malformed(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed").join(name)
}

fn smoke() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/smoke.toml").display().to_string()
}

#[test]
fn an_office_with_no_hours_is_refused_by_check_and_by_run_at_its_line() {
    // `[mla] hours = []` and a central authority's `hours = []` used to pass `check` and
    // fail `run` with exit 3 and no location.
    for (file, line) in [("43-empty-mla-hours.toml", 12), ("45-empty-central-authority-hours.toml", 16)] {
        let path = malformed(file).display().to_string();
        for command in [vec!["check", path.as_str()], vec!["run", path.as_str(), "--engine", "inproc", "--out"]] {
            let out_dir = std::env::temp_dir().join(format!("pocnet-cli-{}-{line}", std::process::id()));
            let mut args = command.clone();
            let out = out_dir.display().to_string();
            if args.last() == Some(&"--out") {
                args.push(&out);
            }
            let o = pocnet(&args);
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(stderr.contains(&format!("{file}:{line}:")) && stderr.contains("at least one shift"), "{stderr}");
            let _ = std::fs::remove_dir_all(&out_dir);
        }
    }
}

#[test]
fn a_check_at_once_refuses_a_count_or_a_spread_it_would_drop() {
    for extra in [["--per-state", "5"], ["--over", "2d"]] {
        let o = pocnet(&["ping", &smoke(), "--at-once", extra[0], extra[1], "--engine", "inproc"]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("cannot be used with"), "{stderr}");
    }
}

#[test]
fn merge_wait_without_a_merge_is_refused() {
    let sweep = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sweeps/sweep.toml").display().to_string();
    let o = pocnet(&["sweep", &sweep, "--merge-wait", "1m"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--merge"), "{stderr}");
}
