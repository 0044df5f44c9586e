//! As receiver: the first look (at the next opening when closed), the acknowledgement by a
//! person, translation, then fulfilment, refusal, too late for the evidence, or the hand-over
//! to the central authority, which works in its own office hours.

use super::stage::{Hold, Receiving, Stage, Translation};
use super::timers::TimerKind;
use super::{ContactPoint, Received};
use crate::desk::{DeskName, Task};
use crate::event::EventKind;
use crate::request::{RequestId, RequestKind, Response};
use crate::roster::{Mode, OpenWhen};
use crate::seed::{stream, Purpose};
use crate::state::StateCode;
use crate::time::SimTime;
use crate::wire::{Message, Request};
use rand::Rng;

impl ContactPoint {
    pub(super) fn on_request(&mut self, now: SimTime, from: StateCode, request: Request) {
        let id = request.id;
        if let Some(r) = self.received.get(&id) {
            // The same request again (the requester resent it): repeat what it missed.
            if r.from != from {
                return;
            }
            let (acknowledged, response) = (r.stage.get().acknowledged(), r.stage.get().response().cloned());
            self.send(now, from, id, Message::Receipt { id });
            if acknowledged {
                self.send(now, from, id, Message::Acknowledgement { id });
            }
            if let Some(response) = response {
                self.send(now, from, id, Message::Response { id, response });
            }
            return;
        }
        if self.sent.contains_key(&id) {
            return;
        }
        let mode = self.roster.mode_at(now);
        let deletions = self.deletions(&request);
        self.received.insert(
            id,
            Received {
                from,
                request,
                stage: Stage::<Receiving>::delivered(),
                translation: Stage::<Translation>::not_asked(),
                deletions,
                hold: Stage::<Hold>::not_held(),
                call_backs: 0,
            },
        );
        self.emit(now, id, EventKind::Delivered { from, mode });
        // The node has it: an automatic delivery receipt, not a person's acknowledgement.
        self.send(now, from, id, Message::Receipt { id });
        if self.operated {
            return;
        }
        // Outside the desk's staffed hours, the regional hub takes it if it covers now.
        match self.hub_now(now, from) {
            Some(hub) => self.hand_to_hub(now, hub, id),
            None => self.schedule_first_look(now, id),
        }
    }

    /// A person looks at the request now if the desk is open for its kind, else at its next
    /// opening; acknowledging it takes work time, counted only while the desk is open.
    pub(super) fn schedule_first_look(&mut self, now: SimTime, id: RequestId) {
        let Some(kind) = self.received.get(&id).map(|r| r.request.kind) else { return };
        let open = self.profile.open_when(kind);
        if self.counts_officers(DeskName::ContactPoint) {
            // Counted officers: it waits in the desk's queue for one who is free and on duty.
            self.move_received(id, |s| s.acknowledging());
            return self.join_desk(now, DeskName::ContactPoint, id, Task::Acknowledge, now, open);
        }
        let never = |this: &mut Self| {
            let ground = "the contact point never opens within a year".to_string();
            this.finish_received(now, id, Response::Refused { ground });
        };
        match self.roster.next_open(now, open) {
            Some(at) if at > now => {
                self.timers.set(id, TimerKind::Open, at);
                self.move_received(id, |s| s.await_open());
            }
            Some(_) => {
                let mode = self.roster.mode_at(now);
                let delay =
                    self.draw(id, Purpose::AcknowledgeDelay, self.profile.acknowledge_delay(kind, mode).clone());
                let Some(at) = self.roster.finish_work(now, delay, open) else { return never(self) };
                self.timers.set(id, TimerKind::Acknowledge, at);
                self.move_received(id, |s| s.acknowledging());
            }
            None => never(self),
        }
    }

    /// Moves the stage of received request `id` by `transition` (a transition of
    /// [`super::stage`]).
    pub(super) fn move_received(&mut self, id: RequestId, transition: impl FnOnce(&mut Stage<Receiving>)) {
        if let Some(r) = self.received.get_mut(&id) {
            transition(&mut r.stage);
        }
    }

    /// The pending first look of `id` (its `Open` or `Acknowledge` timer): kind and time.
    fn pending_first_look(&self, id: RequestId) -> Option<(TimerKind, SimTime)> {
        [TimerKind::Open, TimerKind::Acknowledge].into_iter().find_map(|k| self.timers.get(id, k).map(|at| (k, at)))
    }

    /// The requester called: a duty officer who can be reached looks at it now.
    pub(super) fn on_escalation(&mut self, now: SimTime, from: StateCode, id: RequestId) {
        let Some(r) = self.received.get(&id).filter(|r| r.from == from) else { return };
        let (kind, acknowledged) = (r.request.kind, r.stage.get().acknowledged());
        let pending = self.pending_first_look(id);
        self.emit(now, id, EventKind::EscalationReceived);
        if self.counts_officers(DeskName::ContactPoint) {
            // The call puts a request still waiting for a first look at the head of the queue.
            if !acknowledged && pending.is_none() {
                if let Some(desk) = self.desks.get_mut(&DeskName::ContactPoint) {
                    desk.to_front(id);
                }
                self.dispatch(now, DeskName::ContactPoint);
            }
            return;
        }
        let Some((pending, pending_at)) = pending else { return };
        // The call reaches a person directly: a duty officer on call answers it as a staffed
        // desk would. A closed desk (or an on-call officer who does not take this kind) has
        // nobody to take the call.
        let open = self.profile.open_when(kind);
        if !open.admits(self.roster.mode_at(now)) {
            return;
        }
        let delay =
            self.draw(id, Purpose::EscalationDelay, self.profile.acknowledge_delay(kind, Mode::Staffed).clone());
        let Some(at) = self.roster.finish_work(now, delay, open) else { return };
        if at < pending_at {
            self.timers.stop(id, pending);
            self.timers.set(id, TimerKind::Acknowledge, at);
            self.move_received(id, |s| s.acknowledging());
        }
    }

    /// Hands the request to the central authority now (the requester is told); it starts
    /// at `start` (after any translation): its execution is timed (its next opening plus its
    /// delay), or, with counted officers, waits in its queue. `false` without a central
    /// authority.
    pub(super) fn forward_to_central_authority(&mut self, now: SimTime, start: SimTime, id: RequestId) -> bool {
        let Some(ca) = self.central_authority.as_ref() else { return false };
        let delay = ca.delay.clone();
        let opening = ca.roster.next_opening(start).unwrap_or(start);
        let Some(r) = self.received.get_mut(&id) else { return false };
        r.stage.forward();
        let from = r.from;
        self.emit(now, id, EventKind::Forwarded);
        self.send(now, from, id, Message::Response { id, response: Response::Forwarded });
        if self.counts_officers(DeskName::CentralAuthority) {
            self.join_desk(now, DeskName::CentralAuthority, id, Task::Execute, start, OpenWhen::StaffedOrOnCall);
        } else {
            let at = opening.plus_ms(self.draw(id, Purpose::CentralAuthorityDelay, delay));
            self.timers.set(id, TimerKind::Fulfil, at);
        }
        true
    }

    pub(super) fn acknowledge(&mut self, now: SimTime, id: RequestId) {
        let Some(received) = self.received.get(&id).filter(|r| !r.stage.get().withdrawn()) else {
            return self.work_done(now, DeskName::ContactPoint, id, Task::Acknowledge);
        };
        let (kind, language) = (received.request.kind, received.request.language.clone());
        let open = self.profile.open_when(kind);
        let mode = self.roster.mode_at(now);
        if !open.admits(mode) && !self.finishes_in_overtime(DeskName::ContactPoint, id, Task::Acknowledge) {
            // Held back by an outage into closed time: a person acknowledges at the opening.
            let Some(at) = self.roster.next_open(now, open) else { return };
            self.timers.set(id, TimerKind::Acknowledge, at);
            return;
        }
        self.work_done(now, DeskName::ContactPoint, id, Task::Acknowledge);
        self.mark_acknowledged(now, id);
        if self.answer_ping(now, id) {
            return;
        }
        let mut start = now;
        if self.profile.needs_translation(&language) && self.counts_officers(DeskName::Translation) {
            self.move_received(id, |s| s.translate());
            return self.join_desk(now, DeskName::Translation, id, Task::Translate, now, OpenWhen::StaffedOrOnCall);
        }
        if self.profile.needs_translation(&language) {
            let ms = self.draw(id, Purpose::TranslationDelay, self.profile.translation.clone());
            self.emit(now, id, EventKind::Translation { ms });
            start = now.plus_ms(ms);
        }
        self.schedule_execution(now, id, start);
    }

    /// A translator finished translating request `id`: its execution can start.
    pub(super) fn translated(&mut self, now: SimTime, id: RequestId) {
        self.work_done(now, DeskName::Translation, id, Task::Translate);
        if self.received.get(&id).is_some_and(|r| r.stage.get().open()) {
            self.schedule_execution(now, id, now);
        }
    }

    /// Acknowledged at `now`: the execution starts at `start` (after any translation), at
    /// the central authority for its kinds, else here: timed, or in the desk's queue.
    pub(super) fn schedule_execution(&mut self, now: SimTime, id: RequestId, start: SimTime) {
        if self.answer_ping(now, id) {
            return;
        }
        if self.verify_first(now, id, start) {
            return;
        }
        let Some(kind) = self.received.get(&id).map(|r| r.request.kind) else { return };
        let open = self.profile.open_when(kind);
        let mode = self.roster.mode_at(now);
        let to_authority = self.central_authority.as_ref().is_some_and(|ca| ca.kinds.contains(&kind));
        if to_authority {
            self.forward_to_central_authority(now, start, id);
            return;
        }
        self.move_received(id, |s| s.execute());
        if self.counts_officers(DeskName::ContactPoint) {
            return self.join_desk(now, DeskName::ContactPoint, id, Task::Execute, start, open);
        }
        let at = {
            let delay = self.profile.fulfil_delay(kind, mode).clone();
            let work = self.draw(id, Purpose::FulfilDelay, delay);
            let Some(at) = self.roster.finish_work(start, work, open) else {
                let ground = "the contact point is not open long enough to do it within eight years".to_string();
                self.finish_received(now, id, Response::Refused { ground });
                return;
            };
            at
        };
        self.timers.set(id, TimerKind::Fulfil, at);
    }

    pub(super) fn fulfil(&mut self, now: SimTime, id: RequestId) {
        let Some(received) = self.received.get(&id).filter(|r| r.stage.get().open()) else {
            // Answered or withdrawn meanwhile: whoever was on it is free.
            self.work_done(now, DeskName::ContactPoint, id, Task::Execute);
            return self.work_done(now, DeskName::CentralAuthority, id, Task::Execute);
        };
        // Whoever does the work must be at work: defer to their next opening if not (the
        // central authority's delay is calendar time; an outage can hold a step back).
        let forwarded = received.stage.get().forwarded();
        let (roster, open) = match (&self.central_authority, forwarded) {
            (Some(ca), true) => (&ca.roster, OpenWhen::StaffedOrOnCall),
            _ => (&self.roster, self.profile.open_when(received.request.kind)),
        };
        let desk = if forwarded { DeskName::CentralAuthority } else { DeskName::ContactPoint };
        if !open.admits(roster.mode_at(now)) && !self.finishes_in_overtime(desk, id, Task::Execute) {
            let at = roster.next_open(now, open).filter(|&t| t > now).unwrap_or(now.plus_ms(60_000));
            self.timers.set(id, TimerKind::Fulfil, at);
            return;
        }
        self.work_done(now, desk, id, Task::Execute);
        let response = self.execution(now, id);
        self.finish_received(now, id, response);
    }

    /// What executing the request now gives: a refusal (by the profile's odds), too late
    /// for the evidence (every class of data asked for is gone), or fulfilled (revealing the
    /// next state of an Art. 43 chain; partially if some classes are gone).
    pub(super) fn execution(&self, now: SimTime, id: RequestId) -> Response {
        let Some(received) = self.received.get(&id) else { return Response::TooLate };
        let (gone, too_late) = super::evidence::gone_at(&received.deletions, &received.request, now);
        let reveals = received.request.chain.first().copied();
        // A person decides refusals; the profile's odds are for simulated contact points
        // and central authorities.
        let by_chance = !self.operated || received.stage.get().forwarded();
        let refuse = by_chance
            && self.profile.refuse_probability > 0.0
            && stream(self.seed, self.state, id, Purpose::Refusal).random::<f64>() < self.profile.refuse_probability;
        if refuse {
            Response::Refused { ground: self.profile.refusal_ground.clone() }
        } else if too_late {
            Response::TooLate
        } else {
            Response::Fulfilled { reveals, lost: gone }
        }
    }

    pub(super) fn finish_received(&mut self, now: SimTime, id: RequestId, response: Response) {
        let Some(received) = self.received.get_mut(&id) else { return };
        received.stage.answer(response.clone());
        let from = received.from;
        let event = match &response {
            Response::Fulfilled { .. } => EventKind::Fulfilled,
            Response::TooLate => EventKind::EvidenceGone,
            Response::Refused { ground } => EventKind::Refused { ground: ground.clone() },
            Response::Unverified => EventKind::VerificationFailed,
            Response::Forwarded => unreachable!("forwarding is not a final response"),
        };
        let fulfilled = matches!(response, Response::Fulfilled { .. });
        self.emit(now, id, event);
        self.send(now, from, id, Message::Response { id, response });
        if fulfilled {
            self.start_hold(now, id);
        }
    }

    /// A person acknowledged the request: tell the requester.
    pub(super) fn mark_acknowledged(&mut self, now: SimTime, id: RequestId) {
        let Some(received) = self.received.get_mut(&id) else { return };
        received.stage.acknowledge();
        let from = received.from;
        let mode = self.roster.mode_at(now);
        self.emit(now, id, EventKind::Acknowledged { mode });
        self.send(now, from, id, Message::Acknowledgement { id });
        if self.answer_ping(now, id) {
            return;
        }
        self.early_notice(now, id);
    }

    /// A ping is answered once a person has it: nothing to translate or execute. `true`
    /// when `id` is a ping (answered now, or before).
    pub(super) fn answer_ping(&mut self, now: SimTime, id: RequestId) -> bool {
        let Some(r) = self.received.get(&id).filter(|r| r.request.kind == RequestKind::Ping) else { return false };
        if r.stage.get().response().is_none() {
            self.finish_received(now, id, Response::Fulfilled { reveals: None, lost: Vec::new() });
        }
        true
    }
}
