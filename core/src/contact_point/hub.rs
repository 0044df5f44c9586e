//! Regional hubs, both sides. A member whose desk is not staffed when a request arrives,
//! while its hub covers, hands it to the hub (after its own delivery receipt). The hub's
//! desk acknowledges it to the requester, executes the kinds it may, and hands the rest
//! back to the member, which executes them in its own open hours. The requester takes the
//! hub's answers as the member's.

use super::stage::Receiving;
use super::timers::TimerKind;
use super::ContactPoint;
use crate::desk::{DeskName, Task};
use crate::event::EventKind;
use crate::request::{RequestId, Response};
use crate::roster::{Mode, OpenWhen, Roster};
use crate::seed::Purpose;
use crate::state::StateCode;
use crate::time::SimTime;
use crate::wire::{Message, Request};

/// A member's request at its hub.
#[derive(Debug)]
pub(super) struct HubCase {
    pub(super) member: StateCode,
    pub(super) requester: StateCode,
    pub(super) request: Request,
}

/// This contact point as a hub: when it covers, what it executes.
#[derive(Debug)]
pub(super) struct HubRole {
    pub(super) covers: Roster,
    pub(super) members: Vec<StateCode>,
    pub(super) executes: Vec<crate::request::RequestKind>,
}

impl ContactPoint {
    /// Member: the hub that takes a request from `requester` now, if the desk is not
    /// staffed and the hub covers (never the requester itself: a hub that asks its member
    /// is answered by the member).
    pub(super) fn hub_now(&self, now: SimTime, requester: StateCode) -> Option<StateCode> {
        let (hub, covers) = self.my_hub.as_ref()?;
        let uncovered = self.roster.mode_at(now) != Mode::Staffed;
        (uncovered && *hub != requester && covers.mode_at(now) != Mode::Closed).then_some(*hub)
    }

    /// Member: hands the request just delivered to the hub.
    pub(super) fn hand_to_hub(&mut self, now: SimTime, hub: StateCode, id: RequestId) {
        let Some(r) = self.received.get_mut(&id) else { return };
        r.stage.hand_to_hub();
        let (request, requester) = (Box::new(r.request.clone()), r.from);
        self.emit(now, id, EventKind::HandedToHub { hub });
        self.send(now, hub, id, Message::HubForward { request, requester });
    }

    /// Member: the hub acknowledged it and hands it back: execute it here.
    pub(super) fn on_hand_back(&mut self, now: SimTime, from: StateCode, id: RequestId) {
        if self.my_hub.as_ref().is_none_or(|(hub, _)| *hub != from) {
            return;
        }
        let Some(r) = self.received.get_mut(&id).filter(|r| *r.stage.get() == Receiving::WithHub) else { return };
        r.stage.hand_back();
        self.emit(now, id, EventKind::HandBackReceived);
        self.schedule_execution(now, id, now);
    }

    /// Hub: a member's request came in: its desk acknowledges it.
    pub(super) fn on_hub_forward(&mut self, now: SimTime, member: StateCode, request: Request, requester: StateCode) {
        let Some(role) = self.hub_role.as_ref().filter(|r| r.members.contains(&member)) else { return };
        let id = request.id;
        if self.hub_cases.contains_key(&id) {
            return;
        }
        let kind = request.kind;
        let covers = role.covers.clone();
        self.hub_cases.insert(id, HubCase { member, requester, request });
        self.emit(now, id, EventKind::HubReceived { member });
        if self.counts_officers(DeskName::Hub) {
            return self.join_desk(now, DeskName::Hub, id, Task::Acknowledge, now, OpenWhen::StaffedOrOnCall);
        }
        let delay = self.profile.acknowledge_delay(kind, Mode::Staffed).clone();
        let work = self.draw(id, Purpose::HubAcknowledge, delay);
        let at = covers.finish_work(now, work, OpenWhen::StaffedOrOnCall).unwrap_or(now.plus_ms(work));
        self.timers.set(id, TimerKind::HubAcknowledge, at);
    }

    /// Hub: acknowledged; execute it here if the hub may, else hand it back.
    pub(super) fn hub_acknowledge(&mut self, now: SimTime, id: RequestId) {
        let Some(case) = self.hub_cases.get(&id) else { return };
        let (member, requester, kind) = (case.member, case.requester, case.request.kind);
        self.work_done(now, DeskName::Hub, id, Task::Acknowledge);
        self.emit(now, id, EventKind::Acknowledged { mode: Mode::Staffed });
        self.send(now, requester, id, Message::Acknowledgement { id });
        let Some(role) = self.hub_role.as_ref() else { return };
        if !role.executes.contains(&kind) {
            self.emit(now, id, EventKind::HandedBack { member });
            self.send(now, member, id, Message::HandBack { id });
            return;
        }
        let covers = role.covers.clone();
        if self.counts_officers(DeskName::Hub) {
            return self.join_desk(now, DeskName::Hub, id, Task::Execute, now, OpenWhen::StaffedOrOnCall);
        }
        let delay = self.profile.fulfil_delay(kind, Mode::Staffed).clone();
        let work = self.draw(id, Purpose::HubExecute, delay);
        let at = covers.finish_work(now, work, OpenWhen::StaffedOrOnCall).unwrap_or(now.plus_ms(work));
        self.timers.set(id, TimerKind::HubExecute, at);
    }

    /// Hub: executed on the member's behalf; the answer goes to the requester.
    pub(super) fn hub_execute(&mut self, now: SimTime, id: RequestId) {
        let Some(case) = self.hub_cases.get(&id) else { return };
        let (requester, reveals) = (case.requester, case.request.chain.first().copied());
        self.work_done(now, DeskName::Hub, id, Task::Execute);
        let response = Response::Fulfilled { reveals, lost: Vec::new() };
        self.emit(now, id, EventKind::Fulfilled);
        self.send(now, requester, id, Message::Response { id, response });
    }

    /// Requester: whether `from` may answer for a request sent to `to` (the state itself,
    /// or its hub).
    pub(super) fn answers_for(&self, from: StateCode, to: StateCode) -> bool {
        from == to || self.network.hub_of(to).is_some_and(|h| h.hub == from)
    }
}
