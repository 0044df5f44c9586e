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
