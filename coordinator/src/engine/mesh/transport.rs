//! What the mesh measured on the wall clock (never part of `report.json`): start-up, batch
//! round trips, bytes, losses, refusals, restarts, cuts, clock offsets
//! (`crate::report::transport` writes them as `transport.json`).

use pocnet_core::wire::{FailureCause, RefusalCount, TransportStats};
use pocnet_core::{SimTime, StateCode};
use std::collections::BTreeMap;
use std::time::Duration;

/// Why a node was restarted: typed, for the supervisor's decisions and for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestartCause {
    /// A scenario `crash` fault killed it at this scenario time.
    CrashFault { at: SimTime },
    /// Its process exited (killed from outside, or crashed).
    Exited { status: String },
    /// Its control connection ended (closed, reset, silent past the idle timeout).
    ControlLost { reason: String },
    /// It reported that it cannot go on, for a cause a restart may cure.
    Failed { cause: FailureCause, detail: String },
    /// It registered again: its host's supervisor restarted it (attached nodes).
    Returned,
}

impl RestartCause {
    /// Whether a restart is tried: a crash fault always; a failure of protocol or setup
    /// never (a bug, or an unusable setup: the run fails, named); the rest if the scenario
    /// restarts nodes.
    pub fn restartable(&self, restart_nodes: bool) -> bool {
        match self {
            RestartCause::CrashFault { .. } => true,
            RestartCause::Failed { cause: FailureCause::Protocol | FailureCause::Setup, .. } => false,
            RestartCause::Failed { cause: FailureCause::Journal | FailureCause::Delivery, .. }
            | RestartCause::Exited { .. }
            | RestartCause::ControlLost { .. }
            | RestartCause::Returned => restart_nodes,
        }
    }
}

impl std::fmt::Display for RestartCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RestartCause::CrashFault { at } => write!(f, "crash fault at {at}"),
            RestartCause::Exited { status } => write!(f, "its process exited ({status})"),
            RestartCause::ControlLost { reason } => write!(f, "its control connection ended ({reason})"),
            RestartCause::Failed { cause, detail } => write!(f, "it failed ({cause}: {detail})"),
            RestartCause::Returned => f.write_str("it registered again (restarted by its host)"),
        }
    }
}

/// A node's restart, for the transport report.
#[derive(Debug, Clone)]
pub struct Restart {
    pub state: StateCode,
    /// Scenario time of the window the run was at.
    pub at: SimTime,
    pub why: RestartCause,
    /// Processes started until one got ready (1: the first one did).
    pub attempts: u32,
    pub took: Duration,
}

/// Transport figures of a mesh run (wall clock: never part of `report.json`).
#[derive(Debug, Default)]
pub struct MeshTransport {
    pub startup: Duration,
    pub nodes: BTreeMap<StateCode, TransportStats>,
    /// What the coordinator refused (handshakes, registrations...).
    pub refusals: Vec<RefusalCount>,
    pub restarts: Vec<Restart>,
    /// Real partitions made beneath QUIC: `a`, `b`, scenario time made, real time lasted.
    pub cuts: Vec<(Vec<StateCode>, Vec<StateCode>, SimTime, Duration)>,
    /// Each node's real clock minus the coordinator's, measured at registration. Virtual
    /// runs do not depend on it; wall-clock runs across hosts should know it.
    pub clock_offsets_ms: BTreeMap<StateCode, i64>,
}
