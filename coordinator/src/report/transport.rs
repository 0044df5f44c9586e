//! `transport.json`: what a mesh run measured on the wall clock. Never part of
//! `report.json`: real time varies from run to run; scenario time does not.

use crate::analysis::percentiles::percentiles;
use crate::clock::wall::Drift;
use crate::engine::mesh::MeshTransport;
use pocnet_core::wire::RefusalCount;

/// `transport.json`: real-time transport figures of a mesh run; `drift`: a wall-clock
/// run's lag behind scenario time at speed (`wall_drift_ms`, absent for a virtual run).
pub fn transport_json(t: &MeshTransport, drift: Option<&Drift>) -> String {
    let rtts: Vec<u64> = t.nodes.values().flat_map(|n| n.batch_rtt_us.iter().copied()).collect();
    let p = percentiles(&rtts);
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
    let mut value = serde_json::json!({
        "schema": "pocnet-transport/2",
        "startup_ms": t.startup.as_millis() as u64,
        "batch_round_trips": rtts.len(),
        "batch_rtt_us": { "p50": p.p50_ms, "p99": p.p99_ms, "max": p.max_ms },
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
    if let (Some(d), Some(map)) = (drift, value.as_object_mut()) {
        map.insert("wall_drift_ms".into(), drift_json(d));
    }
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
    s.push('\n');
    s
}

/// `wall_drift_ms`: wall milliseconds each paced wait was handed on after its scenario
/// time was due (scenario time lags by that × speed), over the waits of the run.
fn drift_json(d: &Drift) -> serde_json::Value {
    serde_json::json!({
        "waits": d.waits, "p50": d.quantile_ms(500), "p99": d.quantile_ms(990),
        "max": d.max_ms, "last": d.last_ms,
    })
}
