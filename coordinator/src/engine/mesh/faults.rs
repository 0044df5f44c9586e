//! Engine-level faults of a scenario: `crash` (the node's process is killed with SIGKILL at
//! a scenario time, and restarted) and `cut` (a real partition beneath QUIC between two
//! sets of states, healed after a real-time duration). Neither changes the report.

use super::revival::NodeStage;
use super::transport::RestartCause;
use super::Mesh;
use crate::scenario::Cut;
use pocnet_core::wire::ToNode;
use pocnet_core::SimTime;
use pocnet_node::framing::write_frame;
use std::time::Instant;

impl Mesh {
    /// Tells both sides of a cut to drop (or, healing, to let through) each other's datagrams.
    async fn send_cut(&mut self, cut: &Cut, make: bool) -> anyhow::Result<()> {
        for (side, other) in [(&cut.a, &cut.b), (&cut.b, &cut.a)] {
            for state in side {
                if let Some(link) = self.nodes.get_mut(state).and_then(NodeStage::up_mut) {
                    let frame =
                        if make { ToNode::Cut { peers: other.clone() } } else { ToNode::Heal { peers: other.clone() } };
                    // A node that died meanwhile is revived without the cut (it heals).
                    let _ = write_frame(&mut link.send, &frame).await;
                }
            }
        }
        Ok(())
    }

    /// Heals the cuts whose real-time duration is over.
    pub(super) async fn heal_due(&mut self) -> anyhow::Result<()> {
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

    /// Makes the cuts due by scenario time `earliest`.
    pub(super) async fn make_due_cuts(&mut self, earliest: SimTime) -> anyhow::Result<()> {
        while self.cuts.front().is_some_and(|c| c.at <= earliest) {
            let Some(cut) = self.cuts.pop_front() else { break };
            tracing::warn!("cutting {:?} off from {:?} for {:?} (real time)", cut.a, cut.b, cut.lasting);
            self.send_cut(&cut, true).await?;
            let made = Instant::now();
            self.active_cuts.push((made + cut.lasting, made, cut));
        }
        Ok(())
    }

    /// Carries out the crash faults due by scenario time `earliest`.
    pub(super) async fn crash_due(&mut self, earliest: SimTime) -> anyhow::Result<()> {
        while self.crashes.front().is_some_and(|(at, _)| *at <= earliest) {
            let Some((at, state)) = self.crashes.pop_front() else { break };
            // SIGKILL: no handler runs, no buffer is flushed, as in a real crash.
            if let Some(child) = self.children.get_mut(&state) {
                let _ = child.start_kill();
                let _ = child.wait().await;
            }
            self.revive(state, RestartCause::CrashFault { at }, None).await?;
            self.settle().await?;
        }
        Ok(())
    }
}
