//! However the coordinator ends, no `pocnet-node` process outlives it.

use pocnet_tests::{binaries, node_processes, scratch, workspace_root};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A scenario long enough to interrupt: three states, thousands of requests a minute apart.
fn long_scenario() -> String {
    let mut s = String::from(
        r#"[scenario]
name = "long"
seed = 1
start = "2025-11-03T00:00:00Z"
end = "2025-12-31T00:00:00Z"

[network]
link_delay = "100ms"

[profiles.quick]
acknowledge = { staffed = "1m..5m", on_call = "5m..20m" }
fulfil = { staffed = "5m..30m", on_call = "10m..1h" }
give_up_after = "2d"
"#,
    );
    for (code, tz) in [("VNM", "Asia/Ho_Chi_Minh"), ("FRA", "Europe/Paris"), ("BRA", "America/Sao_Paulo")] {
        s += &format!(
            "\n[[states]]\ncode = \"{code}\"\nname = \"{code}\"\ntz = \"{tz}\"\nroster = \"office-hours-on-call\"\nprofile = \"quick\"\n"
        );
    }
    let codes = ["VNM", "FRA", "BRA"];
    for i in 0..20_000u32 {
        let (from, to) = (codes[(i % 3) as usize], codes[((i + 1) % 3) as usize]);
        let (day, minute) = (3 + i / 1440, i % 1440);
        s += &format!(
            "\n[[injects]]\nat = \"2025-11-{day:02}T{:02}:{:02}:00Z\"\nfrom = \"{from}\"\nto = \"{to}\"\nkind = \"preservation\"\n",
            minute / 60,
            minute % 60
        );
    }
    s
}

/// Starts a long mesh run, waits until its three nodes run, sends `signal`, and checks that
/// the coordinator exits and no node is left.
fn interrupt_with(signal: i32, name: &str) -> Option<i32> {
    let dir = scratch(name);
    let scenario = dir.join("long.toml");
    std::fs::write(&scenario, long_scenario()).expect("write scenario");
    let out = dir.join("out");
    let marker = out.to_str().expect("utf-8 path").to_string();
    let mut coordinator = Command::new(&binaries().pocnet)
        .current_dir(workspace_root())
        .args(["run", scenario.to_str().expect("utf-8"), "--out", &marker, "-q"])
        .env("POCNET_NODE_BIN", &binaries().node)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start pocnet");
    let started = Instant::now();
    while node_processes(&marker).len() < 3 {
        assert!(started.elapsed() < Duration::from_secs(30), "nodes never started");
        assert!(coordinator.try_wait().expect("wait").is_none(), "the run ended before it could be interrupted");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300)); // let windows run
    assert!(coordinator.try_wait().expect("wait").is_none(), "the run ended before it could be interrupted");
    let pid = i32::try_from(coordinator.id()).expect("pid");
    #[allow(unsafe_code)]
    // SAFETY: kill(2) on our own child's pid.
    let rc = unsafe { libc::kill(pid, signal) };
    assert_eq!(rc, 0, "signal sent");
    let status = loop {
        if let Some(status) = coordinator.try_wait().expect("wait") {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the coordinator did not exit after the signal");
        std::thread::sleep(Duration::from_millis(10));
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while !node_processes(&marker).is_empty() {
        assert!(Instant::now() < deadline, "nodes left behind: {:?}", node_processes(&marker));
        std::thread::sleep(Duration::from_millis(20));
    }
    status.code()
}

#[test]
fn sigint_stops_the_run_and_every_node() {
    assert_eq!(interrupt_with(libc::SIGINT, "sigint"), Some(130));
}

#[test]
fn sigterm_stops_the_run_and_every_node() {
    assert_eq!(interrupt_with(libc::SIGTERM, "sigterm"), Some(130));
}

#[test]
fn sigkill_of_the_coordinator_takes_the_nodes_with_it() {
    // No handler runs on SIGKILL: the kernel's parent-death signal stops the nodes.
    assert_eq!(interrupt_with(libc::SIGKILL, "sigkill"), None);
}
