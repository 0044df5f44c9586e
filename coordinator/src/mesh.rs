//! The mesh engine: one `pocnet-node` process per state on 127.0.0.1, real QUIC between them.
//!
//! The coordinator makes the run's CA, issues each node a certificate naming its state,
//! starts the processes, waits until each has registered over mutual TLS, hands out the
//! register, and then only sends grants and reads window reports: messages between
//! contact points travel node to node, never through the coordinator.

use crate::clock::{Engine, WindowReport};
use crate::scenario::Scenario;
use anyhow::{anyhow, bail, Context};
use pocnet_core::limits;
use pocnet_core::wire::{FromNode, RegisterEntry, ToNode, TransportStats};
use pocnet_core::{Event, SimTime, StateCode};
use pocnet_node::framing::{read_frame, write_frame};
use pocnet_node::pki::{write_private, write_public, CertificateAuthority, Validity};
use pocnet_node::tls::{peer_identity, Credentials, Identity};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How long nodes may take to start and register.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
/// A window that makes no progress for this long fails the run instead of hanging it.
const WINDOW_STALL_TIMEOUT: Duration = Duration::from_secs(60);
/// How long nodes may take to report and exit at the end.
const FINISH_TIMEOUT: Duration = Duration::from_secs(15);
/// Frames queued from all nodes to the coordinator's loop.
const INBOX_FRAMES_MAX: usize = 4096;

#[derive(Debug, Clone)]
pub struct MeshOptions {
    pub node_bin: PathBuf,
    /// Certificates and node logs go here.
    pub run_dir: PathBuf,
}

enum NodeInput {
    Frame(FromNode),
    Ended(String),
}

struct NodeLink {
    send: quinn::SendStream,
    _conn: quinn::Connection,
}

/// Transport figures of a mesh run (wall clock: never part of `report.json`).
#[derive(Debug, Default)]
pub struct MeshTransport {
    pub startup: Duration,
    pub nodes: BTreeMap<StateCode, TransportStats>,
    /// Registrations the coordinator refused (bad certificate, wrong state...).
    pub refused: Vec<String>,
}

pub struct Mesh {
    endpoint: quinn::Endpoint,
    links: BTreeMap<StateCode, NodeLink>,
    inbox: mpsc::Receiver<(StateCode, NodeInput)>,
    children: BTreeMap<StateCode, tokio::process::Child>,
    logs: BTreeMap<StateCode, PathBuf>,
    transport: MeshTransport,
}

struct Registration {
    state: StateCode,
    conn: quinn::Connection,
    send: quinn::SendStream,
    recv: quinn::RecvStream,
    listen: SocketAddr,
}

impl Mesh {
    /// Starts and registers one node per state; returns each state's first input time.
    pub async fn start(
        scenario: &Scenario,
        options: &MeshOptions,
    ) -> anyhow::Result<(Mesh, BTreeMap<StateCode, Option<SimTime>>)> {
        let started = Instant::now();
        let pki_dir = options.run_dir.join("pki");
        let log_dir = options.run_dir.join("logs");
        for dir in [&pki_dir, &log_dir] {
            std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
        }
        let ca = CertificateAuthority::new("pocnet run CA")?;
        let ca_path = pki_dir.join("ca.pem");
        write_public(&ca_path, ca.cert_pem())?;
        let own = ca.issue(Identity::Coordinator, Validity::RUN)?;
        let credentials =
            Credentials::from_pem(own.cert_pem.as_bytes(), own.key_pem.as_bytes(), ca.cert_pem().as_bytes())?;
        let endpoint = credentials.endpoint(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let coordinator_addr = endpoint.local_addr()?;

        let mut children = BTreeMap::new();
        let mut logs = BTreeMap::new();
        for entry in &scenario.states {
            let code = entry.code;
            let name = code.as_str().to_ascii_lowercase();
            let issued = ca.issue(Identity::State(code), Validity::RUN)?;
            let (cert, key) = (pki_dir.join(format!("{name}.pem")), pki_dir.join(format!("{name}.key")));
            write_public(&cert, &issued.cert_pem)?;
            write_private(&key, &issued.key_pem)?;
            let log = log_dir.join(format!("{name}.log"));
            let log_file = std::fs::File::create(&log).with_context(|| format!("create {}", log.display()))?;
            let mut cmd = tokio::process::Command::new(&options.node_bin);
            cmd.arg("--state")
                .arg(code.as_str())
                .arg("--coordinator")
                .arg(coordinator_addr.to_string())
                .arg("--listen")
                .arg("127.0.0.1:0")
                .arg("--cert")
                .arg(&cert)
                .arg("--key")
                .arg(&key)
                .arg("--ca")
                .arg(&ca_path)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::from(log_file))
                .kill_on_drop(true);
            die_with_parent(&mut cmd);
            let child = cmd.spawn().map_err(|e| {
                let hint = if e.kind() == std::io::ErrorKind::NotFound {
                    "; build it with `cargo build --release --locked` (it goes beside `pocnet`) or name it with --node-bin"
                } else {
                    ""
                };
                anyhow!("cannot start `{}` for {code}: {e}{hint}", options.node_bin.display())
            })?;
            children.insert(code, child);
            logs.insert(code, log);
        }

        let mut mesh = Mesh {
            endpoint,
            links: BTreeMap::new(),
            inbox: mpsc::channel(1).1,
            children,
            logs,
            transport: MeshTransport::default(),
        };
        let registrations = mesh.register_all(scenario).await?;
        let register: Vec<RegisterEntry> = registrations
            .values()
            .map(|r| {
                let entry = scenario.state(r.state);
                RegisterEntry {
                    state: r.state,
                    name: entry.map(|e| e.name.clone()).unwrap_or_default(),
                    tz: entry.map(|e| e.tz.clone()).unwrap_or_default(),
                    address: r.listen.to_string(),
                }
            })
            .collect();

        let (tx, inbox) = mpsc::channel(INBOX_FRAMES_MAX);
        mesh.inbox = inbox;
        for (state, mut r) in registrations {
            let entry = scenario.state(state).context("registered state not in the scenario")?;
            let config = scenario.contact_point_config(entry);
            write_frame(&mut r.send, &ToNode::Setup { config: Box::new(config), register: register.clone() }).await?;
            for chunk in scenario.injects_from(state).chunks(limits::INJECT_FRAME_INJECTS_MAX) {
                write_frame(&mut r.send, &ToNode::Injects(chunk.to_vec())).await?;
            }
            write_frame(&mut r.send, &ToNode::SetupDone).await?;
            let tx = tx.clone();
            let mut recv = r.recv;
            tokio::spawn(async move {
                loop {
                    let input = match read_frame::<FromNode>(&mut recv).await {
                        Ok(Some(frame)) => NodeInput::Frame(frame),
                        Ok(None) => NodeInput::Ended("closed its control stream".into()),
                        Err(e) => NodeInput::Ended(format!("{e} ({e:?})")),
                    };
                    let end = matches!(input, NodeInput::Ended(_));
                    if tx.send((state, input)).await.is_err() || end {
                        return;
                    }
                }
            });
            mesh.links.insert(state, NodeLink { send: r.send, _conn: r.conn });
        }

        let mut next = BTreeMap::new();
        let mut waiting: BTreeSet<StateCode> = mesh.links.keys().copied().collect();
        while !waiting.is_empty() {
            let (state, frame) = mesh.receive(&waiting).await?;
            match frame {
                FromNode::Ready { next_event } => {
                    next.insert(state, next_event);
                    waiting.remove(&state);
                }
                other => bail!("{state}: expected Ready after setup, got {other:?}"),
            }
        }
        mesh.transport.startup = started.elapsed();
        Ok((mesh, next))
    }

    /// Accepts registrations until every state's node is in, a node exits, or time runs out.
    async fn register_all(&mut self, scenario: &Scenario) -> anyhow::Result<BTreeMap<StateCode, Registration>> {
        let expected: BTreeSet<StateCode> = scenario.states.iter().map(|s| s.code).collect();
        let mut registered = BTreeMap::new();
        let (tx, mut rx) = mpsc::channel::<Result<Registration, String>>(limits::STATES_MAX);
        let deadline = tokio::time::Instant::now() + STARTUP_TIMEOUT;
        let mut poll = tokio::time::interval(Duration::from_millis(100));
        while registered.len() < expected.len() {
            tokio::select! {
                incoming = self.endpoint.accept() => {
                    let Some(incoming) = incoming else { bail!("the coordinator's endpoint closed") };
                    let tx = tx.clone();
                    tokio::spawn(async move { let _ = tx.send(handshake(incoming).await).await; });
                }
                Some(result) = rx.recv() => match result {
                    Ok(r) if expected.contains(&r.state) && !registered.contains_key(&r.state) => {
                        registered.insert(r.state, r);
                    }
                    Ok(r) => self.refuse(format!("{} registered but is unexpected or already registered", r.state)),
                    Err(reason) => self.refuse(reason),
                },
                _ = poll.tick() => {
                    let mut exited = None;
                    for (state, child) in &mut self.children {
                        if let Some(status) = child.try_wait()? {
                            exited = Some((*state, status));
                            break;
                        }
                    }
                    if let Some((state, status)) = exited {
                        bail!("the node for {state} exited during start-up ({status}){}", self.log_tail(state));
                    }
                }
                _ = tokio::time::sleep_until(deadline) => {
                    let missing: Vec<String> = expected.iter().filter(|s| !registered.contains_key(*s)).map(|s| s.to_string()).collect();
                    bail!("nodes did not register within {STARTUP_TIMEOUT:?}: {}", missing.join(", "));
                }
            }
        }
        Ok(registered)
    }

    fn refuse(&mut self, reason: String) {
        tracing::warn!("registration refused: {reason}");
        self.transport.refused.push(reason);
    }

    fn log_tail(&self, state: StateCode) -> String {
        let Some(path) = self.logs.get(&state) else { return String::new() };
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(10)..].join("\n    ");
        if tail.is_empty() {
            format!(" (log: {})", path.display())
        } else {
            format!("\n  log {}:\n    {tail}", path.display())
        }
    }

    /// The next frame from any of `from`; a node that fails or goes away fails the run.
    async fn receive(&mut self, from: &BTreeSet<StateCode>) -> anyhow::Result<(StateCode, FromNode)> {
        let (state, input) = loop {
            let next = tokio::time::timeout(WINDOW_STALL_TIMEOUT, self.inbox.recv()).await;
            let pending: Vec<String> = from.iter().map(|s| s.to_string()).collect();
            let (state, input) = next
                .map_err(|_| anyhow!("no answer from {} within {WINDOW_STALL_TIMEOUT:?}", pending.join(", ")))?
                .ok_or_else(|| anyhow!("every node connection closed"))?;
            // A node that has reported its end may close its stream while others finish.
            let finished = self.transport.nodes.contains_key(&state);
            if !(finished && matches!(input, NodeInput::Ended(_))) {
                break (state, input);
            }
        };
        match input {
            NodeInput::Frame(FromNode::Failed { reason }) => {
                bail!("the node for {state} failed: {reason}{}", self.log_tail(state))
            }
            NodeInput::Frame(frame) => Ok((state, frame)),
            NodeInput::Ended(reason) => {
                // Give a dying process a moment so that its exit status can be named.
                tokio::time::sleep(Duration::from_millis(50)).await;
                let status = match self.children.get_mut(&state).map(|c| c.try_wait()) {
                    Some(Ok(Some(status))) => format!(" (process {status})"),
                    _ => String::new(),
                };
                bail!("the node for {state} went away: {reason}{status}{}", self.log_tail(state))
            }
        }
    }

    /// Process ids of the node processes still running (for resource measurements).
    pub fn node_pids(&self) -> Vec<u32> {
        self.children.values().filter_map(tokio::process::Child::id).collect()
    }

    /// Ends the run: every node reports its transport figures and exits.
    pub async fn finish(mut self) -> anyhow::Result<MeshTransport> {
        for link in self.links.values_mut() {
            write_frame(&mut link.send, &ToNode::Finish).await?;
        }
        let mut waiting: BTreeSet<StateCode> = self.links.keys().copied().collect();
        let deadline = Instant::now() + FINISH_TIMEOUT;
        while !waiting.is_empty() && Instant::now() < deadline {
            match self.receive(&waiting).await? {
                (state, FromNode::Finished(stats)) => {
                    self.transport.nodes.insert(state, stats);
                    waiting.remove(&state);
                }
                (state, other) => bail!("{state}: expected Finished, got {other:?}"),
            }
        }
        for link in self.links.values_mut() {
            let _ = link.send.finish();
        }
        for (state, child) in &mut self.children {
            let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(500));
            match tokio::time::timeout(left, child.wait()).await {
                Ok(Ok(status)) if status.success() => {}
                Ok(Ok(status)) => tracing::warn!("node {state} exited with {status}"),
                _ => {
                    tracing::warn!("node {state} did not exit: killing it");
                    let _ = child.kill().await;
                }
            }
        }
        self.endpoint.close(0u32.into(), b"done");
        Ok(std::mem::take(&mut self.transport))
    }
}

impl Engine for Mesh {
    async fn grant(&mut self, until: SimTime, states: &[StateCode]) -> anyhow::Result<Vec<WindowReport>> {
        for state in states {
            let link = self.links.get_mut(state).context("granted an unknown state")?;
            write_frame(&mut link.send, &ToNode::Grant { until }).await?;
        }
        let mut waiting: BTreeSet<StateCode> = states.iter().copied().collect();
        let mut events: BTreeMap<StateCode, Vec<Event>> = BTreeMap::new();
        let mut reports = Vec::with_capacity(states.len());
        while !waiting.is_empty() {
            match self.receive(&waiting).await? {
                (state, FromNode::Events(batch)) if waiting.contains(&state) => {
                    events.entry(state).or_default().extend(batch);
                }
                (state, FromNode::WindowDone(mut done)) if waiting.contains(&state) => {
                    waiting.remove(&state);
                    let mut all = events.remove(&state).unwrap_or_default();
                    all.append(&mut done.events);
                    reports.push(WindowReport { state, done, events: all });
                }
                (state, other) => bail!("{state}: unexpected {other:?} during the window ending {until}"),
            }
        }
        Ok(reports)
    }
}

impl Drop for Mesh {
    /// However the run ends (error, interruption), no node outlives it and none is left a
    /// zombie: kill what still runs, then reap for a short while.
    fn drop(&mut self) {
        for child in self.children.values_mut() {
            let _ = child.start_kill();
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            let running = self.children.values_mut().map(|c| c.try_wait()).filter(|r| matches!(r, Ok(None))).count();
            if running == 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// A node's registration: mutual TLS, then `Hello` naming the state its certificate names.
async fn handshake(incoming: quinn::Incoming) -> Result<Registration, String> {
    let remote = incoming.remote_address();
    let conn = incoming.await.map_err(|e| format!("handshake from {remote}: {e}"))?;
    let identity = peer_identity(&conn).map_err(|e| format!("connection from {remote}: {e}"))?;
    let Identity::State(state) = identity else {
        return Err(format!("connection from {remote}: a coordinator certificate cannot register as a node"));
    };
    let (send, mut recv) = tokio::time::timeout(STARTUP_TIMEOUT, conn.accept_bi())
        .await
        .map_err(|_| format!("{state} at {remote}: no control stream"))?
        .map_err(|e| format!("{state} at {remote}: {e}"))?;
    match read_frame::<FromNode>(&mut recv).await {
        Ok(Some(FromNode::Hello { state: claimed, listen })) if claimed == state => {
            let listen = listen.parse().map_err(|e| format!("{state}: listen address `{listen}`: {e}"))?;
            Ok(Registration { state, conn, send, recv, listen })
        }
        Ok(Some(FromNode::Hello { state: claimed, .. })) => {
            conn.close(1u32.into(), b"identity");
            Err(format!("certificate names {state} but the node says it is {claimed}"))
        }
        Ok(other) => Err(format!("{state}: expected Hello, got {other:?}")),
        Err(e) => Err(format!("{state}: {e}")),
    }
}

/// Asks the kernel to kill the node if the coordinator dies, however it dies.
fn die_with_parent(cmd: &mut tokio::process::Command) {
    #[cfg(target_os = "linux")]
    #[allow(unsafe_code)]
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cmd;
}

/// Where `pocnet-node` is: `--node-bin`, `$POCNET_NODE_BIN`, beside this executable, or `$PATH`.
pub fn find_node_binary(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("POCNET_NODE_BIN") {
        return PathBuf::from(p);
    }
    if let Ok(exe) = std::env::current_exe() {
        let sibling = exe.with_file_name(format!("pocnet-node{}", std::env::consts::EXE_SUFFIX));
        if sibling.is_file() {
            return sibling;
        }
    }
    PathBuf::from("pocnet-node")
}
