//! Three contact points on three "hosts": network namespaces this test makes itself, each
//! with its own address on a bridge, the coordinator on the bridge's address, attached to
//! standalone nodes (docs/deployment.md). Real delay between hosts: `tc netem` where the
//! kernel has it, else the nodes' own delay beneath QUIC. The virtual-mode report equals
//! the loopback run's. Needs root and iproute2; says clearly when it is skipped.

use pocnet_tests::{binaries, pocnet, read_json, run_attached, scratch, standalone_node_args, text, workspace_root};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip").args(args).output().map_err(|e| format!("ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("ip {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
    }
}

/// Namespaces, links and the firewall rule made by this test, removed however it ends.
struct Hosts {
    namespaces: Vec<String>,
    links: Vec<String>,
    /// A bridge whose traffic this test let through the host's FORWARD chain (Docker sets
    /// its policy to DROP, and bridged frames pass through it when br_netfilter is on).
    forward_rule: Option<String>,
}

fn forward_rule(action: &str, bridge: &str) -> bool {
    Command::new("iptables")
        .args([action, "FORWARD", "-i", bridge, "-o", bridge, "-j", "ACCEPT"])
        .output()
        .is_ok_and(|o| o.status.success())
}

impl Drop for Hosts {
    fn drop(&mut self) {
        if let Some(bridge) = &self.forward_rule {
            forward_rule("-D", bridge);
        }
        for ns in &self.namespaces {
            let _ = ip(&["netns", "del", ns]);
        }
        for link in &self.links {
            let _ = ip(&["link", "del", link]);
        }
    }
}

fn can_run() -> Result<(), String> {
    #[allow(unsafe_code)]
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if !root {
        return Err("not root".into());
    }
    Command::new("ip").arg("-V").output().map_err(|e| format!("no iproute2: {e}"))?;
    Ok(())
}

/// A bridge on this host and one network namespace per state behind it, each on its veth
/// with a 3 ms delay if the kernel has netem (says whether it has).
fn hosts_on_a_bridge(id: u32, subnet: &str, bridge: &str, states: &[&str]) -> (Hosts, bool) {
    let bridge = bridge.to_string();
    let mut hosts = Hosts { namespaces: vec![], links: vec![bridge.clone()], forward_rule: None };
    ip(&["link", "add", &bridge, "type", "bridge"]).expect("bridge");
    if forward_rule("-I", &bridge) {
        hosts.forward_rule = Some(bridge.clone());
    }
    ip(&["addr", "add", &format!("{subnet}.1/24"), "dev", &bridge]).expect("bridge address");
    ip(&["link", "set", &bridge, "up"]).expect("bridge up");
    let mut netem = true;
    for (i, state) in states.iter().enumerate() {
        let ns = format!("pn-{}-{id}", state.to_ascii_lowercase());
        let (host_end, ns_end) = (format!("pv{i}{id}h"), format!("pv{i}{id}n"));
        ip(&["netns", "add", &ns]).expect("netns");
        hosts.namespaces.push(ns.clone());
        ip(&["link", "add", &host_end, "type", "veth", "peer", "name", &ns_end]).expect("veth");
        hosts.links.push(host_end.clone());
        ip(&["link", "set", &ns_end, "netns", &ns]).expect("move veth");
        ip(&["link", "set", &host_end, "master", &bridge]).expect("attach to bridge");
        ip(&["link", "set", &host_end, "up"]).expect("up");
        ip(&["netns", "exec", &ns, "ip", "addr", "add", &format!("{subnet}.{}/24", 10 + i), "dev", &ns_end])
            .expect("address");
        ip(&["netns", "exec", &ns, "ip", "link", "set", &ns_end, "up"]).expect("up");
        ip(&["netns", "exec", &ns, "ip", "link", "set", "lo", "up"]).expect("lo");
        let delay = Command::new("ip")
            .args(["netns", "exec", &ns, "tc", "qdisc", "add", "dev", &ns_end, "root", "netem", "delay", "3ms"])
            .output();
        netem &= delay.is_ok_and(|o| o.status.success());
    }
    (hosts, netem)
}

/// One node per state, each in its namespace, attached to the coordinator on the bridge.
fn start_nodes(
    id: u32,
    subnet: &str,
    states: &[&str],
    coordinator: &str,
    pki: &std::path::Path,
    netem: bool,
) -> Vec<std::process::Child> {
    let mut nodes = Vec::new();
    for (i, state) in states.iter().enumerate() {
        let ns = format!("pn-{}-{id}", state.to_ascii_lowercase());
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &ns]).arg(&binaries().node);
        standalone_node_args(&mut cmd, state, coordinator, pki)
            .args(["--listen", &format!("{subnet}.{}:5000", 10 + i)])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if !netem {
            cmd.args(["--udp-delay-ms", "3"]);
        }
        nodes.push(cmd.spawn().expect("node in its namespace"));
    }
    nodes
}

/// Waits a while for the nodes to end after the run, kills the rest; returns what they logged.
fn stop_nodes(nodes: Vec<std::process::Child>) -> String {
    let started = Instant::now();
    let mut node_logs = String::new();
    for mut node in nodes {
        while node.try_wait().expect("wait").is_none() && started.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = node.kill();
        if let Some(mut e) = node.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut node_logs);
        }
    }
    node_logs
}

#[test]
fn three_hosts_in_network_namespaces_give_the_loopback_report() {
    if let Err(why) = can_run() {
        eprintln!("SKIPPED three_hosts_in_network_namespaces: {why}");
        return;
    }
    let id = std::process::id() % 10_000;
    let subnet = format!("10.77.{}", 10 + id % 200);
    let bridge = format!("pnb{id}");
    let states = ["VNM", "FRA", "BRA"];
    let (hosts, netem) = hosts_on_a_bridge(id, &subnet, &bridge, &states);
    if !netem {
        eprintln!("NOTE: this kernel has no netem qdisc; the nodes delay their datagrams beneath QUIC instead (--udp-delay-ms 3)");
    }

    let dir = scratch("netns");
    let pki = dir.join("pki");
    let smoke = workspace_root().join("scenarios/smoke.toml");
    let init = pocnet(
        &["pki", "init", pki.to_str().expect("utf-8"), "--register", smoke.to_str().expect("utf-8")],
        Duration::from_secs(60),
    );
    assert!(init.status.success(), "{}", text(&init.stderr));
    let port = std::net::UdpSocket::bind(format!("{subnet}.1:0"))
        .expect("bind on the bridge")
        .local_addr()
        .expect("addr")
        .port();
    let coordinator = format!("{subnet}.1:{port}");
    let deployment = dir.join("deployment.toml");
    std::fs::write(&deployment, format!("coordinator = \"{coordinator}\"\npki = \"pki\"\n")).expect("write");
    let nodes = start_nodes(id, &subnet, &states, &coordinator, &pki, netem);
    let (hosts_out, loopback_out) = (dir.join("hosts"), dir.join("loopback"));
    let run = run_attached(&smoke, &deployment, &hosts_out, Duration::from_secs(120));
    let node_logs = stop_nodes(nodes);
    assert!(run.status.success(), "{}\nnodes:\n{node_logs}", text(&run.stderr));
    let local = pocnet(
        &["run", smoke.to_str().expect("utf-8"), "--out", loopback_out.to_str().expect("utf-8"), "-q"],
        Duration::from_secs(120),
    );
    assert!(local.status.success(), "{}", text(&local.stderr));
    assert_eq!(
        std::fs::read(hosts_out.join("report.json")).expect("hosts report"),
        std::fs::read(loopback_out.join("report.json")).expect("loopback report"),
        "three hosts and loopback give different reports"
    );
    // The round trips crossed the delayed links: more than 2 × 3 ms.
    let transport = read_json(&hosts_out.join("transport.json"));
    assert!(transport["batch_rtt_us"]["p50"].as_u64().expect("p50") >= 6_000, "{transport}");
    drop(hosts);
}
