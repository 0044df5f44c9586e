//! Desks with counted officers: work joins a desk's queue, starts when an officer is free
//! and the desk is open for it, takes its drawn work time in the desk's open hours, and
//! frees the officer when done. Only for desks whose profile counts officers; the others
//! keep the model of independent delays.
//!
//! The draws are the same as without a desk (keyed by request and purpose), so a desk
//! with as many officers as work gives the same times; with fewer, work waits.

use super::timers::TimerKind;
use super::ContactPoint;
use crate::desk::{DeskName, ShiftEnd, Task, Waiting};
use crate::event::EventKind;
use crate::request::{RequestId, RequestKind, Response};
use crate::roster::{OpenWhen, Roster};
use crate::seed::Purpose;
use crate::time::SimTime;

/// The id a desk's wake-up timer carries (it concerns no request).
pub(super) const DESK_WAKE: RequestId = RequestId { case: 0, link: 0 };

impl ContactPoint {
    /// Whether `name`'s officers are counted here.
    pub(super) fn counts_officers(&self, name: DeskName) -> bool {
        self.desks.contains_key(&name)
    }

    fn desk_roster(&self, name: DeskName) -> Option<&Roster> {
        match name {
            DeskName::ContactPoint => Some(&self.roster),
            DeskName::CentralAuthority => self.central_authority.as_ref().map(|ca| &ca.roster),
            DeskName::MlaOffice => self.mla_office.as_ref(),
            DeskName::Hub => self.hub_role.as_ref().map(|h| &h.covers),
            DeskName::Translation => Some(&self.roster),
            DeskName::Provider(i) => self.providers.get(&i),
        }
    }

    /// Puts work for request `id` in `name`'s queue (not before `ready_at`) and starts what
    /// can start.
    pub(super) fn join_desk(
        &mut self,
        now: SimTime,
        name: DeskName,
        id: RequestId,
        task: Task,
        ready_at: SimTime,
        open: OpenWhen,
    ) {
        let (emergency, deadline) = match (name, self.received.get(&id)) {
            (DeskName::Provider(_), _) => self.order_urgency(id),
            (DeskName::Hub, _) => {
                (self.hub_cases.get(&id).is_some_and(|c| c.request.kind == RequestKind::Emergency), None)
            }
            (_, Some(r)) if name != DeskName::MlaOffice || task == Task::Execute => {
                (r.request.kind == RequestKind::Emergency, r.deletions.iter().map(|(_, t)| *t).min())
            }
            _ => (self.sent.get(&id).is_some_and(|s| s.request.kind == RequestKind::Emergency), None),
        };
        let Some(desk) = self.desks.get_mut(&name) else { return };
        let waiting = Waiting { id, task, ready_at: ready_at.max(now), open, joined: now };
        if desk.join(waiting, emergency, deadline, name).is_err() {
            // A full queue refuses the work: the request ends refused, named.
            if name != DeskName::MlaOffice || task == Task::Execute {
                let ground = format!("the {name}'s queue is full");
                if self.received.get(&id).is_some_and(|r| r.stage.get().response().is_none()) {
                    self.finish_received(now, id, Response::Refused { ground });
                }
            }
            return;
        }
        self.emit(now, id, EventKind::Queued { desk: name, task });
        self.wake_desk(now, name);
    }

    /// The desk looks at its queue once every input of this instant has run (a wake-up
    /// timer now runs after the instant's messages and injects), so that work arriving at
    /// the same instant is taken in queue order, not in order of arrival.
    fn wake_desk(&mut self, now: SimTime, name: DeskName) {
        self.timers.set_sooner(DESK_WAKE, TimerKind::DeskWake(name), now);
    }

    /// Starts the waiting work an officer can take now; wakes the desk again when more
    /// could start (work becomes ready, or the shift changes), unless a wake-up is due
    /// sooner (which looks again).
    pub(super) fn dispatch(&mut self, now: SimTime, name: DeskName) {
        let Some(mode) = self.desk_roster(name).map(|r| r.mode_at(now)) else { return };
        let taken = match self.desks.get_mut(&name) {
            Some(desk) => desk.take(now, mode),
            None => return,
        };
        for w in taken {
            self.start_work(now, name, w);
        }
        let Some(desk) = self.desks.get(&name) else { return };
        if !desk.has_waiting() {
            return;
        }
        let ready = desk.next_ready(now);
        let change = self.desk_roster(name).and_then(|r| r.next_change(now));
        if let Some(at) = [ready, change].into_iter().flatten().min() {
            self.timers.set_sooner(DESK_WAKE, TimerKind::DeskWake(name), at);
        }
    }

    /// An officer starts `w`: its work time is drawn as without a desk and counted in the
    /// desk's open hours; a timer marks its end.
    fn start_work(&mut self, now: SimTime, name: DeskName, w: Waiting) {
        let id = w.id;
        let mode = self.desk_roster(name).map(|r| r.mode_at(now));
        let received_kind = self.received.get(&id).filter(|r| r.stage.get().open()).map(|r| r.request.kind);
        let drawn = match (name, w.task, received_kind, mode) {
            (DeskName::ContactPoint, Task::Acknowledge, Some(kind), Some(mode)) => {
                let delay = self.profile.acknowledge_delay(kind, mode).clone();
                Some((TimerKind::Acknowledge, self.draw(id, Purpose::AcknowledgeDelay, delay)))
            }
            (DeskName::ContactPoint, Task::Execute, Some(kind), Some(mode)) => {
                let delay = self.profile.fulfil_delay(kind, mode).clone();
                Some((TimerKind::Fulfil, self.draw(id, Purpose::FulfilDelay, delay)))
            }
            (DeskName::Translation, Task::Translate, Some(_), _) => {
                let delay = self.profile.translation.clone();
                Some((TimerKind::Translate, self.draw(id, Purpose::TranslationDelay, delay)))
            }
            (DeskName::CentralAuthority, Task::Execute, Some(_), _) => {
                let delay = self.central_authority.as_ref().map(|ca| ca.delay.clone());
                delay.map(|d| (TimerKind::Fulfil, self.draw(id, Purpose::CentralAuthorityDelay, d)))
            }
            (DeskName::Hub, task, _, _) => {
                let kind = self.hub_cases.get(&id).map(|c| c.request.kind);
                match (task, kind) {
                    (Task::Acknowledge, Some(kind)) => {
                        let delay = self.profile.acknowledge_delay(kind, crate::roster::Mode::Staffed).clone();
                        Some((TimerKind::HubAcknowledge, self.draw(id, Purpose::HubAcknowledge, delay)))
                    }
                    (Task::Execute, Some(kind)) => {
                        let delay = self.profile.fulfil_delay(kind, crate::roster::Mode::Staffed).clone();
                        Some((TimerKind::HubExecute, self.draw(id, Purpose::HubExecute, delay)))
                    }
                    _ => None,
                }
            }
            (DeskName::Provider(p), Task::Execute, _, _) => {
                self.production_work(id, p).map(|work| (TimerKind::Produce, work))
            }
            (DeskName::MlaOffice, task, _, _) => {
                let policy = self.profile.mla.as_ref();
                match task {
                    Task::Draft => policy.map(|p| (TimerKind::MlaDraft, p.drafting.clone(), Purpose::MlaDrafting)),
                    Task::Translate => {
                        policy.map(|p| (TimerKind::MlaTranslate, p.translation.clone(), Purpose::MlaTranslation))
                    }
                    Task::Execute => {
                        policy.map(|p| (TimerKind::MlaExecute, p.execution.clone(), Purpose::MlaExecution))
                    }
                    Task::Acknowledge => None,
                }
                .map(|(kind, delay, purpose)| (kind, self.draw(id, purpose, delay)))
            }
            _ => None,
        };
        let Some((kind, work)) = drawn else {
            // The request ended meanwhile (answered, withdrawn): the officer is free again.
            if let Some(desk) = self.desks.get_mut(&name) {
                desk.done();
            }
            return;
        };
        let shift_end = self.network.roads.shift_end_of(name, self.profile.shift_end);
        let finish = self.desk_roster(name).and_then(|r| shift_end.finish(r, now, work, w.open));
        let at = finish.map_or(now.plus_ms(work), |f| f.at);
        self.timers.set(id, kind, at);
        self.working.insert((name, id, w.task));
        self.emit(now, id, EventKind::WorkStarted { desk: name, task: w.task });
    }

    /// An officer finished `task` of request `id` at `name`: free for the next work, which
    /// starts once the follow-up of this work has joined the queue too.
    pub(super) fn work_done(&mut self, now: SimTime, name: DeskName, id: RequestId, task: Task) {
        if !self.working.remove(&(name, id, task)) {
            return;
        }
        let Some(desk) = self.desks.get_mut(&name) else { return };
        desk.done();
        self.emit(now, id, EventKind::WorkDone { desk: name, task });
        self.wake_desk(now, name);
    }

    /// Every officer working on request `id` stops (it was withdrawn): free again.
    pub(super) fn abandon_work(&mut self, now: SimTime, id: RequestId) {
        let mine: Vec<(DeskName, RequestId, Task)> = self.working.iter().filter(|w| w.1 == id).copied().collect();
        for (name, id, task) in mine {
            self.work_done(now, name, id, task);
        }
        for desk in self.desks.values_mut() {
            desk.forget(id);
        }
    }

    /// Whether an officer at `name` is on `task` of request `id` and, by the profile's
    /// `shift_end = "overtime"`, finishes it past the shift's end: the step then ends at an
    /// instant the desk is not open.
    pub(super) fn finishes_in_overtime(&self, name: DeskName, id: RequestId, task: Task) -> bool {
        self.profile.shift_end == ShiftEnd::Overtime && self.working.contains(&(name, id, task))
    }

    /// A desk's wake-up timer fired.
    pub(super) fn desk_wake(&mut self, now: SimTime, name: DeskName) {
        self.dispatch(now, name);
    }
}
