//! The node's one loop: one `select!`-free queue of [`Input`]s feeding the [`Agenda`], and
//! the journal that makes it survive being killed.
//!
//! Tasks only move bytes (serve.rs reads peers' batches, deliver.rs writes this node's,
//! control.rs reads the coordinator's frames); every decision is taken here, in order. A
//! node answers `WindowDone` once every batch of its window is written, naming each
//! envelope (`written`); a receiver tells the coordinator what it queued (`Queued`, after
//! its journal and before it answers the sender `Accepted`), and the coordinator closes
//! the window when every envelope written is reported queued: three one-way hops on a
//! window's critical path (grant, batch, queued), so the coordinator never places a window
//! past a message it does not know about. A batch not accepted is sent again by its
//! delivery task; the last window's envelopes are sent again to a peer that restarted and,
//! by a node restarted from its journal, to every receiver (a receiver takes a copy it
//! holds or handled already, and reports it queued again).

use crate::deliver::{deliver, Delivery, DeliveryError, Outgoing};
use crate::framing::{write_frame, FrameError};
use crate::input::{is_stop, Failure, Input};
use crate::journal::{Journal, Record};
use crate::refusals::{self, SharedRefusals};
use pocnet_core::limits;
use pocnet_core::wire::{
    Envelope, FailureCause, FromNode, PeerFrame, PeerTransport, ToNode, TransportStats, WindowDone,
};
use pocnet_core::{Agenda, SimTime, StateCode, WindowOutput};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use tokio::sync::{mpsc, oneshot};

/// Batch round-trip samples kept for the transport report.
const RTT_SAMPLES_MAX: usize = 100_000;

struct Window {
    until: SimTime,
    /// Receivers whose batches are not all written yet.
    pending: usize,
    sent: BTreeMap<StateCode, SimTime>,
    events: Vec<pocnet_core::Event>,
    /// Every envelope of the window, by receiver.
    transmits: BTreeMap<StateCode, Vec<Envelope>>,
}

/// The last window this node completed: its answer and what it wrote. A grant for it again
/// (the coordinator lost the answer when this node died) is answered from here, not run
/// twice; its envelopes are sent again where a report of them may have been lost.
#[derive(Debug, Clone)]
pub struct LastWindow {
    pub until: SimTime,
    pub done: WindowDone,
    pub transmits: BTreeMap<StateCode, Vec<Envelope>>,
}

pub struct Node {
    pub state: StateCode,
    pub agenda: Agenda,
    pub register: BTreeMap<StateCode, SocketAddr>,
    pub endpoint: quinn::Endpoint,
    /// The connection used to deliver to each peer (whoever opened it).
    pub connections: BTreeMap<StateCode, quinn::Connection>,
    /// Live connections each peer holds to this node (bounded by PEER_CONNECTIONS_MAX).
    pub inbound: BTreeMap<StateCode, Vec<quinn::Connection>>,
    pub control: quinn::SendStream,
    pub tx: mpsc::Sender<Input>,
    window: Option<Window>,
    pub stats: TransportStats,
    pub refusals: SharedRefusals,
    pub journal: Option<Journal>,
    pub last_window: Option<LastWindow>,
    /// The UDP socket beneath QUIC, for cuts and heals.
    pub socket: std::sync::Arc<crate::lossy::LossySocket>,
    rate_limit: crate::acceptance::RateLimit,
}

/// What a node is made of when its loop starts.
pub struct Parts {
    pub state: StateCode,
    pub agenda: Agenda,
    pub register: BTreeMap<StateCode, SocketAddr>,
    pub endpoint: quinn::Endpoint,
    pub control: quinn::SendStream,
    pub tx: mpsc::Sender<Input>,
    pub refusals: SharedRefusals,
    pub journal: Option<Journal>,
    pub last_window: Option<LastWindow>,
    pub socket: std::sync::Arc<crate::lossy::LossySocket>,
    pub peer_batches_per_second: u32,
}

impl Node {
    pub fn new(p: Parts) -> Node {
        Node {
            state: p.state,
            agenda: p.agenda,
            register: p.register,
            endpoint: p.endpoint,
            connections: BTreeMap::new(),
            inbound: BTreeMap::new(),
            control: p.control,
            tx: p.tx,
            window: None,
            stats: TransportStats::default(),
            refusals: p.refusals,
            journal: p.journal,
            last_window: p.last_window,
            socket: p.socket,
            rate_limit: crate::acceptance::RateLimit::new(p.peer_batches_per_second),
        }
    }

    /// Runs until the coordinator ends the run (Ok) or the node cannot go on.
    pub async fn serve(&mut self, mut rx: mpsc::Receiver<Input>) -> Result<(), Failure> {
        // Restarted from its journal: its last window's reports of queued may have died
        // with its batches (a copy a receiver has already is reported again).
        self.send_last_window_again(None);
        while let Some(input) = rx.recv().await {
            match input {
                Input::Control(Ok(Some(frame))) => {
                    if self.control_frame(frame).await? {
                        return Ok(());
                    }
                }
                Input::Control(Ok(None)) => return Err(Failure::protocol("the coordinator closed the control stream")),
                Input::Control(Err(e)) if is_stop(&e) => return Err(Failure::stopped()),
                Input::Control(Err(e)) => return Err(Failure::protocol(format!("control stream: {e}"))),
                Input::Batch { from, envelopes, reply } => {
                    let answer = self.accept_batch(from, envelopes).await?;
                    if let PeerFrame::Rejected { reason } = &answer {
                        let kind = pocnet_core::wire::RefusalKind::BatchRejected(reason.clone());
                        refusals::record(&self.refusals, kind, from.as_str(), reason);
                    }
                    let _ = reply.send(answer);
                }
                Input::PeerConnected { peer, connection, admit } => {
                    let live = self.inbound.entry(peer).or_default();
                    live.retain(|c| c.close_reason().is_none());
                    let room = live.len() < limits::PEER_CONNECTIONS_MAX;
                    if room {
                        live.push(connection.clone());
                        // One connection per pair, whoever opened it: half the handshakes.
                        let stale = self.connections.get(&peer).is_none_or(|c| c.close_reason().is_some());
                        if stale {
                            self.connections.insert(peer, connection);
                        }
                    }
                    let _ = admit.send(room);
                }
                Input::Written { until, to } => self.written(until, to).await?,
                Input::Delivered { to, result } => self.delivered(to, result)?,
            }
        }
        Err(Failure::protocol("input queue closed"))
    }

    /// One frame from the coordinator; `true` when the run is over.
    async fn control_frame(&mut self, frame: ToNode) -> Result<bool, Failure> {
        match frame {
            ToNode::Grant { until } => self.start_window(until).await?,
            ToNode::Finish => {
                self.finish().await?;
                return Ok(true);
            }
            ToNode::PeerRestarted { state, address } => {
                match address.parse() {
                    Ok(addr) if self.register.contains_key(&state) => {
                        self.register.insert(state, addr);
                    }
                    _ => return Err(Failure::protocol(format!("restarted peer {state} at `{address}`"))),
                }
                // Closing fails any exchange in flight on it at once; the delivery retries
                // on a fresh connection to the restarted node.
                if let Some(conn) = self.connections.remove(&state) {
                    conn.close(2u32.into(), b"peer restarted");
                }
                // Its report of what it queued may have died with it.
                self.send_last_window_again(Some(state));
            }
            ToNode::Cut { peers } => self.cut(&peers, true),
            ToNode::Heal { peers } => self.cut(&peers, false),
            // Exercises: a player's new request, an ad-hoc inject, a person's action, the
            // end. The coordinator keeps them and sends them again if this node restarts.
            ToNode::Injects(injects) => {
                for inject in injects {
                    self.agenda.add_inject(inject).map_err(|e| Failure::protocol(format!("inject: {e}")))?;
                }
            }
            ToNode::Exercise { at, input } => self
                .agenda
                .add_exercise_input(at, input)
                .map_err(|e| Failure::protocol(format!("exercise input: {e}")))?,
            other @ (ToNode::Setup { .. } | ToNode::SetupDone) => {
                return Err(Failure::protocol(format!("unexpected control frame {other:?}")))
            }
        }
        Ok(false)
    }

    /// A real partition beneath QUIC: datagrams to `peers` are dropped until healed.
    fn cut(&mut self, peers: &[StateCode], cut: bool) {
        let addresses: Vec<SocketAddr> = peers.iter().filter_map(|p| self.register.get(p).copied()).collect();
        tracing::warn!(state = %self.state, "{} {peers:?}", if cut { "cut off from" } else { "healed with" });
        self.socket.set_cut(&addresses, cut);
    }

    /// A peer's batch: the rate limit, then every envelope checked before any is queued
    /// (acceptance.rs); what is accepted is journalled, then reported to the coordinator
    /// (`Queued`), then answered.
    async fn accept_batch(&mut self, from: StateCode, envelopes: Vec<Envelope>) -> Result<PeerFrame, Failure> {
        if let Err(reason) = self.rate_limit.take(from) {
            return Ok(PeerFrame::Rejected { reason });
        }
        let register = &self.register;
        let (answer, accepted) =
            crate::acceptance::accept(&mut self.agenda, |s| register.contains_key(&s), from, envelopes);
        if accepted.is_empty() {
            return Ok(answer);
        }
        let seqs = accepted.iter().map(|e| e.seq).collect();
        // Journalled before the report and the answer: what is said queued survives a crash.
        if let Some(journal) = self.journal.as_mut() {
            journal.append(&Record::Batch { from, envelopes: accepted })?;
        }
        write_frame(&mut self.control, &FromNode::Queued { from, seqs }).await.map_err(control_lost)?;
        Ok(answer)
    }

    async fn start_window(&mut self, until: SimTime) -> Result<(), Failure> {
        if self.window.is_some() {
            return Err(Failure::protocol(format!("grant until {until} while a window is still open")));
        }
        if let Some(last) = self.last_window.as_ref().filter(|l| l.until == until) {
            // Completed before this node died; the coordinator never got the answer.
            let done = last.done.clone();
            return self.answer_window(done).await;
        }
        if until < self.agenda.horizon() {
            return Err(Failure::protocol(format!(
                "stale grant: until {until}, but every input before {} has run",
                self.agenda.horizon()
            )));
        }
        let mut out = WindowOutput::default();
        self.agenda.run_until(until, &mut out);
        // Events ride on the window's answer (one control frame per window in the common
        // case); `answer_window` splits the rare window with more than one frame holds.
        let transmits = by_receiver(out.transmits);
        let rule = self.agenda.rule();
        let mut window = Window { until, pending: 0, sent: BTreeMap::new(), events: out.events, transmits };
        for (&to, envelopes) in &window.transmits {
            let Some(&addr) = self.register.get(&to) else {
                // The core sends only to states of the validated scenario: a setup that
                // names a state the register lacks is unusable.
                return Err(Failure::setup(format!(
                    "{to} is not in the register: {} messages for it",
                    envelopes.len()
                )));
            };
            if let Some(t) = envelopes.iter().filter(|e| rule.wakes(e)).map(|e| e.deliver_at).min() {
                window.sent.insert(to, t);
            }
            window.pending += 1;
            self.send_to(to, addr, envelopes.clone(), Some(until));
        }
        self.window = Some(window);
        self.maybe_end_window().await
    }

    /// Delivers `envelopes` to `to` at `addr` in a task of its own; for the open window
    /// ending at `window`, says `Written` once every batch is written.
    fn send_to(&self, to: StateCode, addr: SocketAddr, envelopes: Vec<Envelope>, window: Option<SimTime>) {
        let mut written = None;
        if let Some(until) = window {
            let (told, heard) = oneshot::channel();
            written = Some(told);
            let tx = self.tx.clone();
            tokio::spawn(async move {
                if heard.await.is_ok() {
                    let _ = tx.send(Input::Written { until, to }).await;
                }
            });
        }
        let outgoing = Outgoing { from: self.state, to, addr, envelopes, written };
        let task = deliver(self.endpoint.clone(), self.connections.get(&to).cloned(), outgoing, self.refusals.clone());
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let result = task.await;
            let _ = tx.send(Input::Delivered { to, result }).await;
        });
    }

    /// Sends the last window's envelopes again (to `only`, or to every receiver): a receiver
    /// that holds or handled one takes it again and reports it queued.
    fn send_last_window_again(&self, only: Option<StateCode>) {
        let Some(last) = &self.last_window else { return };
        for (&to, envelopes) in last.transmits.iter().filter(|(to, _)| only.is_none_or(|o| o == **to)) {
            if let Some(&addr) = self.register.get(&to) {
                self.send_to(to, addr, envelopes.clone(), None);
            }
        }
    }

    /// Every batch of the window ending `until` is written to `to`.
    async fn written(&mut self, until: SimTime, to: StateCode) -> Result<(), Failure> {
        let Some(window) = self.window.as_mut().filter(|w| w.until == until) else {
            return Err(Failure::protocol(format!("batches to {to} written for a window ending {until}, not open")));
        };
        window.pending -= 1;
        self.maybe_end_window().await
    }

    fn delivered(&mut self, to: StateCode, result: Result<Delivery, DeliveryError>) -> Result<(), Failure> {
        let delivery = result.map_err(|e| Failure::new(FailureCause::Delivery, e.to_string()))?;
        for rtt in delivery.rtt_us {
            if self.stats.batch_rtt_us.len() < RTT_SAMPLES_MAX {
                self.stats.batch_rtt_us.push(rtt);
            }
        }
        let known = self.connections.get(&to).is_some_and(|c| c.stable_id() == delivery.connection.stable_id());
        if !known {
            // A connection this node opened: serve the streams the peer opens on it too.
            tokio::spawn(crate::serve::serve_peer_streams(
                to,
                delivery.connection.clone(),
                self.tx.clone(),
                self.refusals.clone(),
            ));
            self.connections.insert(to, delivery.connection);
        }
        Ok(())
    }

    async fn maybe_end_window(&mut self) -> Result<(), Failure> {
        let Some(window) = self.window.take_if(|w| w.pending == 0) else { return Ok(()) };
        let done = WindowDone {
            next_event: self.agenda.next_event(),
            sent: window.sent.into_iter().collect(),
            written: written(&window.transmits),
            events: window.events,
        };
        // Journalled before the answer: a restarted node replays to the same answer.
        if let Some(journal) = self.journal.as_mut() {
            journal.append(&Record::Window { until: window.until })?;
        }
        self.last_window = Some(LastWindow { until: window.until, done: done.clone(), transmits: window.transmits });
        self.answer_window(done).await
    }

    /// Sends a window's answer, events in as many frames as they need.
    async fn answer_window(&mut self, mut done: WindowDone) -> Result<(), Failure> {
        let lost = control_lost;
        while done.events.len() > limits::EVENT_FRAME_EVENTS_MAX {
            let rest = done.events.split_off(limits::EVENT_FRAME_EVENTS_MAX);
            write_frame(&mut self.control, &FromNode::Events(std::mem::replace(&mut done.events, rest)))
                .await
                .map_err(lost)?;
        }
        write_frame(&mut self.control, &FromNode::WindowDone(done)).await.map_err(lost)
    }

    async fn finish(&mut self) -> Result<(), Failure> {
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
        stats.refusals = refusals::counts(&self.refusals);
        write_frame(&mut self.control, &FromNode::Finished(stats)).await.map_err(control_lost)
    }
}

/// The control stream failed: stopped by the coordinator, or lost.
fn control_lost(e: FrameError) -> Failure {
    if is_stop(&e) {
        Failure::stopped()
    } else {
        Failure::protocol(format!("control stream: {e}"))
    }
}

/// A window's envelopes by receiver, in the order they were produced.
fn by_receiver(transmits: Vec<Envelope>) -> BTreeMap<StateCode, Vec<Envelope>> {
    let mut by_receiver: BTreeMap<StateCode, Vec<Envelope>> = BTreeMap::new();
    for envelope in transmits {
        by_receiver.entry(envelope.to).or_default().push(envelope);
    }
    by_receiver
}

/// The sequence numbers written to each receiver, as a window's answer names them.
fn written(transmits: &BTreeMap<StateCode, Vec<Envelope>>) -> Vec<(StateCode, Vec<u64>)> {
    transmits.iter().map(|(to, envelopes)| (*to, envelopes.iter().map(|e| e.seq).collect())).collect()
}

/// Feeds journal records back into a fresh agenda; returns the last completed window, the
/// answer it gave and what it wrote (computed again: the core is deterministic).
pub fn replay(agenda: &mut Agenda, records: Vec<Record>) -> Option<LastWindow> {
    let mut last = None;
    for record in records {
        match record {
            Record::Run { .. } => {}
            Record::Batch { envelopes, .. } => {
                for envelope in envelopes {
                    if let Err(e) = agenda.enqueue(envelope) {
                        tracing::warn!("journal replay: {e}");
                    }
                }
            }
            Record::Window { until } => {
                let mut out = WindowOutput::default();
                agenda.run_until(until, &mut out);
                let mut sent: BTreeMap<StateCode, SimTime> = BTreeMap::new();
                for e in out.transmits.iter().filter(|e| agenda.rule().wakes(e)) {
                    let slot = sent.entry(e.to).or_insert(e.deliver_at);
                    *slot = (*slot).min(e.deliver_at);
                }
                let transmits = by_receiver(out.transmits);
                // The answer's next input is what was pending when it was given: after the
                // batches accepted during the window, which precede its record.
                let done = WindowDone {
                    next_event: agenda.next_event(),
                    sent: sent.into_iter().collect(),
                    written: written(&transmits),
                    events: out.events,
                };
                last = Some(LastWindow { until, done, transmits });
            }
        }
    }
    last
}
