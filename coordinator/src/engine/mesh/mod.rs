//! The mesh engine: one `pocnet-node` process per state, real QUIC between them.
//!
//! The coordinator makes the run's CA, issues each node a certificate naming its state,
//! starts the processes (or, attached, waits for nodes started elsewhere), registers them
//! over mutual TLS, hands out the register, and then only sends grants and reads window
//! reports: messages between contact points travel node to node, never through it. A
//! window closes when every node granted has answered and every envelope their answers
//! name as written is reported queued by its receiver.
//!
//! - [`spawn`]: starting node processes; [`register`]: every connection to the
//!   coordinator, within limits; [`supervise`]: watching every node from start-up to the
//!   end, restarting the ones that die ([`revival`]: a restart, a stage of the same loop);
//!   [`faults`]: crash and cut faults; [`transport`]:
//!   what was measured on the wall clock; [`attach`]: deployments on their own hosts.

pub mod attach;
pub mod faults;
pub mod register;
pub mod revival;
pub mod spawn;
pub mod supervise;
pub mod transport;

pub use attach::Attach;
pub use spawn::find_node_binary;
pub use transport::{MeshTransport, Restart, RestartCause};

use crate::engine::{Engine, WindowReport};
use crate::scenario::{Cut, Scenario};
use anyhow::{bail, Context};
use pocnet_core::request::Inject;
use pocnet_core::wire::{FromNode, RegisterEntry, RunId, ToNode, STOP_CODE};
use pocnet_core::{Event, ExerciseInput, SimTime, StateCode};
use pocnet_node::framing::{read_frame_parted, write_frame};
use pocnet_node::pki::{write_private, write_public, CertificateAuthority, Validity};
use pocnet_node::tls::{Credentials, Identity};
use register::Registration;
use revival::NodeStage;
use spawn::{Launcher, NodeSpawn};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use transport::MeshTransport as Transport;

pub use pocnet_node::refusals::SharedRefusals;

/// How long nodes may take to start and register.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
/// A window that makes no progress for this long fails the run instead of hanging it.
const WINDOW_STALL_TIMEOUT: Duration = Duration::from_secs(90);
/// How long nodes may take to report and exit at the end.
const FINISH_TIMEOUT: Duration = Duration::from_secs(15);
/// Frames queued from all nodes to the coordinator's loop.
const INBOX_FRAMES_MAX: usize = 4096;
/// How often the coordinator looks for node processes that exited, while it waits.
const CHILD_POLL_INTERVAL: Duration = Duration::from_millis(100);
/// Restarts of one node in a run before the run gives up on it.
pub const RESTARTS_PER_NODE_MAX: u32 = 10;
/// Processes started for one restart (one that dies again at once counts) before giving up.
pub const STARTS_PER_RESTART_MAX: u32 = 5;
/// How long an attached node that went away may take to come back (its host's supervisor
/// restarts it with its journal).
pub const ATTACHED_RETURN_TIMEOUT: Duration = Duration::from_secs(120);
/// A control frame whose first byte came must be whole within this.
const CONTROL_FRAME_WITHIN: Duration = Duration::from_secs(30);

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
    /// Told of every node connection, so that an interrupted run can stop them.
    pub stop: StopHandle,
}

/// What lets `main` stop every node when the run is interrupted: the nodes' control
/// connections, closed with [`STOP_CODE`] (nodes started elsewhere exit on it too).
#[derive(Debug, Clone, Default)]
pub struct StopHandle {
    inner: Arc<Mutex<StopState>>,
}

#[derive(Debug, Default)]
struct StopState {
    endpoint: Option<quinn::Endpoint>,
    links: BTreeMap<StateCode, quinn::Connection>,
}

impl StopHandle {
    fn state(&self) -> std::sync::MutexGuard<'_, StopState> {
        match self.inner.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn set_endpoint(&self, endpoint: quinn::Endpoint) {
        self.state().endpoint = Some(endpoint);
    }

    fn link(&self, state: StateCode, conn: quinn::Connection) {
        self.state().links.insert(state, conn);
    }

    /// Closes every node's control connection with [`STOP_CODE`] and waits (briefly) until
    /// the closes are on their way; returns how many nodes were told.
    pub async fn stop(&self) -> usize {
        let (endpoint, told) = {
            let mut s = self.state();
            let links = std::mem::take(&mut s.links);
            for conn in links.values() {
                conn.close(STOP_CODE.into(), b"the coordinator stopped");
            }
            (s.endpoint.take(), links.len())
        };
        if let Some(endpoint) = endpoint {
            endpoint.close(STOP_CODE.into(), b"the coordinator stopped");
            let _ = tokio::time::timeout(Duration::from_secs(2), endpoint.wait_idle()).await;
        }
        told
    }
}

enum NodeInput {
    Frame(FromNode),
    Ended(String),
}

struct NodeLink {
    send: quinn::SendStream,
    conn: quinn::Connection,
    /// The node process on the other end (with its certificate's state, its identity).
    instance: pocnet_core::wire::InstanceId,
}

pub struct Mesh {
    endpoint: quinn::Endpoint,
    launcher: Launcher,
    restart_nodes: bool,
    /// Nodes that already ran: not started, not restarted by this coordinator.
    attached: bool,
    run: RunId,
    register: Vec<RegisterEntry>,
    /// Each node's stage: up, or restarting.
    nodes: BTreeMap<StateCode, NodeStage>,
    inbox: mpsc::Receiver<(StateCode, u32, NodeInput)>,
    inbox_tx: mpsc::Sender<(StateCode, u32, NodeInput)>,
    registrations: mpsc::Receiver<Registration>,
    children: BTreeMap<StateCode, tokio::process::Child>,
    spawns: BTreeMap<StateCode, NodeSpawn>,
    /// Scenario `crash` faults not yet carried out, earliest first.
    crashes: VecDeque<(SimTime, StateCode)>,
    /// Scenario `cut` faults not yet made, and the ones in force with their heal instant.
    cuts: VecDeque<Cut>,
    active_cuts: Vec<(Instant, Instant, Cut)>,
    /// The window the run is at, for restart records.
    now: SimTime,
    /// Envelopes reported queued since the window began, as (sender, receiver, seq).
    queued: BTreeSet<(StateCode, StateCode, u64)>,
    transport: Transport,
    refusals: SharedRefusals,
    stop: StopHandle,
}

/// What `receive` found.
enum Received {
    Frame(StateCode, FromNode),
    /// The node died and was restarted (`next`: the first input time in its `Ready`): a
    /// window it was in must be granted again.
    Restarted {
        state: StateCode,
        next: Option<SimTime>,
    },
    /// A node reported envelopes queued (kept in `Mesh::queued`).
    Queued,
}

/// The run's folders: certificates, node logs, journals.
struct RunDirs {
    pki: PathBuf,
    logs: PathBuf,
    journal: PathBuf,
}

impl RunDirs {
    fn create(run_dir: &Path) -> anyhow::Result<RunDirs> {
        let dirs = RunDirs { pki: run_dir.join("pki"), logs: run_dir.join("logs"), journal: run_dir.join("journal") };
        for dir in [&dirs.pki, &dirs.logs, &dirs.journal] {
            std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
        }
        Ok(dirs)
    }
}

/// The run's trust: the CA that signs the nodes' certificates (none when attached), its
/// certificate's path, the coordinator's own credentials and where it listens.
struct RunPki {
    ca: Option<CertificateAuthority>,
    ca_path: PathBuf,
    credentials: Credentials,
    listen: SocketAddr,
}

/// A run of our own: a fresh CA. Attached: the deployment's CA, made beforehand.
fn run_pki(options: &MeshOptions, pki_dir: &Path) -> anyhow::Result<RunPki> {
    Ok(match &options.attach {
        None => {
            let ca = CertificateAuthority::new("pocnet run CA")?;
            let ca_path = pki_dir.join("ca.pem");
            write_public(&ca_path, ca.cert_pem())?;
            let own = ca.issue(Identity::Coordinator, Validity::RUN)?;
            let credentials =
                Credentials::from_pem(own.cert_pem.as_bytes(), own.key_pem.as_bytes(), ca.cert_pem().as_bytes())?;
            RunPki { ca: Some(ca), ca_path, credentials, listen: SocketAddr::from(([127, 0, 0, 1], 0)) }
        }
        Some(attach) => {
            let (cert, key) = crate::pki::cert_paths(&attach.pki, Identity::Coordinator);
            let ca_path = attach.pki.join("ca.pem");
            let credentials = Credentials::load(&cert, &key, &ca_path)?;
            RunPki { ca: None, ca_path, credentials, listen: attach.listen }
        }
    })
}

/// What each state's node is started with: its certificate (issued here when the run has
/// its own CA), a fresh journal, its log, its configuration and its injects.
fn node_spawns(
    scenario: &Scenario,
    ca: Option<&CertificateAuthority>,
    dirs: &RunDirs,
) -> anyhow::Result<BTreeMap<StateCode, NodeSpawn>> {
    let mut spawns = BTreeMap::new();
    for entry in &scenario.states {
        let name = entry.code.as_str().to_ascii_lowercase();
        let (cert, key) = (dirs.pki.join(format!("{name}.pem")), dirs.pki.join(format!("{name}.key")));
        if let Some(ca) = ca {
            let issued = ca.issue(Identity::State(entry.code), Validity::RUN)?;
            write_public(&cert, &issued.cert_pem)?;
            write_private(&key, &issued.key_pem)?;
        }
        let journal = dirs.journal.join(format!("{name}.journal"));
        let _ = std::fs::remove_file(&journal);
        spawns.insert(
            entry.code,
            NodeSpawn {
                cert,
                key,
                journal,
                log: dirs.logs.join(format!("{name}.log")),
                listen: None,
                config: scenario.contact_point_config(entry),
                injects: scenario.injects_from(entry.code),
                exercise: Vec::new(),
                incarnation: 0,
                restarts: 0,
            },
        );
    }
    Ok(spawns)
}

/// The register every node is given: each registered state's name, zone and address.
fn register_entries(scenario: &Scenario, registrations: &BTreeMap<StateCode, Registration>) -> Vec<RegisterEntry> {
    registrations
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
        .collect()
}

impl Mesh {
    /// Starts and registers one node per state; returns each state's first input time.
    pub async fn start(
        scenario: &Scenario,
        options: &MeshOptions,
    ) -> anyhow::Result<(Mesh, BTreeMap<StateCode, Option<SimTime>>)> {
        let started = Instant::now();
        let dirs = RunDirs::create(&options.run_dir)?;
        let RunPki { ca, ca_path, credentials, listen } = run_pki(options, &dirs.pki)?;
        let endpoint = credentials.endpoint(listen)?;
        let coordinator_addr = endpoint.local_addr()?;
        options.stop.set_endpoint(endpoint.clone());
        let (inbox_tx, inbox) = mpsc::channel(INBOX_FRAMES_MAX);
        let refusals = pocnet_node::refusals::Refusals::shared("coordinator");
        let (registrations_tx, registrations) = mpsc::channel(register::REGISTRATIONS_QUEUED_MAX);
        register::spawn_accept(endpoint.clone(), refusals.clone(), registrations_tx);
        let spawns = node_spawns(scenario, ca.as_ref(), &dirs)?;
        let mut crashes: Vec<(SimTime, StateCode)> = scenario.crashes.clone();
        crashes.sort();
        let mut mesh = Mesh {
            endpoint,
            launcher: Launcher {
                node_bin: options.node_bin.clone(),
                coordinator: coordinator_addr,
                ca: ca_path,
                udp_loss: options.udp_loss,
                udp_delay: options.udp_delay,
            },
            restart_nodes: scenario.restart_nodes,
            attached: options.attach.is_some(),
            run: RunId(random_bytes()?),
            cuts: scenario.cuts.iter().cloned().collect(),
            active_cuts: Vec::new(),
            register: Vec::new(),
            nodes: BTreeMap::new(),
            inbox,
            inbox_tx,
            registrations,
            children: BTreeMap::new(),
            spawns,
            crashes: crashes.into(),
            now: scenario.start,
            queued: BTreeSet::new(),
            transport: Transport::default(),
            refusals,
            stop: options.stop.clone(),
        };
        let registrations = mesh.start_all().await?;
        mesh.register = register_entries(scenario, &registrations);
        for (state, r) in registrations {
            let link = mesh.set_up(r).await?;
            mesh.nodes.insert(state, NodeStage::Up(link));
        }
        let next = mesh.await_all_ready().await?;
        mesh.transport.startup = started.elapsed();
        Ok((mesh, next))
    }

    /// Waits for every node set up to answer Ready (and for every restart to end); returns
    /// each one's first input time.
    async fn await_all_ready(&mut self) -> anyhow::Result<BTreeMap<StateCode, Option<SimTime>>> {
        let mut next = BTreeMap::new();
        let mut waiting: BTreeSet<StateCode> = self.nodes.keys().copied().collect();
        while !waiting.is_empty() || self.restarting() {
            match self.receive(&waiting).await? {
                Received::Frame(state, FromNode::Ready { next_event }) if waiting.contains(&state) => {
                    next.insert(state, next_event);
                    waiting.remove(&state);
                }
                // A node restarted during setup answered Ready to end its restart.
                Received::Restarted { state, next: t } if waiting.contains(&state) => {
                    next.insert(state, t);
                    waiting.remove(&state);
                }
                Received::Restarted { .. } | Received::Queued => {}
                Received::Frame(state, other) => bail!("{state}: expected Ready after setup, got {other:?}"),
            }
        }
        Ok(next)
    }

    /// Sends a registered node its setup and starts reading its frames; returns its link.
    async fn set_up(&mut self, mut r: Registration) -> anyhow::Result<NodeLink> {
        let spawn = self.spawns.get_mut(&r.state).context("registered state not in the scenario")?;
        spawn.listen = Some(r.listen);
        self.transport.clock_offsets_ms.insert(r.state, r.clock_offset_ms);
        let (state, incarnation) = (r.state, spawn.incarnation);
        let setup =
            ToNode::Setup { run: self.run, config: Box::new(spawn.config.clone()), register: self.register.clone() };
        write_frame(&mut r.send, &setup).await?;
        for chunk in spawn.injects.chunks(pocnet_core::limits::INJECT_FRAME_INJECTS_MAX) {
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
                let input = match read_frame_parted::<FromNode>(&mut recv, CONTROL_FRAME_WITHIN).await {
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
        self.stop.link(state, r.conn.clone());
        Ok(NodeLink { send: r.send, conn: r.conn, instance: r.instance })
    }

    /// Process ids of the node processes still running (for resource measurements).
    pub fn node_pids(&self) -> Vec<u32> {
        self.children.values().filter_map(tokio::process::Child::id).collect()
    }

    /// Ends the run: every node reports its transport figures and exits. A node that died
    /// in the quiet tail is restarted (from its journal) and then told again.
    pub async fn finish(mut self) -> anyhow::Result<Transport> {
        // A cut still in force when the run ends is over with it.
        for (_, made, cut) in std::mem::take(&mut self.active_cuts) {
            self.transport.cuts.push((cut.a.clone(), cut.b.clone(), cut.at, made.elapsed()));
        }
        let states: Vec<StateCode> = self.nodes.keys().copied().collect();
        for state in &states {
            self.send(*state, &ToNode::Finish).await?;
        }
        let mut waiting: BTreeSet<StateCode> = states.into_iter().collect();
        let deadline = Instant::now() + FINISH_TIMEOUT;
        while !waiting.is_empty() || self.restarting() {
            if Instant::now() > deadline {
                let missing: Vec<String> = waiting.iter().map(|s| s.to_string()).collect();
                bail!("no transport report within {FINISH_TIMEOUT:?} from {}", missing.join(", "));
            }
            match self.receive(&waiting).await? {
                Received::Frame(state, FromNode::Finished(stats)) => {
                    self.transport.nodes.insert(state, stats);
                    waiting.remove(&state);
                }
                Received::Restarted { state, .. } if waiting.contains(&state) => {
                    self.send(state, &ToNode::Finish).await?;
                }
                // A copy sent again to a restarted node, reported queued again.
                Received::Restarted { .. } | Received::Queued => {}
                Received::Frame(state, other) => bail!("{state}: expected Finished, got {other:?}"),
            }
        }
        for link in self.nodes.values_mut().filter_map(NodeStage::up_mut) {
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
        self.transport.refusals = pocnet_node::refusals::counts(&self.refusals);
        Ok(std::mem::take(&mut self.transport))
    }

    async fn send(&mut self, state: StateCode, frame: &ToNode) -> anyhow::Result<()> {
        let link =
            self.nodes.get_mut(&state).and_then(NodeStage::up_mut).with_context(|| format!("no link to {state}"))?;
        // A node that died between frames: its revival sends what it needs.
        if let Err(e) = write_frame(&mut link.send, frame).await {
            tracing::info!("{state}: {e}; it will be restarted");
        }
        Ok(())
    }
}

impl Engine for Mesh {
    async fn before_window(&mut self, earliest: SimTime) -> anyhow::Result<()> {
        self.now = earliest;
        self.heal_due().await?;
        self.make_due_cuts(earliest).await?;
        self.crash_due(earliest).await
    }

    async fn grant(&mut self, until: SimTime, states: &[StateCode]) -> anyhow::Result<Vec<WindowReport>> {
        // Reports of an earlier window (a copy sent again) name no envelope of this one.
        self.queued.clear();
        for state in states {
            self.send(*state, &ToNode::Grant { until }).await?;
        }
        let mut waiting: BTreeSet<StateCode> = states.iter().copied().collect();
        let mut events: BTreeMap<StateCode, Vec<Event>> = BTreeMap::new();
        let mut reports = Vec::with_capacity(states.len());
        // Envelopes written and not yet reported queued, as (sender, receiver, seq).
        let mut unqueued: BTreeSet<(StateCode, StateCode, u64)> = BTreeSet::new();
        while !waiting.is_empty() || !unqueued.is_empty() || self.restarting() {
            let awaited = waiting.iter().copied().chain(unqueued.iter().map(|(_, to, _)| *to)).collect();
            match self.receive(&awaited).await? {
                Received::Frame(state, FromNode::Events(batch)) if waiting.contains(&state) => {
                    events.entry(state).or_default().extend(batch);
                }
                Received::Frame(state, FromNode::WindowDone(mut done)) if waiting.contains(&state) => {
                    waiting.remove(&state);
                    for (to, seqs) in &done.written {
                        unqueued.extend(seqs.iter().map(|seq| (state, *to, *seq)));
                    }
                    let mut all = events.remove(&state).unwrap_or_default();
                    all.append(&mut done.events);
                    reports.push(WindowReport { state, done, events: all });
                }
                Received::Restarted { state, .. } if waiting.contains(&state) => {
                    // What it said of this window died with it: ask again.
                    events.remove(&state);
                    self.send(state, &ToNode::Grant { until }).await?;
                }
                Received::Restarted { .. } | Received::Queued => {}
                Received::Frame(state, other) => {
                    bail!("{state}: unexpected {other:?} during the window ending {until}")
                }
            }
            unqueued.retain(|envelope| !self.queued.contains(envelope));
        }
        Ok(reports)
    }

    async fn exercise_input(&mut self, state: StateCode, at: SimTime, input: ExerciseInput) -> anyhow::Result<()> {
        let spawn = self.spawns.get_mut(&state).with_context(|| format!("exercise input for unknown state {state}"))?;
        spawn.exercise.push((at, input.clone()));
        self.send(state, &ToNode::Exercise { at, input }).await
    }

    async fn add_inject(&mut self, inject: Inject) -> anyhow::Result<()> {
        let from = inject.from;
        let spawn = self.spawns.get_mut(&from).with_context(|| format!("inject from unknown state {from}"))?;
        spawn.injects.push(inject.clone());
        self.send(from, &ToNode::Injects(vec![inject])).await
    }
}

impl Drop for Mesh {
    /// However the run ends (error, interruption), no node outlives it and none is left a
    /// zombie: tell every node to stop, kill what still runs, then reap for a short while.
    fn drop(&mut self) {
        for link in self.nodes.values().filter_map(NodeStage::link) {
            link.conn.close(STOP_CODE.into(), b"the coordinator stopped");
        }
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

/// 128 random bits from the operating system.
fn random_bytes() -> anyhow::Result<[u8; 16]> {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("read /dev/urandom for the run's identity")?;
    Ok(bytes)
}
