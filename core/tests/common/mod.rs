//! What the core's integration tests share: a tiny engine that drives contact points.

use pocnet_core::wire::Envelope;
use pocnet_core::{ContactPoint, Event};

/// Delivers every envelope at its `deliver_at` (but those `lost` picks) and runs every
/// timer, in time order, until nothing is left; every event, in order.
pub fn run_between_losing(cps: &mut [ContactPoint], lost: impl Fn(&Envelope) -> bool) -> Vec<Event> {
    let mut events = Vec::new();
    let mut inflight: Vec<Envelope> = Vec::new();
    for _ in 0..100_000 {
        for cp in cps.iter_mut() {
            while let Some(e) = cp.poll_event() {
                events.push(e);
            }
            while let Some(t) = cp.poll_transmit() {
                if !lost(&t) {
                    inflight.push(t);
                }
            }
        }
        let timer = cps.iter().enumerate().filter_map(|(i, cp)| cp.poll_timeout().map(|t| (t, i))).min();
        let message = inflight.iter().enumerate().map(|(i, e)| (e.deliver_at, i)).min();
        match (timer, message) {
            (None, None) => return events,
            (Some((t, i)), m) if m.is_none_or(|(mt, _)| t < mt) => cps[i].handle_timeout(t),
            (_, Some((t, i))) => {
                let envelope = inflight.remove(i);
                if let Some(cp) = cps.iter_mut().find(|cp| cp.state() == envelope.to) {
                    cp.handle_message(t, envelope);
                }
            }
            _ => unreachable!(),
        }
    }
    panic!("never ran out of inputs");
}
