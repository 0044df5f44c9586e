//! Verification before execution: a forged request over a genuine channel (a compromised
//! mailbox, a false authority) passes mutual TLS; a call-back to the requesting desk or a
//! supervisor's review catches it, at the cost of time on every request verified.
//!
//! The receiver verifies the kinds its profile names, after acknowledging (and any
//! translation), before executing. Its own work (`time`) runs in its staffed hours (or
//! on-call hours too). A supervisor then decides: a forgery is caught with probability
//! `catches`. A call-back is placed to the requesting desk, whose people answer in their
//! own hours (their profile's acknowledgement delay): a genuine desk says it sent the
//! request; for a forgery it says it did not, and the receiver believes the answer with
//! probability `catches`. The call goes to the register's number: a lost call (a stale
//! entry, a desk that is down, a lost message) is placed again every hour without an
//! answer; after [`CALL_BACKS_MAX`] calls nobody answered, the request cannot be verified
//! and is refused.

use super::stage::Receiving;
use super::timers::TimerKind;
use super::ContactPoint;
use crate::event::EventKind;
use crate::profile::VerifyHow;
use crate::request::{RequestId, Response};
use crate::roster::OpenWhen;
use crate::seed::{stream, Purpose};
use crate::state::StateCode;
use crate::time::SimTime;
use crate::wire::Message;
use rand::Rng;

/// Call-backs placed before a request nobody answers for is refused as unverified.
pub const CALL_BACKS_MAX: u8 = 24;
/// Time between call-backs nobody answered.
const CALL_BACK_RETRY_MS: u64 = 3_600_000;

impl ContactPoint {
    /// Verifies `id` first if the profile asks for it: `true` when execution must wait for
    /// the verification (started now, or under way).
    pub(super) fn verify_first(&mut self, now: SimTime, id: RequestId, start: SimTime) -> bool {
        let Some(policy) = self.profile.verify.clone() else { return false };
        let Some(r) = self.received.get_mut(&id) else { return false };
        if *r.stage.get() == Receiving::Verified || !policy.kinds.contains(&r.request.kind) {
            return false;
        }
        if matches!(r.stage.get(), Receiving::Verifying { .. }) {
            return true;
        }
        r.stage.verify(start);
        self.emit(now, id, EventKind::VerificationStarted { how: policy.how });
        let work = self.draw(id, Purpose::Verification, policy.time.clone());
        let open = if policy.on_call { OpenWhen::StaffedOrOnCall } else { OpenWhen::Staffed };
        // Not open long enough within the roster's horizon: it cannot be verified.
        let Some(at) = self.roster.finish_work(now.max(start), work, open) else {
            self.verification_failed(now, id);
            return true;
        };
        self.timers.set(id, TimerKind::Verify, at);
        true
    }

    /// The verification's own work is done: a supervisor decides; a call-back is placed.
    pub(super) fn verification_work_done(&mut self, now: SimTime, id: RequestId) {
        let Some(policy) = self.profile.verify.clone() else { return };
        let Some(r) = self.received.get(&id).filter(|r| matches!(r.stage.get(), Receiving::Verifying { .. })) else {
            return;
        };
        match policy.how {
            VerifyHow::Supervisor => {
                let forged = r.request.forged;
                let caught = forged && self.catches(id, policy.catches);
                if caught {
                    self.verification_failed(now, id);
                } else {
                    self.verification_passed(now, id);
                }
            }
            VerifyHow::CallBack => {
                let from = r.from;
                if r.call_backs >= CALL_BACKS_MAX {
                    return self.verification_failed(now, id);
                }
                if let Some(r) = self.received.get_mut(&id) {
                    r.call_backs += 1;
                }
                self.send(now, from, id, Message::CallBack { id });
                // No answer within the hour: call again (the answer ends it first).
                self.timers.set(id, TimerKind::Verify, now.plus_ms(CALL_BACK_RETRY_MS));
            }
        }
    }

    fn catches(&self, id: RequestId, probability: f64) -> bool {
        probability > 0.0 && stream(self.seed, self.state, id, Purpose::VerificationCatch).random::<f64>() < probability
    }

    /// Requester: the receiver calls back about `id`; a person answers in this desk's
    /// hours, after its acknowledgement delay.
    pub(super) fn on_call_back(&mut self, now: SimTime, from: StateCode, seq: u64, id: RequestId) {
        let kind = self.sent.get(&id).map(|s| s.request.kind).unwrap_or(crate::request::RequestKind::Emergency);
        let mode = self.roster.mode_at(now);
        let delay = self.profile.acknowledge_delay(kind, mode).clone();
        let work = delay.sample(&mut stream(self.seed, self.state, id, Purpose::CallBackAnswer));
        let at = self.roster.finish_work(now, work, OpenWhen::StaffedOrOnCall).unwrap_or(now.plus_ms(work));
        self.call_backs.insert(id, from);
        self.timers.set(id, TimerKind::CallBackAnswer { from, seq }, at);
    }

    /// Requester: a person answers the call-back: this desk sent `id`, unless it is a
    /// forgery (the genuine officers know nothing of it) or was never sent from here.
    pub(super) fn answer_call_back(&mut self, now: SimTime, id: RequestId) {
        let Some(caller) = self.call_backs.remove(&id) else { return };
        let sent_it = self.sent.get(&id).is_some_and(|s| !s.request.forged);
        self.emit(now, id, EventKind::CallBackAnswered { sent_it });
        self.send(now, caller, id, Message::CallBackAnswer { id, sent_it });
    }

    /// Receiver: the call-back's answer.
    pub(super) fn on_call_back_answer(&mut self, now: SimTime, from: StateCode, id: RequestId, sent_it: bool) {
        let Some(r) = self.received.get(&id).filter(|r| matches!(r.stage.get(), Receiving::Verifying { .. })) else {
            return;
        };
        if r.from != from {
            return;
        }
        let catches = self.profile.verify.as_ref().map_or(1.0, |v| v.catches);
        if !sent_it && self.catches(id, catches) {
            self.verification_failed(now, id);
        } else {
            self.verification_passed(now, id);
        }
    }

    fn verification_passed(&mut self, now: SimTime, id: RequestId) {
        let Some(r) = self.received.get_mut(&id) else { return };
        let start = match r.stage.get() {
            Receiving::Verifying { start } => (*start).max(now),
            _ => now,
        };
        r.stage.verified();
        self.emit(now, id, EventKind::VerificationPassed);
        self.schedule_execution(now, id, start);
    }

    fn verification_failed(&mut self, now: SimTime, id: RequestId) {
        if self.received.get(&id).is_some_and(|r| r.stage.get().response().is_none()) {
            self.finish_received(now, id, Response::Unverified);
        }
    }
}
