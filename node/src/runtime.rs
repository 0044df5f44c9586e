//! The node process: connects to the coordinator, serves its peers, runs granted windows.
//!
//! One `select!` over one input enum (`Input`) feeds the [`Agenda`]; tasks only move bytes:
//! the accept loop reads peer batches, delivery tasks write them. A window ends when every
//! batch it produced is queued at its receiver (the receiver answered `Accepted`); only
//! then does the node answer `WindowDone`, so the coordinator never places a window past a
//! message it does not know about.

use crate::framing::{read_frame, write_frame, FrameError};
use crate::journal::{Journal, Record};
use crate::tls::{peer_identity, Credentials, Identity, COORDINATOR_NAME};
use anyhow::{anyhow, bail, Context};
use pocnet_core::limits;
use pocnet_core::wire::{Envelope, FromNode, PeerFrame, PeerTransport, ToNode, TransportStats, WindowDone};
use pocnet_core::{Agenda, ContactPoint, SimTime, StateCode, WindowOutput};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// Inputs the main loop waits on.
enum Input {
    Control(Result<Option<ToNode>, FrameError>),
    /// A peer's batch, read and attributed to the state its certificate names.
    Batch {
        from: StateCode,
        envelopes: Vec<Envelope>,
        reply: oneshot::Sender<PeerFrame>,
    },
    /// A connection or stream this node refused, for the transport report.
    Refused(String),
    /// A peer connected and proved who it is: the connection serves both directions.
    PeerConnected {
        peer: StateCode,
        connection: quinn::Connection,
    },
    /// A delivery task ended.
    Delivered {
        to: StateCode,
        result: Result<Delivery, String>,
    },
}

struct Delivery {
    connection: quinn::Connection,
    rtt_us: Vec<u64>,
}

/// Queue between the network tasks and the main loop.
const INPUT_QUEUE_MAX: usize = 1024;
/// Batch round-trip samples kept for the transport report.
const RTT_SAMPLES_MAX: usize = 100_000;
/// Refusal reasons kept verbatim (all are counted).
const REFUSALS_KEPT_MAX: usize = 100;
/// How long to wait for a peer's handshake before the window fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct NodeArgs {
    pub state: StateCode,
    pub coordinator: SocketAddr,
    pub listen: SocketAddr,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub ca: PathBuf,
    /// Where to journal accepted batches and completed windows; replayed at start.
    pub journal: Option<PathBuf>,
    /// Share of outgoing UDP datagrams to drop beneath QUIC (transport test).
    pub udp_loss: f64,
    /// Delay added to every outgoing UDP datagram beneath QUIC.
    pub udp_delay: Duration,
    /// Batches one peer may send per second (and in one burst); beyond, they are refused
    /// with a rate-limit answer that honest senders meet with back-off.
    pub peer_batches_per_second: u32,
}

pub async fn run(args: NodeArgs) -> anyhow::Result<()> {
    let credentials = Credentials::load(&args.cert, &args.key, &args.ca)?;
    if credentials.identity() != Identity::State(args.state) {
        bail!("{}: the certificate names {}, not {}", args.cert.display(), credentials.identity(), args.state);
    }
    let (endpoint, socket) =
        credentials.endpoint_with_faults(args.listen, args.udp_loss, args.udp_delay, args.state.key())?;
    let listen = endpoint.local_addr().context("local address of the QUIC endpoint")?;
    tracing::info!(state = %args.state, %listen, "contact point up");

    let coordinator = connect_to_coordinator(&endpoint, args.coordinator).await?;
    let (mut control, mut control_rx) = coordinator.open_bi().await.context("open the control stream")?;
    let advertised = advertised_address(listen, args.coordinator);
    let wall_clock_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    let hello = FromNode::Hello { state: args.state, listen: advertised.to_string(), wall_clock_ms };
    write_frame(&mut control, &hello).await?;

    let (mut agenda, register) = receive_setup(&mut control_rx, args.state).await?;
    // A restarted node replays its journal through the same core: same state, same seqs.
    let (journal, last_window) = match &args.journal {
        Some(path) => {
            let (journal, records) = Journal::open(path)?;
            let replayed = records.len();
            let last = replay(&mut agenda, records);
            if replayed > 0 {
                tracing::warn!(state = %args.state, "recovered from the journal: {replayed} records");
            }
            (Some(journal), last)
        }
        None => (None, None),
    };
    write_frame(&mut control, &FromNode::Ready { next_event: agenda.next_event() }).await?;

    let (tx, rx) = mpsc::channel(INPUT_QUEUE_MAX);
    tokio::spawn(accept_peers(endpoint.clone(), tx.clone()));
    let control_tx = tx.clone();
    tokio::spawn(async move {
        loop {
            let frame = read_frame::<ToNode>(&mut control_rx).await;
            let end = !matches!(frame, Ok(Some(_)));
            if control_tx.send(Input::Control(frame)).await.is_err() || end {
                return;
            }
        }
    });

    let mut node = Node {
        state: args.state,
        agenda,
        register,
        endpoint: endpoint.clone(),
        connections: BTreeMap::new(),
        control,
        tx,
        window: None,
        stats: TransportStats::default(),
        refused_total: 0,
        journal,
        last_window,
        socket,
        buckets: BTreeMap::new(),
        peer_batches_per_second: f64::from(args.peer_batches_per_second.max(1)),
    };
    let result = node.serve(rx).await;
    if let Err(e) = &result {
        tracing::error!(state = %args.state, "{e:#}");
        let _ = write_frame(&mut node.control, &FromNode::Failed { reason: format!("{e:#}") }).await;
    }
    // Closing a connection discards unsent stream data: wait until the coordinator has
    // the last frame (or a short while) before closing.
    let _ = node.control.finish();
    let _ = tokio::time::timeout(Duration::from_secs(2), node.control.stopped()).await;
    coordinator.close(0u32.into(), b"bye");
    endpoint.close(0u32.into(), b"bye");
    let _ = tokio::time::timeout(Duration::from_secs(2), endpoint.wait_idle()).await;
    result
}

/// The address other contact points should use: the bound one, or, when bound to all
/// interfaces (`0.0.0.0`, as in a container), the local address on the route to the
/// coordinator (a connected UDP socket tells it without sending anything).
fn advertised_address(listen: SocketAddr, coordinator: SocketAddr) -> SocketAddr {
    if !listen.ip().is_unspecified() {
        return listen;
    }
    let bind: SocketAddr =
        if coordinator.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { (std::net::Ipv6Addr::UNSPECIFIED, 0).into() };
    std::net::UdpSocket::bind(bind)
        .and_then(|s| s.connect(coordinator).and_then(|()| s.local_addr()))
        .map(|local| SocketAddr::new(local.ip(), listen.port()))
        .unwrap_or(listen)
}

/// How long a node started on its own waits for its coordinator to come up.
const COORDINATOR_WAIT: Duration = Duration::from_secs(120);

/// Connects to the coordinator, trying again while it is not up yet: a standalone node
/// may start before the coordinator (`pocnet run --attach`).
async fn connect_to_coordinator(endpoint: &quinn::Endpoint, addr: SocketAddr) -> anyhow::Result<quinn::Connection> {
    let deadline = Instant::now() + COORDINATOR_WAIT;
    let mut backoff = Duration::from_millis(100);
    loop {
        let attempt = async {
            let connecting = endpoint.connect(addr, COORDINATOR_NAME).context("connect to the coordinator")?;
            tokio::time::timeout(CONNECT_TIMEOUT, connecting)
                .await
                .map_err(|_| anyhow!("no handshake within {CONNECT_TIMEOUT:?}"))?
                .map_err(anyhow::Error::from)
        };
        match attempt.await {
            Ok(conn) => return Ok(conn),
            // A certificate problem will not fix itself: say so at once.
            Err(e) if format!("{e:#}").contains("certificate") => {
                return Err(e.context(format!("handshake with the coordinator at {addr}")))
            }
            Err(e) if Instant::now() + backoff > deadline => {
                return Err(e.context(format!("no coordinator at {addr} within {COORDINATOR_WAIT:?}")))
            }
            Err(e) => {
                tracing::info!("coordinator at {addr} not answering ({e:#}); trying again in {backoff:?}");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(2));
            }
        }
    }
}

/// Feeds journal records back into a fresh agenda; returns the last completed window.
fn replay(agenda: &mut Agenda, records: Vec<Record>) -> Option<(SimTime, WindowDone)> {
    let mut last = None;
    for record in records {
        match record {
            Record::Batch { envelopes, .. } => {
                for envelope in envelopes {
                    if let Err(e) = agenda.enqueue(envelope) {
                        tracing::warn!("journal replay: {e}");
                    }
                }
            }
            Record::Window { until, done } => {
                agenda.run_until(until, &mut WindowOutput::default());
                last = Some((until, done));
            }
        }
    }
    last
}

async fn receive_setup(
    control: &mut quinn::RecvStream,
    state: StateCode,
) -> anyhow::Result<(Agenda, BTreeMap<StateCode, SocketAddr>)> {
    let Some(ToNode::Setup { config, register }) = read_frame(control).await? else {
        bail!("the coordinator did not send a setup");
    };
    if config.state != state {
        bail!("setup is for {}, this node is {state}", config.state);
    }
    if register.len() > limits::STATES_MAX {
        bail!("register of {} entries exceeds the limit of {}", register.len(), limits::STATES_MAX);
    }
    let mut addresses = BTreeMap::new();
    for entry in register {
        let addr = entry
            .address
            .parse()
            .with_context(|| format!("register entry {}: address `{}`", entry.state, entry.address))?;
        addresses.insert(entry.state, addr);
    }
    let mut agenda = Agenda::new(ContactPoint::new(*config).context("contact point configuration")?);
    loop {
        match read_frame(control).await? {
            Some(ToNode::Injects(injects)) => {
                for inject in injects {
                    agenda.add_inject(inject)?;
                }
            }
            Some(ToNode::Exercise { at, input }) => agenda.add_exercise_input(at, input)?,
            Some(ToNode::SetupDone) => return Ok((agenda, addresses)),
            other => bail!("expected injects or end of setup from the coordinator, got {other:?}"),
        }
    }
}

struct Window {
    until: SimTime,
    pending: usize,
    sent: BTreeMap<StateCode, SimTime>,
    events: Vec<pocnet_core::Event>,
}

struct Node {
    state: StateCode,
    agenda: Agenda,
    register: BTreeMap<StateCode, SocketAddr>,
    endpoint: quinn::Endpoint,
    connections: BTreeMap<StateCode, quinn::Connection>,
    control: quinn::SendStream,
    tx: mpsc::Sender<Input>,
    window: Option<Window>,
    stats: TransportStats,
    refused_total: u64,
    journal: Option<Journal>,
    /// The last completed window and its answer: a grant for it again (the coordinator
    /// lost the answer when this node died) is answered from here, not run twice.
    last_window: Option<(SimTime, WindowDone)>,
    /// The UDP socket beneath QUIC, for cuts and heals.
    socket: std::sync::Arc<crate::lossy::LossySocket>,
    /// Token bucket per peer: (tokens, last refill).
    buckets: BTreeMap<StateCode, (f64, Instant)>,
    peer_batches_per_second: f64,
}

impl Node {
    async fn serve(&mut self, mut rx: mpsc::Receiver<Input>) -> anyhow::Result<()> {
        while let Some(input) = rx.recv().await {
            match input {
                Input::Control(Ok(Some(ToNode::Grant { until }))) => self.start_window(until).await?,
                Input::Control(Ok(Some(ToNode::Finish))) => {
                    self.finish().await?;
                    return Ok(());
                }
                Input::Control(Ok(Some(ToNode::PeerRestarted { state }))) => {
                    // Closing fails any exchange in flight on it at once; the delivery
                    // retries on a fresh connection to the restarted node.
                    if let Some(conn) = self.connections.remove(&state) {
                        conn.close(2u32.into(), b"peer restarted");
                    }
                }
                Input::Control(Ok(Some(ToNode::Cut { peers }))) => self.cut(&peers, true),
                Input::Control(Ok(Some(ToNode::Heal { peers }))) => self.cut(&peers, false),
                // Exercises: a player's new request, an ad-hoc inject, a person's action, the
                // end. The coordinator keeps them and sends them again if this node restarts.
                Input::Control(Ok(Some(ToNode::Injects(injects)))) => {
                    for inject in injects {
                        self.agenda.add_inject(inject)?;
                    }
                }
                Input::Control(Ok(Some(ToNode::Exercise { at, input }))) => {
                    self.agenda.add_exercise_input(at, input)?
                }
                Input::Control(Ok(Some(other))) => bail!("unexpected control message {other:?}"),
                Input::Control(Ok(None)) => bail!("the coordinator closed the control stream"),
                Input::Control(Err(e)) => bail!("control stream: {e}"),
                Input::Batch { from, envelopes, reply } => {
                    let answer = self.accept_batch(from, envelopes)?;
                    if let PeerFrame::Rejected { reason } = &answer {
                        self.refused(format!("batch from {from}: {reason}"));
                    }
                    let _ = reply.send(answer);
                }
                Input::Refused(reason) => self.refused(reason),
                Input::PeerConnected { peer, connection } => {
                    // One connection per pair, whoever opened it: half the handshakes.
                    let stale = self.connections.get(&peer).is_none_or(|c| c.close_reason().is_some());
                    if stale {
                        self.connections.insert(peer, connection);
                    }
                }
                Input::Delivered { to, result } => self.delivered(to, result).await?,
            }
        }
        Err(anyhow!("input queue closed"))
    }

    /// A real partition beneath QUIC: datagrams to `peers` are dropped until healed.
    fn cut(&mut self, peers: &[StateCode], cut: bool) {
        let addresses: Vec<SocketAddr> = peers.iter().filter_map(|p| self.register.get(p).copied()).collect();
        tracing::warn!(state = %self.state, "{} {peers:?}", if cut { "cut off from" } else { "healed with" });
        self.socket.set_cut(&addresses, cut);
    }

    fn refused(&mut self, reason: String) {
        tracing::warn!(state = %self.state, "refused: {reason}");
        self.refused_total += 1;
        if self.stats.rejected.len() < REFUSALS_KEPT_MAX {
            self.stats.rejected.push(reason);
        }
    }

    /// Checks every envelope before queueing any: the sender is the state the peer's
    /// certificate names, and the agenda takes it.
    fn accept_batch(&mut self, from: StateCode, envelopes: Vec<Envelope>) -> anyhow::Result<PeerFrame> {
        let rate = self.peer_batches_per_second;
        let (tokens, last) = self.buckets.entry(from).or_insert((rate, Instant::now()));
        *tokens = (*tokens + last.elapsed().as_secs_f64() * rate).min(rate);
        *last = Instant::now();
        if *tokens < 1.0 {
            return Ok(PeerFrame::Rejected {
                reason: format!("{RATE_LIMITED}: more than {rate} batches a second from {from}"),
            });
        }
        *tokens -= 1.0;
        if envelopes.len() > limits::BATCH_ENVELOPES_MAX {
            return Ok(PeerFrame::Rejected {
                reason: format!("{} envelopes in one batch; at most {}", envelopes.len(), limits::BATCH_ENVELOPES_MAX),
            });
        }
        if let Some(e) = envelopes.iter().find(|e| e.from != from) {
            return Ok(PeerFrame::Rejected {
                reason: format!("envelope claims to come from {}, certificate names {from}", e.from),
            });
        }
        let count = envelopes.len();
        let mut accepted = Vec::with_capacity(count);
        let mut rejection = None;
        for envelope in envelopes {
            match self.agenda.enqueue(envelope.clone()) {
                Ok(()) => accepted.push(envelope),
                Err(e) => {
                    rejection = Some(e.to_string());
                    break;
                }
            }
        }
        // Journalled before the answer: what the sender is told is queued survives a crash.
        if let (Some(journal), false) = (self.journal.as_mut(), accepted.is_empty()) {
            journal.append(&Record::Batch { from, envelopes: accepted })?;
        }
        Ok(match rejection {
            Some(reason) => PeerFrame::Rejected { reason },
            None => PeerFrame::Accepted { count: u32::try_from(count).unwrap_or(u32::MAX) },
        })
    }

    async fn start_window(&mut self, until: SimTime) -> anyhow::Result<()> {
        if self.window.is_some() {
            bail!("grant until {until} while a window is still open");
        }
        if let Some((done_until, done)) = self.last_window.clone().filter(|(u, _)| *u == until) {
            // Completed before this node died; the coordinator never got the answer.
            let _ = done_until;
            return self.answer_window(done).await;
        }
        let mut out = WindowOutput::default();
        self.agenda.run_until(until, &mut out);
        // Events ride on the window's answer (one control frame per window in the common
        // case); `answer_window` splits the rare window with more than one frame holds.
        let events = out.events;
        let mut by_receiver: BTreeMap<StateCode, Vec<Envelope>> = BTreeMap::new();
        for envelope in out.transmits {
            by_receiver.entry(envelope.to).or_default().push(envelope);
        }
        let mut window = Window { until, pending: 0, sent: BTreeMap::new(), events };
        for (to, envelopes) in by_receiver {
            let earliest = envelopes.iter().map(|e| e.deliver_at).min();
            if let Some(t) = earliest {
                window.sent.insert(to, t);
            }
            let Some(&addr) = self.register.get(&to) else {
                bail!("{to} is not in the register: cannot deliver {} messages", envelopes.len());
            };
            window.pending += 1;
            let task =
                deliver(self.endpoint.clone(), self.connections.get(&to).cloned(), addr, to, self.state, envelopes);
            let tx = self.tx.clone();
            tokio::spawn(async move {
                let result = task.await;
                let _ = tx.send(Input::Delivered { to, result }).await;
            });
        }
        self.window = Some(window);
        self.maybe_end_window().await
    }

    async fn delivered(&mut self, to: StateCode, result: Result<Delivery, String>) -> anyhow::Result<()> {
        let delivery = result.map_err(|e| anyhow!("delivery to {to} failed: {e}"))?;
        for rtt in delivery.rtt_us {
            if self.stats.batch_rtt_us.len() < RTT_SAMPLES_MAX {
                self.stats.batch_rtt_us.push(rtt);
            }
        }
        let known = self.connections.get(&to).is_some_and(|c| c.stable_id() == delivery.connection.stable_id());
        if !known {
            // A connection this node opened: serve the streams the peer opens on it too.
            tokio::spawn(serve_peer_streams(to, delivery.connection.clone(), self.tx.clone()));
            self.connections.insert(to, delivery.connection);
        }
        let Some(window) = self.window.as_mut() else { bail!("delivery report outside a window") };
        window.pending -= 1;
        self.maybe_end_window().await
    }

    async fn maybe_end_window(&mut self) -> anyhow::Result<()> {
        if self.window.as_ref().is_some_and(|w| w.pending == 0) {
            let window = self.window.take().expect("checked above");
            let done = WindowDone {
                next_event: self.agenda.next_event(),
                sent: window.sent.into_iter().collect(),
                events: window.events,
            };
            // Journalled before the answer: a restarted node answers a repeated grant
            // with exactly this.
            if let Some(journal) = self.journal.as_mut() {
                journal.append(&Record::Window { until: window.until, done: done.clone() })?;
            }
            self.last_window = Some((window.until, done.clone()));
            self.answer_window(done).await?;
        }
        Ok(())
    }

    /// Sends a window's answer, events in as many frames as they need.
    async fn answer_window(&mut self, mut done: WindowDone) -> anyhow::Result<()> {
        while done.events.len() > limits::EVENT_FRAME_EVENTS_MAX {
            let rest = done.events.split_off(limits::EVENT_FRAME_EVENTS_MAX);
            write_frame(&mut self.control, &FromNode::Events(std::mem::replace(&mut done.events, rest))).await?;
        }
        write_frame(&mut self.control, &FromNode::WindowDone(done)).await?;
        Ok(())
    }

    async fn finish(&mut self) -> anyhow::Result<()> {
        let mut stats = std::mem::take(&mut self.stats);
        for (peer, conn) in &self.connections {
            let s = conn.stats();
            stats.peers.push(PeerTransport {
                peer: *peer,
                rtt_us: u64::try_from(conn.rtt().as_micros()).unwrap_or(u64::MAX),
                udp_tx_bytes: s.udp_tx.bytes,
                udp_rx_bytes: s.udp_rx.bytes,
                lost_packets: s.path.lost_packets,
                sent_packets: s.path.sent_packets,
            });
        }
        if self.refused_total as usize > stats.rejected.len() {
            let more = self.refused_total as usize - stats.rejected.len();
            stats.rejected.push(format!("... and {more} more"));
        }
        write_frame(&mut self.control, &FromNode::Finished(stats)).await?;
        Ok(())
    }
}

/// The start of a rate-limit refusal: the sender backs off and sends again.
pub const RATE_LIMITED: &str = "rate limited";
/// Default batches per second (and burst) one peer may send: far above what a mesh
/// window rate needs, low enough to stop a flood.
pub const PEER_BATCHES_PER_SECOND: u32 = 20_000;

/// How long a delivery keeps trying a peer that does not answer (it may be restarting).
const DELIVERY_DEADLINE: Duration = Duration::from_secs(60);
/// One batch exchange on loopback takes milliseconds; a connection to a peer that died
/// looks alive until QUIC's idle timeout, so an exchange that takes this long is retried
/// on a fresh connection.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(3);

/// Sends envelopes to one peer in batches; returns when the peer has queued all of them.
/// A peer that is down (killed, restarting) is retried with backoff on the same address
/// until `DELIVERY_DEADLINE`; a resent batch is harmless, the receiver keeps one copy.
async fn deliver(
    endpoint: quinn::Endpoint,
    cached: Option<quinn::Connection>,
    addr: SocketAddr,
    to: StateCode,
    from: StateCode,
    envelopes: Vec<Envelope>,
) -> Result<Delivery, String> {
    let deadline = Instant::now() + DELIVERY_DEADLINE;
    let mut connection = cached.filter(|c| c.close_reason().is_none());
    let mut backoff = Duration::from_millis(20);
    let mut rtt_us = Vec::new();
    let mut next_chunk = 0;
    let chunks: Vec<&[Envelope]> = envelopes.chunks(limits::BATCH_ENVELOPES_MAX).collect();
    loop {
        let attempt = async {
            let conn = match connection.clone() {
                Some(c) => c,
                None => {
                    let connecting = endpoint
                        .connect(addr, &to.certificate_name())
                        .map_err(|e| Failure::Retry(format!("connect to {addr}: {e}")))?;
                    let c = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
                        .await
                        .map_err(|_| Failure::Retry(format!("no handshake from {addr} within {CONNECT_TIMEOUT:?}")))?
                        .map_err(|e| Failure::Retry(format!("handshake with {addr}: {e}")))?;
                    connection = Some(c.clone());
                    c
                }
            };
            while next_chunk < chunks.len() {
                let chunk = chunks[next_chunk];
                let started = Instant::now();
                let retry = |e: &dyn std::fmt::Display| Failure::Retry(e.to_string());
                let (mut send, mut recv) = conn.open_bi().await.map_err(|e| retry(&e))?;
                let batch = PeerFrame::Batch { from, envelopes: chunk.to_vec() };
                write_frame(&mut send, &batch).await.map_err(|e| retry(&e))?;
                send.finish().map_err(|e| retry(&e))?;
                match read_frame::<PeerFrame>(&mut recv).await.map_err(|e| retry(&e))? {
                    Some(PeerFrame::Accepted { count }) if count as usize == chunk.len() => {}
                    Some(PeerFrame::Rejected { reason }) => {
                        return Err(Failure::Fatal(format!("{to} rejected the batch: {reason}")))
                    }
                    None => return Err(Failure::Retry("the peer closed the stream without an answer".into())),
                    other => return Err(Failure::Fatal(format!("unexpected answer {other:?}"))),
                }
                rtt_us.push(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX));
                next_chunk += 1;
            }
            Ok(conn)
        };
        let outcome = match tokio::time::timeout(EXCHANGE_TIMEOUT, attempt).await {
            Ok(outcome) => outcome,
            Err(_) => Err(Failure::Retry(format!("no answer from {to} within {EXCHANGE_TIMEOUT:?}"))),
        };
        match outcome {
            Ok(conn) => return Ok(Delivery { connection: conn, rtt_us }),
            Err(Failure::Fatal(e)) => return Err(e),
            Err(Failure::Retry(e)) => {
                if Instant::now() + backoff > deadline {
                    return Err(format!("{to} at {addr} unreachable for {DELIVERY_DEADLINE:?}: {e}"));
                }
                tracing::info!("delivery to {to} failed ({e}); retrying in {backoff:?}");
                connection = None;
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
    }
}

enum Failure {
    /// The peer may come back: try again.
    Retry(String),
    /// The peer answered and said no: a protocol error.
    Fatal(String),
}

/// Accepts peer connections; each stream carries one batch.
async fn accept_peers(endpoint: quinn::Endpoint, tx: mpsc::Sender<Input>) {
    while let Some(incoming) = endpoint.accept().await {
        let tx = tx.clone();
        tokio::spawn(async move {
            let remote = incoming.remote_address();
            let conn = match incoming.await {
                Ok(conn) => conn,
                Err(e) => {
                    let _ = tx.send(Input::Refused(format!("handshake from {remote}: {e}"))).await;
                    return;
                }
            };
            let peer = match peer_identity(&conn) {
                Ok(Identity::State(code)) => code,
                Ok(Identity::Coordinator) => {
                    conn.close(1u32.into(), b"coordinators do not send batches");
                    return;
                }
                Err(e) => {
                    let _ = tx.send(Input::Refused(format!("connection from {remote}: {e}"))).await;
                    conn.close(1u32.into(), b"identity");
                    return;
                }
            };
            let _ = tx.send(Input::PeerConnected { peer, connection: conn.clone() }).await;
            serve_peer_streams(peer, conn, tx).await;
        });
    }
}

/// Serves the batches `peer` sends on `conn`, whichever side opened it.
async fn serve_peer_streams(peer: StateCode, conn: quinn::Connection, tx: mpsc::Sender<Input>) {
    while let Ok((send, recv)) = conn.accept_bi().await {
        tokio::spawn(serve_stream(peer, send, recv, tx.clone()));
    }
}

async fn serve_stream(
    peer: StateCode,
    mut send: quinn::SendStream,
    mut recv: quinn::RecvStream,
    tx: mpsc::Sender<Input>,
) {
    let answer = match read_frame::<PeerFrame>(&mut recv).await {
        Ok(Some(PeerFrame::Batch { from, envelopes })) if from == peer => {
            let (reply, answer) = oneshot::channel();
            if tx.send(Input::Batch { from, envelopes, reply }).await.is_err() {
                return;
            }
            match answer.await {
                Ok(a) => a,
                Err(_) => return,
            }
        }
        Ok(Some(PeerFrame::Batch { from, .. })) => {
            let reason = format!("certificate names {peer} but the batch claims to come from {from}");
            let _ = tx.send(Input::Refused(reason.clone())).await;
            PeerFrame::Rejected { reason }
        }
        Ok(other) => {
            let reason = format!("from {peer}: expected a batch, got {other:?}");
            let _ = tx.send(Input::Refused(reason.clone())).await;
            PeerFrame::Rejected { reason }
        }
        Err(e) => {
            let reason = format!("from {peer}: {e}");
            let _ = tx.send(Input::Refused(reason.clone())).await;
            PeerFrame::Rejected { reason }
        }
    };
    let _ = write_frame(&mut send, &answer).await;
    let _ = send.finish();
    let _ = send.stopped().await;
}
