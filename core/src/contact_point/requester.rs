//! As requester: send, resend while there is no delivery receipt or acknowledgement,
//! escalate to the duty officer, give up; a fulfilled Art. 43 link that reveals a provider
//! in another state sends that state the next request.

use super::timers::{Timer, TimerKind};
use super::{ContactPoint, MlaStage, Sent};
use crate::event::EventKind;
use crate::request::{Inject, RequestId, RequestKind, Response};
use crate::state::StateCode;
use crate::time::SimTime;
use crate::wire::{Message, Request};

impl ContactPoint {
    /// This state's investigators need `inject.to` to act: send the request.
    pub fn handle_inject(&mut self, now: SimTime, inject: Inject) {
        self.tick(now);
        if self.ended {
            return;
        }
        assert_eq!(inject.from, self.state, "inject routed to the wrong contact point");
        let request = Request {
            id: inject.id,
            kind: inject.kind,
            language: inject.language,
            scheduled: inject.at,
            details: inject.details,
            evidence_deleted_at: inject.evidence_deleted_at,
            chain: inject.chain,
            data: inject.data,
            data_created_at: inject.data_created_at,
            forged: inject.forged,
        };
        self.start_request(now, inject.to, request);
    }

    pub(super) fn start_request(&mut self, now: SimTime, to: StateCode, request: Request) {
        let id = request.id;
        if self.sent.contains_key(&id) {
            return;
        }
        let policy = &self.profile.requester;
        let mut timers =
            vec![Timer { at: request.scheduled.plus_ms(policy.give_up_after_ms), id, kind: TimerKind::GiveUp }];
        // A ping checks the register's channel as it is: sent once, never escalated.
        let check = request.kind == RequestKind::Ping;
        if let Some(ms) = policy.resend_after_ms.filter(|_| !check) {
            timers.push(Timer { at: now.plus_ms(ms), id, kind: TimerKind::Resend });
        }
        if let Some(ms) = policy.escalate_after_ms.filter(|_| !check) {
            timers.push(Timer { at: request.scheduled.plus_ms(ms), id, kind: TimerKind::Escalate });
        }
        self.timers.extend(timers.iter().copied());
        self.emit(now, id, EventKind::Sent { to, kind: request.kind, scheduled: request.scheduled });
        self.send(now, to, id, Message::Request(Box::new(request.clone())));
        self.sent.insert(
            id,
            Sent {
                to,
                request,
                attempts: 1,
                timers,
                receipt: false,
                acknowledged: false,
                finished: false,
                mla: MlaStage::None,
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
        sent.receipt = true;
        if response == Response::Forwarded {
            if !sent.finished {
                self.emit(now, id, EventKind::ResponseReceived { response });
            }
            return;
        }
        if sent.finished {
            self.emit(now, id, EventKind::LateResponse { response });
            return;
        }
        sent.finished = true;
        sent.acknowledged = true;
        for t in std::mem::take(&mut sent.timers) {
            self.timers.remove(&t);
        }
        let next_link = match &response {
            Response::Fulfilled { reveals: Some(next), .. } => Some((*next, sent.request.clone())),
            _ => None,
        };
        let fulfilled = matches!(response, Response::Fulfilled { .. });
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
        let Some(sent) = self.sent.get_mut(&id).filter(|s| !s.finished) else { return };
        sent.timers.retain(|t| !(t.kind == TimerKind::Resend && t.at <= now));
        if sent.receipt {
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
            let t = Timer { at: now.plus_ms(ms), id, kind: TimerKind::Resend };
            sent.timers.push(t);
            self.timers.insert(t);
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
        let Some(sent) = self.sent.get_mut(&id).filter(|s| !s.finished) else { return };
        sent.finished = true;
        let to = sent.to;
        for t in std::mem::take(&mut sent.timers) {
            self.timers.remove(&t);
        }
        self.emit(now, id, event(to));
    }
}
