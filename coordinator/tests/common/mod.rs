//! What the behaviour tests share: a scenario run in process, its ledger and report.json,
//! and the instants and requests they are timed by hand against.
#![allow(dead_code)]

use pocnet::ledger::{Ledger, Request};
use pocnet::scenario;
use pocnet_core::{RequestId, SimTime};

/// A UTC instant, RFC 3339.
pub fn at(s: &str) -> SimTime {
    SimTime::from_timestamp(s.parse().expect("time"))
}

/// The scenario `text` run in process: its ledger and its report.json.
pub fn run(text: &str) -> (Ledger, serde_json::Value) {
    let s = scenario::parse("test.toml", text).unwrap_or_else(|e| panic!("{e}"));
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let a = runtime.block_on(pocnet::run::simulate(&s)).expect("run");
    let json = serde_json::from_str(&a.report().to_json()).expect("JSON");
    (a.ledger, json)
}

/// The first link of case `case`.
pub fn request(l: &Ledger, case: u32) -> &Request {
    l.requests.iter().find(|r| r.id == RequestId { case, link: 0 }).expect("request")
}

/// `pocnet ARGS`, the real binary, killed (and the test failed) if it runs past `limit`.
pub fn pocnet(args: &[&str], limit: std::time::Duration) -> std::process::Output {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_pocnet"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pocnet");
    let started = std::time::Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("pocnet {args:?} still running after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// A new empty directory for one test.
pub fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pocnet-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch");
    dir
}
