//! The one owner of `(request, timer kind) → time`: what is due next, and what each timer
//! does when it fires. A down contact point's timers wait until it is up.

use super::ContactPoint;
use crate::desk::DeskName;
use crate::event::EventKind;
use crate::request::RequestId;
use crate::time::SimTime;
use crate::wire::Message;

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
    /// Requester: a person at the desk answers a call-back.
    CallBackAnswer,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Timer {
    pub(super) at: SimTime,
    pub(super) id: RequestId,
    pub(super) kind: TimerKind,
}

impl ContactPoint {
    /// The earliest time at which [`Self::handle_timeout`] has work.
    pub fn poll_timeout(&self) -> Option<SimTime> {
        self.timers.first().map(|t| t.at)
    }

    /// Runs every timer due at or before `now`, in (time, request, kind) order.
    pub fn handle_timeout(&mut self, now: SimTime) {
        self.tick(now);
        while let Some(timer) = self.timers.first().copied().filter(|t| t.at <= now) {
            self.timers.remove(&timer);
            // A contact point that is down does nothing until it is back up.
            if let Some(up) = self.network.down_until(self.state, timer.at) {
                self.timers.insert(Timer { at: up, ..timer });
                self.retarget(timer, up);
                continue;
            }
            self.on_timer(timer);
        }
    }

    /// Keeps the records of a deferred timer pointing at it.
    pub(super) fn retarget(&mut self, old: Timer, at: SimTime) {
        let new = Timer { at, ..old };
        if let Some(r) = self.received.get_mut(&old.id).filter(|r| r.pending_ack == Some(old)) {
            r.pending_ack = Some(new);
        }
        if let Some(s) = self.sent.get_mut(&old.id) {
            for t in s.timers.iter_mut().filter(|t| **t == old) {
                *t = new;
            }
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
                let Some(sent) = self.sent.get_mut(&id).filter(|s| !s.finished) else { return };
                sent.timers.retain(|t| *t != timer);
                let to = sent.to;
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
            TimerKind::CallBackAnswer => self.answer_call_back(now, id),
        }
    }
}
