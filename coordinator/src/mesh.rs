//! The mesh engine: one `pocnet-node` process per state on 127.0.0.1, real QUIC between them.
//!
//! The coordinator makes the run's CA, issues each node a certificate naming its state,
//! starts the processes, waits until each has registered over mutual TLS, hands out the
//! register, and then only sends grants and reads window reports: messages between
//! contact points travel node to node, never through the coordinator.
//!
//! A node that dies (killed from outside, or by a scenario's `crash` fault) is restarted
//! on the same address with its journal; it replays the journal to the state it had, and
//! a window it had not answered is granted again. Nothing it accepted is lost, and the
//! report is the same as a run in which nothing died.

use crate::clock::{Engine, WindowReport};
use crate::scenario::Scenario;
use anyhow::{anyhow, bail, Context};
use pocnet_core::limits;
use pocnet_core::request::Inject;
use pocnet_core::wire::{FromNode, RegisterEntry, ToNode, TransportStats};
use pocnet_core::{ContactPointConfig, Event, ExerciseInput, SimTime, StateCode};
use pocnet_node::framing::{read_frame, write_frame};
use pocnet_node::pki::{write_private, write_public, CertificateAuthority, Validity};
use pocnet_node::tls::{peer_identity, Credentials, Identity};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How long nodes may take to start and register.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
/// A window that makes no progress for this long fails the run instead of hanging it.
const WINDOW_STALL_TIMEOUT: Duration = Duration::from_secs(90);
/// How long nodes may take to report and exit at the end.
const FINISH_TIMEOUT: Duration = Duration::from_secs(15);
/// Frames queued from all nodes to the coordinator's loop.
const INBOX_FRAMES_MAX: usize = 4096;
/// How often the coordinator looks for node processes that exited, while it waits.
const CHILD_POLL_INTERVAL: Duration = Duration::from_millis(200);
/// Restarts of one node before the run gives up on it.
const RESTARTS_PER_NODE_MAX: u32 = 10;

#[derive(Debug, Clone)]
pub struct MeshOptions {
    pub node_bin: PathBuf,
    /// Certificates, journals and node logs go here.
    pub run_dir: PathBuf,
    /// Share of UDP datagrams every node drops beneath QUIC (transport test; 0 for none).
    pub udp_loss: f64,
    /// Delay every node adds to its UDP datagrams beneath QUIC.
    pub udp_delay: Duration,
    /// Drive nodes that already run (on any host) instead of starting them.
    pub attach: Option<Attach>,
}

/// A deployment's nodes run on their own: the coordinator listens where they connect, with
/// the certificate `pocnet pki init` made for it.
#[derive(Debug, Clone)]
pub struct Attach {
    pub listen: SocketAddr,
    /// The directory `pocnet pki init` wrote.
    pub pki: PathBuf,
}

impl Attach {
    /// Reads a deployment file: `coordinator = "HOST:PORT"` and `pki = "DIR"` (relative to
    /// the file).
    pub fn load(path: &Path) -> anyhow::Result<Attach> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            coordinator: String,
            pki: PathBuf,
        }
        let text = std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
        let raw: Raw = toml::from_str(&text).map_err(|e| {
            let at = e.span().map(|s| text[..s.start.min(text.len())].lines().count().max(1)).unwrap_or(1);
            anyhow!("{}:{at}: {}", path.display(), e.message())
        })?;
        let listen = raw
            .coordinator
            .parse()
            .with_context(|| format!("{}: coordinator `{}` is not HOST:PORT", path.display(), raw.coordinator))?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(Attach { listen, pki: base.join(raw.pki) })
    }
}

enum NodeInput {
    Frame(FromNode),
    Ended(String),
}

struct NodeLink {
    send: quinn::SendStream,
    _conn: quinn::Connection,
}

/// A node's restart, for the transport report.
#[derive(Debug, Clone)]
pub struct Restart {
    pub state: StateCode,
    /// Scenario time of the window the run was at.
    pub at: SimTime,
    pub why: String,
    pub took: Duration,
}

/// Transport figures of a mesh run (wall clock: never part of `report.json`).
#[derive(Debug, Default)]
pub struct MeshTransport {
    pub startup: Duration,
    pub nodes: BTreeMap<StateCode, TransportStats>,
    /// Registrations the coordinator refused (bad certificate, wrong state...).
    pub refused: Vec<String>,
    pub restarts: Vec<Restart>,
    /// Real partitions made beneath QUIC: `a`, `b`, scenario time made, real time lasted.
    pub cuts: Vec<(Vec<StateCode>, Vec<StateCode>, SimTime, Duration)>,
    /// Each node's real clock minus the coordinator's, measured at registration. Virtual
    /// runs do not depend on it; wall-clock runs across hosts should know it.
    pub clock_offsets_ms: BTreeMap<StateCode, i64>,
}

/// What it takes to start (or restart) one node.
struct NodeSpawn {
    cert: PathBuf,
    key: PathBuf,
    journal: PathBuf,
    log: PathBuf,
    listen: Option<SocketAddr>,
    config: ContactPointConfig,
    injects: Vec<Inject>,
    /// Exercise inputs sent so far: a restarted node gets them again with its setup.
    exercise: Vec<(SimTime, ExerciseInput)>,
    /// Incremented at each (re)start: frames from an earlier life are ignored.
    incarnation: u32,
    restarts: u32,
}

pub struct Mesh {
    endpoint: quinn::Endpoint,
    coordinator_addr: SocketAddr,
    node_bin: PathBuf,
    udp_loss: f64,
    udp_delay: Duration,
    restart_nodes: bool,
    /// Nodes that already ran: not started, not restarted by this coordinator.
    attached: bool,
    ca_path: PathBuf,
    register: Vec<RegisterEntry>,
    links: BTreeMap<StateCode, NodeLink>,
    inbox: mpsc::Receiver<(StateCode, u32, NodeInput)>,
    inbox_tx: mpsc::Sender<(StateCode, u32, NodeInput)>,
    /// Frames read while waiting for something else (a restarted node's `Ready`).
    pending: VecDeque<(StateCode, NodeInput)>,
    children: BTreeMap<StateCode, tokio::process::Child>,
    spawns: BTreeMap<StateCode, NodeSpawn>,
    /// Scenario `crash` faults not yet carried out, earliest first.
    crashes: VecDeque<(SimTime, StateCode)>,
    /// Scenario `cut` faults not yet made, and the ones in force with their heal instant.
    cuts: VecDeque<crate::scenario::Cut>,
    active_cuts: Vec<(Instant, Instant, crate::scenario::Cut)>,
    /// The window the run is at, for restart records.
    now: SimTime,
    transport: MeshTransport,
}

struct Registration {
    state: StateCode,
    conn: quinn::Connection,
    send: quinn::SendStream,
    recv: quinn::RecvStream,
    listen: SocketAddr,
    /// The node's clock minus the coordinator's, at registration.
    clock_offset_ms: i64,
}

/// What `receive` found.
enum Received {
    Frame(StateCode, FromNode),
    /// The node died and was restarted: a window it was in must be granted again.
    Restarted(StateCode),
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
        let journal_dir = options.run_dir.join("journal");
        for dir in [&pki_dir, &log_dir, &journal_dir] {
            std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
        }
        // A run of our own: a fresh CA. Attached: the deployment's CA, made beforehand.
        let (ca, ca_path, credentials, listen) = match &options.attach {
            None => {
                let ca = CertificateAuthority::new("pocnet run CA")?;
                let ca_path = pki_dir.join("ca.pem");
                write_public(&ca_path, ca.cert_pem())?;
                let own = ca.issue(Identity::Coordinator, Validity::RUN)?;
                let credentials =
                    Credentials::from_pem(own.cert_pem.as_bytes(), own.key_pem.as_bytes(), ca.cert_pem().as_bytes())?;
                (Some(ca), ca_path, credentials, SocketAddr::from(([127, 0, 0, 1], 0)))
            }
            Some(attach) => {
                let (cert, key) = crate::pki::cert_paths(&attach.pki, Identity::Coordinator);
                let ca_path = attach.pki.join("ca.pem");
                (None, ca_path.clone(), Credentials::load(&cert, &key, &ca_path)?, attach.listen)
            }
        };
        let endpoint = credentials.endpoint(listen)?;
        let coordinator_addr = endpoint.local_addr()?;
        let (inbox_tx, inbox) = mpsc::channel(INBOX_FRAMES_MAX);

        let mut spawns = BTreeMap::new();
        for entry in &scenario.states {
            let name = entry.code.as_str().to_ascii_lowercase();
            let (cert, key) = (pki_dir.join(format!("{name}.pem")), pki_dir.join(format!("{name}.key")));
            if let Some(ca) = &ca {
                let issued = ca.issue(Identity::State(entry.code), Validity::RUN)?;
                write_public(&cert, &issued.cert_pem)?;
                write_private(&key, &issued.key_pem)?;
            }
            let journal = journal_dir.join(format!("{name}.journal"));
            let _ = std::fs::remove_file(&journal);
            spawns.insert(
                entry.code,
                NodeSpawn {
                    cert,
                    key,
                    journal,
                    log: log_dir.join(format!("{name}.log")),
                    listen: None,
                    config: scenario.contact_point_config(entry),
                    injects: scenario.injects_from(entry.code),
                    exercise: Vec::new(),
                    incarnation: 0,
                    restarts: 0,
                },
            );
        }
        let mut crashes: Vec<(SimTime, StateCode)> = scenario.crashes.clone();
        crashes.sort();
        let mut mesh = Mesh {
            endpoint,
            coordinator_addr,
            node_bin: options.node_bin.clone(),
            udp_loss: options.udp_loss,
            udp_delay: options.udp_delay,
            restart_nodes: scenario.restart_nodes,
            attached: options.attach.is_some(),
            ca_path,
            cuts: scenario.cuts.iter().cloned().collect(),
            active_cuts: Vec::new(),
            register: Vec::new(),
            links: BTreeMap::new(),
            inbox,
            inbox_tx,
            pending: VecDeque::new(),
            children: BTreeMap::new(),
            spawns,
            crashes: crashes.into(),
            now: scenario.start,
            transport: MeshTransport::default(),
        };
        let states: Vec<StateCode> = mesh.spawns.keys().copied().collect();
        if mesh.attached {
            tracing::warn!("waiting for {} attached nodes at {coordinator_addr}", states.len());
        } else {
            for &state in &states {
                let child = mesh.spawn(state)?;
                mesh.children.insert(state, child);
            }
        }
        let registrations = mesh.register(&states.iter().copied().collect()).await?;
        mesh.register = registrations
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
        for (_, r) in registrations {
            mesh.set_up(r).await?;
        }
        let mut next = BTreeMap::new();
        let mut waiting: BTreeSet<StateCode> = mesh.links.keys().copied().collect();
        while !waiting.is_empty() {
            match mesh.receive(&waiting).await? {
                Received::Frame(state, FromNode::Ready { next_event }) => {
                    next.insert(state, next_event);
                    waiting.remove(&state);
                }
                Received::Frame(state, other) => bail!("{state}: expected Ready after setup, got {other:?}"),
                Received::Restarted(state) => bail!("the node for {state} died during setup"),
            }
        }
        mesh.transport.startup = started.elapsed();
        Ok((mesh, next))
    }

    /// Starts the process of `state`'s node (on its old address after a restart).
    fn spawn(&mut self, state: StateCode) -> anyhow::Result<tokio::process::Child> {
        let spawn = self.spawns.get_mut(&state).context("no such node")?;
        spawn.incarnation += 1;
        let listen = spawn.listen.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 0)));
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&spawn.log)
            .with_context(|| format!("open {}", spawn.log.display()))?;
        let mut cmd = tokio::process::Command::new(&self.node_bin);
        cmd.arg("--state")
            .arg(state.as_str())
            .arg("--coordinator")
            .arg(self.coordinator_addr.to_string())
            .arg("--listen")
            .arg(listen.to_string())
            .arg("--cert")
            .arg(&spawn.cert)
            .arg("--key")
            .arg(&spawn.key)
            .arg("--ca")
            .arg(&self.ca_path)
            .arg("--journal")
            .arg(&spawn.journal)
            .arg("--udp-loss")
            .arg(self.udp_loss.to_string())
            .arg("--udp-delay-ms")
            .arg(self.udp_delay.as_millis().to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log_file))
            .kill_on_drop(true);
        die_with_parent(&mut cmd);
        cmd.spawn().map_err(|e| {
            let hint = if e.kind() == std::io::ErrorKind::NotFound {
                "; build it with `cargo build --release --locked` (it goes beside `pocnet`) or name it with --node-bin"
            } else {
                ""
            };
            anyhow!("cannot start `{}` for {state}: {e}{hint}", self.node_bin.display())
        })
    }

    /// Accepts registrations until every node of `expected` is in, one exits, or time runs out.
    async fn register(&mut self, expected: &BTreeSet<StateCode>) -> anyhow::Result<BTreeMap<StateCode, Registration>> {
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
                    for state in expected.iter().filter(|s| !registered.contains_key(*s)) {
                        if let Some(Some(status)) = self.children.get_mut(state).map(|c| c.try_wait()).transpose()? {
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

    /// Sends a registered node its setup and starts reading its frames.
    async fn set_up(&mut self, mut r: Registration) -> anyhow::Result<()> {
        let spawn = self.spawns.get_mut(&r.state).context("registered state not in the scenario")?;
        spawn.listen = Some(r.listen);
        self.transport.clock_offsets_ms.insert(r.state, r.clock_offset_ms);
        let (state, incarnation) = (r.state, spawn.incarnation);
        let setup = ToNode::Setup { config: Box::new(spawn.config.clone()), register: self.register.clone() };
        write_frame(&mut r.send, &setup).await?;
        for chunk in spawn.injects.chunks(limits::INJECT_FRAME_INJECTS_MAX) {
            write_frame(&mut r.send, &ToNode::Injects(chunk.to_vec())).await?;
        }
        for (at, input) in &spawn.exercise {
            write_frame(&mut r.send, &ToNode::Exercise { at: *at, input: input.clone() }).await?;
        }
        write_frame(&mut r.send, &ToNode::SetupDone).await?;
        let tx = self.inbox_tx.clone();
        let mut recv = r.recv;
        tokio::spawn(async move {
            loop {
                let input = match read_frame::<FromNode>(&mut recv).await {
                    Ok(Some(frame)) => NodeInput::Frame(frame),
                    Ok(None) => NodeInput::Ended("closed its control stream".into()),
                    Err(e) => NodeInput::Ended(e.to_string()),
                };
                let end = matches!(input, NodeInput::Ended(_));
                if tx.send((state, incarnation, input)).await.is_err() || end {
                    return;
                }
            }
        });
        self.links.insert(state, NodeLink { send: r.send, _conn: r.conn });
        Ok(())
    }

    fn refuse(&mut self, reason: String) {
        tracing::warn!("registration refused: {reason}");
        self.transport.refused.push(reason);
    }

    fn log_tail(&self, state: StateCode) -> String {
        let Some(path) = self.spawns.get(&state).map(|s| &s.log) else { return String::new() };
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(10)..].join("\n    ");
        if tail.is_empty() {
            format!(" (log: {})", path.display())
        } else {
            format!("\n  log {}:\n    {tail}", path.display())
        }
    }

    /// The next frame from a live node; a node that died is restarted (and reported as such).
    async fn receive(&mut self, from: &BTreeSet<StateCode>) -> anyhow::Result<Received> {
        let stall = Instant::now() + WINDOW_STALL_TIMEOUT;
        let (state, input) = loop {
            if let Some(buffered) = self.pending.pop_front() {
                break buffered;
            }
            let next = match tokio::time::timeout(CHILD_POLL_INTERVAL, self.inbox.recv()).await {
                Ok(next) => next,
                Err(_) => {
                    self.heal_due().await?;
                    // A process killed outright sends no QUIC close: its connection would
                    // look alive until the idle timeout. Its exit is the faster sign.
                    if let Some((state, status)) = self.exited_child() {
                        break (state, NodeInput::Ended(format!("its process exited ({status})")));
                    }
                    if Instant::now() > stall {
                        let pending: Vec<String> = from.iter().map(|s| s.to_string()).collect();
                        bail!("no answer from {} within {WINDOW_STALL_TIMEOUT:?}", pending.join(", "));
                    }
                    continue;
                }
            };
            let (state, incarnation, input) = next.ok_or_else(|| anyhow!("every node connection closed"))?;
            // A frame from an earlier life of a restarted node, or the close of a node that
            // has reported its end: nothing to act on.
            let current = self.spawns.get(&state).is_some_and(|s| s.incarnation == incarnation);
            let finished = self.transport.nodes.contains_key(&state) && matches!(input, NodeInput::Ended(_));
            if current && !finished {
                break (state, input);
            }
        };
        match input {
            NodeInput::Frame(FromNode::Failed { reason }) => {
                bail!("the node for {state} failed: {reason}{}", self.log_tail(state))
            }
            NodeInput::Frame(frame) => Ok(Received::Frame(state, frame)),
            NodeInput::Ended(reason) => {
                self.restart(state, &format!("went away: {reason}")).await?;
                Ok(Received::Restarted(state))
            }
        }
    }

    /// Tells both sides of a cut to drop (or, healing, to let through) each other's datagrams.
    async fn send_cut(&mut self, cut: &crate::scenario::Cut, make: bool) -> anyhow::Result<()> {
        for (side, other) in [(&cut.a, &cut.b), (&cut.b, &cut.a)] {
            for state in side {
                if let Some(link) = self.links.get_mut(state) {
                    let frame =
                        if make { ToNode::Cut { peers: other.clone() } } else { ToNode::Heal { peers: other.clone() } };
                    write_frame(&mut link.send, &frame).await?;
                }
            }
        }
        Ok(())
    }

    /// Heals the cuts whose real-time duration is over.
    async fn heal_due(&mut self) -> anyhow::Result<()> {
        let now = Instant::now();
        let (due, keep): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.active_cuts).into_iter().partition(|(heal, _, _)| *heal <= now);
        self.active_cuts = keep;
        for (_, made, cut) in due {
            self.send_cut(&cut, false).await?;
            tracing::warn!("healed the cut between {:?} and {:?}", cut.a, cut.b);
            self.transport.cuts.push((cut.a.clone(), cut.b.clone(), cut.at, made.elapsed()));
        }
        Ok(())
    }

    /// A node process (not yet finished) that has exited, if any.
    fn exited_child(&mut self) -> Option<(StateCode, std::process::ExitStatus)> {
        let finished: BTreeSet<StateCode> = self.transport.nodes.keys().copied().collect();
        self.children
            .iter_mut()
            .filter(|(s, _)| !finished.contains(*s))
            .find_map(|(s, c)| c.try_wait().ok().flatten().map(|status| (*s, status)))
    }

    /// Restarts a dead (or killed) node on its address; it recovers from its journal.
    async fn restart(&mut self, state: StateCode, why: &str) -> anyhow::Result<()> {
        let started = Instant::now();
        if self.attached {
            bail!("the attached node for {state} {why}: restart it on its host and run again");
        }
        if !self.restart_nodes && !why.starts_with("crash fault") {
            bail!("the node for {state} {why} (the scenario says restart_nodes = false){}", self.log_tail(state));
        }
        let restarts = self.spawns.get(&state).map_or(0, |s| s.restarts);
        if restarts >= RESTARTS_PER_NODE_MAX {
            bail!(
                "the node for {state} {why}, and has been restarted {restarts} times already{}",
                self.log_tail(state)
            );
        }
        if let Some(mut old) = self.children.remove(&state) {
            let _ = old.start_kill();
            let _ = tokio::time::timeout(Duration::from_secs(5), old.wait()).await;
        }
        self.links.remove(&state);
        tracing::warn!("restarting the node for {state}: {why}");
        let child = self.spawn(state)?;
        self.children.insert(state, child);
        if let Some(s) = self.spawns.get_mut(&state) {
            s.restarts += 1;
        }
        let mut registered = self.register(&BTreeSet::from([state])).await?;
        let r = registered.remove(&state).context("restarted node did not register")?;
        self.set_up(r).await?;
        // Wait for its Ready, keeping whatever the other nodes say meanwhile.
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let (s, incarnation, input) = tokio::time::timeout(left, self.inbox.recv())
                .await
                .map_err(|_| anyhow!("the restarted node for {state} did not get ready"))?
                .ok_or_else(|| anyhow!("every node connection closed"))?;
            let current = self.spawns.get(&s).is_some_and(|sp| sp.incarnation == incarnation);
            match (s == state, current, input) {
                (true, true, NodeInput::Frame(FromNode::Ready { .. })) => break,
                (true, true, NodeInput::Frame(other)) => bail!("restarted {state}: expected Ready, got {other:?}"),
                (true, true, NodeInput::Ended(reason)) => {
                    bail!("restarted {state} went away again: {reason}{}", self.log_tail(state))
                }
                (_, false, _) => {}
                (false, true, input) => self.pending.push_back((s, input)),
            }
        }
        for (other, link) in self.links.iter_mut().filter(|(s, _)| **s != state) {
            write_frame(&mut link.send, &ToNode::PeerRestarted { state })
                .await
                .with_context(|| format!("tell {other} that {state} restarted"))?;
        }
        self.transport.restarts.push(Restart { state, at: self.now, why: why.to_string(), took: started.elapsed() });
        Ok(())
    }

    /// Process ids of the node processes still running (for resource measurements).
    pub fn node_pids(&self) -> Vec<u32> {
        self.children.values().filter_map(tokio::process::Child::id).collect()
    }

    /// Ends the run: every node reports its transport figures and exits.
    pub async fn finish(mut self) -> anyhow::Result<MeshTransport> {
        // A cut still in force when the run ends is over with it.
        for (_, made, cut) in std::mem::take(&mut self.active_cuts) {
            self.transport.cuts.push((cut.a.clone(), cut.b.clone(), cut.at, made.elapsed()));
        }
        for link in self.links.values_mut() {
            write_frame(&mut link.send, &ToNode::Finish).await?;
        }
        let mut waiting: BTreeSet<StateCode> = self.links.keys().copied().collect();
        let deadline = Instant::now() + FINISH_TIMEOUT;
        while !waiting.is_empty() && Instant::now() < deadline {
            match self.receive(&waiting).await? {
                Received::Frame(state, FromNode::Finished(stats)) => {
                    self.transport.nodes.insert(state, stats);
                    waiting.remove(&state);
                }
                Received::Frame(state, other) => bail!("{state}: expected Finished, got {other:?}"),
                Received::Restarted(state) => bail!("the node for {state} died at the end of the run"),
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
    async fn before_window(&mut self, earliest: SimTime) -> anyhow::Result<()> {
        self.now = earliest;
        self.heal_due().await?;
        while self.cuts.front().is_some_and(|c| c.at <= earliest) {
            let Some(cut) = self.cuts.pop_front() else { break };
            tracing::warn!("cutting {:?} off from {:?} for {:?} (real time)", cut.a, cut.b, cut.lasting);
            self.send_cut(&cut, true).await?;
            let made = Instant::now();
            self.active_cuts.push((made + cut.lasting, made, cut));
        }
        while self.crashes.front().is_some_and(|(at, _)| *at <= earliest) {
            let Some((at, state)) = self.crashes.pop_front() else { break };
            // SIGKILL: no handler runs, no buffer is flushed, as in a real crash.
            if let Some(child) = self.children.get_mut(&state) {
                let _ = child.start_kill();
            }
            self.restart(state, &format!("crash fault at {at}")).await?;
        }
        Ok(())
    }

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
                Received::Frame(state, FromNode::Events(batch)) if waiting.contains(&state) => {
                    events.entry(state).or_default().extend(batch);
                }
                Received::Frame(state, FromNode::WindowDone(mut done)) if waiting.contains(&state) => {
                    waiting.remove(&state);
                    let mut all = events.remove(&state).unwrap_or_default();
                    all.append(&mut done.events);
                    reports.push(WindowReport { state, done, events: all });
                }
                Received::Restarted(state) if waiting.contains(&state) => {
                    // What it said of this window died with it: ask again.
                    events.remove(&state);
                    let link = self.links.get_mut(&state).context("restarted node has no link")?;
                    write_frame(&mut link.send, &ToNode::Grant { until }).await?;
                }
                Received::Restarted(_) => {}
                Received::Frame(state, other) => {
                    bail!("{state}: unexpected {other:?} during the window ending {until}")
                }
            }
        }
        Ok(reports)
    }

    async fn exercise_input(&mut self, state: StateCode, at: SimTime, input: ExerciseInput) -> anyhow::Result<()> {
        let spawn = self.spawns.get_mut(&state).with_context(|| format!("exercise input for unknown state {state}"))?;
        spawn.exercise.push((at, input.clone()));
        let link = self.links.get_mut(&state).with_context(|| format!("no link to {state}"))?;
        write_frame(&mut link.send, &ToNode::Exercise { at, input }).await?;
        Ok(())
    }

    async fn add_inject(&mut self, inject: Inject) -> anyhow::Result<()> {
        let from = inject.from;
        let spawn = self.spawns.get_mut(&from).with_context(|| format!("inject from unknown state {from}"))?;
        spawn.injects.push(inject.clone());
        let link = self.links.get_mut(&from).with_context(|| format!("no link to {from}"))?;
        write_frame(&mut link.send, &ToNode::Injects(vec![inject])).await?;
        Ok(())
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
        Ok(Some(FromNode::Hello { state: claimed, listen, wall_clock_ms })) if claimed == state => {
            let listen = listen.parse().map_err(|e| format!("{state}: listen address `{listen}`: {e}"))?;
            // The Hello left the node about half a round trip ago.
            let half_rtt_ms = i64::try_from(conn.rtt().as_millis() / 2).unwrap_or(0);
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
                .unwrap_or(0);
            let clock_offset_ms = wall_clock_ms - (now_ms - half_rtt_ms);
            Ok(Registration { state, conn, send, recv, listen, clock_offset_ms })
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
