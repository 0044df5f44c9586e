//! What the people of an exercise did, read from the events of the contact points they
//! played, and when requesters escalated: the after-action review's record of play.

use pocnet_core::event::{Event, EventKind};
use pocnet_core::{ActionName, ActionRefusal, RequestId, SimTime, StateCode};

/// One action a person took at the console, as the contact point took (or refused) it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayerStep {
    pub at: SimTime,
    pub state: StateCode,
    pub id: RequestId,
    pub action: ActionName,
    /// A refusal's ground.
    pub ground: Option<String>,
    /// The contact point could not take it, and why.
    pub refused: Option<ActionRefusal>,
}

impl PlayerStep {
    /// Taken, and an acknowledgement with it: every action but asking for a translation
    /// acknowledges the request (the core marks it acknowledged first).
    pub fn acknowledges(&self) -> bool {
        self.refused.is_none() && self.action != ActionName::AskTranslation
    }
}

/// A requester called the receiver's duty officer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Escalation {
    pub at: SimTime,
    pub from: StateCode,
    pub id: RequestId,
}

/// The steps of the played contact points, in event order. An acknowledgement that came
/// with another action at the same instant is that action's (the person clicked once).
pub fn player_steps(events: &[Event], played: &[StateCode]) -> Vec<PlayerStep> {
    let mut steps: Vec<PlayerStep> = Vec::new();
    for e in events.iter().filter(|e| played.contains(&e.state)) {
        let (action, ground, refused) = match &e.kind {
            EventKind::Acknowledged { .. } => (ActionName::Acknowledge, None, None),
            EventKind::Fulfilled => (ActionName::Fulfil, None, None),
            EventKind::Refused { ground } => (ActionName::Refuse, Some(ground.clone()), None),
            EventKind::Forwarded => (ActionName::HandToCentralAuthority, None, None),
            EventKind::Translation { .. } => (ActionName::AskTranslation, None, None),
            EventKind::ActionRejected { action, reason } => (*action, None, Some(reason.clone())),
            _ => continue,
        };
        let step = PlayerStep { at: e.at, state: e.state, id: e.id, action, ground, refused };
        let implied = |s: &PlayerStep| s.action == ActionName::Acknowledge && s.refused.is_none();
        match steps.last_mut() {
            Some(last) if implied(last) && (last.at, last.state, last.id) == (e.at, e.state, e.id) => *last = step,
            _ => steps.push(step),
        }
    }
    steps
}

/// Every escalation, in event order.
pub fn escalations(events: &[Event]) -> Vec<Escalation> {
    events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Escalated))
        .map(|e| Escalation { at: e.at, from: e.state, id: e.id })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pocnet_core::roster::Mode;

    fn event(at: i64, kind: EventKind) -> Event {
        let state = StateCode::parse("FRA").expect("code");
        Event { at: SimTime(at), state, id: RequestId { case: 5, link: 0 }, kind }
    }

    #[test]
    fn an_acknowledgement_made_by_another_action_is_that_action() {
        let played = [StateCode::parse("FRA").expect("code")];
        let events = vec![
            event(10, EventKind::Acknowledged { mode: Mode::Staffed }),
            event(10, EventKind::Forwarded),
            event(20, EventKind::Refused { ground: "late".into() }),
        ];
        let steps = player_steps(&events, &played);
        let names: Vec<ActionName> = steps.iter().map(|s| s.action).collect();
        assert_eq!(names, [ActionName::HandToCentralAuthority, ActionName::Refuse]);
        assert_eq!(steps[1].ground.as_deref(), Some("late"));
        assert!(player_steps(&events, &[]).is_empty(), "simulated contact points take no steps");
    }
}
