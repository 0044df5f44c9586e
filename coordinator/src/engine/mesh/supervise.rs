//! Watching every node for the whole run: start-up, windows, the quiet tail, the end.
//!
//! A node that dies (its process exits, its control connection ends or goes silent, it
//! reports a failure a restart may cure) is restarted on its address with its journal; a
//! restart is itself watched (a process that dies again at once is started again, with
//! back-off, up to `STARTS_PER_RESTART_MAX`), and the run gives up on a node only after
//! `RESTARTS_PER_NODE_MAX` restarts, naming every cause and its log's last lines. An
//! attached node (started elsewhere) is not restarted by the coordinator: its host's
//! supervisor does it, and the node registers again with its journal. A node's identity is
//! its certificate's state and its process's instance: a registration for a state whose
//! node is alive (heard from within `LIVENESS_WAIT`) is a second node, refused and counted
//! (`transport.json`: "a second node for a state whose node is alive"), never taken as a
//! restart; only once the first one is gone is a new instance its restart.

use super::register::Registration;
use super::spawn::log_tail;
use super::transport::{Restart, RestartCause};
use super::{
    Mesh, NodeInput, Received, ATTACHED_RETURN_TIMEOUT, CHILD_POLL_INTERVAL, RESTARTS_PER_NODE_MAX,
    STARTS_PER_RESTART_MAX, STARTUP_TIMEOUT, WINDOW_STALL_TIMEOUT,
};
use anyhow::{anyhow, bail};
use pocnet_core::wire::{FromNode, InstanceId, RefusalKind, ToNode, SECOND_NODE_CODE};
use pocnet_core::{SimTime, StateCode};
use pocnet_node::framing::write_frame;
use pocnet_node::refusals::record;
use pocnet_node::tls::CONTROL_KEEP_ALIVE;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// How long a registered node's control connection may stay silent before a new
/// registration for its state is taken as its restart: a live node's keep-alive comes
/// every `CONTROL_KEEP_ALIVE`, so it is heard from twice within this.
pub(super) const LIVENESS_WAIT: Duration = Duration::from_millis(2 * CONTROL_KEEP_ALIVE.as_millis() as u64 + 1_000);

/// Whether the node at the other end of `conn` is alive: its connection is open and a
/// datagram comes from it within `LIVENESS_WAIT` (at once when it is busy).
pub(super) async fn alive(conn: &quinn::Connection) -> bool {
    let heard = conn.stats().udp_rx.datagrams;
    let deadline = Instant::now() + LIVENESS_WAIT;
    while Instant::now() < deadline {
        if conn.close_reason().is_some() {
            return false;
        }
        if conn.stats().udp_rx.datagrams > heard {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// How a node being brought up was lost.
#[derive(Debug)]
pub(super) enum Lost {
    Exited(String),
    Ended(String),
    Failed(RestartCause),
    Timeout(Duration),
}

impl std::fmt::Display for Lost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Lost::Exited(status) => write!(f, "its process exited ({status})"),
            Lost::Ended(reason) => write!(f, "its control connection ended ({reason})"),
            Lost::Failed(cause) => write!(f, "{cause}"),
            Lost::Timeout(t) => write!(f, "it did not register and get ready within {t:?}"),
        }
    }
}

/// Everything the supervisor waits for, as one input: every wait (start-up, a window, a
/// restart, the end) is a loop over [`Mesh::next_input`], the one `select!`, as the node's
/// is over its `Input`.
pub(super) enum Input {
    /// A frame from a node (or the end of its control stream), with the incarnation of the
    /// node that sent it.
    Node(StateCode, u32, NodeInput),
    /// A node registered (at start-up, back from its host's restart, or unexpected).
    Registration(Registration),
    /// `CHILD_POLL_INTERVAL` passed: time to look for processes that exited.
    Tick,
    /// The wait's deadline passed.
    Deadline,
    /// A channel the supervisor reads closed: the endpoint, or every node connection.
    Closed(&'static str),
}

impl Mesh {
    /// The next input, or `Tick` after `CHILD_POLL_INTERVAL`, or `Deadline` at `deadline`.
    /// Registrations are read only `with_registrations`: waiting for a restarted node's
    /// `Ready`, they stay queued for the wait that called it.
    async fn next_input(&mut self, deadline: tokio::time::Instant, with_registrations: bool) -> Input {
        tokio::select! {
            next = self.inbox.recv() => match next {
                Some((state, incarnation, input)) => Input::Node(state, incarnation, input),
                None => Input::Closed("every node connection closed"),
            },
            r = self.registrations.recv(), if with_registrations => match r {
                Some(r) => Input::Registration(r),
                None => Input::Closed("the coordinator's endpoint closed"),
            },
            () = tokio::time::sleep(CHILD_POLL_INTERVAL) => Input::Tick,
            () = tokio::time::sleep_until(deadline) => Input::Deadline,
        }
    }

    /// Keeps a frame from another node read while waiting for one (a restarted node's
    /// registration or `Ready`), for [`Mesh::receive`]; one from an earlier life is dropped.
    fn keep(&mut self, state: StateCode, incarnation: u32, input: NodeInput) {
        if self.is_current(state, incarnation) {
            self.pending.push_back((state, incarnation, input));
        }
    }

    fn is_current(&self, state: StateCode, incarnation: u32) -> bool {
        self.spawns.get(&state).is_some_and(|s| s.incarnation == incarnation)
    }

    fn log_of(&self, state: StateCode) -> String {
        if self.attached {
            return " (its log is on its own host)".into();
        }
        self.spawns.get(&state).map(|s| log_tail(&s.log)).unwrap_or_default()
    }

    fn refuse(&mut self, r: Registration, why: &str) {
        r.conn.close(1u32.into(), b"unexpected registration");
        record(&self.refusals, RefusalKind::Registration, r.state.as_str(), &why);
    }

    /// Refuses `r`: the node `live` for its state is registered and alive.
    fn refuse_second(&mut self, r: Registration, live: InstanceId) {
        r.conn.close(SECOND_NODE_CODE.into(), b"another node for this state is alive");
        let detail = format!(
            "instance {} at {}: instance {live} is registered for {} and alive (a second node, not a restart)",
            r.instance,
            r.conn.remote_address(),
            r.state
        );
        record(&self.refusals, RefusalKind::SecondNode, r.state.as_str(), &detail);
    }

    /// Whether `r` is a second node for a state whose registered node (`first`) is alive:
    /// the same instance again, or another while the first is still heard from.
    async fn is_second(r: &Registration, first: InstanceId, conn: &quinn::Connection) -> bool {
        first == r.instance || alive(conn).await
    }

    /// Starts (and registers) `state`'s process.
    fn start_process(&mut self, state: StateCode) -> anyhow::Result<()> {
        if let Some(mut old) = self.children.remove(&state) {
            let _ = old.start_kill();
        }
        let spawn = self.spawns.get_mut(&state).ok_or_else(|| anyhow!("{state} is not in the scenario"))?;
        let child = self.launcher.start(state, spawn)?;
        self.children.insert(state, child);
        Ok(())
    }

    /// The exit status of `state`'s process, if it has exited.
    fn exited(&mut self, state: StateCode) -> Option<String> {
        let child = self.children.get_mut(&state)?;
        match child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            Ok(None) => None,
            Err(e) => Some(format!("cannot be waited on: {e}")),
        }
    }

    /// Starts every node (or waits for the attached ones) and returns their registrations.
    /// A node that dies before it registers is started again.
    pub(super) async fn start_all(&mut self) -> anyhow::Result<BTreeMap<StateCode, Registration>> {
        let expected: BTreeSet<StateCode> = self.spawns.keys().copied().collect();
        if self.attached {
            tracing::warn!("waiting for {} attached nodes at {}", expected.len(), self.launcher.coordinator);
        } else {
            for &state in &expected {
                self.start_process(state)?;
            }
        }
        let mut starts: BTreeMap<StateCode, u32> = expected.iter().map(|s| (*s, 1)).collect();
        let mut registered: BTreeMap<StateCode, Registration> = BTreeMap::new();
        let deadline = tokio::time::Instant::now() + STARTUP_TIMEOUT;
        while registered.len() < expected.len() {
            match self.next_input(deadline, true).await {
                Input::Registration(r) => self.registered_at_start(r, &expected, &mut registered).await,
                Input::Tick => self.restart_at_start(&expected, &registered, &mut starts)?,
                // No node has a control stream yet.
                Input::Node(..) => {}
                Input::Deadline => {
                    let missing: Vec<String> =
                        expected.iter().filter(|s| !registered.contains_key(*s)).map(|s| s.to_string()).collect();
                    bail!("nodes did not register within {STARTUP_TIMEOUT:?}: {}", missing.join(", "));
                }
                Input::Closed(why) => bail!("{why}"),
            }
        }
        Ok(registered)
    }

    /// A registration at start-up: kept, unless it is for a state not in the scenario or a
    /// second node for one whose node is alive.
    async fn registered_at_start(
        &mut self,
        r: Registration,
        expected: &BTreeSet<StateCode>,
        registered: &mut BTreeMap<StateCode, Registration>,
    ) {
        if !expected.contains(&r.state) {
            self.refuse(r, "a state that is not in the scenario");
            return;
        }
        if let Some(first) = registered.get(&r.state) {
            if Self::is_second(&r, first.instance, &first.conn).await {
                let live = first.instance;
                self.refuse_second(r, live);
                return;
            }
            // The first one is gone before the run began: this is its restart.
            first.conn.close(1u32.into(), b"replaced");
        }
        registered.insert(r.state, r);
    }

    /// Starts again the processes that exited before they registered.
    fn restart_at_start(
        &mut self,
        expected: &BTreeSet<StateCode>,
        registered: &BTreeMap<StateCode, Registration>,
        starts: &mut BTreeMap<StateCode, u32>,
    ) -> anyhow::Result<()> {
        let dead: Vec<(StateCode, String)> = expected
            .iter()
            .filter(|s| !registered.contains_key(*s))
            .copied()
            .collect::<Vec<_>>()
            .into_iter()
            .filter_map(|s| self.exited(s).map(|status| (s, status)))
            .collect();
        for (state, status) in dead {
            let n = starts.entry(state).or_default();
            if !self.restart_nodes {
                bail!(
                    "the node for {state} exited during start-up ({status}; the scenario says restart_nodes = false){}",
                    self.log_of(state)
                );
            }
            if *n >= STARTS_PER_RESTART_MAX {
                bail!("the node for {state} exited {n} times during start-up (last: {status}){}", self.log_of(state));
            }
            *n += 1;
            tracing::warn!("the node for {state} exited during start-up ({status}): starting it again");
            self.start_process(state)?;
        }
        Ok(())
    }

    /// The next frame from a live node. A node found dead (or failed, or back from its
    /// host's restart) is restarted first, and reported as `Restarted`.
    pub(super) async fn receive(&mut self, from: &BTreeSet<StateCode>) -> anyhow::Result<Received> {
        let stall = tokio::time::Instant::now() + WINDOW_STALL_TIMEOUT;
        loop {
            let input = match self.pending.pop_front() {
                Some((state, incarnation, input)) => Input::Node(state, incarnation, input),
                None => self.next_input(stall, true).await,
            };
            let received = match input {
                Input::Node(state, incarnation, input) => self.node_input(state, incarnation, input).await?,
                Input::Registration(r) => self.registration_during_run(r).await?.map(Received::Restarted),
                Input::Tick | Input::Deadline => {
                    self.heal_due().await?;
                    let restarted = self.revive_exited().await?;
                    if restarted.is_none() && tokio::time::Instant::now() >= stall {
                        let pending: Vec<String> = from.iter().map(|s| s.to_string()).collect();
                        bail!("no answer from {} within {WINDOW_STALL_TIMEOUT:?}", pending.join(", "));
                    }
                    restarted.map(Received::Restarted)
                }
                Input::Closed(why) => bail!("{why}"),
            };
            if let Some(received) = received {
                return Ok(received);
            }
        }
    }

    /// What a frame (or the end of a control stream) from a node's life means: a frame for
    /// the caller, or a restart (`None`: nothing to act on).
    async fn node_input(
        &mut self,
        state: StateCode,
        incarnation: u32,
        input: NodeInput,
    ) -> anyhow::Result<Option<Received>> {
        // A frame from an earlier life of a restarted node, or the close of a node that
        // has reported its end: nothing to act on.
        let finished = self.transport.nodes.contains_key(&state) && matches!(input, NodeInput::Ended(_));
        if !self.is_current(state, incarnation) || finished {
            return Ok(None);
        }
        let cause = match input {
            NodeInput::Frame(FromNode::Failed { cause, detail }) => RestartCause::Failed { cause, detail },
            NodeInput::Frame(frame) => return Ok(Some(Received::Frame(state, frame))),
            // An ended connection whose process is gone: say so (exit status).
            NodeInput::Ended(reason) => match self.exited(state) {
                Some(status) => RestartCause::Exited { status },
                None => RestartCause::ControlLost { reason },
            },
        };
        self.revive(state, cause, None).await?;
        Ok(Some(Received::Restarted(state)))
    }

    /// Restarts the first live node whose process exited, if one did: a process killed
    /// outright sends no QUIC close, so its exit is the faster sign. (A node that has
    /// reported its end exits: that is no death.)
    async fn revive_exited(&mut self) -> anyhow::Result<Option<StateCode>> {
        let live: Vec<StateCode> =
            self.links.keys().copied().filter(|s| !self.transport.nodes.contains_key(s)).collect();
        for state in live {
            if let Some(status) = self.exited(state) {
                self.revive(state, RestartCause::Exited { status }, None).await?;
                return Ok(Some(state));
            }
        }
        Ok(None)
    }

    /// A registration while the run goes on: an attached node back from its host's
    /// restart (it is revived with it), or a refusal.
    async fn registration_during_run(&mut self, r: Registration) -> anyhow::Result<Option<StateCode>> {
        let state = r.state;
        if !self.attached || !self.spawns.contains_key(&state) {
            self.refuse(r, "a registration while the run goes on");
            return Ok(None);
        }
        if let Some(first) = self.links.get(&state) {
            let (live, conn) = (first.instance, first.conn.clone());
            if Self::is_second(&r, live, &conn).await {
                self.refuse_second(r, live);
                return Ok(None);
            }
            // Gone without a word (killed): its connection is dead.
            conn.close(1u32.into(), b"replaced");
        }
        self.revive(state, RestartCause::Returned, Some(r)).await?;
        Ok(Some(state))
    }

    /// Restarts `state`'s node (or, attached, waits for it to come back), watching the new
    /// process until it is ready; then tells every other node.
    pub(super) async fn revive(
        &mut self,
        state: StateCode,
        cause: RestartCause,
        mut registration: Option<Registration>,
    ) -> anyhow::Result<()> {
        let started = Instant::now();
        self.count_restart(state, &cause)?;
        self.links.remove(&state);
        tracing::warn!("restarting the node for {state}: {cause}");
        let mut causes: Vec<String> = Vec::new();
        let mut attempts = 0u32;
        let mut backoff = Duration::from_millis(100);
        let next = loop {
            attempts += 1;
            let brought = self.bring_back(state, &mut registration).await?;
            let ready = match brought {
                Ok(r) => {
                    self.set_up(r).await?;
                    self.await_ready(state).await
                }
                Err(lost) => Err(lost),
            };
            match ready {
                Ok(next) => break next,
                Err(Lost::Failed(failed)) if !failed.restartable(true) => {
                    bail!("the restarted node for {state} cannot go on: {failed}{}", self.log_of(state))
                }
                Err(lost) => {
                    causes.push(lost.to_string());
                    if self.attached && matches!(lost, Lost::Timeout(_)) {
                        bail!(
                            "the attached node for {state} went away ({cause}) and did not come back within \
                             {ATTACHED_RETURN_TIMEOUT:?}: restart it on its host, with its journal, or run again"
                        );
                    }
                    if attempts >= STARTS_PER_RESTART_MAX {
                        bail!(
                            "the node for {state} went away ({cause}); {attempts} processes started to replace it \
                             did not get ready: {}{}",
                            summarize(&causes),
                            self.log_of(state)
                        );
                    }
                    tracing::warn!("the restarted node for {state}: {lost}; trying again in {backoff:?}");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(2));
                }
            }
        };
        self.ready_next.insert(state, next);
        self.announce_restart(state).await;
        let took = started.elapsed();
        self.transport.restarts.push(Restart { state, at: self.now, why: cause, attempts, took });
        Ok(())
    }

    /// Refuses a restart the scenario or the cause rules out, or one past the most a node
    /// may have; counts it otherwise.
    fn count_restart(&mut self, state: StateCode, cause: &RestartCause) -> anyhow::Result<()> {
        if !cause.restartable(self.restart_nodes) {
            let hint = if matches!(cause, RestartCause::Failed { .. }) {
                ""
            } else {
                " (the scenario says restart_nodes = false)"
            };
            bail!("the node for {state} stopped: {cause}{hint}{}", self.log_of(state));
        }
        let restarts = self.spawns.get(&state).map_or(0, |s| s.restarts);
        if restarts >= RESTARTS_PER_NODE_MAX {
            bail!("the node for {state} stopped ({cause}) after {restarts} restarts already{}", self.log_of(state));
        }
        if let Some(s) = self.spawns.get_mut(&state) {
            s.restarts += 1;
        }
        Ok(())
    }

    /// One try at bringing `state`'s node back: the attached node's registration (one
    /// already in hand, or the next to come), or a new process of ours and its registration.
    async fn bring_back(
        &mut self,
        state: StateCode,
        registration: &mut Option<Registration>,
    ) -> anyhow::Result<Result<Registration, Lost>> {
        Ok(if self.attached {
            if registration.is_none() {
                *registration = self.returned.remove(&state);
            }
            match registration.take() {
                Some(r) => {
                    // A new life: frames from the old one are ignored from now on.
                    if let Some(s) = self.spawns.get_mut(&state) {
                        s.incarnation += 1;
                    }
                    Ok(r)
                }
                None => self.await_registration(state, ATTACHED_RETURN_TIMEOUT).await,
            }
        } else {
            self.start_process(state)?;
            self.await_registration(state, STARTUP_TIMEOUT).await
        })
    }

    /// Tells every other node where `state` listens now: the same address for a node this
    /// coordinator started; an attached node rescheduled by its host may have moved.
    async fn announce_restart(&mut self, state: StateCode) {
        let address = self.spawns.get(&state).and_then(|s| s.listen).map(|a| a.to_string()).unwrap_or_default();
        for entry in self.register.iter_mut().filter(|e| e.state == state) {
            entry.address = address.clone();
        }
        let others: Vec<StateCode> = self.links.keys().copied().filter(|s| *s != state).collect();
        for other in others {
            if let Some(link) = self.links.get_mut(&other) {
                // A peer that died meanwhile is revived by its own turn.
                let frame = ToNode::PeerRestarted { state, address: address.clone() };
                let _ = write_frame(&mut link.send, &frame).await;
            }
        }
    }

    /// Waits for `state` to register (keeping what others say meanwhile).
    async fn await_registration(&mut self, state: StateCode, within: Duration) -> Result<Registration, Lost> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match self.next_input(deadline, true).await {
                Input::Registration(r) if r.state == state => return Ok(r),
                Input::Registration(r) if self.attached && self.spawns.contains_key(&r.state) => {
                    self.stash_returned(r).await
                }
                Input::Registration(r) => self.refuse(r, "unexpected while another node restarts"),
                // Its own earlier life's last words: nothing to act on.
                Input::Node(s, _, _) if s == state => {}
                Input::Node(s, incarnation, input) => self.keep(s, incarnation, input),
                Input::Tick => {
                    if let Some(status) = self.exited(state) {
                        return Err(Lost::Exited(status));
                    }
                }
                Input::Deadline => return Err(Lost::Timeout(within)),
                Input::Closed(why) => return Err(Lost::Ended(why.into())),
            }
        }
    }

    /// Keeps an attached node's registration for when its state's turn comes, unless
    /// another node for that state is alive (registered, or already waiting here).
    async fn stash_returned(&mut self, r: Registration) {
        let first = match (self.links.get(&r.state), self.returned.get(&r.state)) {
            (Some(link), _) => Some((link.instance, link.conn.clone())),
            (None, Some(waiting)) => Some((waiting.instance, waiting.conn.clone())),
            (None, None) => None,
        };
        if let Some((live, conn)) = first {
            if Self::is_second(&r, live, &conn).await {
                self.refuse_second(r, live);
                return;
            }
            conn.close(1u32.into(), b"replaced");
        }
        self.returned.insert(r.state, r);
    }

    /// Waits for `state`'s `Ready` after its setup (keeping what others say meanwhile).
    async fn await_ready(&mut self, state: StateCode) -> Result<Option<SimTime>, Lost> {
        let deadline = tokio::time::Instant::now() + STARTUP_TIMEOUT;
        loop {
            match self.next_input(deadline, false).await {
                Input::Node(s, incarnation, input) if s != state => self.keep(s, incarnation, input),
                Input::Node(_, incarnation, _) if !self.is_current(state, incarnation) => {}
                Input::Node(_, _, NodeInput::Frame(FromNode::Ready { next_event })) => return Ok(next_event),
                Input::Node(_, _, NodeInput::Frame(FromNode::Failed { cause, detail })) => {
                    return Err(Lost::Failed(RestartCause::Failed { cause, detail }))
                }
                Input::Node(_, _, NodeInput::Frame(other)) => {
                    return Err(Lost::Ended(format!("expected Ready, got {other:?}")))
                }
                Input::Node(_, _, NodeInput::Ended(reason)) => return Err(Lost::Ended(reason)),
                // Never read here (`with_registrations` is false): they wait in their channel.
                Input::Registration(r) => self.refuse(r, "unexpected while another node gets ready"),
                Input::Tick => {
                    if let Some(status) = self.exited(state) {
                        return Err(Lost::Exited(status));
                    }
                }
                Input::Deadline => return Err(Lost::Timeout(STARTUP_TIMEOUT)),
                Input::Closed(why) => return Err(Lost::Ended(why.into())),
            }
        }
    }
}

/// `a; b (3 times)`: causes in order, repeats counted.
fn summarize(causes: &[String]) -> String {
    let mut out: Vec<(String, usize)> = Vec::new();
    for cause in causes {
        match out.last_mut() {
            Some((last, n)) if last == cause => *n += 1,
            _ => out.push((cause.clone(), 1)),
        }
    }
    out.iter().map(|(c, n)| if *n > 1 { format!("{c} ({n} times)") } else { c.clone() }).collect::<Vec<_>>().join("; ")
}
