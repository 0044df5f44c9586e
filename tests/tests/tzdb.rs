//! The same scenario gives the same bytes on every host: pocnet reads the tz database it
//! bundles, never the host's (`TZDIR`, `/usr/share/zoneinfo`), and names its release.

use pocnet_tests::{binaries, read_json, run_bounded, scratch, text, workspace_root};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// A TZif (version 2) file for a zone that is UTC all year.
fn tzif_utc() -> Vec<u8> {
    let header = |out: &mut Vec<u8>| {
        out.extend_from_slice(b"TZif2");
        out.extend_from_slice(&[0u8; 15]);
        // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
        for n in [0u32, 0, 0, 0, 1, 4] {
            out.extend_from_slice(&n.to_be_bytes());
        }
        // One local time type: offset 0, not DST, designation "UTC".
        out.extend_from_slice(&0i32.to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(b"UTC\0");
    };
    let mut out = Vec::new();
    header(&mut out); // version 1 block
    header(&mut out); // version 2 block (no transitions: the same bytes)
    out.extend_from_slice(b"\nUTC0\n");
    out
}

fn run_with_tzdir(scenario: &Path, out: &Path, tzdir: Option<&Path>) -> Vec<u8> {
    let mut cmd = Command::new(&binaries().pocnet);
    cmd.current_dir(workspace_root())
        .args(["run", scenario.to_str().expect("utf-8"), "--engine", "inproc", "-q", "--out"])
        .arg(out)
        .env_remove("TZDIR")
        .env("TZ", "Pacific/Chatham");
    if let Some(dir) = tzdir {
        cmd.env("TZDIR", dir);
    }
    let result = run_bounded(cmd, Duration::from_secs(120));
    assert!(result.status.success(), "{}", text(&result.stderr));
    std::fs::read(out.join("report.json")).expect("report.json")
}

#[test]
fn the_same_scenario_gives_the_same_bytes_whatever_tzdir_says() {
    let dir = scratch("tzdir");
    let scenario = workspace_root().join("scenarios/dst-week.toml");
    // A forged zoneinfo in which every zone of the scenario is UTC all year.
    let forged = dir.join("forged");
    for zone in ["Africa/Casablanca", "Europe/Paris", "Europe/London", "America/Santiago", "America/Havana", "UTC"] {
        let path = forged.join(zone);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(&path, tzif_utc()).expect("forged zone");
    }
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).expect("empty");
    let unset = run_with_tzdir(&scenario, &dir.join("unset"), None);
    let mut variants = vec![("empty", run_with_tzdir(&scenario, &dir.join("o-empty"), Some(&empty)))];
    variants.push(("forged", run_with_tzdir(&scenario, &dir.join("o-forged"), Some(&forged))));
    if Path::new("/usr/share/zoneinfo").is_dir() {
        variants.push(("host", run_with_tzdir(&scenario, &dir.join("o-host"), Some(Path::new("/usr/share/zoneinfo")))));
    }
    for (name, bytes) in &variants {
        assert!(*bytes == unset, "TZDIR={name} changed report.json");
    }
    let report = read_json(&dir.join("unset/report.json"));
    let tzdb = report["scenario"]["tzdb"].as_str().expect("scenario.tzdb");
    assert!(tzdb.len() == 5 && tzdb.starts_with("20"), "tzdb release `{tzdb}`");
}
