//! A node killed with SIGKILL at any moment and restarted loses nothing: the run's report is
//! byte for byte the report of a run in which nothing died (the in-process engine's).

use pocnet_tests::{binaries, node_processes, pocnet, read_json, scratch, text, workspace_root};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(180);

fn run(scenario: &Path, engine: &str, out: &Path) {
    let args =
        ["run", scenario.to_str().expect("utf-8"), "--engine", engine, "--out", out.to_str().expect("utf-8"), "-q"];
    let result = pocnet(&args, LIMIT);
    assert!(result.status.success(), "{engine}: {}", text(&result.stderr));
}

/// A small deterministic generator, so that a failing seed can be run again.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    *state >> 33
}

#[test]
fn crash_faults_at_seeded_random_points_lose_nothing() {
    let smoke = std::fs::read_to_string(workspace_root().join("scenarios/smoke.toml")).expect("smoke");
    let states = ["VNM", "FRA", "BRA"];
    // The smoke scenario's requests span 2025-11-03 to 2025-11-06: kill anywhere in it.
    let start = 1_762_128_000_000i64;
    let span_ms = 3 * 86_400_000u64;
    for seed in [1u64, 2, 3] {
        let mut rng = seed;
        let mut text_in = smoke.clone();
        let mut points = Vec::new();
        for _ in 0..4 {
            let state = states[(next(&mut rng) % 3) as usize];
            let at = jiff::Timestamp::from_millisecond(start + (next(&mut rng) % span_ms) as i64).expect("time");
            points.push(format!("{state}@{at}"));
            text_in += &format!("\n[[faults]]\nkind = \"crash\"\nstate = \"{state}\"\nfrom = \"{at}\"\n");
        }
        let dir = scratch(&format!("crash-{seed}"));
        let scenario = dir.join("crash.toml");
        std::fs::write(&scenario, text_in).expect("write");
        let (mesh, inproc) = (dir.join("mesh"), dir.join("inproc"));
        run(&scenario, "mesh", &mesh);
        run(&scenario, "inproc", &inproc);
        let (a, b) = (
            std::fs::read(mesh.join("report.json")).expect("mesh"),
            std::fs::read(inproc.join("report.json")).expect("inproc"),
        );
        assert!(a == b, "seed {seed}: crashes at {points:?} changed the report");
        let transport = read_json(&mesh.join("transport.json"));
        let restarts = transport["restarts"].as_array().expect("restarts");
        assert_eq!(restarts.len(), 4, "seed {seed}: every crash restarted a node: {restarts:?}");
        assert!(node_processes(mesh.to_str().expect("utf-8")).is_empty());
    }
}

/// Enough requests that the run is still going when a node is killed.
fn busy_scenario(restart_nodes: bool) -> String {
    let mut s = format!(
        "[scenario]\nname = \"outside-kill\"\nseed = 5\nstart = \"2025-11-03T00:00:00Z\"\nend = \"2025-11-30T00:00:00Z\"\nrestart_nodes = {restart_nodes}\n\n\
         [network]\nlink_delay = \"100ms\"\n\n[profiles.q]\nacknowledge = {{ staffed = \"1m..5m\", on_call = \"5m..20m\" }}\n\
         fulfil = {{ staffed = \"5m..30m\", on_call = \"10m..1h\" }}\ngive_up_after = \"2d\"\n"
    );
    for (code, tz) in [("VNM", "Asia/Ho_Chi_Minh"), ("FRA", "Europe/Paris"), ("BRA", "America/Sao_Paulo")] {
        s += &format!("\n[[states]]\ncode = \"{code}\"\nname = \"{code}\"\ntz = \"{tz}\"\nroster = \"office-hours-on-call\"\nprofile = \"q\"\n");
    }
    s += "\n[[generate]]\nrate_per_day = 200\nkinds = { preservation = 1 }\nend = \"2025-11-10T00:00:00Z\"\n";
    s
}

/// Runs `scenario` on the mesh, SIGKILLs one node mid-run, and returns the exit status and
/// stderr of the coordinator.
fn run_and_kill_a_node(scenario: &Path, out: &Path) -> (std::process::ExitStatus, String) {
    let marker = out.to_str().expect("utf-8").to_string();
    let mut coordinator = Command::new(&binaries().pocnet)
        .args(["run", scenario.to_str().expect("utf-8"), "--out", &marker, "-q"])
        .env("POCNET_NODE_BIN", &binaries().node)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pocnet");
    let started = Instant::now();
    let victim = loop {
        let pids = node_processes(&marker);
        if pids.len() == 3 {
            std::thread::sleep(Duration::from_millis(300));
            break pids[1];
        }
        assert!(started.elapsed() < Duration::from_secs(30), "nodes never started");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(coordinator.try_wait().expect("wait").is_none(), "the run ended before the kill");
    #[allow(unsafe_code)]
    // SAFETY: kill(2) on a pid this test found among its run's node processes.
    let rc = unsafe { libc::kill(i32::try_from(victim).expect("pid"), libc::SIGKILL) };
    assert_eq!(rc, 0);
    let status = loop {
        if let Some(status) = coordinator.try_wait().expect("wait") {
            break status;
        }
        assert!(started.elapsed() < LIMIT, "the run did not end");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    if let Some(mut e) = coordinator.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
    }
    (status, stderr)
}

#[test]
fn a_node_killed_from_outside_is_noticed_restarted_and_loses_nothing() {
    let dir = scratch("outside-kill");
    let scenario = dir.join("s.toml");
    std::fs::write(&scenario, busy_scenario(true)).expect("write");
    let (mesh, inproc) = (dir.join("mesh"), dir.join("inproc"));
    let (status, stderr) = run_and_kill_a_node(&scenario, &mesh);
    assert!(status.success(), "the run failed after the kill: {stderr}");
    run(&scenario, "inproc", &inproc);
    let (a, b) = (
        std::fs::read(mesh.join("report.json")).expect("mesh"),
        std::fs::read(inproc.join("report.json")).expect("inproc"),
    );
    assert!(a == b, "the kill changed the report");
    let transport = read_json(&mesh.join("transport.json"));
    let restarts = transport["restarts"].as_array().expect("restarts");
    assert_eq!(restarts.len(), 1, "{restarts:?}");
    let why = restarts[0]["why"].as_str().unwrap_or_default();
    assert!(why.contains("exited") || why.contains("control connection ended"), "{restarts:?}");
}

#[test]
fn without_restarts_a_killed_node_fails_the_run_and_is_named() {
    let dir = scratch("no-restart");
    let scenario = dir.join("s.toml");
    std::fs::write(&scenario, busy_scenario(false)).expect("write");
    let out = dir.join("mesh");
    let (status, stderr) = run_and_kill_a_node(&scenario, &out);
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("restart_nodes = false"), "{stderr}");
    assert!(node_processes(out.to_str().expect("utf-8")).is_empty(), "no node left behind");
}

#[test]
fn datagrams_lost_beneath_quic_are_recovered_by_quic_and_change_nothing() {
    let dir = scratch("udp-loss");
    let smoke = workspace_root().join("scenarios/smoke.toml");
    let (mesh, inproc) = (dir.join("mesh"), dir.join("inproc"));
    let args =
        ["run", smoke.to_str().expect("utf-8"), "--udp-loss", "0.1", "--out", mesh.to_str().expect("utf-8"), "-q"];
    let result = pocnet(&args, LIMIT);
    assert!(result.status.success(), "{}", text(&result.stderr));
    run(&smoke, "inproc", &inproc);
    let (a, b) = (
        std::fs::read(mesh.join("report.json")).expect("mesh"),
        std::fs::read(inproc.join("report.json")).expect("inproc"),
    );
    assert!(a == b, "loss beneath QUIC changed the report");
    let transport = read_json(&mesh.join("transport.json"));
    assert!(transport["lost_packets"].as_u64().expect("lost") > 0, "QUIC saw losses and recovered them");
    let bad = pocnet(
        &["run", smoke.to_str().expect("utf-8"), "--udp-loss", "1.5", "--out", mesh.to_str().expect("utf-8")],
        LIMIT,
    );
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_real_partition_beneath_quic_heals_and_loses_nothing() {
    let dir = scratch("cut");
    let mut text_in = std::fs::read_to_string(workspace_root().join("scenarios/smoke.toml")).expect("smoke");
    text_in += "\n[[faults]]\nkind = \"cut\"\na = [\"VNM\"]\nb = [\"*\"]\nfrom = \"2025-11-03T01:00:00Z\"\nlasting = \"1500ms\"\n";
    let scenario = dir.join("cut.toml");
    std::fs::write(&scenario, text_in).expect("write");
    let (mesh, inproc) = (dir.join("mesh"), dir.join("inproc"));
    let args =
        ["run", scenario.to_str().expect("utf-8"), "--udp-delay-ms", "3", "--out", mesh.to_str().expect("utf-8"), "-q"];
    let result = pocnet(&args, LIMIT);
    assert!(result.status.success(), "{}", text(&result.stderr));
    run(&scenario, "inproc", &inproc);
    let (a, b) = (
        std::fs::read(mesh.join("report.json")).expect("mesh"),
        std::fs::read(inproc.join("report.json")).expect("inproc"),
    );
    assert!(a == b, "the cut changed the report");
    let transport = read_json(&mesh.join("transport.json"));
    let cuts = transport["cuts"].as_array().expect("cuts");
    assert_eq!(cuts.len(), 1, "{cuts:?}");
    assert_eq!(cuts[0]["a"], serde_json::json!(["VNM"]));
    assert_eq!(cuts[0]["b"], serde_json::json!(["BRA", "FRA"]));
    assert!(cuts[0]["lasted_ms"].as_u64().expect("lasted") >= 1500);
}

#[test]
fn a_restart_that_cannot_start_is_tried_again_and_given_up_naming_its_cause() {
    let dir = scratch("failing-restart");
    let scenario = dir.join("s.toml");
    std::fs::write(&scenario, busy_scenario(true)).expect("write");
    let out = dir.join("mesh");
    let marker = out.to_str().expect("utf-8").to_string();
    let mut coordinator = Command::new(&binaries().pocnet)
        .args([
            "run",
            scenario.to_str().expect("utf-8"),
            "--clock",
            "wall",
            "--speed",
            "100000",
            "--out",
            &marker,
            "-q",
        ])
        .env("POCNET_NODE_BIN", &binaries().node)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pocnet");
    let started = Instant::now();
    let victim = loop {
        let pids = node_processes(&marker);
        if pids.len() == 3 {
            std::thread::sleep(Duration::from_millis(500));
            break pids[0];
        }
        assert!(started.elapsed() < Duration::from_secs(30), "nodes never started");
        std::thread::sleep(Duration::from_millis(10));
    };
    // The journal folder goes away (a file where it was): no restarted node can journal.
    let journals = out.join("run/journal");
    std::fs::remove_dir_all(&journals).expect("remove journals");
    std::fs::write(&journals, "not a folder").expect("a file instead");
    #[allow(unsafe_code)]
    // SAFETY: kill(2) on a pid this test found among its run's node processes.
    let rc = unsafe { libc::kill(i32::try_from(victim).expect("pid"), libc::SIGKILL) };
    assert_eq!(rc, 0);
    let status = loop {
        if let Some(status) = coordinator.try_wait().expect("wait") {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the run neither recovered nor gave up");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    if let Some(mut e) = coordinator.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
    }
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("processes started to replace it did not get ready"), "{stderr}");
    assert!(stderr.contains("journal") && stderr.contains("Not a directory"), "{stderr}");
    assert!(stderr.contains("last lines of"), "the node's own log is quoted: {stderr}");
    assert!(started.elapsed() < Duration::from_secs(40), "gave up only after {:?}", started.elapsed());
    assert!(node_processes(&marker).is_empty(), "no node left behind");
}
