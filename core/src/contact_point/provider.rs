//! Direct orders to providers (the other road to evidence), on both sides.
//!
//! - Requester: an inject that names the provider holding the data goes by direct order
//!   when an agreement covers the pair, the kind and the classes, and the case's draw falls
//!   within the roads' `direct_share`; else by the 24/7 step. An order travels by the
//!   agreement's own system (no fault of the 24/7 network touches it), is never resent or
//!   escalated, and the requester gives up on it as on any request.
//! - Provider (hosted by its home state's contact point): its desk finds and produces the
//!   data in its own hours (counted officers and a queue, or calendar time), then answers;
//!   an order the provider's state reviews is held until the review ends. The provider
//!   preserves on receipt: classes already deleted then are lost, later deletion is not.

use super::stage::{MlaLeg, Producing, Sending, Stage};
use super::timers::TimerKind;
use super::{ContactPoint, Sent};
use crate::config::{ConfigError, ContactPointConfig};
use crate::desk::{Desk, DeskName, Task};
use crate::event::EventKind;
use crate::evidence::DataClass;
use crate::request::{Inject, RequestId, RequestKind, Response};
use crate::road::{AgreementIndex, ProviderIndex};
use crate::roster::Roster;
use crate::seed::{stream, Purpose};
use crate::state::StateCode;
use crate::time::SimTime;
use crate::wire::{Message, Request};
use rand::Rng;
use std::collections::BTreeMap;

/// The ground of a refusal raised in the review by the provider's state.
const REVIEW_GROUND: &str = "the provider's state raised a ground for refusal in its review";
/// The ground of an order to a provider this state does not host (a misrouted order).
const NOT_HOSTED: &str = "no such provider in this state";

/// A direct order a provider hosted here received.
#[derive(Debug)]
pub(super) struct OrderCase {
    from: StateCode,
    request: Request,
    provider: ProviderIndex,
    stage: Stage<Producing>,
    /// When the review by the provider's state ends (orders it reviews), and the odds
    /// that it raises a ground for refusal.
    review: Option<(SimTime, f64)>,
    /// Classes already deleted when the order arrived.
    lost: Vec<DataClass>,
    /// Every class asked for was already deleted.
    all_gone: bool,
    /// The agreement's deadline for the provider's answer.
    deadline_at: SimTime,
}

/// The providers whose home is `config.state`, with their desks' hours; a provider with
/// counted officers gets its desk.
pub(super) fn hosted(
    config: &ContactPointConfig,
    desks: &mut BTreeMap<DeskName, Desk>,
) -> Result<BTreeMap<ProviderIndex, Roster>, ConfigError> {
    let mut hosted = BTreeMap::new();
    for (i, p) in config.network.roads.providers.iter().enumerate() {
        let Ok(i) = ProviderIndex::try_from(i) else { break };
        if p.home != config.state {
            continue;
        }
        hosted.insert(i, Roster::new(p.roster.clone())?);
        if let Some(officers) = p.officers {
            desks.insert(DeskName::Provider(i), Desk::new(officers, config.profile.queue_order));
        }
    }
    Ok(hosted)
}

impl ContactPoint {
    // ---------------------------------------------------------------- requester

    /// The road for `inject`: a direct order (the provider and agreement) where one covers
    /// it and the case's draw says so; `None`: the 24/7 step.
    pub(super) fn road_for(&self, inject: &Inject) -> Option<(ProviderIndex, AgreementIndex)> {
        let roads = &self.network.roads;
        let provider = inject.provider?;
        let agreement = roads.agreement_for(self.state, provider, inject.kind, &inject.data)?;
        let draw = stream(self.seed, self.state, inject.id, Purpose::Road).random::<f64>();
        (draw < roads.direct_share).then_some((provider, agreement))
    }

    /// Sends `request` as a direct order to `provider` in `to` under `agreement`.
    pub(super) fn start_order(
        &mut self,
        now: SimTime,
        to: StateCode,
        request: Request,
        (provider, agreement): (ProviderIndex, AgreementIndex),
    ) {
        let id = request.id;
        if self.sent.contains_key(&id) {
            return;
        }
        let give_up = request.scheduled.plus_ms(self.profile.requester.give_up_after_ms);
        self.timers.set(id, TimerKind::GiveUp, give_up);
        self.emit(now, id, EventKind::Sent { to, kind: request.kind, scheduled: request.scheduled });
        self.emit(now, id, EventKind::OrderSent { provider, agreement });
        let message = Message::Order { request: Box::new(request.clone()), provider, agreement };
        self.send_by_channel(now, to, message, 0);
        let sent = Sent {
            to,
            request,
            attempts: 1,
            step: Stage::<Sending>::sent(),
            mla: Stage::<MlaLeg>::not_started(),
            order: Some((provider, agreement)),
        };
        self.sent.insert(id, sent);
    }

    // ---------------------------------------------------------------- provider

    /// An order reached a provider hosted here: it preserves what is left, its state's
    /// review starts (where the agreement has one for this order), its desk takes the work.
    pub(super) fn on_order(
        &mut self,
        now: SimTime,
        from: StateCode,
        request: Request,
        provider: ProviderIndex,
        agreement: AgreementIndex,
    ) {
        let id = request.id;
        if self.orders.contains_key(&id) {
            return;
        }
        let roads = &self.network.roads;
        let (Some(roster), Some(terms)) = (self.providers.get(&provider), roads.agreement(agreement)) else {
            let response = Response::Refused { ground: NOT_HOSTED.to_string() };
            return self.send_by_channel(now, from, Message::Response { id, response }, 0);
        };
        let mode = roster.mode_at(now);
        let deadline_at = now.plus_ms(terms.deadline_ms(request.kind));
        let classes = super::evidence::asked(&request);
        let review = terms.review_of(request.kind, &classes).map(|r| (now.plus_ms(r.ms), r.refuse_probability));
        let (lost, all_gone) = super::evidence::gone_at(&self.deletions(&request), &request, now);
        let kind = request.kind;
        let stage = Stage::<Producing>::received();
        let case = OrderCase { from, request, provider, stage, review, lost, all_gone, deadline_at };
        self.orders.insert(id, case);
        self.emit(now, id, EventKind::OrderReceived { from, provider, mode, deadline_at });
        if let Some((until, _)) = review {
            self.emit(now, id, EventKind::ReviewStarted { until });
        }
        self.start_production(now, id, provider, kind);
    }

    /// The provider's desk takes the order (an emergency in any open hours, the rest when
    /// staffed: [`crate::Profile::desk_open_when`]).
    fn start_production(&mut self, now: SimTime, id: RequestId, provider: ProviderIndex, kind: RequestKind) {
        let desk = DeskName::Provider(provider);
        let open = self.profile.desk_open_when(desk, kind);
        if self.counts_officers(desk) {
            return self.join_desk(now, desk, id, Task::Execute, now, open);
        }
        let Some(work) = self.production_work(id, provider) else { return };
        let shift_end = self.network.roads.shift_end_of(desk, self.profile.shift_end);
        let at = self.providers.get(&provider).and_then(|r| shift_end.finish(r, now, work, open)).map(|f| f.at);
        self.timers.set(id, TimerKind::Produce, at.unwrap_or(now.plus_ms(work)));
    }

    /// An officer's work on order `id` at `provider`'s desk, drawn.
    pub(super) fn production_work(&self, id: RequestId, provider: ProviderIndex) -> Option<u64> {
        let order = self.orders.get(&id).filter(|o| o.stage.get() == &Producing::Working)?;
        let p = self.network.roads.provider(provider)?;
        let delay = if order.request.kind == RequestKind::Emergency { &p.emergency_work } else { &p.work };
        Some(self.draw(id, Purpose::ProviderWork, delay.clone()))
    }

    /// The provider produced the data: it answers now, or holds it until the review ends.
    pub(super) fn produced(&mut self, now: SimTime, id: RequestId) {
        let Some(order) = self.orders.get(&id).filter(|o| o.stage.get() == &Producing::Working) else { return };
        self.work_done(now, DeskName::Provider(order.provider), id, Task::Execute);
        let Some(order) = self.orders.get_mut(&id) else { return };
        match order.review.map(|(until, _)| until).filter(|until| *until > now) {
            Some(until) => {
                order.stage.hold_for_review();
                self.timers.set(id, TimerKind::ReviewEnds, until);
                self.emit(now, id, EventKind::HeldForReview);
            }
            None => self.answer_order(now, id),
        }
    }

    /// The provider answers the issuing state: refused by the review (by its odds), the data
    /// all gone, or produced (less what was gone).
    pub(super) fn answer_order(&mut self, now: SimTime, id: RequestId) {
        let Some(order) = self.orders.get(&id).filter(|o| o.stage.get().open()) else { return };
        let refused = order.review.is_some_and(|(_, p)| {
            p > 0.0 && stream(self.seed, self.state, id, Purpose::ReviewRefusal).random::<f64>() < p
        });
        let response = if refused {
            Response::Refused { ground: REVIEW_GROUND.to_string() }
        } else if order.all_gone {
            Response::TooLate
        } else {
            Response::Fulfilled { reveals: None, lost: order.lost.clone() }
        };
        let from = order.from;
        if let Some(order) = self.orders.get_mut(&id) {
            order.stage.answer(response.clone());
        }
        self.emit(now, id, EventKind::OrderAnswered { response: response.clone() });
        self.send_by_channel(now, from, Message::Response { id, response }, 0);
    }

    /// Whether order `id` is an emergency, and its deadline (its desk's queue order).
    pub(super) fn order_urgency(&self, id: RequestId) -> (bool, Option<SimTime>) {
        self.orders.get(&id).map_or((false, None), |o| (o.request.kind == RequestKind::Emergency, Some(o.deadline_at)))
    }
}
