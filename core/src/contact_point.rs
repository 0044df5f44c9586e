//! One state's 24/7 point of contact, as a deterministic state machine.
//!
//! # Driving protocol
//! Inputs carry `now`, the scenario time at which they happen, and must come in
//! non-decreasing `now` order (the contact point asserts it):
//! - [`ContactPoint::handle_inject`]: this state's investigators need another state to act;
//! - [`ContactPoint::handle_message`]: an envelope is delivered (at its `deliver_at`);
//! - [`ContactPoint::handle_timeout`]: `now` reached [`ContactPoint::poll_timeout`].
//!
//! After any input, drain [`ContactPoint::poll_transmit`] (envelopes to deliver, each with
//! its `deliver_at` stamped from the network model) and [`ContactPoint::poll_event`] (what
//! happened, for the report). Nothing here reads a clock, a socket or a global RNG; every
//! random draw comes from [`crate::seed`], keyed by request and purpose.
//!
//! As receiver: delivered → (wait for the next opening if closed) → acknowledged by a
//! person → (translated, if in a language it does not accept) → fulfilled, refused, too
//! late for the evidence, or forwarded to the central authority, which works in its own
//! office hours. As requester: send → resend while unacknowledged → escalate → give up;
//! a fulfilled link of an Art. 43 chain that reveals a provider in another state makes
//! it send that state the next request. The network model decides, at send time, whether
//! an envelope arrives (faults, loss); a down contact point's timers wait until it is up.
//!
//! A contact point played by a person in a tabletop exercise (`operated`) takes no
//! receiver step by itself: [`ContactPoint::handle_exercise`] brings the person's
//! [`OperatorAction`]s in as inputs, so they are timed exactly as simulated steps are. Its
//! central authority (a simulated office) still works by its profile. The end of an
//! exercise ([`ExerciseInput::End`]) closes every open request as unfinished.

use crate::config::{ConfigError, ContactPointConfig};
use crate::event::{Event, EventKind};
use crate::network::NetworkModel;
use crate::operator::{ExerciseInput, OperatorAction};
use crate::profile::{Delay, Profile};
use crate::request::{Inject, RequestId, RequestKind, Response};
use crate::roster::{Mode, OpenWhen, Roster};
use crate::seed::{stream, Purpose};
use crate::state::StateCode;
use crate::time::{format_duration_ms, SimTime};
use crate::wire::{Envelope, Message, Request};
use rand::Rng;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum TimerKind {
    /// A closed contact point opens and a person sees the request.
    Open,
    Acknowledge,
    Fulfil,
    /// Requester: no acknowledgement yet.
    Resend,
    /// Requester: no final response yet; call the duty officer.
    Escalate,
    /// Requester: stop waiting.
    GiveUp,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Timer {
    at: SimTime,
    id: RequestId,
    kind: TimerKind,
}

/// A request this contact point received and works on.
#[derive(Debug)]
struct Received {
    from: StateCode,
    request: Request,
    /// The pending first-look or acknowledgement timer, while not yet acknowledged.
    pending_ack: Option<Timer>,
    acknowledged: bool,
    /// Handed to the central authority: it does the fulfilment, in its own hours.
    forwarded: bool,
    /// The final response, once given (sent again if the request comes again).
    response: Option<Response>,
    /// Operated: when the translation a person asked for is ready.
    translation_ready: Option<SimTime>,
}

/// A request this contact point sent and waits on.
#[derive(Debug)]
struct Sent {
    to: StateCode,
    request: Request,
    attempts: u32,
    timers: Vec<Timer>,
    /// The receiving contact point has the request (its delivery receipt came back).
    receipt: bool,
    acknowledged: bool,
    finished: bool,
}

struct CentralAuthority {
    roster: Roster,
    delay: Delay,
    kinds: Vec<RequestKind>,
}

pub struct ContactPoint {
    state: StateCode,
    seed: u64,
    roster: Roster,
    profile: Profile,
    central_authority: Option<CentralAuthority>,
    network: NetworkModel,
    operated: bool,
    /// The exercise ended: every later input is ignored.
    ended: bool,
    timers: BTreeSet<Timer>,
    received: BTreeMap<RequestId, Received>,
    sent: BTreeMap<RequestId, Sent>,
    /// `(sender, seq)` of every envelope handled: a duplicate envelope is dropped.
    seen: BTreeSet<(StateCode, u64)>,
    next_seq: u64,
    /// The latest `now` seen: inputs must not go back in time.
    clock: SimTime,
    transmits: VecDeque<Envelope>,
    events: VecDeque<Event>,
}

impl std::fmt::Debug for ContactPoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContactPoint")
            .field("state", &self.state)
            .field("timers", &self.timers.len())
            .field("received", &self.received.len())
            .field("sent", &self.sent.len())
            .finish()
    }
}

impl ContactPoint {
    pub fn new(config: ContactPointConfig) -> Result<ContactPoint, ConfigError> {
        config.profile.validate()?;
        config.network.validate().map_err(ConfigError::Network)?;
        let roster = Roster::new(config.roster)?;
        let central_authority = match &config.profile.central_authority {
            Some(ca) => Some(CentralAuthority {
                roster: Roster::new(ca.roster.clone())?,
                delay: ca.delay.clone(),
                kinds: ca.kinds.clone(),
            }),
            None => None,
        };
        Ok(ContactPoint {
            state: config.state,
            seed: config.seed,
            roster,
            profile: config.profile,
            central_authority,
            network: config.network,
            operated: config.operated,
            ended: false,
            timers: BTreeSet::new(),
            received: BTreeMap::new(),
            sent: BTreeMap::new(),
            seen: BTreeSet::new(),
            next_seq: 0,
            clock: SimTime(i64::MIN),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        })
    }

    pub fn state(&self) -> StateCode {
        self.state
    }

    pub fn network(&self) -> &NetworkModel {
        &self.network
    }

    /// Whether the exercise has ended here (nothing more happens).
    pub fn ended(&self) -> bool {
        self.ended
    }

    fn tick(&mut self, now: SimTime) {
        assert!(now >= self.clock, "{}: input at {now} after {}", self.state, self.clock);
        self.clock = now;
    }

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
        };
        self.start_request(now, inject.to, request);
    }

    fn start_request(&mut self, now: SimTime, to: StateCode, request: Request) {
        let id = request.id;
        if self.sent.contains_key(&id) {
            return;
        }
        let policy = &self.profile.requester;
        let mut timers =
            vec![Timer { at: request.scheduled.plus_ms(policy.give_up_after_ms), id, kind: TimerKind::GiveUp }];
        if let Some(ms) = policy.resend_after_ms {
            timers.push(Timer { at: now.plus_ms(ms), id, kind: TimerKind::Resend });
        }
        if let Some(ms) = policy.escalate_after_ms {
            timers.push(Timer { at: request.scheduled.plus_ms(ms), id, kind: TimerKind::Escalate });
        }
        self.timers.extend(timers.iter().copied());
        self.emit(now, id, EventKind::Sent { to, kind: request.kind, scheduled: request.scheduled });
        self.send(now, to, id, Message::Request(request.clone()));
        self.sent.insert(
            id,
            Sent { to, request, attempts: 1, timers, receipt: false, acknowledged: false, finished: false },
        );
    }

    /// An envelope is delivered; `now` is its `deliver_at`.
    pub fn handle_message(&mut self, now: SimTime, envelope: Envelope) {
        self.tick(now);
        assert_eq!(envelope.to, self.state, "envelope routed to the wrong contact point");
        if self.ended || !self.seen.insert((envelope.from, envelope.seq)) {
            return;
        }
        let from = envelope.from;
        match envelope.message {
            Message::Request(request) => self.on_request(now, from, request),
            Message::Receipt { id } => {
                if let Some(sent) = self.sent.get_mut(&id).filter(|s| s.to == from) {
                    sent.receipt = true;
                }
            }
            Message::Acknowledgement { id } => {
                let Some(sent) = self.sent.get_mut(&id).filter(|s| s.to == from) else { return };
                if !sent.acknowledged {
                    sent.acknowledged = true;
                    sent.receipt = true;
                    // A requester that gave up records the answer as late, outside the figures.
                    let event =
                        if sent.finished { EventKind::LateAcknowledgement } else { EventKind::AcknowledgementReceived };
                    self.emit(now, id, event);
                }
            }
            Message::Response { id, response } => self.on_response(now, from, id, response),
            Message::Escalation { id } => self.on_escalation(now, from, id),
        }
    }

    fn on_request(&mut self, now: SimTime, from: StateCode, request: Request) {
        let id = request.id;
        if let Some(r) = self.received.get(&id) {
            // The same request again (the requester resent it): repeat what it missed.
            if r.from != from {
                return;
            }
            let (acknowledged, response) = (r.acknowledged, r.response.clone());
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
        self.received.insert(
            id,
            Received {
                from,
                request,
                pending_ack: None,
                acknowledged: false,
                forwarded: false,
                response: None,
                translation_ready: None,
            },
        );
        self.emit(now, id, EventKind::Delivered { from, mode });
        // The node has it: an automatic delivery receipt, not a person's acknowledgement.
        self.send(now, from, id, Message::Receipt { id });
        if !self.operated {
            self.schedule_first_look(now, id);
        }
    }

    /// A person looks at the request now if the desk is open for its kind, else at its next
    /// opening; acknowledging it takes work time, counted only while the desk is open.
    fn schedule_first_look(&mut self, now: SimTime, id: RequestId) {
        let Some(kind) = self.received.get(&id).map(|r| r.request.kind) else { return };
        let open = self.profile.open_when(kind);
        let never = |this: &mut Self| {
            let ground = "the contact point never opens within a year".to_string();
            this.finish_received(now, id, Response::Refused { ground });
        };
        let timer = match self.roster.next_open(now, open) {
            Some(at) if at > now => Timer { at, id, kind: TimerKind::Open },
            Some(_) => {
                let mode = self.roster.mode_at(now);
                let delay =
                    self.draw(id, Purpose::AcknowledgeDelay, self.profile.acknowledge_delay(kind, mode).clone());
                let Some(at) = self.roster.finish_work(now, delay, open) else { return never(self) };
                Timer { at, id, kind: TimerKind::Acknowledge }
            }
            None => return never(self),
        };
        self.timers.insert(timer);
        if let Some(r) = self.received.get_mut(&id) {
            r.pending_ack = Some(timer);
        }
    }

    /// The requester called: a duty officer who can be reached looks at it now.
    fn on_escalation(&mut self, now: SimTime, from: StateCode, id: RequestId) {
        let Some(r) = self.received.get(&id).filter(|r| r.from == from) else { return };
        let (kind, pending) = (r.request.kind, r.pending_ack);
        self.emit(now, id, EventKind::EscalationReceived);
        let Some(pending) = pending else { return };
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
        let sooner = Timer { at, id, kind: TimerKind::Acknowledge };
        if sooner.at < pending.at {
            self.timers.remove(&pending);
            self.timers.insert(sooner);
            if let Some(r) = self.received.get_mut(&id) {
                r.pending_ack = Some(sooner);
            }
        }
    }

    fn on_response(&mut self, now: SimTime, from: StateCode, id: RequestId, response: Response) {
        let Some(sent) = self.sent.get_mut(&id).filter(|s| s.to == from) else { return };
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
            Response::Fulfilled { reveals: Some(next) } => Some((*next, sent.request.clone())),
            _ => None,
        };
        self.emit(now, id, EventKind::ResponseReceived { response });
        // Art. 43: the traffic data reveals a provider in another state; ask that state.
        if let Some((next, previous)) = next_link {
            let request = Request {
                id: RequestId { case: id.case, link: id.link.saturating_add(1) },
                kind: RequestKind::Preservation,
                language: previous.language,
                scheduled: now,
                details: crate::request::Art42 {
                    custodian: format!("a service provider in {next}, revealed by the traffic data {from} preserved"),
                    ..previous.details
                },
                evidence_deleted_at: previous.evidence_deleted_at,
                chain: previous.chain.get(1..).map(<[StateCode]>::to_vec).unwrap_or_default(),
            };
            self.start_request(now, next, request);
        }
    }

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
    fn retarget(&mut self, old: Timer, at: SimTime) {
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

    fn on_timer(&mut self, timer: Timer) {
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
                let waited = format_duration_ms(self.profile.requester.give_up_after_ms);
                self.end_sent(now, id, |to| EventKind::Expired {
                    reason: format!("no final response from {to} within {waited}"),
                });
            }
        }
    }

    fn resend(&mut self, now: SimTime, id: RequestId) {
        let policy = self.profile.requester.clone();
        let Some(sent) = self.sent.get_mut(&id).filter(|s| !s.finished) else { return };
        sent.timers.retain(|t| !(t.kind == TimerKind::Resend && t.at <= now));
        if sent.receipt {
            return;
        }
        if sent.attempts > policy.resends_max {
            let attempts = sent.attempts;
            self.end_sent(now, id, |to| EventKind::Undeliverable {
                reason: format!("no delivery receipt from {to} after {attempts} attempts"),
            });
            return;
        }
        sent.attempts += 1;
        let (to, attempt, request) = (sent.to, sent.attempts, sent.request.clone());
        if let Some(ms) = policy.resend_after_ms {
            let t = Timer { at: now.plus_ms(ms), id, kind: TimerKind::Resend };
            sent.timers.push(t);
            self.timers.insert(t);
        }
        self.emit(now, id, EventKind::Resent { attempt });
        self.send(now, to, id, Message::Request(request));
    }

    /// Ends a sent request without a final response (expired, undeliverable).
    fn end_sent(&mut self, now: SimTime, id: RequestId, event: impl FnOnce(StateCode) -> EventKind) {
        let Some(sent) = self.sent.get_mut(&id).filter(|s| !s.finished) else { return };
        sent.finished = true;
        let to = sent.to;
        for t in std::mem::take(&mut sent.timers) {
            self.timers.remove(&t);
        }
        self.emit(now, id, event(to));
    }

    /// A person acknowledged the request: tell the requester.
    fn mark_acknowledged(&mut self, now: SimTime, id: RequestId) {
        let Some(received) = self.received.get_mut(&id) else { return };
        received.pending_ack = None;
        received.acknowledged = true;
        let from = received.from;
        let mode = self.roster.mode_at(now);
        self.emit(now, id, EventKind::Acknowledged { mode });
        self.send(now, from, id, Message::Acknowledgement { id });
    }

    /// Hands the request to the central authority now (the requester is told); it starts
    /// at `start` (after any translation). Returns when it will have executed it (its next
    /// opening plus its delay), or `None` without a central authority.
    fn forward_to_central_authority(&mut self, now: SimTime, start: SimTime, id: RequestId) -> Option<SimTime> {
        let ca = self.central_authority.as_ref()?;
        let delay = ca.delay.clone();
        let opening = ca.roster.next_opening(start).unwrap_or(start);
        let r = self.received.get_mut(&id)?;
        r.forwarded = true;
        let from = r.from;
        self.emit(now, id, EventKind::Forwarded);
        self.send(now, from, id, Message::Response { id, response: Response::Forwarded });
        Some(opening.plus_ms(self.draw(id, Purpose::CentralAuthorityDelay, delay)))
    }

    fn acknowledge(&mut self, now: SimTime, id: RequestId) {
        let Some(received) = self.received.get(&id) else { return };
        let (kind, language) = (received.request.kind, received.request.language.clone());
        let open = self.profile.open_when(kind);
        let mode = self.roster.mode_at(now);
        if !open.admits(mode) {
            // Held back by an outage into closed time: a person acknowledges at the opening.
            let Some(at) = self.roster.next_open(now, open) else { return };
            let timer = Timer { at, id, kind: TimerKind::Acknowledge };
            self.timers.insert(timer);
            if let Some(r) = self.received.get_mut(&id) {
                r.pending_ack = Some(timer);
            }
            return;
        }
        self.mark_acknowledged(now, id);
        let mut start = now;
        if self.profile.needs_translation(&language) {
            let ms = self.draw(id, Purpose::TranslationDelay, self.profile.translation.clone());
            self.emit(now, id, EventKind::Translation { ms });
            start = now.plus_ms(ms);
        }
        let to_authority = self.central_authority.as_ref().is_some_and(|ca| ca.kinds.contains(&kind));
        let at = if to_authority {
            let Some(at) = self.forward_to_central_authority(now, start, id) else { return };
            at
        } else {
            let delay = self.profile.fulfil_delay(kind, mode).clone();
            let work = self.draw(id, Purpose::FulfilDelay, delay);
            let Some(at) = self.roster.finish_work(start, work, open) else {
                let ground = "the contact point is not open long enough to do it within eight years".to_string();
                self.finish_received(now, id, Response::Refused { ground });
                return;
            };
            at
        };
        self.timers.insert(Timer { at, id, kind: TimerKind::Fulfil });
    }

    fn fulfil(&mut self, now: SimTime, id: RequestId) {
        let Some(received) = self.received.get(&id) else { return };
        // Whoever does the work must be at work: defer to their next opening if not (the
        // central authority's delay is calendar time; an outage can hold a step back).
        let (roster, open) = match (&self.central_authority, received.forwarded) {
            (Some(ca), true) => (&ca.roster, OpenWhen::StaffedOrOnCall),
            _ => (&self.roster, self.profile.open_when(received.request.kind)),
        };
        if !open.admits(roster.mode_at(now)) {
            let at = roster.next_open(now, open).filter(|&t| t > now).unwrap_or(now.plus_ms(60_000));
            self.timers.insert(Timer { at, id, kind: TimerKind::Fulfil });
            return;
        }
        let response = self.execution(now, id);
        self.finish_received(now, id, response);
    }

    /// What executing the request now gives: a refusal (by the profile's odds), too late
    /// for the evidence, or fulfilled (revealing the next state of an Art. 43 chain).
    fn execution(&self, now: SimTime, id: RequestId) -> Response {
        let Some(received) = self.received.get(&id) else { return Response::TooLate };
        let too_late = received.request.evidence_deleted_at.is_some_and(|deleted| now > deleted);
        let reveals = received.request.chain.first().copied();
        // A person decides refusals; the profile's odds are for simulated contact points
        // and central authorities.
        let by_chance = !self.operated || received.forwarded;
        let refuse = by_chance
            && self.profile.refuse_probability > 0.0
            && stream(self.seed, self.state, id, Purpose::Refusal).random::<f64>() < self.profile.refuse_probability;
        if refuse {
            Response::Refused { ground: self.profile.refusal_ground.clone() }
        } else if too_late {
            Response::TooLate
        } else {
            Response::Fulfilled { reveals }
        }
    }

    fn finish_received(&mut self, now: SimTime, id: RequestId, response: Response) {
        let Some(received) = self.received.get_mut(&id) else { return };
        assert!(received.response.is_none(), "{id} finished twice at {}", self.state);
        received.response = Some(response.clone());
        let from = received.from;
        let event = match &response {
            Response::Fulfilled { .. } => EventKind::Fulfilled,
            Response::TooLate => EventKind::EvidenceGone,
            Response::Refused { ground } => EventKind::Refused { ground: ground.clone() },
            Response::Forwarded => unreachable!("forwarding is not a final response"),
        };
        self.emit(now, id, event);
        self.send(now, from, id, Message::Response { id, response });
    }

    /// An input from the exercise: a person's action (operated contact points only), or
    /// the end of the exercise.
    pub fn handle_exercise(&mut self, now: SimTime, input: ExerciseInput) {
        self.tick(now);
        if self.ended {
            return;
        }
        match input {
            ExerciseInput::End => self.end_exercise(now),
            ExerciseInput::Operator(action) => {
                let id = action.id();
                if !self.received.contains_key(&id) {
                    // Not a request this contact point holds: nothing to record it on. The
                    // coordinator checks ids before it forwards an action.
                    return;
                }
                let name = action.name();
                if let Err(reason) = self.operate(now, action) {
                    self.emit(now, id, EventKind::ActionRejected { action: name.to_string(), reason });
                }
            }
        }
    }

    fn operate(&mut self, now: SimTime, action: OperatorAction) -> Result<(), String> {
        if !self.operated {
            return Err(format!("{} is simulated, not played by a person", self.state));
        }
        let id = action.id();
        let r = self.received.get(&id).ok_or_else(|| format!("{id} was not received here"))?;
        if r.response.is_some() {
            return Err(format!("{id} is already answered"));
        }
        if r.forwarded {
            return Err(format!("{id} is with the central authority"));
        }
        let (acknowledged, ready) = (r.acknowledged, r.translation_ready);
        let executes = matches!(action, OperatorAction::Fulfil { .. } | OperatorAction::HandToCentralAuthority { .. });
        if let (true, Some(ready)) = (executes, ready) {
            if now < ready {
                return Err(format!("the translation of {id} is ready only at {ready}"));
            }
        }
        match action {
            OperatorAction::Acknowledge { .. } if acknowledged => return Err(format!("{id} is already acknowledged")),
            OperatorAction::AskTranslation { .. } if ready.is_some() => {
                return Err(format!("a translation of {id} was already asked for"))
            }
            OperatorAction::HandToCentralAuthority { .. } if self.central_authority.is_none() => {
                return Err(format!("{} has no central authority in its profile", self.state))
            }
            _ => {}
        }
        if !acknowledged && !matches!(action, OperatorAction::AskTranslation { .. }) {
            self.mark_acknowledged(now, id);
        }
        match action {
            OperatorAction::Acknowledge { .. } => {}
            OperatorAction::AskTranslation { .. } => {
                let ms = self.draw(id, Purpose::TranslationDelay, self.profile.translation.clone());
                self.emit(now, id, EventKind::Translation { ms });
                if let Some(r) = self.received.get_mut(&id) {
                    r.translation_ready = Some(now.plus_ms(ms));
                }
            }
            OperatorAction::Fulfil { .. } => {
                let response = self.execution(now, id);
                self.finish_received(now, id, response);
            }
            OperatorAction::Refuse { ground, .. } => {
                let ground = if ground.trim().is_empty() { "no ground given".to_string() } else { ground };
                self.finish_received(now, id, Response::Refused { ground });
            }
            OperatorAction::HandToCentralAuthority { .. } => {
                let at = self.forward_to_central_authority(now, now, id).ok_or("no central authority")?;
                self.timers.insert(Timer { at, id, kind: TimerKind::Fulfil });
            }
        }
        Ok(())
    }

    /// The exercise is over: requests still open end unfinished, and nothing more happens.
    fn end_exercise(&mut self, now: SimTime) {
        self.ended = true;
        self.timers.clear();
        let open: Vec<RequestId> = self.sent.iter().filter(|(_, s)| !s.finished).map(|(id, _)| *id).collect();
        for id in open {
            self.end_sent(now, id, |to| EventKind::Unfinished {
                reason: format!("still open at {to} when the exercise ended at {now}"),
            });
        }
    }

    fn draw(&self, id: RequestId, purpose: Purpose, delay: Delay) -> u64 {
        delay.sample(&mut stream(self.seed, self.state, id, purpose))
    }

    /// Sends `message` about request `id`, unless the network model loses it.
    fn send(&mut self, now: SimTime, to: StateCode, id: RequestId, message: Message) {
        let seq = self.next_seq;
        self.next_seq += 1;
        match self.network.fate(self.seed, self.state, to, seq, now) {
            Ok(deliver_at) => {
                self.transmits.push_back(Envelope { from: self.state, to, seq, sent_at: now, deliver_at, message })
            }
            Err(reason) => self.emit(now, id, EventKind::Lost { to, reason }),
        }
    }

    fn emit(&mut self, at: SimTime, id: RequestId, kind: EventKind) {
        self.events.push_back(Event { at, state: self.state, id, kind });
    }

    pub fn poll_transmit(&mut self) -> Option<Envelope> {
        self.transmits.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
}
