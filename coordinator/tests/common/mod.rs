//! What the behaviour tests share: a scenario parsed or run in process, its ledger and
//! report.json, the instants and requests they are timed by hand against, the bundled
//! scenarios, and ([`play`]) an exercise's people scripted as directives.
#![allow(dead_code)]

pub mod play;

use pocnet::ledger::{Ledger, Request};
use pocnet::report::Account;
use pocnet::scenario::{self, Scenario};
use pocnet_core::{RequestId, SimTime};
use std::path::PathBuf;

/// A UTC instant, RFC 3339.
pub fn at(s: &str) -> SimTime {
    SimTime::from_timestamp(s.parse().expect("time"))
}

/// A file of the bundled scenarios, by its path in the workspace's `scenarios/`.
pub fn bundled(path: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios").join(path)
}

/// The scenario `text`, `name` in its diagnostics; the test fails with them if invalid.
pub fn parse(name: &str, text: &str) -> Scenario {
    scenario::parse(name, text).unwrap_or_else(|e| panic!("{e}"))
}

/// The scenario file at `path`; the test fails with its diagnostics if invalid.
pub fn load(path: &std::path::Path) -> Scenario {
    scenario::load(path, &Default::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// The scenario `text` run in process, kept for the test's life (the account borrows it).
pub fn account(name: &str, text: &str) -> Account<'static> {
    let s: &'static Scenario = Box::leak(Box::new(parse(name, text)));
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    runtime.block_on(pocnet::run::simulate(s)).expect("run")
}

/// The scenario `text` run in process: its ledger and its report.json.
pub fn run(text: &str) -> (Ledger, serde_json::Value) {
    let a = account("test.toml", text);
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
