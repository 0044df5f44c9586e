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
//!
//! Split by role, as quinn splits its connection: `requester.rs`, `receiver.rs`,
//! `operator.rs` (a person's actions), `evidence.rs` (the early notice, the hold and the
//! MLA leg, on both sides), `stage.rs` (a request's stages on both sides and every
//! transition between them), `provider.rs` (direct orders, on both sides: the road
//! chosen, the provider's desk), `timers.rs` (the one table of every timer); this file holds
//! the state and the inputs' entry points.

mod desks;
mod evidence;
mod hub;
mod operator;
mod provider;
mod receiver;
mod requester;
mod stage;
mod timers;
mod verify;

use crate::config::{ConfigError, ContactPointConfig};
use crate::desk::{Desk, DeskName, Task};
use crate::event::{Event, EventKind};
use crate::evidence::DataClass;
use crate::network::NetworkModel;
use crate::profile::{Delay, Profile};
use crate::request::{RequestId, RequestKind, Response};
use crate::road::{AgreementIndex, ProviderIndex};
use crate::roster::Roster;
use crate::seed::{stream, Purpose};
use crate::state::StateCode;
use crate::time::SimTime;
use crate::wire::{Envelope, Message, Request};
use stage::{Hold, MlaLeg, Receiving, Sending, Stage, Translation};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use timers::TimerTable;

/// A request this contact point received and works on.
#[derive(Debug)]
struct Received {
    from: StateCode,
    request: Request,
    /// Where it is, from delivery to the final response.
    stage: Stage<Receiving>,
    /// Operated: the translation a person asked for.
    translation: Stage<Translation>,
    /// When the holding provider deletes each class of data asked for (this state's
    /// retention, or the request's own deletion time); empty: no evidence window.
    deletions: Vec<(DataClass, SimTime)>,
    /// The preservation hold and the MLA request that follows.
    hold: Stage<Hold>,
    /// Call-backs placed so far (one more each hour without an answer, up to a limit).
    call_backs: u8,
}

impl Received {
    /// Classes already gone when the preservation was executed.
    fn lost_at_preservation(&self) -> Vec<DataClass> {
        match self.stage.get().response() {
            Some(Response::Fulfilled { lost, .. }) => lost.clone(),
            _ => Vec::new(),
        }
    }
}

/// A request this contact point sent and waits on.
#[derive(Debug)]
struct Sent {
    to: StateCode,
    request: Request,
    attempts: u32,
    /// Where its 24/7 step is.
    step: Stage<Sending>,
    /// Where its MLA leg is, after a preservation.
    mla: Stage<MlaLeg>,
    /// Sent as a direct order to this provider under this agreement (not the 24/7 step).
    order: Option<(ProviderIndex, AgreementIndex)>,
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
    /// The office hours of this state's central authority in MLA.
    mla_office: Option<Roster>,
    /// Desks whose officers are counted, with their queues.
    desks: BTreeMap<DeskName, Desk>,
    /// Work an officer is doing: released exactly once, when done or abandoned.
    working: BTreeSet<(DeskName, RequestId, Task)>,
    /// As a member: the hub and the hours it covers.
    my_hub: Option<(StateCode, Roster)>,
    /// As a hub: what it does for its members, and their requests it holds.
    hub_role: Option<hub::HubRole>,
    hub_cases: BTreeMap<RequestId, hub::HubCase>,
    /// The providers whose home is this state: their desks' hours.
    providers: BTreeMap<ProviderIndex, Roster>,
    /// Direct orders those providers received.
    orders: BTreeMap<RequestId, provider::OrderCase>,
    network: NetworkModel,
    operated: bool,
    /// The exercise ended: every later input is ignored.
    ended: bool,
    /// Every timer: the requests', the desks' wake-ups.
    timers: TimerTable,
    received: BTreeMap<RequestId, Received>,
    sent: BTreeMap<RequestId, Sent>,
    /// Requester: call-backs a person is to answer, and who called.
    call_backs: BTreeMap<RequestId, StateCode>,
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

/// Desks whose officers are counted: the contact point's (unless a person plays it),
/// the central authority's, the MLA office's, the translators'.
fn counted_desks(config: &ContactPointConfig) -> BTreeMap<DeskName, Desk> {
    let order = config.profile.queue_order;
    let mut desks = BTreeMap::new();
    for (name, officers) in [
        (DeskName::ContactPoint, config.profile.officers.filter(|_| !config.operated)),
        (DeskName::CentralAuthority, config.profile.central_authority.as_ref().and_then(|c| c.officers)),
        (DeskName::MlaOffice, config.profile.mla.as_ref().and_then(|m| m.officers)),
        (DeskName::Translation, config.profile.translators.filter(|_| !config.operated)),
    ] {
        if let Some(officers) = officers {
            desks.insert(name, Desk::new(officers, order));
        }
    }
    desks
}

/// The hub a state is a member of, with the hours it covers for it.
type MemberOf = Option<(StateCode, Roster)>;

/// The hub this state belongs to (with the states it covers), and its own role if it is a
/// hub; a hub with counted officers gets its desk.
fn hub_parts(
    config: &ContactPointConfig,
    desks: &mut BTreeMap<DeskName, Desk>,
) -> Result<(MemberOf, Option<hub::HubRole>), ConfigError> {
    let mut my_hub = None;
    let mut hub_role = None;
    for h in &config.network.hubs {
        if h.members.contains(&config.state) && !config.operated {
            my_hub = Some((h.hub, Roster::new(h.covers.clone())?));
        }
        if h.hub == config.state {
            hub_role = Some(hub::HubRole {
                covers: Roster::new(h.covers.clone())?,
                members: h.members.clone(),
                executes: h.executes.clone(),
            });
            if let Some(officers) = h.officers {
                desks.insert(DeskName::Hub, Desk::new(officers, config.profile.queue_order));
            }
        }
    }
    Ok((my_hub, hub_role))
}

impl ContactPoint {
    pub fn new(config: ContactPointConfig) -> Result<ContactPoint, ConfigError> {
        config.profile.validate()?;
        config.network.validate().map_err(ConfigError::Network)?;
        let roster = Roster::new(config.roster.clone())?;
        let central_authority = match &config.profile.central_authority {
            Some(ca) => Some(CentralAuthority {
                roster: Roster::new(ca.roster.clone())?,
                delay: ca.delay.clone(),
                kinds: ca.kinds.clone(),
            }),
            None => None,
        };
        let mla_office = match &config.profile.mla {
            Some(mla) => Some(Roster::new(mla.roster.clone())?),
            None => None,
        };
        let mut desks = counted_desks(&config);
        let (my_hub, hub_role) = hub_parts(&config, &mut desks)?;
        let providers = provider::hosted(&config, &mut desks)?;
        Ok(ContactPoint {
            my_hub,
            hub_role,
            hub_cases: BTreeMap::new(),
            providers,
            orders: BTreeMap::new(),
            desks,
            working: BTreeSet::new(),
            state: config.state,
            seed: config.seed,
            roster,
            profile: config.profile,
            central_authority,
            mla_office,
            network: config.network,
            operated: config.operated,
            ended: false,
            timers: TimerTable::default(),
            received: BTreeMap::new(),
            sent: BTreeMap::new(),
            call_backs: BTreeMap::new(),
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

    pub(super) fn tick(&mut self, now: SimTime) {
        assert!(now >= self.clock, "{}: input at {now} after {}", self.state, self.clock);
        self.clock = now;
    }

    /// Whether the envelope `seq` of `from` was delivered here already.
    pub fn has_handled(&self, from: StateCode, seq: u64) -> bool {
        self.seen.contains(&(from, seq))
    }

    /// An envelope is delivered; `now` is its `deliver_at`.
    pub fn handle_message(&mut self, now: SimTime, envelope: Envelope) {
        self.tick(now);
        assert_eq!(envelope.to, self.state, "envelope routed to the wrong contact point");
        if self.ended || !self.seen.insert((envelope.from, envelope.seq)) {
            return;
        }
        let (from, seq) = (envelope.from, envelope.seq);
        match envelope.message {
            Message::Request(request) => self.on_request(now, from, *request),
            Message::Receipt { id } => {
                if let Some(sent) = self.sent.get_mut(&id).filter(|s| s.to == from) {
                    sent.step.receipt();
                }
            }
            Message::Acknowledgement { id } => {
                let to = self.sent.get(&id).map(|s| s.to);
                if !to.is_some_and(|to| self.answers_for(from, to)) {
                    return;
                }
                let Some(sent) = self.sent.get_mut(&id) else { return };
                // A requester that gave up records the answer as late, outside the figures.
                if let Some(event) = sent.step.acknowledgement() {
                    self.emit(now, id, event);
                }
            }
            Message::Response { id, response } => self.on_response(now, from, id, response),
            Message::Escalation { id } => self.on_escalation(now, from, id),
            Message::EarlyNotice { id, notice } => self.on_notice(now, from, id, notice),
            Message::Withdraw { id } => self.on_withdraw(now, from, id),
            Message::MlaRequest { id } => self.on_mla_request(now, from, id),
            Message::MlaResponse { id, result } => self.on_mla_response(now, from, id, result),
            Message::HubForward { request, requester } => self.on_hub_forward(now, from, *request, requester),
            Message::HandBack { id } => self.on_hand_back(now, from, id),
            Message::CallBack { id } => self.on_call_back(now, from, seq, id),
            Message::CallBackAnswer { id, sent_it } => self.on_call_back_answer(now, from, id, sent_it),
            Message::Order { request, provider, agreement } => self.on_order(now, from, *request, provider, agreement),
        }
    }

    pub(super) fn draw(&self, id: RequestId, purpose: Purpose, delay: Delay) -> u64 {
        delay.sample(&mut stream(self.seed, self.state, id, purpose))
    }

    /// Sends `message` about request `id`, unless the network model loses it.
    pub(super) fn send(&mut self, now: SimTime, to: StateCode, id: RequestId, message: Message) {
        let seq = self.next_seq;
        self.next_seq += 1;
        match self.network.fate(self.seed, self.state, to, seq, now, message.through_register()) {
            Ok(deliver_at) => {
                self.transmits.push_back(Envelope { from: self.state, to, seq, sent_at: now, deliver_at, message })
            }
            Err(reason) => self.emit(now, id, EventKind::Lost { to, reason }),
        }
    }

    /// Sends `message` by fallback channel `channel` (a resend that the register's entry
    /// did not answer).
    pub(super) fn send_by_fallback(
        &mut self,
        now: SimTime,
        to: StateCode,
        id: RequestId,
        channel: u8,
        message: Message,
    ) {
        let seq = self.next_seq;
        self.next_seq += 1;
        match self.network.fate_by_fallback(channel, self.state, to, now) {
            Ok(deliver_at) => {
                self.transmits.push_back(Envelope { from: self.state, to, seq, sent_at: now, deliver_at, message })
            }
            Err(reason) => self.emit(now, id, EventKind::Lost { to, reason }),
        }
    }

    /// Sends `message` between central authorities: it takes the link's delay plus
    /// `channel_ms`, and no fault of the 24/7 network touches it.
    /// Sends `message` by a channel of its own that takes `channel_ms` of calendar time (an
    /// MLA request between central authorities), never less than the link's delay: no
    /// message travels faster than the clock's lookahead allows.
    pub(super) fn send_by_channel(&mut self, now: SimTime, to: StateCode, message: Message, channel_ms: u64) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let deliver_at = now.plus_ms(self.network.delay_ms(self.state, to).max(channel_ms));
        self.transmits.push_back(Envelope { from: self.state, to, seq, sent_at: now, deliver_at, message });
    }

    pub(super) fn emit(&mut self, at: SimTime, id: RequestId, kind: EventKind) {
        self.events.push_back(Event { at, state: self.state, id, kind });
    }

    pub fn poll_transmit(&mut self) -> Option<Envelope> {
        self.transmits.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
}
