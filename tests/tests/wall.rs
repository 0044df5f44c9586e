//! The wall clock: scenario time paced against real time, paused and resumed by the
//! exercise controller on standard input, with loss beneath QUIC; the report is the
//! virtual clock's, and each node's clock offset is measured.
//! (Only lower bounds on wall time are asserted: a slow machine makes a run longer,
//! never shorter.)

use pocnet_tests::{binaries, pocnet, scratch, text, workspace_root};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn wall_clock_paces_pauses_resumes_and_gives_the_virtual_report() {
    let dir = scratch("wall");
    let smoke = workspace_root().join("scenarios/smoke.toml");
    let (wall, virt) = (dir.join("wall"), dir.join("virtual"));
    let result = pocnet(
        &["run", smoke.to_str().expect("utf-8"), "--engine", "inproc", "--out", virt.to_str().expect("utf-8"), "-q"],
        Duration::from_secs(60),
    );
    assert!(result.status.success(), "{}", text(&result.stderr));

    // The smoke scenario's inputs span 3.5 days: two days a second is 1.75 s of real time.
    let started = Instant::now();
    let mut child = Command::new(&binaries().pocnet)
        .args(["run", smoke.to_str().expect("utf-8"), "--clock", "wall", "--speed", "172800", "--udp-loss", "0.05"])
        .args(["--out", wall.to_str().expect("utf-8"), "-q"])
        .env("POCNET_NODE_BIN", &binaries().node)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pocnet");
    let mut stdin = child.stdin.take().expect("stdin");
    std::thread::sleep(Duration::from_millis(500));
    writeln!(stdin, "pause").expect("pause");
    std::thread::sleep(Duration::from_millis(1500));
    writeln!(stdin, "resume").expect("resume");
    drop(stdin);
    let out = child.wait_with_output().expect("wait");
    let took = started.elapsed();
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("paused at scenario time") && stderr.contains("resumed at scenario time"), "{stderr}");
    assert!(took >= Duration::from_millis(1750 + 1400), "paced and paused: {took:?}");
    assert_eq!(
        std::fs::read(wall.join("report.json")).expect("wall report"),
        std::fs::read(virt.join("report.json")).expect("virtual report"),
        "the wall clock changed the report"
    );

    let bad =
        pocnet(&["run", smoke.to_str().expect("utf-8"), "--clock", "wall", "--speed", "0"], Duration::from_secs(30));
    assert_eq!(bad.status.code(), Some(2));
}
