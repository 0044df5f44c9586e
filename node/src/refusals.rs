//! Refusals counted by kind and peer, logged so that a flood cannot fill a disk: the first
//! few of each kind in full, then a line at each power of ten, every one counted for the
//! transport report.

use pocnet_core::limits::{self, REASON_BYTES_MAX, REFUSALS_LOGGED_PER_KIND_MAX, REFUSAL_COUNTERS_MAX};
use pocnet_core::wire::{RefusalCount, RefusalKind};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The peer a refusal is attributed to when the counters are full.
const OTHER_PEERS: &str = "(other peers)";

#[derive(Debug, Default)]
pub struct Refusals {
    /// Who is counting (a state code, or `coordinator`), for the log lines.
    owner: String,
    counters: BTreeMap<(RefusalKind, String), (u64, String)>,
    /// Refusals of each kind so far, by the kind's name (what the log throttles on).
    by_kind: BTreeMap<String, u64>,
}

/// Refusals shared by the tasks that meet them (accept, streams, deliveries).
pub type SharedRefusals = Arc<Mutex<Refusals>>;

impl Refusals {
    pub fn new(owner: impl Into<String>) -> Refusals {
        Refusals { owner: owner.into(), ..Refusals::default() }
    }

    pub fn shared(owner: impl Into<String>) -> SharedRefusals {
        Arc::new(Mutex::new(Refusals::new(owner)))
    }

    /// Counts one refusal of `kind` from `peer` (a state code or an address).
    pub fn record(&mut self, kind: RefusalKind, peer: &str, detail: &dyn std::fmt::Display) {
        let family = kind.family();
        let n = self.by_kind.entry(family.clone()).or_default();
        *n += 1;
        let n = *n;
        if n <= REFUSALS_LOGGED_PER_KIND_MAX {
            tracing::warn!("{}: refused ({kind}) {peer}: {detail}", self.owner);
        } else if n.is_power_of_two() && n >= 16 {
            tracing::warn!("{}: {n} refusals of kind `{family}` so far (the latest from {peer})", self.owner);
        }
        let full = self.counters.len() >= REFUSAL_COUNTERS_MAX;
        let key = (kind, peer.to_string());
        let key = if full && !self.counters.contains_key(&key) { (key.0, OTHER_PEERS.to_string()) } else { key };
        let entry = self.counters.entry(key).or_insert_with(|| {
            let text = detail.to_string();
            (0, limits::truncated(&text, REASON_BYTES_MAX).to_string())
        });
        entry.0 += 1;
    }

    /// Every refusal so far, in a stable order.
    pub fn counts(&self) -> Vec<RefusalCount> {
        self.counters
            .iter()
            .map(|((kind, peer), (count, first))| RefusalCount {
                kind: kind.clone(),
                peer: peer.clone(),
                count: *count,
                first: first.clone(),
            })
            .collect()
    }

    pub fn total(&self) -> u64 {
        self.by_kind.values().sum()
    }
}

/// Records on a shared counter; a poisoned lock still counts.
pub fn record(shared: &SharedRefusals, kind: RefusalKind, peer: &str, detail: &dyn std::fmt::Display) {
    let mut guard = match shared.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    guard.record(kind, peer, detail);
}

pub fn counts(shared: &SharedRefusals) -> Vec<RefusalCount> {
    match shared.lock() {
        Ok(g) => g.counts(),
        Err(poisoned) => poisoned.into_inner().counts(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pocnet_core::wire::Rejection;

    #[test]
    fn a_flood_is_counted_in_full_and_kept_within_its_counters() {
        let mut r = Refusals::new("VNM");
        for i in 0..5_000u32 {
            r.record(RefusalKind::Handshake, &format!("10.0.{}.{}:4000", i / 250, i % 250), &"bad certificate");
        }
        r.record(RefusalKind::BatchRejected(Rejection::RateLimited { retry_after_ms: 5 }), "FRA", &"flood");
        assert_eq!(r.total(), 5_001);
        let counts = r.counts();
        assert!(counts.len() <= REFUSAL_COUNTERS_MAX + 2, "{}", counts.len());
        assert_eq!(counts.iter().map(|c| c.count).sum::<u64>(), 5_001);
        assert!(counts.iter().any(|c| c.peer == OTHER_PEERS && c.count > 1_000));
    }
}
