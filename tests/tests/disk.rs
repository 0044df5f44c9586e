//! A disk that cannot be written: logs that fail are dropped (never a panic, in either
//! binary), reports are written whole or not at all, and a journal that cannot be written
//! is named with its path. The full file system is a small tmpfs this test mounts itself
//! (root only: without the right to mount, the test says so and checks the rest).

use pocnet_tests::{binaries, node_processes, pocnet, run_bounded, scratch, text, workspace_root};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);

#[test]
fn logs_that_cannot_be_written_are_dropped_and_the_run_goes_on() {
    let dir = scratch("dev-full");
    let smoke = workspace_root().join("scenarios/smoke.toml");
    let out = dir.join("mesh");
    // VNM's log is /dev/full: every write fails with "No space left on device".
    std::fs::create_dir_all(out.join("run/logs")).expect("logs");
    std::os::unix::fs::symlink("/dev/full", out.join("run/logs/vnm.log")).expect("symlink");
    // And the coordinator's own standard error is /dev/full too.
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
    let mut cmd = Command::new(&binaries().pocnet);
    cmd.current_dir(workspace_root())
        .args(["run", smoke.to_str().expect("utf-8"), "--out", out.to_str().expect("utf-8")])
        .env("POCNET_NODE_BIN", &binaries().node)
        .env("POCNET_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(Stdio::from(full));
    let status = cmd.status().expect("pocnet");
    assert!(status.success(), "a run with unwritable logs failed: {status}");
    let inproc = dir.join("inproc");
    let own = pocnet(
        &["run", smoke.to_str().expect("utf-8"), "--engine", "inproc", "-q", "--out", inproc.to_str().expect("utf-8")],
        LIMIT,
    );
    assert!(own.status.success(), "{}", text(&own.stderr));
    assert!(
        std::fs::read(out.join("report.json")).expect("mesh")
            == std::fs::read(inproc.join("report.json")).expect("inproc")
    );
}

/// Mounts a tmpfs of `kib` KiB at `dir`; `false` if this process may not mount.
fn mount_small(dir: &Path, kib: u32) -> bool {
    std::fs::create_dir_all(dir).expect("mount point");
    let status = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
        .arg(dir)
        .stderr(Stdio::null())
        .status();
    matches!(status, Ok(s) if s.success())
}

fn unmount(dir: &Path) {
    let _ = Command::new("umount").arg(dir).status();
}

#[test]
fn a_full_disk_is_named_with_its_path_and_leaves_no_half_report() {
    let dir = scratch("full-disk");
    let small = dir.join("small");
    if !mount_small(&small, 192) {
        eprintln!("skipped: cannot mount a tmpfs here (not root?)");
        return;
    }
    let hanoi = workspace_root().join("scenarios/hanoi-72.toml");
    let mut cmd = Command::new(&binaries().pocnet);
    cmd.current_dir(workspace_root())
        .args(["run", hanoi.to_str().expect("utf-8"), "--engine", "inproc", "-q", "--out"])
        .arg(&small);
    let out = run_bounded(cmd, LIMIT);
    let listing: Vec<String> = std::fs::read_dir(&small)
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    let html = std::fs::read_to_string(small.join("report.html")).ok();
    unmount(&small);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("No space left on device") && stderr.contains("cannot write"), "{stderr}");
    assert!(stderr.contains(small.to_str().expect("utf-8")), "the path is named: {stderr}");
    assert!(!listing.iter().any(|f| f.ends_with(".tmp")), "a temporary file was left: {listing:?}");
    if let Some(html) = html {
        assert!(html.trim_end().ends_with("</html>"), "a half report.html was left");
    }
}

#[test]
fn a_journal_on_a_full_disk_fails_the_run_naming_it() {
    let dir = scratch("full-journal");
    let small = dir.join("small");
    if !mount_small(&small, 256) {
        eprintln!("skipped: cannot mount a tmpfs here (not root?)");
        return;
    }
    // A week of hanoi-72 traffic between three states: more journal than 256 KiB holds.
    let mut s = "[scenario]\nname = \"journal\"\nseed = 5\nstart = \"2025-11-03T00:00:00Z\"\n\n\
        [profiles.q]\nacknowledge = { staffed = \"1m..5m\", on_call = \"5m..20m\" }\n\
        fulfil = { staffed = \"5m..30m\", on_call = \"10m..1h\" }\ngive_up_after = \"2d\"\n"
        .to_string();
    for (code, tz) in [("VNM", "Asia/Ho_Chi_Minh"), ("FRA", "Europe/Paris"), ("BRA", "America/Sao_Paulo")] {
        s += &format!("\n[[states]]\ncode = \"{code}\"\nname = \"{code}\"\ntz = \"{tz}\"\nroster = \"office-hours-on-call\"\nprofile = \"q\"\n");
    }
    s += "\n[[generate]]\nrate_per_day = 2000\nkinds = { preservation = 1 }\n";
    let scenario = dir.join("s.toml");
    std::fs::write(&scenario, s).expect("write");
    let mut cmd = Command::new(&binaries().pocnet);
    cmd.current_dir(workspace_root())
        .args(["run", scenario.to_str().expect("utf-8"), "-q", "--out"])
        .arg(&small)
        .env("POCNET_NODE_BIN", &binaries().node);
    let out = run_bounded(cmd, LIMIT);
    unmount(&small);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(stderr.contains(".journal"), "the journal is named: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_coordinator_journal_that_cannot_be_written_fails_the_run_naming_it_and_says_nothing_is_done() {
    let dir = scratch("journal-dev-full");
    // The run's kept folder (`OUT/resume`) is a folder of the test's whose journal is
    // /dev/full: every write fails with "No space left on device", as on a full disk.
    let kept = dir.join("kept");
    std::fs::create_dir_all(&kept).expect("kept");
    std::os::unix::fs::symlink("/dev/full", kept.join("journal.jsonl")).expect("symlink");
    let out = dir.join("mesh");
    std::fs::create_dir_all(&out).expect("out");
    std::os::unix::fs::symlink(&kept, out.join("resume")).expect("symlink");
    let smoke = workspace_root().join("scenarios/smoke.toml");
    let mut cmd = Command::new(&binaries().pocnet);
    cmd.current_dir(workspace_root())
        .args(["run", smoke.to_str().expect("utf-8"), "--out"])
        .arg(&out)
        .env("POCNET_NODE_BIN", &binaries().node);
    let run = run_bounded(cmd, LIMIT);
    let (stdout, stderr) = (text(&run.stdout), text(&run.stderr));
    assert_eq!(run.status.code(), Some(3), "{stderr}");
    let journal = out.join("resume/journal.jsonl");
    assert!(stderr.contains(&format!("{}: cannot write the run's journal", journal.display())), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stdout.contains("contact points"), "a run whose end was not journaled is not reported done: {stdout}");
    assert!(node_processes(out.to_str().expect("utf-8")).is_empty(), "no node left behind");
}
