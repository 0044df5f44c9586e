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

#[test]
fn check_checks_a_sweep_file_as_a_sweep_and_a_register_as_a_register() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sweep = root.join("tests/sweeps/sweep.toml").display().to_string();
    let register = root.join("../scenarios/registers/hanoi-2025.toml").display().to_string();
    let o = pocnet(&["check", &sweep, &register]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        stdout,
        format!(
            "{sweep}: ok (sweep: 2 changes over base night.toml)\n{register}: ok (register: 71 contact points, 0 profiles; a scenario including them defines round-the-clock, small-office, standard)\n"
        )
    );
}

#[test]
fn check_locates_a_mistake_in_a_sweep_file_and_in_a_register() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("pocnet-cli-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let base = root.join("tests/sweeps/night.toml").display().to_string();
    let sweep = dir.join("sweep.toml");
    let text = format!("[sweep]\nname = \"x\"\nbase = \"{base}\"\n\n[[options]]\nname = \"y\"\nstates = [\"VNM\"]\nroster = \"staffed-24-h\"\n");
    std::fs::write(&sweep, text).expect("write");
    let register = root.join("tests/scenarios/registers/two-with-a-bad-zone.toml");
    let o = pocnet(&["check", &sweep.display().to_string(), &register.display().to_string()]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(lines[0].ends_with("sweep.toml:8:10: unknown roster `staffed-24-h`: did you mean `staffed-24-7`? (expected one of staffed-24-7, office-hours-on-call, office-hours-only)"), "{stderr}");
    assert!(
        lines[1]
            .ends_with("two-with-a-bad-zone.toml:9:6: unknown time zone `Europe/Pari`: did you mean `Europe/Paris`?"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
