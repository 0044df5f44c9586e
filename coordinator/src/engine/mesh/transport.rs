//! What the mesh measured on the wall clock (never part of `report.json`): start-up, batch
//! round trips, bytes, losses, refusals, restarts, cuts, clock offsets; `transport.json`.

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
            _ => restart_nodes,
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

/// `transport.json`: real-time transport figures of a mesh run.
pub fn transport_json(t: &MeshTransport) -> String {
    let mut rtts: Vec<u64> = t.nodes.values().flat_map(|n| n.batch_rtt_us.iter().copied()).collect();
    rtts.sort_unstable();
    let pct = |q: f64| rtts.get(((rtts.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0);
    let peers: Vec<serde_json::Value> = t
        .nodes
        .iter()
        .flat_map(|(node, stats)| {
            stats.peers.iter().map(move |p| {
                serde_json::json!({
                    "from": node, "to": p.peer, "quic_rtt_us": p.rtt_us,
                    "udp_tx_bytes": p.udp_tx_bytes, "udp_rx_bytes": p.udp_rx_bytes,
                    "sent_packets": p.sent_packets, "lost_packets": p.lost_packets,
                })
            })
        })
        .collect();
    let refusal = |at: &str, r: &RefusalCount| serde_json::json!({ "at": at, "kind": r.kind.to_string(), "peer": r.peer, "count": r.count, "first": r.first });
    let refused: Vec<serde_json::Value> = t
        .refusals
        .iter()
        .map(|r| refusal("coordinator", r))
        .chain(t.nodes.iter().flat_map(|(n, s)| s.refusals.iter().map(move |r| refusal(n.as_str(), r))))
        .collect();
    let value = serde_json::json!({
        "schema": "pocnet-transport/2",
        "startup_ms": t.startup.as_millis() as u64,
        "batch_round_trips": rtts.len(),
        "batch_rtt_us": { "p50": pct(0.5), "p99": pct(0.99), "max": rtts.last().copied().unwrap_or(0) },
        "udp_tx_bytes": t.nodes.values().flat_map(|n| n.peers.iter().map(|p| p.udp_tx_bytes)).sum::<u64>(),
        "lost_packets": t.nodes.values().flat_map(|n| n.peers.iter().map(|p| p.lost_packets)).sum::<u64>(),
        // Both ends of a connection report it: count each pair once.
        "connections": t
            .nodes
            .iter()
            .flat_map(|(node, stats)| stats.peers.iter().map(move |p| if *node < p.peer { (*node, p.peer) } else { (p.peer, *node) }))
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        "peers": peers,
        // Every refusal, counted by where, kind and peer.
        "refusals_total": refused.iter().map(|r| r["count"].as_u64().unwrap_or(0)).sum::<u64>(),
        "refused": refused,
        "clock_offsets_ms": t.clock_offsets_ms,
        "cuts": t.cuts.iter().map(|(a, b, at, lasted)| serde_json::json!({
            "a": a, "b": b, "at": at.to_string(), "lasted_ms": lasted.as_millis() as u64,
        })).collect::<Vec<_>>(),
        // Nodes that died and were restarted; their journals kept every accepted message.
        "restarts": t.restarts.iter().map(|r| serde_json::json!({
            "state": r.state, "at": r.at.to_string(), "why": r.why.to_string(),
            "attempts": r.attempts, "took_ms": r.took.as_millis() as u64,
        })).collect::<Vec<_>>(),
    });
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
    s.push('\n');
    s
}
