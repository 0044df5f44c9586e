//! A request's life as typed stages, and every transition between them (as quinn-proto's
//! `connection/state.rs` keeps its connection states). Each stage sits in a [`Stage`]
//! whose field only this module writes: the rest of the contact point reads a stage with
//! [`Stage::get`] and moves it by the transitions below, each of which asserts that it
//! comes from a stage it may come from. A broken assertion is a bug in the contact point,
//! never bad input: inputs that a stage does not expect (a duplicate, a late message) are
//! sorted out by the caller before it asks for a transition.
//!
//! Receiver ([`Receiving`]):
//! ```text
//! New ─► AwaitingOpen ─► Acknowledging ─► Acknowledged     a desk closed for its kind
//! New ─► Acknowledging ─► Acknowledged                      open now, or a counted desk's queue
//! New ─► WithHub ─(handed back)─► Acknowledged              the hub covers a desk not staffed
//! New ─(a person acknowledges)─► Acknowledged               a tabletop exercise
//! Acknowledged ─► Translating                               the translation desk
//! Acknowledged | Translating ─► Verifying ─► Verified
//! Acknowledged | Translating | Verified ─► Executing | WithCentralAuthority
//! any stage not answered ─► Answered (acknowledged before) | AnsweredUnseen (not)
//! any open stage ─(the requester withdraws)─► Withdrawn { was }
//! Withdrawn { was: Acknowledged } ─(a person hands it over)─► Withdrawn { was: WithCentralAuthority }
//! ```
//! Requester ([`Sending`]): `Sent ─► Delivered ─► Acknowledged ─► Answered`, and from any of
//! the first three `─► Ended` (expired, undeliverable, withdrawn, unfinished), which an
//! acknowledgement (before or after the end) makes `EndedAcknowledged`. Its MLA leg
//! ([`MlaLeg`]): `NotStarted ─► Drafting ─(─► Translating)─► InTransit ─► Answered`.
//! The receiver's preservation hold ([`Hold`]): `NotHeld ─► Running ─► Lapsed`, and from
//! each `─► MlaArrived`. A person's translation ([`Translation`]): `NotAsked ─► Asked`.
//! A provider's side of a direct order ([`Producing`]): `Working ─(─► HeldForReview)─►
//! Answered`.

use crate::event::EventKind;
use crate::request::Response;
use crate::time::SimTime;

/// A stage that only this module moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Stage<T>(T);

impl<T: std::fmt::Debug> Stage<T> {
    pub(super) fn get(&self) -> &T {
        &self.0
    }

    /// Moves to `to`; `from_ok` says whether the stage it comes from may lead there.
    fn go(&mut self, from_ok: bool, to: T) {
        assert!(from_ok, "a request cannot go from {:?} to {to:?}", self.0);
        self.0 = to;
    }
}

/// Where a request this contact point received is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Receiving {
    /// Delivered; nobody has looked at it yet (a person plays the contact point, or it is
    /// being routed).
    New,
    /// The desk is closed for its kind: a person looks at it at the next opening (its
    /// `Open` timer).
    AwaitingOpen,
    /// A person is to acknowledge it: its `Acknowledge` timer runs, or it waits in the
    /// desk's queue.
    Acknowledging,
    /// Handed to the regional hub (it came while the desk was not staffed).
    WithHub,
    /// A person (or the hub) acknowledged it.
    Acknowledged,
    /// The translation desk translates it.
    Translating,
    /// Verified before execution, which is to start no earlier than `start`.
    Verifying { start: SimTime },
    /// The verification passed.
    Verified,
    /// Executed here: its `Fulfil` timer runs, or it waits in the desk's queue.
    Executing,
    /// Handed to the central authority, which executes it in its own office hours.
    WithCentralAuthority,
    /// The final response, given after a person acknowledged it (sent again if the
    /// request comes again).
    Answered(Response),
    /// The final response, given before anybody acknowledged it (the desk never opens, its
    /// queue is full).
    AnsweredUnseen(Response),
    /// The requester withdrew it while it was at `was`: no more work on it, though a
    /// person in an exercise may still act on it.
    Withdrawn { was: Box<Receiving> },
}

impl Receiving {
    /// Whether a person (or the hub) has acknowledged it.
    pub(super) fn acknowledged(&self) -> bool {
        use Receiving::*;
        match self {
            New | AwaitingOpen | Acknowledging | WithHub | AnsweredUnseen(_) => false,
            Acknowledged
            | Translating
            | Verifying { .. }
            | Verified
            | Executing
            | WithCentralAuthority
            | Answered(_) => true,
            Withdrawn { was } => was.acknowledged(),
        }
    }

    /// Whether the central authority has it.
    pub(super) fn forwarded(&self) -> bool {
        match self {
            Receiving::WithCentralAuthority => true,
            Receiving::Withdrawn { was } => was.forwarded(),
            _ => false,
        }
    }

    /// The final response, once given.
    pub(super) fn response(&self) -> Option<&Response> {
        match self {
            Receiving::Answered(r) | Receiving::AnsweredUnseen(r) => Some(r),
            _ => None,
        }
    }

    pub(super) fn withdrawn(&self) -> bool {
        matches!(self, Receiving::Withdrawn { .. })
    }

    /// Neither answered nor withdrawn: there is work on it.
    pub(super) fn open(&self) -> bool {
        self.response().is_none() && !self.withdrawn()
    }
}

impl Stage<Receiving> {
    pub(super) fn delivered() -> Self {
        Stage(Receiving::New)
    }

    /// The desk is closed for it: a person looks at it at the next opening.
    pub(super) fn await_open(&mut self) {
        let ok = matches!(self.0, Receiving::New | Receiving::AwaitingOpen);
        self.go(ok, Receiving::AwaitingOpen);
    }

    /// A person is to acknowledge it (now timed, or queued).
    pub(super) fn acknowledging(&mut self) {
        let ok = matches!(self.0, Receiving::New | Receiving::AwaitingOpen | Receiving::Acknowledging);
        self.go(ok, Receiving::Acknowledging);
    }

    pub(super) fn hand_to_hub(&mut self) {
        let ok = matches!(self.0, Receiving::New);
        self.go(ok, Receiving::WithHub);
    }

    /// A person acknowledged it.
    pub(super) fn acknowledge(&mut self) {
        let ok = matches!(self.0, Receiving::New | Receiving::Acknowledging);
        self.go(ok, Receiving::Acknowledged);
    }

    /// The hub acknowledged it and handed it back.
    pub(super) fn hand_back(&mut self) {
        let ok = matches!(self.0, Receiving::WithHub);
        self.go(ok, Receiving::Acknowledged);
    }

    pub(super) fn translate(&mut self) {
        let ok = matches!(self.0, Receiving::Acknowledged);
        self.go(ok, Receiving::Translating);
    }

    pub(super) fn verify(&mut self, start: SimTime) {
        let ok = matches!(self.0, Receiving::Acknowledged | Receiving::Translating);
        self.go(ok, Receiving::Verifying { start });
    }

    pub(super) fn verified(&mut self) {
        let ok = matches!(self.0, Receiving::Verifying { .. });
        self.go(ok, Receiving::Verified);
    }

    /// Ready to execute (acknowledged, translated, verified): executed here.
    pub(super) fn execute(&mut self) {
        let ok = matches!(self.0, Receiving::Acknowledged | Receiving::Translating | Receiving::Verified);
        self.go(ok, Receiving::Executing);
    }

    /// Handed to the central authority (a person may hand over a withdrawn request).
    pub(super) fn forward(&mut self) {
        if let Receiving::Withdrawn { was } = &mut self.0 {
            assert!(**was == Receiving::Acknowledged, "a request cannot go from {was:?} to the central authority");
            **was = Receiving::WithCentralAuthority;
            return;
        }
        let ok = matches!(self.0, Receiving::Acknowledged | Receiving::Translating | Receiving::Verified);
        self.go(ok, Receiving::WithCentralAuthority);
    }

    /// The final response: from any stage not yet answered (a refusal can come before
    /// anybody looked at it; a person may answer a withdrawn request).
    pub(super) fn answer(&mut self, response: Response) {
        let ok = self.0.response().is_none();
        let to =
            if self.0.acknowledged() { Receiving::Answered(response) } else { Receiving::AnsweredUnseen(response) };
        self.go(ok, to);
    }

    pub(super) fn withdraw(&mut self) {
        assert!(self.0.open(), "a request cannot be withdrawn from {:?}", self.0);
        let was = std::mem::replace(&mut self.0, Receiving::New);
        self.0 = Receiving::Withdrawn { was: Box::new(was) };
    }
}

/// Where the 24/7 step of a request this contact point sent is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sending {
    /// Sent; no delivery receipt yet: resent on its timer.
    Sent,
    /// The receiving contact point has it (a receipt, or any response, came): no resends.
    Delivered,
    /// A person acknowledged it.
    Acknowledged,
    /// The final response came.
    Answered,
    /// Ended without a final response (expired, undeliverable, withdrawn, unfinished).
    Ended,
    /// Ended without a final response, and acknowledged (before the end, or late).
    EndedAcknowledged,
}

impl Sending {
    /// Answered or ended: nothing more is waited for.
    pub(super) fn finished(self) -> bool {
        matches!(self, Sending::Answered | Sending::Ended | Sending::EndedAcknowledged)
    }
}

impl Stage<Sending> {
    pub(super) fn sent() -> Self {
        Stage(Sending::Sent)
    }

    /// A delivery receipt (or any response) came: any stage may see one; only `Sent` moves.
    pub(super) fn receipt(&mut self) {
        if self.0 == Sending::Sent {
            self.0 = Sending::Delivered;
        }
    }

    /// An acknowledgement came: what to record, if it is the first (late once ended).
    pub(super) fn acknowledgement(&mut self) -> Option<EventKind> {
        let (to, event) = match self.0 {
            Sending::Sent | Sending::Delivered => (Sending::Acknowledged, EventKind::AcknowledgementReceived),
            Sending::Ended => (Sending::EndedAcknowledged, EventKind::LateAcknowledgement),
            Sending::Acknowledged | Sending::Answered | Sending::EndedAcknowledged => return None,
        };
        self.0 = to;
        Some(event)
    }

    /// The final response came.
    pub(super) fn answer(&mut self) {
        let ok = !self.0.finished();
        self.go(ok, Sending::Answered);
    }

    /// Ended without a final response.
    pub(super) fn end(&mut self) {
        let to = if self.0 == Sending::Acknowledged { Sending::EndedAcknowledged } else { Sending::Ended };
        let ok = !self.0.finished();
        self.go(ok, to);
    }
}

/// The requester's side of an MLA leg, after a preservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MlaLeg {
    NotStarted,
    Drafting,
    Translating,
    InTransit,
    Answered,
}

impl MlaLeg {
    /// Under way (the end of an exercise ends it unfinished).
    pub(super) fn open(self) -> bool {
        matches!(self, MlaLeg::Drafting | MlaLeg::Translating | MlaLeg::InTransit)
    }
}

impl Stage<MlaLeg> {
    pub(super) fn not_started() -> Self {
        Stage(MlaLeg::NotStarted)
    }

    pub(super) fn draft(&mut self) {
        let ok = self.0 == MlaLeg::NotStarted;
        self.go(ok, MlaLeg::Drafting);
    }

    pub(super) fn translate(&mut self) {
        let ok = self.0 == MlaLeg::Drafting;
        self.go(ok, MlaLeg::Translating);
    }

    pub(super) fn transmit(&mut self) {
        let ok = matches!(self.0, MlaLeg::Drafting | MlaLeg::Translating);
        self.go(ok, MlaLeg::InTransit);
    }

    pub(super) fn answer(&mut self) {
        let ok = self.0 == MlaLeg::InTransit;
        self.go(ok, MlaLeg::Answered);
    }
}

/// The receiver's preservation hold, and the MLA request that follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hold {
    /// No hold (not executed yet, or a kind that is not held).
    NotHeld,
    /// The hold keeps the data until `until`.
    Running { until: SimTime },
    /// The hold ran out at `until` before an MLA request came.
    Lapsed { until: SimTime },
    /// The MLA request arrived at `at`; the hold, if there was one, ran until `held_until`.
    MlaArrived { at: SimTime, held_until: Option<SimTime> },
}

impl Hold {
    /// Until when the hold ran or runs, if there is one.
    pub(super) fn held_until(self) -> Option<SimTime> {
        match self {
            Hold::NotHeld => None,
            Hold::Running { until } | Hold::Lapsed { until } => Some(until),
            Hold::MlaArrived { held_until, .. } => held_until,
        }
    }

    /// When the MLA request arrived.
    pub(super) fn mla_arrived(self) -> Option<SimTime> {
        match self {
            Hold::MlaArrived { at, .. } => Some(at),
            _ => None,
        }
    }
}

impl Stage<Hold> {
    pub(super) fn not_held() -> Self {
        Stage(Hold::NotHeld)
    }

    /// The preservation was executed: the hold runs until `until`.
    pub(super) fn start(&mut self, until: SimTime) {
        match self.0 {
            Hold::MlaArrived { at, held_until: None } => self.0 = Hold::MlaArrived { at, held_until: Some(until) },
            _ => {
                let ok = self.0 == Hold::NotHeld;
                self.go(ok, Hold::Running { until });
            }
        }
    }

    /// The hold's end came: `true` if it lapses now (no MLA request arrived).
    pub(super) fn lapse(&mut self) -> bool {
        match self.0 {
            Hold::Running { until } => {
                self.0 = Hold::Lapsed { until };
                true
            }
            Hold::MlaArrived { held_until: Some(_), .. } => false,
            _ => panic!("a hold cannot lapse from {:?}", self.0),
        }
    }

    /// The MLA request arrived at `at`.
    pub(super) fn mla_arrived(&mut self, at: SimTime) {
        let ok = self.0.mla_arrived().is_none();
        let held_until = self.0.held_until();
        self.go(ok, Hold::MlaArrived { at, held_until });
    }
}

/// A person's translation of a request (in an exercise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Translation {
    NotAsked,
    /// Asked for; ready at `ready`.
    Asked {
        ready: SimTime,
    },
}

impl Stage<Translation> {
    pub(super) fn not_asked() -> Self {
        Stage(Translation::NotAsked)
    }

    pub(super) fn ask(&mut self, ready: SimTime) {
        let ok = self.0 == Translation::NotAsked;
        self.go(ok, Translation::Asked { ready });
    }
}

/// A provider's side of a direct order it received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Producing {
    /// Its desk finds and produces the data (in its queue, or an officer at it).
    Working,
    /// Produced; held until the review by the provider's state ends.
    HeldForReview,
    /// Answered the issuing state.
    Answered(Response),
}

impl Producing {
    /// Not yet answered.
    pub(super) fn open(&self) -> bool {
        !matches!(self, Producing::Answered(_))
    }
}

impl Stage<Producing> {
    pub(super) fn received() -> Self {
        Stage(Producing::Working)
    }

    pub(super) fn hold_for_review(&mut self) {
        let ok = self.0 == Producing::Working;
        self.go(ok, Producing::HeldForReview);
    }

    pub(super) fn answer(&mut self, response: Response) {
        let ok = matches!(self.0, Producing::Working | Producing::HeldForReview);
        self.go(ok, Producing::Answered(response));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn refused() -> Response {
        Response::Refused { ground: "test".to_string() }
    }

    fn acknowledged() -> Stage<Receiving> {
        let mut s = Stage::<Receiving>::delivered();
        s.acknowledging();
        s.acknowledge();
        s
    }

    #[test]
    fn a_received_request_goes_from_delivery_to_its_answer() {
        let mut s = Stage::<Receiving>::delivered();
        s.await_open();
        s.acknowledging();
        s.acknowledge();
        s.translate();
        s.verify(SimTime(5));
        s.verified();
        s.execute();
        assert!(s.get().acknowledged() && s.get().open());
        s.answer(Response::TooLate);
        assert_eq!(s.get(), &Receiving::Answered(Response::TooLate));
        assert!(!s.get().open());
    }

    #[test]
    fn a_refusal_before_anybody_looked_is_answered_unseen() {
        let mut s = Stage::<Receiving>::delivered();
        s.await_open();
        s.answer(refused());
        assert_eq!(s.get(), &Receiving::AnsweredUnseen(refused()));
        assert!(!s.get().acknowledged());
    }

    #[test]
    fn a_person_may_still_hand_over_and_answer_a_withdrawn_request() {
        let mut s = acknowledged();
        s.withdraw();
        assert!(s.get().withdrawn() && s.get().acknowledged() && !s.get().forwarded());
        s.forward();
        assert!(s.get().forwarded() && s.get().withdrawn());
        s.answer(refused());
        assert_eq!(s.get(), &Receiving::Answered(refused()));
    }

    #[test]
    #[should_panic(expected = "cannot go from Answered")]
    fn acknowledging_an_answered_request_panics() {
        let mut s = acknowledged();
        s.answer(Response::TooLate);
        s.acknowledge();
    }

    #[test]
    #[should_panic(expected = "cannot go from")]
    fn answering_twice_panics() {
        let mut s = acknowledged();
        s.answer(Response::TooLate);
        s.answer(Response::TooLate);
    }

    #[test]
    #[should_panic(expected = "cannot be withdrawn")]
    fn withdrawing_an_answered_request_panics() {
        let mut s = acknowledged();
        s.answer(Response::TooLate);
        s.withdraw();
    }

    #[test]
    #[should_panic(expected = "cannot go from WithHub")]
    fn executing_a_request_the_hub_holds_panics() {
        let mut s = Stage::<Receiving>::delivered();
        s.hand_to_hub();
        s.execute();
    }

    #[test]
    #[should_panic(expected = "cannot go from Answered to Ended")]
    fn ending_an_answered_sent_request_panics() {
        let mut s = Stage::<Sending>::sent();
        s.answer();
        s.end();
    }

    #[test]
    #[should_panic(expected = "cannot go from Drafting to Answered")]
    fn an_mla_leg_is_not_answered_before_it_is_sent() {
        let mut s = Stage::<MlaLeg>::not_started();
        s.draft();
        s.answer();
    }

    #[test]
    #[should_panic(expected = "cannot lapse")]
    fn a_hold_that_never_started_cannot_lapse() {
        Stage::<Hold>::not_held().lapse();
    }

    #[test]
    fn an_acknowledgement_is_recorded_once_and_late_after_the_end() {
        let mut s = Stage::<Sending>::sent();
        s.receipt();
        assert_eq!(s.get(), &Sending::Delivered);
        s.end();
        assert_eq!(s.acknowledgement(), Some(EventKind::LateAcknowledgement));
        assert_eq!(s.acknowledgement(), None);
        assert_eq!(s.get(), &Sending::EndedAcknowledged);
        let mut s = Stage::<Sending>::sent();
        assert_eq!(s.acknowledgement(), Some(EventKind::AcknowledgementReceived));
        s.answer();
        assert_eq!(s.acknowledgement(), None);
    }

    #[test]
    fn an_mla_request_after_the_hold_lapsed_keeps_the_hold_end() {
        let mut s = Stage::<Hold>::not_held();
        s.start(SimTime(10));
        assert!(s.lapse());
        s.mla_arrived(SimTime(12));
        assert_eq!(s.get(), &Hold::MlaArrived { at: SimTime(12), held_until: Some(SimTime(10)) });
    }

    /// The receiver's transitions by name, for the walk below.
    const MOVES: [&str; 12] = [
        "await_open",
        "acknowledging",
        "hand_to_hub",
        "acknowledge",
        "hand_back",
        "translate",
        "verify",
        "verified",
        "execute",
        "forward",
        "answer",
        "withdraw",
    ];

    fn apply(s: &mut Stage<Receiving>, name: &str) {
        match name {
            "await_open" => s.await_open(),
            "acknowledging" => s.acknowledging(),
            "hand_to_hub" => s.hand_to_hub(),
            "acknowledge" => s.acknowledge(),
            "hand_back" => s.hand_back(),
            "translate" => s.translate(),
            "verify" => s.verify(SimTime(1)),
            "verified" => s.verified(),
            "execute" => s.execute(),
            "forward" => s.forward(),
            "answer" => s.answer(Response::TooLate),
            _ => s.withdraw(),
        }
    }

    /// The diagram of the module's documentation, written out again: where `name` leads
    /// from `from`, or `None` if it may not.
    fn expected(from: &Receiving, name: &str) -> Option<Receiving> {
        use Receiving::*;
        let answered = from.response().is_some();
        let to = match (from, name) {
            (New | AwaitingOpen, "await_open") => AwaitingOpen,
            (New | AwaitingOpen | Acknowledging, "acknowledging") => Acknowledging,
            (New, "hand_to_hub") => WithHub,
            (New | Acknowledging, "acknowledge") => Acknowledged,
            (WithHub, "hand_back") => Acknowledged,
            (Acknowledged, "translate") => Translating,
            (Acknowledged | Translating, "verify") => Verifying { start: SimTime(1) },
            (Verifying { .. }, "verified") => Verified,
            (Acknowledged | Translating | Verified, "execute") => Executing,
            (Acknowledged | Translating | Verified, "forward") => WithCentralAuthority,
            (Withdrawn { was }, "forward") if **was == Acknowledged => {
                Withdrawn { was: Box::new(WithCentralAuthority) }
            }
            (_, "answer") if !answered && from.acknowledged() => Answered(Response::TooLate),
            (_, "answer") if !answered => AnsweredUnseen(Response::TooLate),
            (_, "withdraw") if from.open() => Withdrawn { was: Box::new(from.clone()) },
            _ => return None,
        };
        Some(to)
    }

    /// Random walks over the receiver's transitions, over many seeds: each one either
    /// lands where the diagram says, or panics where the diagram has no arrow; an answer,
    /// once given, never changes.
    #[test]
    fn random_walks_follow_the_diagram() {
        for seed in 0..300u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut s = Stage::<Receiving>::delivered();
            for _ in 0..20 {
                let name = MOVES[rng.random_range(0..MOVES.len())];
                let before = s.clone();
                let mut moved = s.clone();
                let outcome = std::panic::catch_unwind(move || {
                    apply(&mut moved, name);
                    moved
                });
                match (expected(before.get(), name), outcome) {
                    (Some(to), Ok(after)) => {
                        assert_eq!(after.get(), &to, "seed {seed}: {name}");
                        s = after;
                    }
                    (None, Err(_)) => {}
                    (want, got) => {
                        panic!("seed {seed}: {name} from {:?}: expected {want:?}, got {got:?}", before.get())
                    }
                }
                if let Some(r) = before.get().response() {
                    assert_eq!(s.get().response(), Some(r), "seed {seed}: an answer changed");
                }
            }
        }
    }
}
