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
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pocnet");
    let mut stdin = child.stdin.take().expect("stdin");
    // Read the controller's replies as they come: the pause is timed from its confirmation.
    let stderr_pipe = child.stderr.take().expect("stderr");
    let (said, hear) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr_pipe).lines().map_while(Result::ok) {
            let _ = said.send(line.clone());
            all += &line;
            all.push('\n');
        }
        all
    });
    std::thread::sleep(Duration::from_millis(300));
    writeln!(stdin, "pause").expect("pause");
    let confirmed = loop {
        match hear.recv_timeout(Duration::from_secs(30)) {
            Ok(line) if line.contains("paused at scenario time") => break Instant::now(),
            Ok(_) => {}
            Err(e) => panic!("no pause confirmation: {e}"),
        }
    };
    std::thread::sleep(Duration::from_millis(1500));
    writeln!(stdin, "resume").expect("resume");
    drop(stdin);
    let status = child.wait().expect("wait");
    let took = started.elapsed();
    let paused_for = confirmed.elapsed().min(Duration::from_millis(1500));
    let stderr = reader.join().expect("stderr reader");
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("paused at scenario time") && stderr.contains("resumed at scenario time"), "{stderr}");
    // 3.5 scenario days at two days a second, plus the time it stood paused.
    assert!(
        took >= Duration::from_millis(1750) + paused_for - Duration::from_millis(100),
        "paced and paused: {took:?}\n{stderr}"
    );
    assert_eq!(
        std::fs::read(wall.join("report.json")).expect("wall report"),
        std::fs::read(virt.join("report.json")).expect("virtual report"),
        "the wall clock changed the report"
    );

    let bad =
        pocnet(&["run", smoke.to_str().expect("utf-8"), "--clock", "wall", "--speed", "0"], Duration::from_secs(30));
    assert_eq!(bad.status.code(), Some(2));
}
