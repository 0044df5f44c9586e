//! Kills at any moment of a whole wall-clock run lose nothing: node processes are killed
//! with SIGKILL during start-up (before they register), in the busy middle, in the quiet
//! tail (after their last grant), twice in a row, and right after a restart (a restart
//! that dies again). Every run ends with exactly the report of the in-process engine.
//! A failing seed is printed, and can be run again alone: `POCNET_CHAOS_SEED=N`.

use pocnet_tests::{binaries, node_processes, pocnet, read_json, scratch, text};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(240);

/// A small deterministic generator, so that a failing seed can be run again.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    *state >> 33
}

/// Four contact points, two days of requests and one late one: at the wall clock's speed
/// below, a few seconds of busy middle, then a quiet tail of about ten seconds.
fn scenario() -> String {
    let mut s = "[scenario]\nname = \"chaos\"\nseed = 11\nstart = \"2025-11-03T00:00:00Z\"\nend = \"2025-11-20T00:00:00Z\"\n\n\
        [network]\nlink_delay = \"100ms\"\n\n[profiles.q]\nacknowledge = { staffed = \"1m..30m\", on_call = \"10m..2h\" }\n\
        fulfil = { staffed = \"30m..6h\", on_call = \"1h..12h\" }\nresend_after = \"1d\"\ngive_up_after = \"12d\"\n"
        .to_string();
    for (code, tz) in
        [("VNM", "Asia/Ho_Chi_Minh"), ("FRA", "Europe/Paris"), ("BRA", "America/Sao_Paulo"), ("NGA", "Africa/Lagos")]
    {
        s += &format!(
            "\n[[states]]\ncode = \"{code}\"\nname = \"{code}\"\ntz = \"{tz}\"\nroster = \"office-hours-only\"\nprofile = \"q\"\n"
        );
    }
    s += "\n[[generate]]\nrate_per_day = 60\nkinds = { preservation = 1, emergency = 1 }\nend = \"2025-11-05T00:00:00Z\"\n";
    // One late request: between the busy days and it, a long quiet tail in which most
    // nodes have had their last grant.
    s += "\n[[injects]]\nat = \"2025-11-16T12:00:00Z\"\nfrom = \"FRA\"\nto = \"VNM\"\nkind = \"preservation\"\n";
    s
}

fn kill(pid: u32) -> bool {
    #[allow(unsafe_code)]
    // SAFETY: kill(2) on a pid this test found among its own run's node processes.
    let rc = unsafe { libc::kill(i32::try_from(pid).expect("pid"), libc::SIGKILL) };
    rc == 0
}

/// Runs the scenario on the mesh under the wall clock and kills nodes by a seeded plan;
/// returns the kills that hit a live process.
fn run_with_kills(seed: u64, scenario: &Path, out: &Path) -> (std::process::ExitStatus, String, Vec<String>) {
    let marker = out.to_str().expect("utf-8").to_string();
    let mut coordinator = Command::new(&binaries().pocnet)
        .args(["run", scenario.to_str().expect("utf-8"), "--clock", "wall", "--speed", "100000"])
        .args(["--out", &marker, "-q"])
        .env("POCNET_NODE_BIN", &binaries().node)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pocnet");
    let mut rng = seed;
    let started = Instant::now();
    let mut hits = Vec::new();
    // 1. Start-up: the first node process seen is killed at once, before it registers.
    loop {
        if let Some(&pid) = node_processes(&marker).first() {
            if kill(pid) {
                hits.push(format!("start-up pid {pid} at {:?}", started.elapsed()));
            }
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "no node started");
        std::thread::sleep(Duration::from_millis(2));
    }
    // 2. The rest of the run: a kill every 0.7-2.5 s; every third a double kill (the
    //    restarted process is killed again as soon as it appears).
    let mut round = 0u64;
    while coordinator.try_wait().expect("wait").is_none() && started.elapsed() < LIMIT {
        std::thread::sleep(Duration::from_millis(700 + next(&mut rng) % 1800));
        let pids = node_processes(&marker);
        if pids.is_empty() {
            continue;
        }
        let victim = pids[(next(&mut rng) % pids.len() as u64) as usize];
        if !kill(victim) {
            continue;
        }
        hits.push(format!("pid {victim} at {:?}", started.elapsed()));
        round += 1;
        if round % 3 == 0 {
            // A restart that dies again: the new process is killed as it starts.
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                let new: Vec<u32> = node_processes(&marker).into_iter().filter(|p| !pids.contains(p)).collect();
                if let Some(&fresh) = new.first() {
                    if kill(fresh) {
                        hits.push(format!("restarted pid {fresh} at {:?}", started.elapsed()));
                    }
                    break;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }
    let status = loop {
        if let Some(status) = coordinator.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = coordinator.kill();
            panic!("seed {seed}: the run did not end within {LIMIT:?}; kills: {hits:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    if let Some(mut e) = coordinator.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
    }
    (status, stderr, hits)
}

#[test]
fn random_kills_across_a_whole_wall_clock_run_lose_nothing() {
    let seeds: Vec<u64> = match std::env::var("POCNET_CHAOS_SEED").ok().and_then(|s| s.parse().ok()) {
        Some(seed) => vec![seed],
        None => vec![1, 2, 3],
    };
    let dir = scratch("chaos");
    let scenario = dir.join("chaos.toml");
    std::fs::write(&scenario, scenario_text()).expect("write");
    let inproc = dir.join("inproc");
    let expected = pocnet(
        &[
            "run",
            scenario.to_str().expect("utf-8"),
            "--engine",
            "inproc",
            "-q",
            "--out",
            inproc.to_str().expect("utf-8"),
        ],
        LIMIT,
    );
    assert!(expected.status.success(), "{}", text(&expected.stderr));
    let expected = std::fs::read(inproc.join("report.json")).expect("inproc report");
    for seed in seeds {
        let out = dir.join(format!("mesh-{seed}"));
        let (status, stderr, hits) = run_with_kills(seed, &scenario, &out);
        assert!(status.success(), "seed {seed}: the run failed after kills {hits:?}:\n{stderr}");
        let got = std::fs::read(out.join("report.json")).expect("mesh report");
        assert!(got == expected, "seed {seed}: kills {hits:?} changed the report");
        let transport = read_json(&out.join("transport.json"));
        let restarts = transport["restarts"].as_array().expect("restarts").len();
        assert!(hits.len() >= 4, "seed {seed}: only {} kills landed: {hits:?}", hits.len());
        // A kill before registration is a start again, not a restart; every other one is.
        // A kill before registration is a start again, not a restart; a restart that dies
        // again is one restart of several attempts; nothing else restarts a node.
        let causes: Vec<String> =
            transport["restarts"].as_array().expect("restarts").iter().map(|r| r["why"].to_string()).collect();
        assert!(restarts <= hits.len(), "seed {seed}: {restarts} restarts for {} kills: {causes:?}", hits.len());
        assert!(
            causes.iter().all(|c| c.contains("SIGKILL")),
            "seed {seed}: restarts not caused by the kills: {causes:?}"
        );
        assert!(node_processes(out.to_str().expect("utf-8")).is_empty(), "seed {seed}: a node outlived the run");
        eprintln!("chaos seed {seed}: {} kills, {restarts} restarts, report unchanged", hits.len());
    }
}

fn scenario_text() -> String {
    scenario()
}
