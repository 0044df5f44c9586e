//! Nodes started on their own with certificates from `pocnet pki init`, driven by a
//! coordinator that attaches to them (`pocnet run --attach`): the report is the one the
//! coordinator's own nodes give.

use pocnet_tests::{binaries, pocnet, read_json, run_attached, scratch, standalone_node_args, text, workspace_root};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(120);

#[test]
fn standalone_nodes_with_a_deployment_pki_are_driven_by_an_attached_coordinator() {
    let dir = scratch("attach");
    let pki = dir.join("pki");
    let smoke = workspace_root().join("scenarios/smoke.toml");
    let init =
        pocnet(&["pki", "init", pki.to_str().expect("utf-8"), "--register", smoke.to_str().expect("utf-8")], LIMIT);
    assert!(init.status.success(), "{}", text(&init.stderr));
    #[cfg(unix)]
    for key in ["ca.key", "coordinator.key", "vnm.key", "fra.key", "bra.key"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(pki.join(key)).expect(key).permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{key} must be private");
    }
    let again =
        pocnet(&["pki", "init", pki.to_str().expect("utf-8"), "--register", smoke.to_str().expect("utf-8")], LIMIT);
    assert_eq!(again.status.code(), Some(2), "an existing CA is not overwritten without --force");

    // A free port for the coordinator, which the nodes try until it answers.
    let port = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let deployment = dir.join("deployment.toml");
    std::fs::write(&deployment, format!("coordinator = \"127.0.0.1:{port}\"\npki = \"pki\"\n")).expect("write");
    let mut nodes = Vec::new();
    for state in ["VNM", "FRA", "BRA"] {
        let mut cmd = Command::new(&binaries().node);
        standalone_node_args(&mut cmd, state, &format!("127.0.0.1:{port}"), &pki);
        nodes.push(cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("pocnet-node"));
    }
    std::thread::sleep(Duration::from_millis(300)); // the nodes start first and wait
    let (attached, own) = (dir.join("attached"), dir.join("own"));
    let run = run_attached(&smoke, &deployment, &attached, LIMIT);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let started = Instant::now();
    for mut node in nodes {
        loop {
            if let Some(status) = node.try_wait().expect("wait") {
                assert!(status.success(), "a standalone node exits cleanly after the run");
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "a standalone node did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let local = pocnet(&["run", smoke.to_str().expect("utf-8"), "--out", own.to_str().expect("utf-8"), "-q"], LIMIT);
    assert!(local.status.success(), "{}", text(&local.stderr));
    assert_eq!(
        std::fs::read(attached.join("report.json")).expect("attached"),
        std::fs::read(own.join("report.json")).expect("own"),
        "attached nodes give the same report"
    );
    assert!(read_json(&attached.join("transport.json"))["connections"].as_u64().expect("connections") >= 3);

    // Renewing one certificate keeps the CA: the renewed node still belongs.
    let old = std::fs::read(pki.join("vnm.pem")).expect("cert");
    let renew = pocnet(&["pki", "issue", pki.to_str().expect("utf-8"), "VNM", "--days", "30"], LIMIT);
    assert!(renew.status.success(), "{}", text(&renew.stderr));
    assert_ne!(std::fs::read(pki.join("vnm.pem")).expect("cert"), old);
    pocnet_node::tls::Credentials::load(&pki.join("vnm.pem"), &pki.join("vnm.key"), &pki.join("ca.pem"))
        .expect("the renewed certificate loads against the same CA");
}

/// A deployment of standalone nodes for `scenario`, with journals: returns the PKI and
/// the deployment file, and a function that starts one node as its host would.
struct Deployment {
    pki: std::path::PathBuf,
    file: std::path::PathBuf,
    coordinator: String,
    journals: std::path::PathBuf,
}

impl Deployment {
    fn new(dir: &std::path::Path, scenario: &std::path::Path) -> Deployment {
        let pki = dir.join("pki");
        let init = pocnet(
            &["pki", "init", pki.to_str().expect("utf-8"), "--register", scenario.to_str().expect("utf-8")],
            LIMIT,
        );
        assert!(init.status.success(), "{}", text(&init.stderr));
        let port = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        let file = dir.join("deployment.toml");
        std::fs::write(&file, format!("coordinator = \"127.0.0.1:{port}\"\npki = \"pki\"\n")).expect("write");
        let journals = dir.join("journals");
        std::fs::create_dir_all(&journals).expect("journals");
        Deployment { pki, file, coordinator: format!("127.0.0.1:{port}"), journals }
    }

    /// Starts `state`'s node on `listen`, with its journal on "persistent storage".
    fn start(&self, state: &str, listen: &str) -> std::process::Child {
        let mut cmd = Command::new(&binaries().node);
        standalone_node_args(&mut cmd, state, &self.coordinator, &self.pki);
        cmd.args(["--listen", listen])
            .arg("--journal")
            .arg(self.journals.join(format!("{}.journal", state.to_ascii_lowercase())))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("pocnet-node")
    }
}

fn free_udp_port() -> String {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket.local_addr().expect("addr").to_string()
}

/// Long enough (about ten seconds on the wall clock) to kill a node in the middle.
fn busy(dir: &std::path::Path) -> std::path::PathBuf {
    let mut s = "[scenario]\nname = \"attached-busy\"\nseed = 3\nstart = \"2025-11-03T00:00:00Z\"\nend = \"2025-11-20T00:00:00Z\"\n\n\
        [network]\nlink_delay = \"100ms\"\n\n[profiles.q]\nacknowledge = { staffed = \"1m..30m\", on_call = \"10m..2h\" }\n\
        fulfil = { staffed = \"30m..6h\", on_call = \"1h..12h\" }\ngive_up_after = \"12d\"\n"
        .to_string();
    for (code, tz) in [("VNM", "Asia/Ho_Chi_Minh"), ("FRA", "Europe/Paris"), ("BRA", "America/Sao_Paulo")] {
        s += &format!("\n[[states]]\ncode = \"{code}\"\nname = \"{code}\"\ntz = \"{tz}\"\nroster = \"office-hours-on-call\"\nprofile = \"q\"\n");
    }
    s += "\n[[generate]]\nrate_per_day = 80\nkinds = { preservation = 1 }\nend = \"2025-11-08T00:00:00Z\"\n";
    s += "\n[[injects]]\nat = \"2025-11-16T12:00:00Z\"\nfrom = \"FRA\"\nto = \"VNM\"\nkind = \"preservation\"\n";
    let path = dir.join("busy.toml");
    std::fs::write(&path, s).expect("write");
    path
}

#[test]
fn an_attached_node_restarted_by_its_host_re_registers_and_loses_nothing() {
    let dir = scratch("attach-restart");
    let scenario = busy(&dir);
    let d = Deployment::new(&dir, &scenario);
    let listens: Vec<(&str, String)> = ["VNM", "FRA", "BRA"].iter().map(|s| (*s, free_udp_port())).collect();
    let mut nodes: Vec<(String, std::process::Child)> =
        listens.iter().map(|(s, l)| (s.to_string(), d.start(s, l))).collect();
    let out = dir.join("attached");
    let mut coordinator = d.coordinator(&scenario, &out, "100000");
    std::thread::sleep(Duration::from_millis(2500));
    assert!(coordinator.try_wait().expect("wait").is_none(), "the run ended before the kill");
    // The host's supervisor: FRA's process is killed, and started again with the same
    // arguments and the same journal a moment later.
    let (_, fra) = nodes.iter_mut().find(|(s, _)| s == "FRA").expect("FRA");
    fra.kill().expect("kill FRA");
    let _ = fra.wait();
    std::thread::sleep(Duration::from_millis(500));
    let listen = &listens.iter().find(|(s, _)| *s == "FRA").expect("FRA").1;
    nodes.push(("FRA".into(), d.start("FRA", listen)));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = coordinator.try_wait().expect("wait") {
            break status;
        }
        assert!(started.elapsed() < LIMIT, "the run did not end");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    if let Some(mut e) = coordinator.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
    }
    assert!(status.success(), "{stderr}");
    for (_, mut node) in nodes {
        let _ = node.kill();
        let _ = node.wait();
    }
    let inproc = dir.join("inproc");
    let own = pocnet(
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
    assert!(own.status.success(), "{}", text(&own.stderr));
    assert!(
        std::fs::read(out.join("report.json")).expect("attached")
            == std::fs::read(inproc.join("report.json")).expect("own"),
        "a node restarted by its host changed the report"
    );
    let restarts = read_json(&out.join("transport.json"))["restarts"].as_array().expect("restarts").clone();
    assert_eq!(restarts.len(), 1, "{restarts:?}");
    assert_eq!(restarts[0]["state"], "FRA");
}

#[test]
fn an_interrupted_coordinator_stops_its_attached_nodes() {
    let dir = scratch("attach-stop");
    let scenario = busy(&dir);
    let d = Deployment::new(&dir, &scenario);
    let mut nodes: Vec<std::process::Child> =
        ["VNM", "FRA", "BRA"].iter().map(|s| d.start(s, &free_udp_port())).collect();
    let out = dir.join("attached");
    let mut coordinator = d.coordinator(&scenario, &out, "10000");
    std::thread::sleep(Duration::from_millis(2000));
    #[allow(unsafe_code)]
    // SAFETY: kill(2) on the coordinator this test started.
    let rc = unsafe { libc::kill(i32::try_from(coordinator.id()).expect("pid"), libc::SIGTERM) };
    assert_eq!(rc, 0);
    let status = coordinator.wait().expect("wait");
    let mut stderr = String::new();
    if let Some(mut e) = coordinator.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
    }
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("stopping 3 node(s) (attached: told to stop)"), "{stderr}");
    let started = Instant::now();
    for node in &mut nodes {
        let status = loop {
            if let Some(status) = node.try_wait().expect("wait") {
                break status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "an attached node ran on after the coordinator stopped"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut said = String::new();
        if let Some(mut e) = node.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut said);
        }
        assert!(status.success() && said.contains("stopped by the coordinator"), "{status}: {said}");
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_flood_of_handshakes_at_the_coordinator_stays_bounded_and_the_run_goes_on() {
    let dir = scratch("coordinator-flood");
    let scenario = busy(&dir);
    let d = Deployment::new(&dir, &scenario);
    let mut nodes: Vec<std::process::Child> =
        ["VNM", "FRA", "BRA"].iter().map(|s| d.start(s, &free_udp_port())).collect();
    let out = dir.join("attached");
    let mut coordinator = d.coordinator(&scenario, &out, "100000");
    std::thread::sleep(Duration::from_millis(1500));
    let before = rss_kib(coordinator.id());
    // 2,000 handshakes with another CA's certificate, 200 at a time.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let addr: std::net::SocketAddr = d.coordinator.parse().expect("addr");
    runtime.block_on(async {
        let foreign = pocnet_node::pki::CertificateAuthority::new("foreign CA").expect("CA");
        let c = foreign
            .issue(
                pocnet_node::tls::Identity::State(pocnet_core::StateCode::parse("VNM").expect("code")),
                pocnet_node::pki::Validity::RUN,
            )
            .expect("issue");
        let creds = pocnet_node::tls::Credentials::from_pem(
            c.cert_pem.as_bytes(),
            c.key_pem.as_bytes(),
            foreign.cert_pem().as_bytes(),
        )
        .expect("creds");
        for _ in 0..10 {
            let mut attempts = Vec::new();
            for _ in 0..200 {
                let e = creds.endpoint("127.0.0.1:0".parse().expect("addr")).expect("endpoint");
                if let Ok(connecting) = e.connect(addr, pocnet_node::tls::COORDINATOR_NAME) {
                    attempts.push(tokio::spawn(async move {
                        let _ = tokio::time::timeout(Duration::from_secs(3), connecting).await;
                        drop(e);
                    }));
                }
            }
            for a in attempts {
                let _ = a.await;
            }
        }
    });
    let after = rss_kib(coordinator.id());
    let status = coordinator.wait().expect("wait");
    let mut stderr = String::new();
    if let Some(mut e) = coordinator.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
    }
    for node in &mut nodes {
        let _ = node.kill();
        let _ = node.wait();
    }
    assert!(status.success(), "the run failed under the flood: {stderr}");
    if after > 0 {
        assert!(after < before + 48 * 1024, "coordinator RSS grew from {before} KiB to {after} KiB");
    }
    let refused = read_json(&out.join("transport.json"))["refusals_total"].as_u64().expect("refusals");
    assert!(refused >= 1_000, "only {refused} refusals counted");
    eprintln!("coordinator flood: RSS {before} KiB before, {after} KiB after, {refused} refusals counted");
}

/// Waits for `child` to exit (within `limit`) and returns its status and what it said.
fn exit_of(child: &mut std::process::Child, limit: Duration) -> (std::process::ExitStatus, String) {
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(started.elapsed() < limit, "a process did not exit within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut said = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut said);
    }
    (status, said)
}

/// The busy scenario run in process: the report every engine must give.
fn inproc_report(dir: &std::path::Path, scenario: &std::path::Path) -> Vec<u8> {
    let inproc = dir.join("inproc");
    let own = pocnet(
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
    assert!(own.status.success(), "{}", text(&own.stderr));
    std::fs::read(inproc.join("report.json")).expect("in-process report")
}

impl Deployment {
    /// An attached coordinator running `scenario` on the wall clock at `speed`, quiet, its
    /// standard error piped.
    fn coordinator(&self, scenario: &std::path::Path, out: &std::path::Path, speed: &str) -> std::process::Child {
        Command::new(&binaries().pocnet)
            .args(["run", scenario.to_str().expect("utf-8"), "--attach", self.file.to_str().expect("utf-8")])
            .args(["--clock", "wall", "--speed", speed, "--out", out.to_str().expect("utf-8"), "-q"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("pocnet")
    }

    /// Starts a node for `state` with a journal file of its own name.
    fn start_with_journal(&self, state: &str, listen: &str, journal: &std::path::Path) -> std::process::Child {
        let mut cmd = Command::new(&binaries().node);
        standalone_node_args(&mut cmd, state, &self.coordinator, &self.pki);
        cmd.args(["--listen", listen])
            .arg("--journal")
            .arg(journal)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("pocnet-node")
    }
}

#[test]
fn a_second_node_for_a_state_is_refused_counted_and_the_first_loses_nothing() {
    let dir = scratch("attach-second-node");
    let scenario = busy(&dir);
    let d = Deployment::new(&dir, &scenario);
    let mut nodes: Vec<std::process::Child> =
        ["VNM", "FRA", "BRA"].iter().map(|s| d.start(s, &free_udp_port())).collect();
    // A second FRA, with its own journal and port, started before the run: one of the two
    // is registered, the other refused.
    let early = d.start_with_journal("FRA", &free_udp_port(), &d.journals.join("fra-early.journal"));
    std::thread::sleep(Duration::from_millis(300));
    let out = dir.join("attached");
    let mut coordinator = d.coordinator(&scenario, &out, "100000");
    std::thread::sleep(Duration::from_millis(2500));
    assert!(coordinator.try_wait().expect("wait").is_none(), "the run ended before the second node came");
    // A third FRA during the run, while the registered one is alive and busy.
    let mut late = d.start_with_journal("FRA", &free_udp_port(), &d.journals.join("fra-late.journal"));
    let (status, stderr) = exit_of(&mut coordinator, LIMIT);
    assert!(status.success(), "{stderr}");
    let (late_status, late_said) = exit_of(&mut late, Duration::from_secs(20));
    assert!(!late_status.success(), "the node started during the run was not refused: {late_said}");
    assert!(late_said.contains("another node for its state is registered and alive"), "{late_said}");
    // Of the two started before the run, exactly one was refused (which one is a race);
    // the other ran the run and exits cleanly after it.
    let fra = nodes.remove(1);
    let mut refused_early = 0;
    for mut candidate in [fra, early] {
        let (status, said) = exit_of(&mut candidate, Duration::from_secs(20));
        if said.contains("another node for its state is registered and alive") {
            assert!(!status.success());
            refused_early += 1;
        } else {
            assert!(status.success(), "{said}");
        }
    }
    for node in &mut nodes {
        let _ = node.kill();
        let _ = node.wait();
    }
    assert_eq!(refused_early, 1, "one of the two FRA nodes started before the run is refused");
    assert!(
        std::fs::read(out.join("report.json")).expect("attached") == inproc_report(&dir, &scenario),
        "a second node for FRA changed the report"
    );
    let transport = read_json(&out.join("transport.json"));
    assert_eq!(transport["restarts"].as_array().expect("restarts").len(), 0, "a second node was taken as a restart");
    let second: Vec<&serde_json::Value> = transport["refused"]
        .as_array()
        .expect("refused")
        .iter()
        .filter(|r| r["at"] == "coordinator" && r["kind"] == "a second node for a state whose node is alive")
        .collect();
    assert_eq!(second.len(), 1, "{second:?}");
    assert_eq!((second[0]["peer"].as_str(), second[0]["count"].as_u64()), (Some("FRA"), Some(2)), "{second:?}");
}

#[test]
fn a_node_restarted_with_another_states_journal_of_the_run_refuses_it_and_the_run_fails_naming_it() {
    let dir = scratch("attach-other-journal");
    let scenario = busy(&dir);
    let d = Deployment::new(&dir, &scenario);
    let listens: Vec<(&str, String)> = ["VNM", "FRA", "BRA"].iter().map(|s| (*s, free_udp_port())).collect();
    let mut nodes: Vec<(String, std::process::Child)> =
        listens.iter().map(|(s, l)| (s.to_string(), d.start(s, l))).collect();
    let out = dir.join("attached");
    let mut coordinator = d.coordinator(&scenario, &out, "100000");
    std::thread::sleep(Duration::from_millis(2500));
    assert!(coordinator.try_wait().expect("wait").is_none(), "the run ended before the kill");
    // FRA's host restarts it with VNM's journal of this run (volumes swapped).
    let (_, fra) = nodes.iter_mut().find(|(s, _)| s == "FRA").expect("FRA");
    fra.kill().expect("kill FRA");
    let _ = fra.wait();
    let vnm_journal = d.journals.join("vnm.journal");
    let listen = &listens.iter().find(|(s, _)| *s == "FRA").expect("FRA").1;
    let mut wrong = d.start_with_journal("FRA", listen, &vnm_journal);
    let (status, stderr) = exit_of(&mut coordinator, LIMIT);
    let (node_status, said) = exit_of(&mut wrong, Duration::from_secs(30));
    for (_, mut node) in nodes {
        let _ = node.kill();
        let _ = node.wait();
    }
    let named = format!("journal {}: its records are VNM's, and this node is FRA's", vnm_journal.display());
    assert!(!node_status.success() && said.contains(&named), "{node_status}: {said}");
    assert!(!status.success(), "the run went on with FRA replaying VNM's journal");
    assert!(stderr.contains(&named), "{stderr}");
}
