//! What `check` passes, `run` runs: a scenario `run` would refuse is refused by `check`,
//! at its line; options that cannot go together are refused, never silently dropped.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The real binary, bounded in time.
fn pocnet(args: &[&str]) -> Output {
    common::pocnet(args, std::time::Duration::from_secs(120))
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

fn scratch(tag: &str) -> PathBuf {
    common::scratch(&format!("cli-{tag}"))
}

#[test]
fn a_second_run_into_a_folder_is_refused_and_force_removes_the_last_runs_files_first() {
    let dir = scratch("one-folder");
    let out = dir.join("out");
    let out_s = out.display().to_string();
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "", "--engine", "inproc", "-q", "--out", &out_s];
        let smoke = smoke();
        args[1] = &smoke;
        args.extend_from_slice(extra);
        pocnet(&args)
    };
    assert_eq!(run(&[]).status.code(), Some(0));
    // The last run left a review and a node's log that this scenario would not rewrite.
    std::fs::write(out.join("after-action.md"), "an exercise's review").expect("write");
    std::fs::create_dir_all(out.join("run/logs")).expect("run dir");
    std::fs::create_dir_all(out.join("run/journal")).expect("run dir");
    std::fs::write(out.join("run/logs/nru.log"), "old").expect("write");
    std::fs::write(out.join("run/journal/nru.journal"), "old").expect("write");
    std::fs::write(out.join("notes.txt"), "the user's").expect("write");
    let again = run(&[]);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("holds another run's files") && stderr.contains("after-action.md"), "{stderr}");
    assert!(stderr.contains("report.json") && stderr.contains("run/") && stderr.contains("--force"), "{stderr}");
    let forced = run(&["--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", String::from_utf8_lossy(&forced.stderr));
    assert!(out.join("report.json").is_file() && !out.join("after-action.md").exists() && !out.join("run").exists());
    assert_eq!(std::fs::read_to_string(out.join("notes.txt")).expect("kept"), "the user's");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_default_folder_follows_the_same_rule() {
    let dir = scratch("default-folder");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_pocnet"))
            .args(["run", &smoke(), "--engine", "inproc", "-q"])
            .current_dir(&dir)
            .output()
            .expect("runs")
    };
    assert_eq!(run().status.code(), Some(0));
    assert!(dir.join("pocnet-out/report.json").is_file());
    let again = run();
    assert_eq!(again.status.code(), Some(2), "{}", String::from_utf8_lossy(&again.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn shards_share_a_folder_a_shard_is_not_run_twice_and_a_merge_says_what_it_ran() {
    let dir = scratch("shards");
    let sweep = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sweeps/sweep.toml").display().to_string();
    let parts = dir.join("parts").display().to_string();
    for shard in ["0/2", "1/2"] {
        let o = pocnet(&["sweep", &sweep, "--out", &parts, "--shard", shard, "--quiet"]);
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let twice = pocnet(&["sweep", &sweep, "--out", &parts, "--shard", "1/2", "--quiet"]);
    let stderr = String::from_utf8_lossy(&twice.stderr);
    assert_eq!(twice.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("sweep-shard-1-of-2.json") && !stderr.contains("sweep-shard-0-of-2.json"), "{stderr}");
    // The merge writes beside its shards; it ran only the combinations, and says so.
    let shards: Vec<String> = (0..2).map(|i| format!("{parts}/sweep-shard-{i}-of-2.json")).collect();
    let o = pocnet(&["sweep", &sweep, "--out", &parts, "--quiet", "--merge", &shards[0], &shards[1]]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    // 3 variants (base, VNM, BRA) x 6 seeds from the shards; at most one combination here.
    assert!(stderr.contains("merged 18 runs from 2 shard files"), "{stderr}");
    let ran: usize = stderr
        .split("pocnet sweep: ")
        .nth(2)
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("runs");
    assert!(ran <= 6, "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
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

#[test]
fn check_and_run_count_cases_and_pings_alike() {
    // `check` once counted 560 injects for the communication check, `run` 0.
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/ping-check.toml").display().to_string();
    let o = pocnet(&["check", &file]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.ends_with("ok (71 contact points, 0 cases, 560 pings)\n"), "{stdout}");
}
