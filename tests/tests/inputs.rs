//! Inputs that are not what they claim: files that are not files, scenarios that would
//! build more than memory holds, text longer than the wire carries. Each is refused at
//! once (exit 2), naming the file and the field, without reading or building it.

use pocnet_tests::{pocnet, scratch, text, workspace_root};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(30);

fn check(path: &str) -> (Option<i32>, String, Duration) {
    let started = Instant::now();
    let out = pocnet(&["check", path], LIMIT);
    (out.status.code(), text(&out.stderr), started.elapsed())
}

#[test]
fn a_fifo_or_a_device_as_scenario_is_refused_without_being_read() {
    let dir = scratch("not-files");
    let fifo = dir.join("scenario.toml");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(status.success());
    let (code, stderr, took) = check(fifo.to_str().expect("utf-8"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("not a regular file (a FIFO)"), "{stderr}");
    assert!(took < LIMIT);
    let (code, stderr, _) = check("/dev/zero");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("/dev/zero") && stderr.contains("character device"), "{stderr}");
    // A register named by a scenario is read the same way.
    let scenario = dir.join("with-register.toml");
    std::fs::write(
        &scenario,
        "[scenario]\nname = \"r\"\nseed = 1\nstart = \"2025-11-03T00:00:00Z\"\nregister = \"scenario.toml\"\n",
    )
    .expect("write");
    let (code, stderr, _) = check(scenario.to_str().expect("utf-8"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("FIFO"), "{stderr}");
}

#[test]
fn generated_traffic_is_bounded_before_anything_is_built() {
    let dir = scratch("huge-generate");
    let smoke = std::fs::read_to_string(workspace_root().join("scenarios/smoke.toml")).expect("smoke");
    // A century of traffic in twenty blocks: a few kilobytes of text, billions of injects.
    let mut s = smoke.replace(
        "start = \"2025-11-03T00:00:00Z\"          # Monday",
        "start = \"2025-11-03T00:00:00Z\"\nend = \"2125-11-03T00:00:00Z\"",
    );
    for _ in 0..20 {
        s += "\n[[generate]]\nrate_per_day = 10000\nkinds = { preservation = 1 }\n";
    }
    let path = dir.join("century.toml");
    std::fs::write(&path, s).expect("write");
    let (code, stderr, took) = check(path.to_str().expect("utf-8"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("would make about"), "{stderr}");
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

#[test]
fn text_longer_than_the_wire_carries_is_refused_naming_the_field() {
    let dir = scratch("long-text");
    let smoke = std::fs::read_to_string(workspace_root().join("scenarios/smoke.toml")).expect("smoke");
    let long = "x".repeat(2 << 20);
    let language = smoke.replacen("language = \"pt\"", &format!("language = \"{long}\""), 1);
    let path = dir.join("language.toml");
    std::fs::write(&path, language).expect("write");
    let (code, stderr, _) = check(path.to_str().expect("utf-8"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("language: longer than 35 bytes"), "{}", &stderr[..stderr.len().min(400)]);
    let name = smoke.replacen("name = \"Viet Nam\"", &format!("name = \"{long}\""), 1);
    let path = dir.join("name.toml");
    std::fs::write(&path, name).expect("write");
    let (code, stderr, _) = check(path.to_str().expect("utf-8"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("VNM: `name` is 2097152 bytes"), "{}", &stderr[..stderr.len().min(400)]);
}
