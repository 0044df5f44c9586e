//! A node's restart, as a stage of its life that the supervisor's one loop moves on.
//!
//! A restart is a series of tries: each starts a process of ours (or, attached, waits for
//! the node's host to restart it), waits for its registration, sets it up and waits for
//! its `Ready`. A try that is lost (its process exits, its connection ends, it fails, it is
//! late) is followed by another after a back-off (0.1 s doubling, at most 2 s), up to
//! `STARTS_PER_RESTART_MAX` processes. Every step is moved on by an input of
//! [`Mesh::receive`]'s loop: inputs from every other node go through the same loop
//! meanwhile, so nothing is held aside while a node restarts.

use super::transport::{Restart, RestartCause};
use super::{
    Mesh, NodeInput, NodeLink, Received, Registration, ATTACHED_RETURN_TIMEOUT, RESTARTS_PER_NODE_MAX,
    STARTS_PER_RESTART_MAX, STARTUP_TIMEOUT,
};
use anyhow::bail;
use pocnet_core::wire::{FromNode, ToNode};
use pocnet_core::{SimTime, StateCode};
use pocnet_node::framing::write_frame;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// The first pause after a lost try.
const BACKOFF_FIRST: Duration = Duration::from_millis(100);
/// The longest pause between two tries.
const BACKOFF_MAX: Duration = Duration::from_secs(2);

/// How a restart's try was lost.
#[derive(Debug)]
enum Lost {
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

/// Where a node is, for the supervisor.
pub(super) enum NodeStage {
    /// Set up (ready once it said so): its frames go to the caller.
    Up(NodeLink),
    /// Being brought back after it went away.
    Restarting(Revival),
}

impl NodeStage {
    /// The link of an up node.
    pub(super) fn up_mut(&mut self) -> Option<&mut NodeLink> {
        match self {
            NodeStage::Up(link) => Some(link),
            NodeStage::Restarting(_) => None,
        }
    }

    /// The node's control link once set up: up, or a restart's try waiting for `Ready`.
    pub(super) fn link(&self) -> Option<&NodeLink> {
        match self {
            NodeStage::Up(link) => Some(link),
            NodeStage::Restarting(revival) => revival.link(),
        }
    }

    fn link_mut(&mut self) -> Option<&mut NodeLink> {
        match self {
            NodeStage::Up(link) => Some(link),
            NodeStage::Restarting(Revival { step: Step::Readying { link, .. }, .. }) => Some(link),
            NodeStage::Restarting(_) => None,
        }
    }
}

/// A restart in progress.
pub(super) struct Revival {
    cause: RestartCause,
    started: Instant,
    /// Tries begun so far (processes started, or registrations of an attached node taken).
    attempts: u32,
    /// How each lost try was lost, in order.
    lost: Vec<String>,
    /// The pause before the next try once one is lost.
    backoff: Duration,
    step: Step,
}

/// The step a restart's current try is at.
enum Step {
    /// Waiting for the node's registration until `deadline` (`within` after the try began).
    Registering { deadline: tokio::time::Instant, within: Duration },
    /// Set up; waiting for its `Ready` until `deadline`.
    Readying { link: NodeLink, deadline: tokio::time::Instant },
    /// A try was lost: the next begins at `at`.
    BackingOff { at: tokio::time::Instant },
}

impl Revival {
    /// The link of a try set up and not yet ready.
    pub(super) fn link(&self) -> Option<&NodeLink> {
        match &self.step {
            Step::Readying { link, .. } => Some(link),
            Step::Registering { .. } | Step::BackingOff { .. } => None,
        }
    }

    /// When its step is due: the try's deadline, or the end of the back-off.
    fn due(&self) -> tokio::time::Instant {
        match &self.step {
            Step::Registering { deadline, .. } | Step::Readying { deadline, .. } => *deadline,
            Step::BackingOff { at } => *at,
        }
    }
}

impl Mesh {
    fn revival_mut(&mut self, state: StateCode) -> Option<&mut Revival> {
        match self.nodes.get_mut(&state) {
            Some(NodeStage::Restarting(revival)) => Some(revival),
            _ => None,
        }
    }

    /// Whether any node is restarting.
    pub(super) fn restarting(&self) -> bool {
        self.nodes.values().any(|stage| matches!(stage, NodeStage::Restarting(_)))
    }

    /// Whether `state`'s restart waits for its registration.
    pub(super) fn awaits_registration(&self, state: StateCode) -> bool {
        matches!(self.nodes.get(&state), Some(NodeStage::Restarting(Revival { step: Step::Registering { .. }, .. })))
    }

    /// When the loop must wake at the latest: at the earliest restart step due, or, with
    /// no node restarting, at `stall`.
    pub(super) fn wake_at(&self, stall: tokio::time::Instant) -> tokio::time::Instant {
        let steps = self.nodes.values().filter_map(|stage| match stage {
            NodeStage::Restarting(revival) => Some(revival.due()),
            NodeStage::Up(_) => None,
        });
        steps.min().unwrap_or(stall)
    }

    /// Starts restarting `state`'s node (`registration`: an attached node already back).
    pub(super) async fn revive(
        &mut self,
        state: StateCode,
        cause: RestartCause,
        registration: Option<Registration>,
    ) -> anyhow::Result<()> {
        self.count_restart(state, &cause)?;
        tracing::warn!("restarting the node for {state}: {cause}");
        let revival = Revival {
            cause,
            started: Instant::now(),
            attempts: 0,
            lost: Vec::new(),
            backoff: BACKOFF_FIRST,
            step: Step::BackingOff { at: tokio::time::Instant::now() },
        };
        self.nodes.insert(state, NodeStage::Restarting(revival));
        self.try_again(state, registration).await
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

    /// Begins a try: with the attached node's registration in hand, or a new process of
    /// ours (attached: the node's return), whose registration it then waits for.
    pub(super) async fn try_again(
        &mut self,
        state: StateCode,
        registration: Option<Registration>,
    ) -> anyhow::Result<()> {
        if let Some(revival) = self.revival_mut(state) {
            revival.attempts += 1;
        }
        if let Some(r) = registration {
            return self.registered(r).await;
        }
        let within = if self.attached {
            ATTACHED_RETURN_TIMEOUT
        } else {
            self.start_process(state)?;
            STARTUP_TIMEOUT
        };
        if let Some(revival) = self.revival_mut(state) {
            revival.step = Step::Registering { deadline: tokio::time::Instant::now() + within, within };
        }
        Ok(())
    }

    /// Takes `r` for its restarting node's try: set up, the node is waited for to be ready.
    pub(super) async fn registered(&mut self, r: Registration) -> anyhow::Result<()> {
        let state = r.state;
        if self.attached {
            // A new life: frames from the old one are ignored from now on.
            if let Some(spawn) = self.spawns.get_mut(&state) {
                spawn.incarnation += 1;
            }
        }
        let link = self.set_up(r).await?;
        if let Some(revival) = self.revival_mut(state) {
            revival.step = Step::Readying { link, deadline: tokio::time::Instant::now() + STARTUP_TIMEOUT };
        }
        Ok(())
    }

    /// A frame (or the end of the control stream) from a restarting node: its `Ready` ends
    /// the restart; anything else loses the try.
    pub(super) async fn restart_input(
        &mut self,
        state: StateCode,
        input: NodeInput,
    ) -> anyhow::Result<Option<Received>> {
        // Before a try is set up, only an earlier life's last words come: nothing to act on.
        if self.revival_mut(state).and_then(|revival| revival.link()).is_none() {
            return Ok(None);
        }
        let lost = match input {
            NodeInput::Frame(FromNode::Ready { next_event }) => {
                return self.restarted(state, next_event).await.map(Some)
            }
            NodeInput::Frame(FromNode::Failed { cause, detail }) => {
                Lost::Failed(RestartCause::Failed { cause, detail })
            }
            NodeInput::Frame(other) => Lost::Ended(format!("expected Ready, got {other:?}")),
            NodeInput::Ended(reason) => Lost::Ended(reason),
        };
        self.try_lost(state, lost)?;
        Ok(None)
    }

    /// The restart steps due now: a try whose process exited or whose deadline passed is
    /// lost; a back-off over begins the next try.
    pub(super) async fn restart_steps_due(&mut self) -> anyhow::Result<()> {
        let now = tokio::time::Instant::now();
        let restarting: Vec<StateCode> =
            self.nodes.iter().filter(|(_, stage)| matches!(stage, NodeStage::Restarting(_))).map(|(s, _)| *s).collect();
        for state in restarting {
            let (due, within) = match self.revival_mut(state).map(|revival| (revival.due(), &revival.step)) {
                Some((due, Step::Registering { within, .. })) => (due, Some(*within)),
                Some((due, Step::Readying { .. })) => (due, Some(STARTUP_TIMEOUT)),
                Some((due, Step::BackingOff { .. })) => (due, None),
                None => continue,
            };
            match within {
                None if due <= now => self.try_again(state, None).await?,
                None => {}
                Some(within) => {
                    if let Some(status) = self.exited(state) {
                        self.try_lost(state, Lost::Exited(status))?;
                    } else if due <= now {
                        self.try_lost(state, Lost::Timeout(within))?;
                    }
                }
            }
        }
        Ok(())
    }

    /// A try lost: the run gives up (a failure no restart cures, an attached node that did
    /// not come back, the last process a restart may start), or the next try comes after
    /// a back-off.
    fn try_lost(&mut self, state: StateCode, lost: Lost) -> anyhow::Result<()> {
        if let Lost::Failed(failed) = &lost {
            if !failed.restartable(true) {
                bail!("the restarted node for {state} cannot go on: {failed}{}", self.log_of(state));
            }
        }
        let attached = self.attached;
        let Some(revival) = self.revival_mut(state) else { return Ok(()) };
        revival.lost.push(lost.to_string());
        let (cause, attempts) = (revival.cause.clone(), revival.attempts);
        if attached && matches!(lost, Lost::Timeout(_)) {
            bail!(
                "the attached node for {state} went away ({cause}) and did not come back within \
                 {ATTACHED_RETURN_TIMEOUT:?}: restart it on its host, with its journal, or run again"
            );
        }
        if attempts >= STARTS_PER_RESTART_MAX {
            let causes = summarize(&revival.lost);
            bail!(
                "the node for {state} went away ({cause}); {attempts} processes started to replace it \
                 did not get ready: {causes}{}",
                self.log_of(state)
            );
        }
        tracing::warn!("the restarted node for {state}: {lost}; trying again in {:?}", revival.backoff);
        revival.step = Step::BackingOff { at: tokio::time::Instant::now() + revival.backoff };
        revival.backoff = (revival.backoff * 2).min(BACKOFF_MAX);
        Ok(())
    }

    /// `state`'s restart done: its node is up, every other node is told, the restart recorded.
    async fn restarted(&mut self, state: StateCode, next: Option<SimTime>) -> anyhow::Result<Received> {
        let Some(NodeStage::Restarting(revival)) = self.nodes.remove(&state) else {
            bail!("{state} answered Ready with no restart under way");
        };
        let Revival { cause, started, attempts, step, .. } = revival;
        let Step::Readying { link, .. } = step else { bail!("{state} answered Ready before it was set up") };
        self.nodes.insert(state, NodeStage::Up(link));
        self.announce_restart(state).await;
        self.transport.restarts.push(Restart { state, at: self.now, why: cause, attempts, took: started.elapsed() });
        Ok(Received::Restarted { state, next })
    }

    /// Tells every other node set up where `state` listens now: the same address for a
    /// node this coordinator started; an attached node rescheduled by its host may have
    /// moved. (A node set up and not yet ready reads it once ready.)
    async fn announce_restart(&mut self, state: StateCode) {
        let address = self.spawns.get(&state).and_then(|s| s.listen).map(|a| a.to_string()).unwrap_or_default();
        for entry in self.register.iter_mut().filter(|e| e.state == state) {
            entry.address = address.clone();
        }
        for (_, stage) in self.nodes.iter_mut().filter(|(s, _)| **s != state) {
            if let Some(link) = stage.link_mut() {
                // A peer that died meanwhile is revived by its own restart.
                let frame = ToNode::PeerRestarted { state, address: address.clone() };
                let _ = write_frame(&mut link.send, &frame).await;
            }
        }
    }

    /// Goes on with the loop until no node is restarting: between windows, nothing but a
    /// restarting node's own frames is awaited.
    pub(super) async fn settle(&mut self) -> anyhow::Result<()> {
        while self.restarting() {
            if let Received::Frame(state, frame) = self.receive(&BTreeSet::new()).await? {
                bail!("{state}: unexpected {frame:?} between windows");
            }
        }
        Ok(())
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
