//! As requester: send, resend while there is no delivery receipt or acknowledgement,
//! escalate to the duty officer, give up; a fulfilled Art. 43 link that reveals a provider
//! in another state sends that state the next request.

use super::stage::{MlaLeg, Sending, Stage};
use super::timers::TimerKind;
use super::{ContactPoint, Sent};
use crate::event::EventKind;
use crate::request::{Inject, RequestId, RequestKind, Response};
use crate::state::StateCode;
use crate::time::SimTime;
use crate::wire::{Message, Request};

impl ContactPoint {
    /// This state's investigators need `inject.to` to act: send the request, by the 24/7
    /// step or as a direct order to the provider it names (`provider.rs`).
    pub fn handle_inject(&mut self, now: SimTime, inject: Inject) {
        self.tick(now);
        if self.ended {
            return;
        }
        assert_eq!(inject.from, self.state, "inject routed to the wrong contact point");
        let to = inject.to;
        match self.road_for(&inject) {
            Some(order) => self.start_order(now, to, Request::of(inject), order),
            None => self.start_request(now, to, Request::of(inject)),
        }
    }

    pub(super) fn start_request(&mut self, now: SimTime, to: StateCode, request: Request) {
        let id = request.id;
        if self.sent.contains_key(&id) {
            return;
        }
        let policy = &self.profile.requester;
        self.timers.set(id, TimerKind::GiveUp, request.scheduled.plus_ms(policy.give_up_after_ms));
        // A ping checks the register's channel as it is: sent once, never escalated.
        let check = request.kind == RequestKind::Ping;
        if let Some(ms) = policy.resend_after_ms.filter(|_| !check) {
            self.timers.set(id, TimerKind::Resend, now.plus_ms(ms));
        }
        if let Some(ms) = policy.escalate_after_ms.filter(|_| !check) {
            self.timers.set(id, TimerKind::Escalate, request.scheduled.plus_ms(ms));
        }
        self.emit(now, id, EventKind::Sent { to, kind: request.kind, scheduled: request.scheduled });
        self.send(now, to, id, Message::Request(Box::new(request.clone())));
        self.sent.insert(
            id,
            Sent {
                to,
                request,
                attempts: 1,
                step: Stage::<Sending>::sent(),
                mla: Stage::<MlaLeg>::not_started(),
                order: None,
            },
        );
    }

    pub(super) fn on_response(&mut self, now: SimTime, from: StateCode, id: RequestId, response: Response) {
        let to = self.sent.get(&id).map(|s| s.to);
        if !to.is_some_and(|to| self.answers_for(from, to)) {
            return;
        }
        let Some(sent) = self.sent.get_mut(&id) else { return };
        // Any response proves the receiving contact point has the request: no more resends.
        sent.step.receipt();
        if response == Response::Forwarded {
            if !sent.step.get().finished() {
                self.emit(now, id, EventKind::ResponseReceived { response });
            }
            return;
        }
        if sent.step.get().finished() {
            self.emit(now, id, EventKind::LateResponse { response });
            return;
        }
        sent.step.answer();
        let next_link = match &response {
            Response::Fulfilled { reveals: Some(next), .. } => Some((*next, sent.request.clone())),
            _ => None,
        };
        let fulfilled = matches!(response, Response::Fulfilled { .. });
        self.stop_waiting(id);
        self.emit(now, id, EventKind::ResponseReceived { response });
        if fulfilled {
            self.start_evidence_step(now, id);
        }
        // Art. 43: the traffic data reveals a provider in another state; ask that state.
        if let Some((next, previous)) = next_link {
            let request = Request {
                id: RequestId { case: id.case, link: id.link.saturating_add(1) },
                kind: RequestKind::Preservation,
                language: previous.language,
                scheduled: now,
                details: crate::request::Art42 {
                    custodian: crate::request::revealed_custodian(next, from),
                    ..previous.details
                },
                evidence_deleted_at: previous.evidence_deleted_at,
                chain: previous.chain.get(1..).map(<[StateCode]>::to_vec).unwrap_or_default(),
                data: previous.data,
                data_created_at: previous.data_created_at,
                forged: previous.forged,
            };
            self.start_request(now, next, request);
        }
    }

    pub(super) fn resend(&mut self, now: SimTime, id: RequestId) {
        let policy = self.profile.requester.clone();
        let Some(sent) = self.sent.get_mut(&id).filter(|s| !s.step.get().finished()) else { return };
        if sent.step.get() != &Sending::Sent {
            return;
        }
        if sent.attempts > policy.resends_max {
            let attempts = sent.attempts;
            self.end_sent(now, id, |to| EventKind::Undeliverable { to, attempts });
            return;
        }
        sent.attempts += 1;
        let (to, attempt, request) = (sent.to, sent.attempts, sent.request.clone());
        if let Some(ms) = policy.resend_after_ms {
            self.timers.set(id, TimerKind::Resend, now.plus_ms(ms));
        }
        let via = self.network.fallback_for(attempt);
        self.emit(now, id, EventKind::Resent { attempt, via });
        match via {
            Some(channel) => self.send_by_fallback(now, to, id, channel, Message::Request(Box::new(request))),
            None => self.send(now, to, id, Message::Request(Box::new(request))),
        }
    }

    /// Ends a sent request without a final response (expired, undeliverable).
    pub(super) fn end_sent(&mut self, now: SimTime, id: RequestId, event: impl FnOnce(StateCode) -> EventKind) {
        let Some(sent) = self.sent.get_mut(&id).filter(|s| !s.step.get().finished()) else { return };
        sent.step.end();
        let to = sent.to;
        self.stop_waiting(id);
        self.emit(now, id, event(to));
    }

    /// A sent request is finished: its resend, escalation and give-up timers stop.
    fn stop_waiting(&mut self, id: RequestId) {
        for kind in [TimerKind::Resend, TimerKind::Escalate, TimerKind::GiveUp] {
            self.timers.stop(id, kind);
        }
    }
}
