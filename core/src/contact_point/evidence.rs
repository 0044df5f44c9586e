//! From preserved data to evidence, on both sides: the early notice and the withdrawal
//! (Budapest Art. 29(6)), the preservation hold (Art. 29(7)), and the MLA leg: the
//! requester's central authority drafts (and has translated) an MLA request in its office
//! hours and transmits it; the requested state's central authority takes it from its
//! backlog, works on it in its office hours and answers. The hold keeps the data while it
//! runs, and until the MLA request is decided once it has arrived; after it lapses each
//! class of data lasts only until its own deletion time.
//!
//! All of it runs only with an MLA policy in the profile ([`crate::Profile::mla`]).

use super::stage::{MlaLeg, Stage};
use super::timers::TimerKind;
use super::ContactPoint;
use crate::desk::{DeskName, Task};
use crate::event::EventKind;
use crate::evidence::{DataClass, MlaResult, Notice};
use crate::request::RequestId;
use crate::roster::OpenWhen;
use crate::seed::{stream, Purpose};
use crate::state::StateCode;
use crate::time::SimTime;
use crate::wire::{Message, Request};
use rand::Rng;

/// The ground of an MLA refusal when the requested state has no central authority for MLA.
const NO_MLA_AUTHORITY: &str = "no central authority for mutual legal assistance";

impl ContactPoint {
    /// When the holding provider deletes each class of data `request` asks for: the
    /// request's own deletion time, or this state's retention from the data's creation.
    pub(super) fn deletions(&self, request: &Request) -> Vec<(DataClass, SimTime)> {
        let classes = asked(request);
        if let Some(t) = request.evidence_deleted_at {
            return classes.into_iter().map(|c| (c, t)).collect();
        }
        let Some(created) = request.data_created_at else { return Vec::new() };
        classes.into_iter().filter_map(|c| self.profile.retention.of(c).map(|ms| (c, created.plus_ms(ms)))).collect()
    }

    fn draw_probability(&self, id: RequestId, purpose: Purpose) -> f64 {
        stream(self.seed, self.state, id, purpose).random::<f64>()
    }

    // ---------------------------------------------------------------- requested state

    /// A person acknowledged a preservation: say at once if it will not ensure the data's
    /// availability (some of it is already gone) or would threaten a confidential
    /// investigation.
    pub(super) fn early_notice(&mut self, now: SimTime, id: RequestId) {
        let Some(policy) = &self.profile.mla else { return };
        let Some(r) = self.received.get(&id) else { return };
        if !policy.kinds.contains(&r.request.kind) {
            return;
        }
        let (gone, _) = gone_at(&r.deletions, &r.request, now);
        let confidential = r.request.details.confidential;
        let threat = policy.confidentiality_notice_probability;
        let from = r.from;
        let notice = if !gone.is_empty() {
            Notice::WillNotEnsureAvailability { gone }
        } else if confidential && threat > 0.0 && self.draw_probability(id, Purpose::ConfidentialityNotice) < threat {
            Notice::ThreatensConfidentiality
        } else {
            return;
        };
        self.emit(now, id, EventKind::NoticeGiven { notice: notice.clone() });
        self.send(now, from, id, Message::EarlyNotice { id, notice });
    }

    /// The requester withdrew the request: no more work on it.
    pub(super) fn on_withdraw(&mut self, now: SimTime, from: StateCode, id: RequestId) {
        let Some(r) = self.received.get_mut(&id).filter(|r| r.from == from) else { return };
        if !r.stage.get().open() {
            return;
        }
        r.stage.withdraw();
        self.timers.stop(id, TimerKind::Open);
        self.timers.stop(id, TimerKind::Acknowledge);
        self.abandon_work(now, id);
        self.emit(now, id, EventKind::WithdrawalReceived);
    }

    /// Executing a preservation of a kind that needs MLA starts the hold.
    pub(super) fn start_hold(&mut self, now: SimTime, id: RequestId) {
        let Some(policy) = &self.profile.mla else { return };
        let until = now.plus_ms(self.profile.hold.length_ms());
        let Some(r) = self.received.get_mut(&id) else { return };
        if !policy.kinds.contains(&r.request.kind) {
            return;
        }
        r.hold.start(until);
        self.timers.set(id, TimerKind::HoldExpiry, until);
        self.emit(now, id, EventKind::HoldStarted { until });
    }

    /// The hold's end came: it lapses if no MLA request has arrived.
    pub(super) fn hold_expiry(&mut self, now: SimTime, id: RequestId) {
        let Some(r) = self.received.get_mut(&id) else { return };
        if r.hold.lapse() {
            self.emit(now, id, EventKind::HoldLapsed);
        }
    }

    /// The MLA request arrived: into the central authority's backlog, then its work.
    pub(super) fn on_mla_request(&mut self, now: SimTime, from: StateCode, id: RequestId) {
        let Some(r) = self.received.get(&id).filter(|r| r.from == from && r.hold.get().mla_arrived().is_none()) else {
            return;
        };
        let held_until = r.hold.get().held_until();
        let hold_until = held_until.unwrap_or(now);
        let in_time = held_until.is_none_or(|until| now <= until);
        let (Some(policy), Some(office)) = (self.profile.mla.clone(), self.mla_office.as_ref()) else {
            let result = MlaResult::Refused { ground: NO_MLA_AUTHORITY.to_string() };
            self.emit(now, id, EventKind::MlaExecuted { result: result.clone() });
            self.send_by_channel(now, from, Message::MlaResponse { id, result }, 0);
            return;
        };
        let queue = self.draw(id, Purpose::MlaQueue, policy.queue.clone());
        let start = now.plus_ms(queue);
        let timed = (!self.counts_officers(DeskName::MlaOffice)).then(|| {
            let work = self.draw(id, Purpose::MlaExecution, policy.execution.clone());
            office.finish_work(start, work, OpenWhen::StaffedOrOnCall).unwrap_or(start.plus_ms(work))
        });
        if let Some(r) = self.received.get_mut(&id) {
            r.hold.mla_arrived(now);
        }
        self.emit(now, id, EventKind::MlaReceived { hold_until, in_time });
        match timed {
            Some(at) => {
                self.timers.set(id, TimerKind::MlaExecute, at);
            }
            // Counted officers: after the backlog, it waits for one of them.
            None => self.join_desk(now, DeskName::MlaOffice, id, Task::Execute, start, OpenWhen::StaffedOrOnCall),
        }
    }

    /// The central authority decides the MLA request: the data is gone if the request came
    /// after the hold lapsed and after its deletion; else refused by the profile's odds;
    /// else disclosed.
    pub(super) fn execute_mla(&mut self, now: SimTime, id: RequestId) {
        if !self.received.contains_key(&id) {
            return;
        }
        self.work_done(now, DeskName::MlaOffice, id, Task::Execute);
        let Some(r) = self.received.get(&id) else { return };
        let Some(policy) = self.profile.mla.clone() else { return };
        let from = r.from;
        let arrived = r.hold.get().mla_arrived().unwrap_or(now);
        let in_time = r.hold.get().held_until().is_none_or(|until| arrived <= until);
        let mut lost = r.lost_at_preservation();
        if !in_time {
            // The hold lapsed first: each class lasted only until its own deletion.
            for (class, deleted) in &r.deletions {
                if *deleted < arrived && !lost.contains(class) {
                    lost.push(*class);
                }
            }
        }
        lost.sort();
        let everything_gone = !r.deletions.is_empty() && lost.len() >= asked(&r.request).len();
        let refused = policy.refuse_probability > 0.0
            && self.draw_probability(id, Purpose::MlaRefusal) < policy.refuse_probability;
        let result = if everything_gone {
            MlaResult::HoldLapsed
        } else if refused {
            let pick =
                stream(self.seed, self.state, id, Purpose::MlaGround).random_range(0..policy.refusal_grounds.len());
            MlaResult::Refused { ground: policy.refusal_grounds[pick].clone() }
        } else {
            MlaResult::Disclosed { lost }
        };
        let back = self.draw(id, Purpose::MlaReturn, policy.transmission.clone());
        self.emit(now, id, EventKind::MlaExecuted { result: result.clone() });
        self.send_by_channel(now, from, Message::MlaResponse { id, result }, back);
    }

    // ---------------------------------------------------------------- requester

    /// The requested state gave early notice: go on, or withdraw (always when every class
    /// asked for is already gone; by the profile's odds when confidentiality is at stake).
    pub(super) fn on_notice(&mut self, now: SimTime, from: StateCode, id: RequestId, notice: Notice) {
        let Some(sent) = self.sent.get(&id).filter(|s| s.to == from && !s.step.get().finished()) else { return };
        let classes = asked(&sent.request);
        self.emit(now, id, EventKind::NoticeReceived { notice: notice.clone() });
        let withdraw = match &notice {
            Notice::WillNotEnsureAvailability { gone } => classes.iter().all(|c| gone.contains(c)),
            Notice::ThreatensConfidentiality => self.profile.mla.as_ref().is_some_and(|p| {
                p.withdraw_on_confidentiality_probability > 0.0
                    && self.draw_probability(id, Purpose::Withdrawal) < p.withdraw_on_confidentiality_probability
            }),
        };
        if withdraw {
            self.send(now, from, id, Message::Withdraw { id });
            self.end_sent(now, id, |to| EventKind::Withdrawn { to, notice });
        }
    }

    /// The 24/7 step of `id` succeeded: the data is usable as it is, or the MLA leg starts
    /// (if the kind needs one and the request said one would follow, Art. 42(2)(f)). A
    /// direct order's production is usable evidence as it is.
    pub(super) fn start_evidence_step(&mut self, now: SimTime, id: RequestId) {
        if self.sent.get(&id).is_some_and(|s| s.order.is_some()) {
            // A direct order's answer is the evidence itself.
            return self.emit(now, id, EventKind::DisclosedDirectly);
        }
        let Some(policy) = self.profile.mla.clone() else { return };
        let Some(sent) = self.sent.get(&id) else { return };
        let (kind, to, follows) = (sent.request.kind, sent.to, sent.request.details.mla_to_follow);
        if policy.direct_kinds.contains(&kind) {
            self.emit(now, id, EventKind::DisclosedDirectly);
            return;
        }
        if !policy.kinds.contains(&kind) || !follows {
            return;
        }
        let pursued = self.draw_probability(id, Purpose::MlaPursue) < policy.pursue_probability;
        if pursued && self.counts_officers(DeskName::MlaOffice) {
            // Counted officers: the drafting waits for one of them.
            self.move_mla(id, |s| s.draft());
            return self.join_desk(now, DeskName::MlaOffice, id, Task::Draft, now, OpenWhen::StaffedOrOnCall);
        }
        let work = self.draw(id, Purpose::MlaDrafting, policy.drafting.clone());
        let drafted =
            self.mla_office.as_ref().and_then(|office| office.finish_work(now, work, OpenWhen::StaffedOrOnCall));
        let Some(at) = drafted.filter(|_| pursued) else {
            self.emit(now, id, EventKind::MlaNotPursued { to });
            return;
        };
        self.timers.set(id, TimerKind::MlaDraft, at);
        self.move_mla(id, |s| s.draft());
    }

    /// Drafted: translate if the requested state does not accept the language, else send.
    pub(super) fn mla_drafted(&mut self, now: SimTime, id: RequestId) {
        let Some(sent) = self.sent.get(&id).filter(|s| *s.mla.get() == MlaLeg::Drafting) else { return };
        let (to, language) = (sent.to, sent.request.language.clone());
        self.work_done(now, DeskName::MlaOffice, id, Task::Draft);
        self.emit(now, id, EventKind::MlaDrafted);
        if self.network.accepts(to, &language) {
            return self.transmit_mla(now, id);
        }
        if self.counts_officers(DeskName::MlaOffice) {
            self.move_mla(id, |s| s.translate());
            return self.join_desk(now, DeskName::MlaOffice, id, Task::Translate, now, OpenWhen::StaffedOrOnCall);
        }
        let (Some(policy), Some(office)) = (&self.profile.mla, &self.mla_office) else { return };
        let work = self.draw(id, Purpose::MlaTranslation, policy.translation.clone());
        let at = office.finish_work(now, work, OpenWhen::StaffedOrOnCall).unwrap_or(now.plus_ms(work));
        self.timers.set(id, TimerKind::MlaTranslate, at);
        self.move_mla(id, |s| s.translate());
    }

    pub(super) fn mla_translated(&mut self, now: SimTime, id: RequestId) {
        if self.sent.get(&id).is_some_and(|s| *s.mla.get() == MlaLeg::Translating) {
            self.work_done(now, DeskName::MlaOffice, id, Task::Translate);
            self.emit(now, id, EventKind::MlaTranslated);
            self.transmit_mla(now, id);
        }
    }

    fn transmit_mla(&mut self, now: SimTime, id: RequestId) {
        let Some(policy) = &self.profile.mla else { return };
        let Some(to) = self.sent.get(&id).map(|s| s.to) else { return };
        let channel = self.draw(id, Purpose::MlaTransmission, policy.transmission.clone());
        self.send_by_channel(now, to, Message::MlaRequest { id }, channel);
        self.emit(now, id, EventKind::MlaSent { to });
        self.move_mla(id, |s| s.transmit());
    }

    pub(super) fn on_mla_response(&mut self, now: SimTime, from: StateCode, id: RequestId, result: MlaResult) {
        if self.sent.get(&id).is_some_and(|s| s.to == from && *s.mla.get() == MlaLeg::InTransit) {
            self.move_mla(id, |s| s.answer());
            self.emit(now, id, EventKind::MlaAnswered { result });
        }
    }

    /// Moves the MLA leg of sent request `id` by `transition` (of [`super::stage`]).
    fn move_mla(&mut self, id: RequestId, transition: impl FnOnce(&mut Stage<MlaLeg>)) {
        if let Some(sent) = self.sent.get_mut(&id) {
            transition(&mut sent.mla);
        }
    }

    /// MLA legs still under way (the exercise ends them).
    pub(super) fn open_mla_legs(&self) -> Vec<RequestId> {
        self.sent.iter().filter(|(_, s)| s.mla.get().open()).map(|(id, _)| *id).collect()
    }
}

/// The classes of `deletions` already deleted at `now`, and whether they are every class
/// `request` asks for (the data is all gone).
pub(super) fn gone_at(deletions: &[(DataClass, SimTime)], request: &Request, now: SimTime) -> (Vec<DataClass>, bool) {
    let gone: Vec<DataClass> = deletions.iter().filter(|(_, deleted)| *deleted < now).map(|(c, _)| *c).collect();
    let all = !gone.is_empty() && gone.len() >= asked(request).len();
    (gone, all)
}

/// The classes `request` asks for: its data classes, or the one unnamed class.
pub(super) fn asked(request: &Request) -> Vec<DataClass> {
    if request.data.is_empty() {
        vec![DataClass::Stored]
    } else {
        request.data.clone()
    }
}
