//! Watching every node for the whole run: start-up, windows, the quiet tail, the end.
//!
//! A node that dies (its process exits, its control connection ends or goes silent, it
//! reports a failure a restart may cure) is restarted on its address with its journal; a
//! restart is a stage of the node in the same loop ([`super::revival`]), itself watched (a
//! process that dies again at once is started again, with back-off, up to
//! `STARTS_PER_RESTART_MAX`), and the run gives up on a node only after
//! `RESTARTS_PER_NODE_MAX` restarts, naming every cause and its log's last lines. An
//! attached node (started elsewhere) is not restarted by the coordinator: its host's
//! supervisor does it, and the node registers again with its journal. A node's identity is
//! its certificate's state and its process's instance: a registration for a state whose
//! node is alive (heard from within `LIVENESS_WAIT`) is a second node, refused and counted
//! (`transport.json`: "a second node for a state whose node is alive"), never taken as a
//! restart; only once the first one is gone is a new instance its restart.

use super::register::Registration;
use super::revival::NodeStage;
use super::spawn::log_tail;
use super::transport::RestartCause;
use super::{
    Mesh, NodeInput, Received, CHILD_POLL_INTERVAL, STARTS_PER_RESTART_MAX, STARTUP_TIMEOUT, WINDOW_STALL_TIMEOUT,
};
use anyhow::{anyhow, bail};
use pocnet_core::wire::{FromNode, InstanceId, RefusalKind, SECOND_NODE_CODE};
use pocnet_core::StateCode;
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

/// Everything the supervisor waits for, as one input: every wait (start-up, a window, the
/// end) is a loop over [`Mesh::next_input`], the one `select!`, as the node's is over its
/// `Input`; a restart is no wait of its own but a node's [`NodeStage`], moved on by the
/// inputs of the same loop.
pub(super) enum Input {
    /// A frame from a node (or the end of its control stream), with the incarnation of the
    /// node that sent it.
    Node(StateCode, u32, NodeInput),
    /// A node registered (at start-up, restarted, back from its host's restart, or unexpected).
    Registration(Registration),
    /// `CHILD_POLL_INTERVAL` passed: time to look for processes that exited.
    Tick,
    /// The wait's deadline passed (or a restarting node's step is due).
    Deadline,
    /// A channel the supervisor reads closed: the endpoint, or every node connection.
    Closed(&'static str),
}

impl Mesh {
    /// The next input, or `Tick` after `CHILD_POLL_INTERVAL`, or `Deadline` at `deadline`.
    async fn next_input(&mut self, deadline: tokio::time::Instant) -> Input {
        tokio::select! {
            next = self.inbox.recv() => match next {
                Some((state, incarnation, input)) => Input::Node(state, incarnation, input),
                None => Input::Closed("every node connection closed"),
            },
            r = self.registrations.recv() => match r {
                Some(r) => Input::Registration(r),
                None => Input::Closed("the coordinator's endpoint closed"),
            },
            () = tokio::time::sleep(CHILD_POLL_INTERVAL) => Input::Tick,
            () = tokio::time::sleep_until(deadline) => Input::Deadline,
        }
    }

    fn is_current(&self, state: StateCode, incarnation: u32) -> bool {
        self.spawns.get(&state).is_some_and(|s| s.incarnation == incarnation)
    }

    pub(super) fn log_of(&self, state: StateCode) -> String {
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
    pub(super) fn start_process(&mut self, state: StateCode) -> anyhow::Result<()> {
        if let Some(mut old) = self.children.remove(&state) {
            let _ = old.start_kill();
        }
        let spawn = self.spawns.get_mut(&state).ok_or_else(|| anyhow!("{state} is not in the scenario"))?;
        let child = self.launcher.start(state, spawn)?;
        self.children.insert(state, child);
        Ok(())
    }

    /// The exit status of `state`'s process, if it has exited.
    pub(super) fn exited(&mut self, state: StateCode) -> Option<String> {
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
            match self.next_input(deadline).await {
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

    /// The next frame from a node, or a restart done. A node found dead (or failed, or
    /// back from its host's restart) starts its restart here; inputs go on through this
    /// loop meanwhile, and the restart is reported as `Restarted` once the node is ready.
    pub(super) async fn receive(&mut self, from: &BTreeSet<StateCode>) -> anyhow::Result<Received> {
        let stall = tokio::time::Instant::now() + WINDOW_STALL_TIMEOUT;
        loop {
            let received = match self.next_input(self.wake_at(stall)).await {
                Input::Node(state, incarnation, input) => self.node_input(state, incarnation, input).await?,
                Input::Registration(r) => {
                    self.registration_during_run(r).await?;
                    None
                }
                Input::Tick | Input::Deadline => {
                    self.heal_due().await?;
                    self.revive_exited().await?;
                    self.restart_steps_due().await?;
                    // A restart has its own deadlines: the stall counts only without one.
                    if !self.restarting() && tokio::time::Instant::now() >= stall {
                        let pending: Vec<String> = from.iter().map(|s| s.to_string()).collect();
                        bail!("no answer from {} within {WINDOW_STALL_TIMEOUT:?}", pending.join(", "));
                    }
                    None
                }
                Input::Closed(why) => bail!("{why}"),
            };
            if let Some(received) = received {
                return Ok(received);
            }
        }
    }

    /// What a frame (or the end of a control stream) from a node's life means: a frame for
    /// the caller, a step of its restart, or the start of one (`None`: nothing to hand on).
    async fn node_input(
        &mut self,
        state: StateCode,
        incarnation: u32,
        input: NodeInput,
    ) -> anyhow::Result<Option<Received>> {
        if let NodeInput::Frame(FromNode::Queued { from, seqs }) = &input {
            // Whichever life of the node said it: its journal holds them.
            self.queued.extend(seqs.iter().map(|seq| (*from, state, *seq)));
            return Ok(Some(Received::Queued));
        }
        // A frame from an earlier life of a restarted node, or the close of a node that
        // has reported its end: nothing to act on.
        let finished = self.transport.nodes.contains_key(&state) && matches!(input, NodeInput::Ended(_));
        if !self.is_current(state, incarnation) || finished {
            return Ok(None);
        }
        if matches!(self.nodes.get(&state), Some(NodeStage::Restarting(_))) {
            return self.restart_input(state, input).await;
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
        Ok(None)
    }

    /// Restarts every up node whose process exited: a process killed outright sends no
    /// QUIC close, so its exit is the faster sign. (A node that has reported its end
    /// exits: that is no death.)
    async fn revive_exited(&mut self) -> anyhow::Result<()> {
        let up: Vec<StateCode> = self
            .nodes
            .iter()
            .filter(|(s, stage)| matches!(stage, NodeStage::Up(_)) && !self.transport.nodes.contains_key(s))
            .map(|(s, _)| *s)
            .collect();
        for state in up {
            if let Some(status) = self.exited(state) {
                self.revive(state, RestartCause::Exited { status }, None).await?;
            }
        }
        Ok(())
    }

    /// A registration while the run goes on: the one a restarting node waits for; an
    /// attached node back from its host's restart (it is revived with it); or a refusal.
    async fn registration_during_run(&mut self, r: Registration) -> anyhow::Result<()> {
        let state = r.state;
        if self.awaits_registration(state) {
            return self.registered(r).await;
        }
        if !self.attached || !self.spawns.contains_key(&state) {
            self.refuse(r, "a registration while the run goes on");
            return Ok(());
        }
        let first = match self.nodes.get(&state) {
            Some(NodeStage::Up(link)) => Some((link.instance, link.conn.clone(), false)),
            Some(NodeStage::Restarting(revival)) => revival.link().map(|l| (l.instance, l.conn.clone(), true)),
            None => None,
        };
        let restarting = match first {
            Some((live, conn, restarting)) => {
                if Self::is_second(&r, live, &conn).await {
                    self.refuse_second(r, live);
                    return Ok(());
                }
                // Gone without a word (killed): its connection is dead.
                conn.close(1u32.into(), b"replaced");
                restarting
            }
            None => matches!(self.nodes.get(&state), Some(NodeStage::Restarting(_))),
        };
        if restarting {
            // Back again while its restart was at another step: the next try is this one.
            self.try_again(state, Some(r)).await
        } else {
            self.revive(state, RestartCause::Returned, Some(r)).await
        }
    }
}
