//! The walking skeleton end to end: the real `pocnet` and `pocnet-node` binaries on loopback.

use pocnet_tests::{node_processes, pocnet, read_json, scratch, text};
use std::time::Duration;

const RUN_LIMIT: Duration = Duration::from_secs(120);

fn minutes_of_day(local: &str) -> u32 {
    // "2025-11-04 08:47 Tue +07:00"
    let hm = &local[11..16];
    let h: u32 = hm[..2].parse().expect("hour");
    let m: u32 = hm[3..].parse().expect("minute");
    h * 60 + m
}

fn ms(stamp: &serde_json::Value) -> i64 {
    let utc = stamp["utc"].as_str().expect("utc string");
    utc.parse::<jiff::Timestamp>().expect("RFC 3339").as_millisecond()
}

#[test]
fn smoke_scenario_runs_on_the_mesh_and_every_inject_ends_in_an_outcome() {
    let out = scratch("smoke");
    let result = pocnet(&["run", "scenarios/smoke.toml", "--out", out.to_str().expect("utf-8 path")], RUN_LIMIT);
    let stdout = text(&result.stdout);
    assert!(result.status.success(), "pocnet failed:\n{stdout}\n{}", text(&result.stderr));

    let report = read_json(&out.join("report.json"));
    let requests = report["requests"].as_array().expect("requests");
    assert_eq!(requests.len(), 12);
    let totals = &report["totals"];
    assert_eq!(totals["injects"], 12);
    let sum: u64 = ["fulfilled", "refused", "expired"].iter().map(|k| totals[*k].as_u64().expect("count")).sum();
    assert_eq!(sum, 12, "every inject ends in exactly one outcome");

    for r in requests {
        let id = r["id"].as_str().expect("id");
        assert!(stdout.lines().any(|l| l.starts_with(&format!("{id} "))), "{id} missing from the console table");
        assert_eq!(r["outcome"], "fulfilled", "{id}: {}", r["reason"]);
        let (scheduled, delivered) = (ms(&r["scheduled"]), ms(&r["delivered"]));
        let (acknowledged, executed) = (ms(&r["acknowledged"]), ms(&r["executed"]));
        assert_eq!(delivered - scheduled, 250, "{id}: the link delay of the scenario");
        assert!(scheduled < acknowledged && acknowledged <= executed, "{id}: times out of order");
        assert_eq!(r["time_to_acknowledge_ms"].as_i64(), Some(acknowledged - scheduled), "{id}");
        // Viet Nam is office-hours-only (08:00-12:00, 13:30-17:30): a request that arrives
        // while it is closed is acknowledged by a staffed desk after it opens.
        if r["to"] == "VNM" && r["delivered_mode"] == "closed" {
            assert_eq!(r["acknowledged_mode"], "staffed", "{id}");
            let local = r["acknowledged"]["receiver_local"].as_str().expect("local time");
            let minute = minutes_of_day(local);
            assert!((8 * 60..18 * 60).contains(&minute), "{id}: acknowledged at {local}");
            assert!(local.contains("+07:00"), "{id}: local time in Viet Nam's zone: {local}");
        }
    }
    let closed_deliveries = requests.iter().filter(|r| r["delivered_mode"] == "closed").count();
    assert!(closed_deliveries >= 3, "the smoke scenario lands several requests outside office hours");

    let transport = read_json(&out.join("transport.json"));
    assert!(transport["batch_round_trips"].as_u64().expect("count") > 0);
    assert!(transport["connections"].as_u64().expect("count") >= 3, "each pair that talked has a QUIC connection");
    assert!(transport["refused"].as_array().expect("list").is_empty());
    assert!(node_processes(out.to_str().expect("utf-8")).is_empty(), "no node outlives the run");
}

#[test]
fn report_is_byte_identical_across_two_mesh_runs_and_the_in_process_engine() {
    let dirs: Vec<_> = (0..3).map(|i| scratch(&format!("determinism-{i}"))).collect();
    for (i, dir) in dirs.iter().enumerate() {
        let engine = if i == 2 { "inproc" } else { "mesh" };
        let out = dir.to_str().expect("utf-8 path");
        let result = pocnet(&["run", "scenarios/smoke.toml", "--engine", engine, "--out", out, "--quiet"], RUN_LIMIT);
        assert!(result.status.success(), "{engine}: {}", text(&result.stderr));
    }
    let reports: Vec<Vec<u8>> =
        dirs.iter().map(|d| std::fs::read(d.join("report.json")).expect("report written")).collect();
    assert_eq!(reports[0], reports[1], "two mesh runs differ");
    assert_eq!(reports[0], reports[2], "the mesh and the in-process engine differ");
    assert!(!dirs[2].join("transport.json").exists(), "the in-process engine has no transport section");
}

#[test]
fn pings_stale_entries_fallbacks_call_backs_and_forgeries_cross_the_mesh_as_in_process() {
    // Every part of the reachability model at once: call-backs and fallback resends are
    // messages of their own, stale spans faults of the setup; two nodes are killed mid-run
    // and restarted from their journals.
    let scenario = pocnet_tests::workspace_root().join("coordinator/tests/scenarios/reachability.toml");
    let dirs: Vec<_> = ["mesh", "inproc"].iter().map(|e| scratch(&format!("reachability-{e}"))).collect();
    for (engine, dir) in ["mesh", "inproc"].iter().zip(&dirs) {
        let args =
            ["run", scenario.to_str().expect("utf-8"), "--engine", engine, "--out", dir.to_str().expect("utf-8"), "-q"];
        let result = pocnet(&args, RUN_LIMIT);
        assert!(result.status.code().is_some_and(|c| c <= 1), "{engine}: {}", text(&result.stderr));
    }
    let (mesh, inproc) = (
        std::fs::read(dirs[0].join("report.json")).expect("mesh report"),
        std::fs::read(dirs[1].join("report.json")).expect("in-process report"),
    );
    assert!(mesh == inproc, "the mesh and the in-process engine differ");
    let report = read_json(&dirs[0].join("report.json"));
    for section in ["ping_check", "register_decay", "forgery"] {
        assert!(report.get(section).is_some(), "{section} in report.json");
    }
    assert!(report["forgery"]["requests"]["caught"].as_u64() > Some(0), "call-backs caught forgeries on the mesh");
    assert!(report["register_decay"]["first_sends_dead"].as_u64() > Some(0));
    let restarts = read_json(&dirs[0].join("transport.json"))["restarts"].as_array().map_or(0, Vec::len);
    assert_eq!(restarts, 2, "both crash faults killed and restarted a node");
}

#[test]
fn a_different_seed_gives_a_different_report() {
    let (a, b) = (scratch("seed-a"), scratch("seed-b"));
    for (dir, seed) in [(&a, "1"), (&b, "2")] {
        let out = dir.to_str().expect("utf-8 path");
        let result = pocnet(
            &["run", "scenarios/smoke.toml", "--engine", "inproc", "--seed", seed, "--out", out, "-q"],
            RUN_LIMIT,
        );
        assert!(result.status.success(), "{}", text(&result.stderr));
    }
    let (ra, rb) = (read_json(&a.join("report.json")), read_json(&b.join("report.json")));
    assert_eq!(ra["scenario"]["seed"], 1);
    assert_ne!(ra["requests"], rb["requests"]);
}

#[test]
fn an_invalid_scenario_exits_2_and_names_the_place() {
    let dir = scratch("invalid");
    let file = dir.join("bad.toml");
    let text_in = std::fs::read_to_string("../scenarios/smoke.toml")
        .or_else(|_| std::fs::read_to_string(pocnet_tests::workspace_root().join("scenarios/smoke.toml")))
        .expect("smoke scenario");
    std::fs::write(&file, text_in.replacen("to = \"BRA\"", "to = \"XYZ\"", 1)).expect("write");
    let result = pocnet(&["run", file.to_str().expect("utf-8"), "--out", dir.to_str().expect("utf-8")], RUN_LIMIT);
    assert_eq!(result.status.code(), Some(2));
    let stderr = text(&result.stderr);
    assert!(stderr.contains("bad.toml:") && stderr.contains("unknown state XYZ"), "{stderr}");
}

#[test]
fn every_bundled_scenario_checks_and_gives_the_same_report_on_both_engines() {
    let dir = pocnet_tests::workspace_root().join("scenarios");
    let mut scenarios: Vec<_> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    scenarios.sort();
    assert!(scenarios.len() >= 7, "bundled scenarios: {scenarios:?}");
    let names: Vec<&str> = scenarios.iter().map(|p| p.to_str().expect("utf-8")).collect();
    let mut check = vec!["check"];
    check.extend(&names);
    let result = pocnet(&check, RUN_LIMIT);
    assert!(result.status.success(), "{}", text(&result.stderr));
    for path in &scenarios {
        let name = path.file_stem().expect("name").to_string_lossy().into_owned();
        let (mesh, inproc) = (scratch(&format!("{name}-mesh")), scratch(&format!("{name}-inproc")));
        for (engine, out) in [("mesh", &mesh), ("inproc", &inproc)] {
            let args =
                ["run", path.to_str().expect("utf-8"), "--engine", engine, "--out", out.to_str().expect("utf-8"), "-q"];
            let result = pocnet(&args, RUN_LIMIT);
            assert!(result.status.success(), "{name} on {engine}: {}", text(&result.stderr));
        }
        let (a, b) = (
            std::fs::read(mesh.join("report.json")).expect("mesh report"),
            std::fs::read(inproc.join("report.json")).expect("inproc report"),
        );
        assert!(a == b, "{name}: the mesh and the in-process engine differ");
        let report = read_json(&mesh.join("report.json"));
        assert_eq!(
            report["states"].as_array().map(Vec::len),
            report["scenario"]["contact_points"].as_u64().map(|n| n as usize)
        );
        if name == "hanoi-72" {
            assert_eq!(report["scenario"]["contact_points"], 71);
            let transport = read_json(&mesh.join("transport.json"));
            assert!(transport["connections"].as_u64().expect("connections") > 100, "71 nodes talked over QUIC");
        }
    }
}
