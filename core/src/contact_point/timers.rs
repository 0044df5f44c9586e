//! Every timer of a contact point, in one table keyed by `(request, timer kind)` (a desk's
//! wake-up by the id `DESK_WAKE` and its desk), with set, stop and next (as
//! quinn-proto's `connection/timer.rs`); and what each timer does when it fires, in
//! (time, request, kind) order. A down contact point's timers wait until it is up.

use super::ContactPoint;
use crate::desk::DeskName;
use crate::event::EventKind;
use crate::request::RequestId;
use crate::state::StateCode;
use crate::time::SimTime;
use crate::wire::Message;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum TimerKind {
    /// A closed contact point opens and a person sees the request.
    Open,
    Acknowledge,
    Fulfil,
    /// Receiver: the translation desk translated the request.
    Translate,
    /// Requester: no acknowledgement yet.
    Resend,
    /// Requester: no final response yet; call the duty officer.
    Escalate,
    /// Requester: stop waiting.
    GiveUp,
    /// Requester: its central authority has drafted the MLA request.
    MlaDraft,
    /// Requester: the MLA request is translated.
    MlaTranslate,
    /// Requested state: its central authority decides the MLA request.
    MlaExecute,
    /// Requested state: the preservation hold ends.
    HoldExpiry,
    /// A desk with counted officers looks at its queue again.
    DeskWake(DeskName),
    /// Hub: a member's request is acknowledged.
    HubAcknowledge,
    /// Hub: it is executed on the member's behalf.
    HubExecute,
    /// Receiver: the verification's own work is done (a supervisor decides; a call-back
    /// is placed).
    Verify,
    /// Requester: a person at the desk answers a call-back; each call (`from`, its
    /// envelope's `seq`) has its own timer.
    CallBackAnswer {
        from: StateCode,
        seq: u64,
    },
    /// Provider: its desk has produced the data of a direct order.
    Produce,
    /// Provider: the review by its state ends; the held data goes to the issuing state.
    ReviewEnds,
}

/// A timer that is due: fields in firing order (time, request, kind).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Timer {
    pub(super) at: SimTime,
    pub(super) id: RequestId,
    pub(super) kind: TimerKind,
}

/// Every timer of a contact point: at most one time per `(request, kind)`.
#[derive(Debug, Default)]
pub(super) struct TimerTable {
    due: BTreeMap<(RequestId, TimerKind), SimTime>,
    /// The same timers in firing order.
    order: BTreeSet<Timer>,
}

impl TimerTable {
    /// Sets timer `kind` of `id` to `at`, replacing any time it had.
    pub(super) fn set(&mut self, id: RequestId, kind: TimerKind, at: SimTime) {
        if let Some(old) = self.due.insert((id, kind), at) {
            self.order.remove(&Timer { at: old, id, kind });
        }
        self.order.insert(Timer { at, id, kind });
    }

    /// Sets timer `kind` of `id` to `at` unless it is already due no later.
    pub(super) fn set_sooner(&mut self, id: RequestId, kind: TimerKind, at: SimTime) {
        if self.get(id, kind).is_none_or(|due| at < due) {
            self.set(id, kind, at);
        }
    }

    pub(super) fn stop(&mut self, id: RequestId, kind: TimerKind) {
        if let Some(at) = self.due.remove(&(id, kind)) {
            self.order.remove(&Timer { at, id, kind });
        }
    }

    pub(super) fn get(&self, id: RequestId, kind: TimerKind) -> Option<SimTime> {
        self.due.get(&(id, kind)).copied()
    }

    /// When the next timer is due.
    pub(super) fn next(&self) -> Option<SimTime> {
        self.order.first().map(|t| t.at)
    }

    /// Takes out the first timer due at or before `now`.
    pub(super) fn pop_due(&mut self, now: SimTime) -> Option<Timer> {
        let timer = self.order.first().copied().filter(|t| t.at <= now)?;
        self.order.remove(&timer);
        self.due.remove(&(timer.id, timer.kind));
        Some(timer)
    }

    pub(super) fn clear(&mut self) {
        self.due.clear();
        self.order.clear();
    }

    pub(super) fn len(&self) -> usize {
        self.due.len()
    }
}

impl ContactPoint {
    /// The earliest time at which [`Self::handle_timeout`] has work.
    pub fn poll_timeout(&self) -> Option<SimTime> {
        self.timers.next()
    }

    /// Runs every timer due at or before `now`, in (time, request, kind) order.
    pub fn handle_timeout(&mut self, now: SimTime) {
        self.tick(now);
        while let Some(timer) = self.timers.pop_due(now) {
            // A contact point that is down does nothing until it is back up.
            if let Some(up) = self.network.down_until(self.state, timer.at) {
                self.timers.set(timer.id, timer.kind, up);
                continue;
            }
            self.on_timer(timer);
        }
    }

    pub(super) fn on_timer(&mut self, timer: Timer) {
        let Timer { at: now, id, kind } = timer;
        match kind {
            TimerKind::Open => self.schedule_first_look(now, id),
            TimerKind::Acknowledge => self.acknowledge(now, id),
            TimerKind::Fulfil => self.fulfil(now, id),
            TimerKind::Resend => self.resend(now, id),
            TimerKind::Escalate => {
                let Some(to) = self.sent.get(&id).filter(|s| !s.step.get().finished()).map(|s| s.to) else {
                    return;
                };
                self.emit(now, id, EventKind::Escalated);
                self.send(now, to, id, Message::Escalation { id });
            }
            TimerKind::GiveUp => {
                let waited_ms = self.profile.requester.give_up_after_ms;
                self.end_sent(now, id, |to| EventKind::Expired { to, waited_ms });
            }
            TimerKind::Translate => self.translated(now, id),
            TimerKind::MlaDraft => self.mla_drafted(now, id),
            TimerKind::MlaTranslate => self.mla_translated(now, id),
            TimerKind::MlaExecute => self.execute_mla(now, id),
            TimerKind::HoldExpiry => self.hold_expiry(now, id),
            TimerKind::DeskWake(name) => self.desk_wake(now, name),
            TimerKind::HubAcknowledge => self.hub_acknowledge(now, id),
            TimerKind::HubExecute => self.hub_execute(now, id),
            TimerKind::Verify => self.verification_work_done(now, id),
            TimerKind::CallBackAnswer { .. } => self.answer_call_back(now, id),
            TimerKind::Produce => self.produced(now, id),
            TimerKind::ReviewEnds => self.answer_order(now, id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A second table, as plain as can be: a list searched and sorted on every call.
    #[derive(Default)]
    struct Plain(Vec<Timer>);

    impl Plain {
        fn set(&mut self, id: RequestId, kind: TimerKind, at: SimTime) {
            self.0.retain(|t| (t.id, t.kind) != (id, kind));
            self.0.push(Timer { at, id, kind });
        }

        fn pop_due(&mut self, now: SimTime) -> Option<Timer> {
            self.0.sort();
            (self.0.first()?.at <= now).then(|| self.0.remove(0))
        }
    }

    fn id(case: u32) -> RequestId {
        RequestId { case, link: 0 }
    }

    #[test]
    fn timers_fire_in_time_request_kind_order() {
        let mut t = TimerTable::default();
        t.set(id(2), TimerKind::Fulfil, SimTime(5));
        t.set(id(1), TimerKind::GiveUp, SimTime(5));
        t.set(id(1), TimerKind::Resend, SimTime(5));
        t.set(id(3), TimerKind::Open, SimTime(4));
        // A desk's wake-up carries the id 0/0, before every request's.
        t.set_sooner(id(0), TimerKind::DeskWake(DeskName::Hub), SimTime(5));
        let fired: Vec<(i64, u32, TimerKind)> =
            std::iter::from_fn(|| t.pop_due(SimTime(5))).map(|t| (t.at.0, t.id.case, t.kind)).collect();
        let want = vec![
            (4, 3, TimerKind::Open),
            (5, 0, TimerKind::DeskWake(DeskName::Hub)),
            (5, 1, TimerKind::Resend),
            (5, 1, TimerKind::GiveUp),
            (5, 2, TimerKind::Fulfil),
        ];
        assert_eq!(fired, want);
        assert_eq!((t.next(), t.len()), (None, 0));
    }

    #[test]
    fn a_timer_set_again_moves_and_set_sooner_keeps_the_earlier() {
        let mut t = TimerTable::default();
        t.set(id(1), TimerKind::Acknowledge, SimTime(10));
        t.set(id(1), TimerKind::Acknowledge, SimTime(20));
        assert_eq!(
            (t.get(id(1), TimerKind::Acknowledge), t.next(), t.len()),
            (Some(SimTime(20)), Some(SimTime(20)), 1)
        );
        t.set_sooner(id(1), TimerKind::Acknowledge, SimTime(30));
        t.set_sooner(id(1), TimerKind::Acknowledge, SimTime(15));
        assert_eq!(t.next(), Some(SimTime(15)));
        t.stop(id(1), TimerKind::Acknowledge);
        assert_eq!((t.next(), t.pop_due(SimTime(100))), (None, None));
    }

    /// Random sets, stops and firings over many seeds: the table fires exactly what the
    /// plain list does, in the same order.
    #[test]
    fn the_table_fires_as_a_plain_sorted_list_does() {
        let kinds = [TimerKind::Open, TimerKind::Acknowledge, TimerKind::Resend, TimerKind::DeskWake(DeskName::Hub)];
        for seed in 0..200u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let (mut table, mut plain) = (TimerTable::default(), Plain::default());
            let mut now = 0;
            for _ in 0..200 {
                let (i, kind) = (id(rng.random_range(0..4)), kinds[rng.random_range(0..kinds.len())]);
                let at = SimTime(now + rng.random_range(0..50));
                match rng.random_range(0..4) {
                    0 => {
                        table.set(i, kind, at);
                        plain.set(i, kind, at);
                    }
                    1 => {
                        table.set_sooner(i, kind, at);
                        if plain.0.iter().all(|t| (t.id, t.kind) != (i, kind) || at < t.at) {
                            plain.set(i, kind, at);
                        }
                    }
                    2 => {
                        table.stop(i, kind);
                        plain.0.retain(|t| (t.id, t.kind) != (i, kind));
                    }
                    _ => {
                        now += rng.random_range(0..30);
                        loop {
                            let (a, b) = (table.pop_due(SimTime(now)), plain.pop_due(SimTime(now)));
                            assert_eq!(a, b, "seed {seed}");
                            if a.is_none() {
                                break;
                            }
                        }
                    }
                }
                assert_eq!(table.next(), plain.0.iter().map(|t| t.at).min(), "seed {seed}");
                assert_eq!(table.len(), plain.0.len(), "seed {seed}");
            }
        }
    }
}
