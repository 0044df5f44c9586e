//! A contact point played by a person: their actions enter as inputs, timed exactly as
//! simulated steps are; a refused action is an event that names why. The end of the
//! exercise closes every open request as unfinished.

use super::stage::Translation;
use super::ContactPoint;
use crate::event::EventKind;
use crate::operator::{ActionRefusal, ExerciseInput, OperatorAction};
use crate::request::{RequestId, Response};
use crate::seed::Purpose;
use crate::time::SimTime;

impl ContactPoint {
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
                    self.emit(now, id, EventKind::ActionRejected { action: name, reason });
                }
            }
        }
    }

    pub(super) fn operate(&mut self, now: SimTime, action: OperatorAction) -> Result<(), ActionRefusal> {
        if !self.operated {
            return Err(ActionRefusal::Simulated { state: self.state });
        }
        let id = action.id();
        let r = self.received.get(&id).ok_or(ActionRefusal::NotReceived { id })?;
        if r.stage.get().response().is_some() {
            return Err(ActionRefusal::AlreadyAnswered { id });
        }
        if r.stage.get().forwarded() {
            return Err(ActionRefusal::WithCentralAuthority { id });
        }
        let acknowledged = r.stage.get().acknowledged();
        let ready = match r.translation.get() {
            Translation::Asked { ready } => Some(*ready),
            Translation::NotAsked => None,
        };
        let executes = matches!(action, OperatorAction::Fulfil { .. } | OperatorAction::HandToCentralAuthority { .. });
        if let (true, Some(ready)) = (executes, ready) {
            if now < ready {
                return Err(ActionRefusal::TranslationNotReady { id, ready });
            }
        }
        match action {
            OperatorAction::Acknowledge { .. } if acknowledged => {
                return Err(ActionRefusal::AlreadyAcknowledged { id })
            }
            OperatorAction::AskTranslation { .. } if ready.is_some() => {
                return Err(ActionRefusal::TranslationAlreadyAsked { id })
            }
            OperatorAction::HandToCentralAuthority { .. } if self.central_authority.is_none() => {
                return Err(ActionRefusal::NoCentralAuthority { state: self.state })
            }
            _ => {}
        }
        if !acknowledged && !matches!(action, OperatorAction::AskTranslation { .. }) {
            self.mark_acknowledged(now, id);
        }
        if self.received.get(&id).is_some_and(|r| r.stage.get().acknowledged()) && self.answer_ping(now, id) {
            // A ping is answered by acknowledging it; whatever else was asked, it is done.
            return Ok(());
        }
        match action {
            OperatorAction::Acknowledge { .. } => {}
            OperatorAction::AskTranslation { .. } => {
                let ms = self.draw(id, Purpose::TranslationDelay, self.profile.translation.clone());
                self.emit(now, id, EventKind::Translation { ms });
                if let Some(r) = self.received.get_mut(&id) {
                    r.translation.ask(now.plus_ms(ms));
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
                if !self.forward_to_central_authority(now, now, id) {
                    return Err(ActionRefusal::NoCentralAuthority { state: self.state });
                }
            }
        }
        Ok(())
    }

    /// The exercise is over: requests still open end unfinished, and nothing more happens.
    pub(super) fn end_exercise(&mut self, now: SimTime) {
        self.ended = true;
        self.timers.clear();
        let open: Vec<RequestId> =
            self.sent.iter().filter(|(_, s)| !s.step.get().finished()).map(|(id, _)| *id).collect();
        for id in open {
            self.end_sent(now, id, |to| EventKind::Unfinished { to, ended_at: now });
        }
        // An MLA leg under way ends unfinished too (its 24/7 step already ended).
        for id in self.open_mla_legs() {
            if let Some(to) = self.sent.get(&id).map(|s| s.to) {
                self.emit(now, id, EventKind::Unfinished { to, ended_at: now });
            }
        }
    }
}
