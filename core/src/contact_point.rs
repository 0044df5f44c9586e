//! One state's 24/7 point of contact, as a deterministic state machine.
//!
//! # Driving protocol
//! Inputs carry `now`, the scenario time at which they happen, and must come in
//! non-decreasing `now` order:
//! - [`ContactPoint::handle_inject`]: this state's investigators need another state to act;
//! - [`ContactPoint::handle_message`]: an envelope is delivered (at its `deliver_at`);
//! - [`ContactPoint::handle_timeout`]: `now` reached [`ContactPoint::poll_timeout`].
//!
//! After any input, drain [`ContactPoint::poll_transmit`] (envelopes to deliver, each with
//! its `deliver_at` already stamped from the network model) and [`ContactPoint::poll_event`]
//! (what happened, for the report). Nothing here reads a clock, a socket or a global RNG;
//! every random draw comes from [`crate::seed::stream`], keyed by request and purpose.
//!
//! As receiver: delivered → (wait for the next opening if closed) → acknowledged by a
//! person after a delay that depends on the roster mode → fulfilled or refused after a
//! further delay, or forwarded to the central authority, which works in its own office
//! hours. As requester: send, wait for the final response, give up after the profile's
//! `give_up_after`.

use crate::event::{Event, EventKind};
use crate::network::NetworkModel;
use crate::profile::{Delay, Profile};
use crate::request::{Inject, RequestId, RequestKind};
use crate::roster::{Mode, Roster, RosterError, RosterSpec};
use crate::seed::{stream, Purpose};
use crate::state::StateCode;
use crate::time::{format_duration_ms, SimTime};
use crate::wire::{Envelope, Message, Request, Response};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Everything a contact point needs to behave: sent by the coordinator at setup.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContactPointConfig {
    pub state: StateCode,
    /// The scenario seed; each draw mixes in the state, the request and its purpose.
    pub seed: u64,
    pub roster: RosterSpec,
    pub profile: Profile,
    pub network: NetworkModel,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("roster: {0}")]
    Roster(#[from] RosterError),
    #[error("profile: {0}")]
    Profile(#[from] crate::profile::ProfileError),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum TimerKind {
    /// A closed contact point opens and a person sees the request.
    Open,
    Acknowledge,
    Fulfil,
    /// The requester stops waiting.
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
    kind: RequestKind,
    /// Handed to the central authority: it does the fulfilment, in its own hours.
    forwarded: bool,
    done: bool,
}

/// A request this contact point sent and waits on.
#[derive(Debug)]
struct Sent {
    to: StateCode,
    give_up: Timer,
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
    timers: BTreeSet<Timer>,
    received: BTreeMap<RequestId, Received>,
    sent: BTreeMap<RequestId, Sent>,
    /// `(sender, seq)` of every envelope handled: a resent envelope is dropped.
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

    pub fn roster(&self) -> &Roster {
        &self.roster
    }

    pub fn network(&self) -> &NetworkModel {
        &self.network
    }

    fn tick(&mut self, now: SimTime) {
        assert!(now >= self.clock, "{}: input at {now} after {}", self.state, self.clock);
        self.clock = now;
    }

    /// This state's investigators need `inject.to` to act: send the request.
    pub fn handle_inject(&mut self, now: SimTime, inject: Inject) {
        self.tick(now);
        assert_eq!(inject.from, self.state, "inject routed to the wrong contact point");
        if self.sent.contains_key(&inject.id) {
            return;
        }
        let give_up =
            Timer { at: inject.at.plus_ms(self.profile.give_up_after_ms), id: inject.id, kind: TimerKind::GiveUp };
        self.timers.insert(give_up);
        self.sent.insert(inject.id, Sent { to: inject.to, give_up, acknowledged: false, finished: false });
        self.emit(now, inject.id, EventKind::Sent { to: inject.to, kind: inject.kind, scheduled: inject.at });
        let request = Request {
            id: inject.id,
            kind: inject.kind,
            language: inject.language,
            scheduled: inject.at,
            details: inject.details,
        };
        self.send(now, inject.to, Message::Request(request));
    }

    /// An envelope is delivered; `now` is its `deliver_at`.
    pub fn handle_message(&mut self, now: SimTime, envelope: Envelope) {
        self.tick(now);
        assert_eq!(envelope.to, self.state, "envelope routed to the wrong contact point");
        if !self.seen.insert((envelope.from, envelope.seq)) {
            return;
        }
        let from = envelope.from;
        match envelope.message {
            Message::Request(request) => self.on_request(now, from, request),
            Message::Acknowledgement { id } => {
                let Some(sent) = self.sent.get_mut(&id).filter(|s| s.to == from) else { return };
                if !sent.acknowledged {
                    sent.acknowledged = true;
                    self.emit(now, id, EventKind::AcknowledgementReceived);
                }
            }
            Message::Response { id, response } => self.on_response(now, from, id, response),
        }
    }

    fn on_request(&mut self, now: SimTime, from: StateCode, request: Request) {
        let id = request.id;
        if self.received.contains_key(&id) || self.sent.contains_key(&id) {
            return;
        }
        let mode = self.roster.mode_at(now);
        self.received.insert(id, Received { from, kind: request.kind, forwarded: false, done: false });
        self.emit(now, id, EventKind::Delivered { from, mode });
        self.schedule_first_look(now, id);
    }

    /// A person looks at the request now if the contact point is open, else at its next opening.
    fn schedule_first_look(&mut self, now: SimTime, id: RequestId) {
        match self.roster.mode_at(now) {
            Mode::Closed => match self.roster.next_opening(now) {
                Some(at) if at > now => self.timers.insert(Timer { at, id, kind: TimerKind::Open }),
                // An opening that lands back in a closed instant (a shift lost in a
                // daylight-saving gap): look again a minute later.
                Some(_) => self.timers.insert(Timer { at: now.plus_ms(60_000), id, kind: TimerKind::Open }),
                None => {
                    let ground = "the contact point never opens within a year".to_string();
                    self.finish_received(now, id, Response::Refused { ground });
                    true
                }
            },
            mode => {
                let delay = self.draw(id, Purpose::AcknowledgeDelay, self.profile.acknowledge.for_mode(mode).clone());
                self.timers.insert(Timer { at: now.plus_ms(delay), id, kind: TimerKind::Acknowledge })
            }
        };
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
        let give_up = sent.give_up;
        self.timers.remove(&give_up);
        self.emit(now, id, EventKind::ResponseReceived { response });
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
            self.on_timer(timer);
        }
    }

    fn on_timer(&mut self, timer: Timer) {
        let Timer { at: now, id, kind } = timer;
        match kind {
            TimerKind::Open => self.schedule_first_look(now, id),
            TimerKind::Acknowledge => self.acknowledge(now, id),
            TimerKind::Fulfil => self.fulfil(now, id),
            TimerKind::GiveUp => {
                let Some(sent) = self.sent.get_mut(&id) else { return };
                if sent.finished {
                    return;
                }
                sent.finished = true;
                let to = sent.to;
                let waited = format_duration_ms(self.profile.give_up_after_ms);
                self.emit(
                    now,
                    id,
                    EventKind::Expired { reason: format!("no final response from {to} within {waited}") },
                );
            }
        }
    }

    fn acknowledge(&mut self, now: SimTime, id: RequestId) {
        let Some(received) = self.received.get(&id) else { return };
        let (from, kind) = (received.from, received.kind);
        let mode = self.roster.mode_at(now);
        self.emit(now, id, EventKind::Acknowledged { mode });
        self.send(now, from, Message::Acknowledgement { id });
        let to_authority = self.central_authority.as_ref().is_some_and(|ca| ca.kinds.contains(&kind));
        let at = if to_authority {
            if let Some(r) = self.received.get_mut(&id) {
                r.forwarded = true;
            }
            self.emit(now, id, EventKind::Forwarded);
            self.send(now, from, Message::Response { id, response: Response::Forwarded });
            let Some(ca) = self.central_authority.as_ref() else { return };
            let delay = ca.delay.clone();
            let opening = ca.roster.next_opening(now).unwrap_or(now);
            opening.plus_ms(self.draw(id, Purpose::CentralAuthorityDelay, delay))
        } else {
            let delay = self.profile.fulfil.for_mode(mode).clone();
            now.plus_ms(self.draw(id, Purpose::FulfilDelay, delay))
        };
        self.timers.insert(Timer { at, id, kind: TimerKind::Fulfil });
    }

    fn fulfil(&mut self, now: SimTime, id: RequestId) {
        let Some(received) = self.received.get(&id) else { return };
        // Whoever does the work must be at work: defer to their next opening if not.
        let roster = match (&self.central_authority, received.forwarded) {
            (Some(ca), true) => &ca.roster,
            _ => &self.roster,
        };
        if roster.mode_at(now) == Mode::Closed {
            let at = roster.next_opening(now).filter(|&t| t > now).unwrap_or(now.plus_ms(60_000));
            self.timers.insert(Timer { at, id, kind: TimerKind::Fulfil });
            return;
        }
        let refuse = self.profile.refuse_probability > 0.0
            && stream(self.seed, self.state, id, Purpose::Refusal).random::<f64>() < self.profile.refuse_probability;
        let response = if refuse {
            Response::Refused { ground: self.profile.refusal_ground.clone() }
        } else {
            Response::Fulfilled
        };
        self.finish_received(now, id, response);
    }

    fn finish_received(&mut self, now: SimTime, id: RequestId, response: Response) {
        let Some(received) = self.received.get_mut(&id) else { return };
        assert!(!received.done, "{id} finished twice at {}", self.state);
        received.done = true;
        let from = received.from;
        let event = match &response {
            Response::Fulfilled => EventKind::Fulfilled,
            Response::Refused { ground } => EventKind::Refused { ground: ground.clone() },
            Response::Forwarded => unreachable!("forwarding is not a final response"),
        };
        self.emit(now, id, event);
        self.send(now, from, Message::Response { id, response });
    }

    fn draw(&self, id: RequestId, purpose: Purpose, delay: Delay) -> u64 {
        delay.sample(&mut stream(self.seed, self.state, id, purpose))
    }

    fn send(&mut self, now: SimTime, to: StateCode, message: Message) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let deliver_at = now.plus_ms(self.network.delay_ms(self.state, to));
        self.transmits.push_back(Envelope { from: self.state, to, seq, sent_at: now, deliver_at, message });
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
