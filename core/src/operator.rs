//! What a person playing a contact point in a tabletop exercise does: actions that enter
//! the core as inputs, timed like every simulated step.

use crate::request::RequestId;
use crate::state::StateCode;
use crate::time::SimTime;
use serde::{Deserialize, Serialize};

/// What a person playing a contact point does about a request it received.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OperatorAction {
    Acknowledge {
        id: RequestId,
    },
    /// Execute the request (preserve, disclose, advise...).
    Fulfil {
        id: RequestId,
    },
    Refuse {
        id: RequestId,
        ground: String,
    },
    /// Hand it to the central authority, which executes it in its own office hours.
    HandToCentralAuthority {
        id: RequestId,
    },
    /// Ask for a translation; the request cannot be executed before it is ready.
    AskTranslation {
        id: RequestId,
    },
}

impl OperatorAction {
    pub fn id(&self) -> RequestId {
        match self {
            OperatorAction::Acknowledge { id }
            | OperatorAction::Fulfil { id }
            | OperatorAction::Refuse { id, .. }
            | OperatorAction::HandToCentralAuthority { id }
            | OperatorAction::AskTranslation { id } => *id,
        }
    }

    pub fn name(&self) -> ActionName {
        match self {
            OperatorAction::Acknowledge { .. } => ActionName::Acknowledge,
            OperatorAction::Fulfil { .. } => ActionName::Fulfil,
            OperatorAction::Refuse { .. } => ActionName::Refuse,
            OperatorAction::HandToCentralAuthority { .. } => ActionName::HandToCentralAuthority,
            OperatorAction::AskTranslation { .. } => ActionName::AskTranslation,
        }
    }
}

/// Which action, without its request.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActionName {
    Acknowledge,
    Fulfil,
    Refuse,
    HandToCentralAuthority,
    AskTranslation,
}

impl ActionName {
    pub const ALL: [ActionName; 5] = [
        ActionName::Acknowledge,
        ActionName::Fulfil,
        ActionName::Refuse,
        ActionName::HandToCentralAuthority,
        ActionName::AskTranslation,
    ];

    /// The one table of action names: what the console's JSON API posts (`"action"`), and
    /// the words of the views, the history and the after-action review.
    fn names(&self) -> (&'static str, &'static str) {
        match self {
            ActionName::Acknowledge => ("acknowledge", "acknowledge"),
            ActionName::Fulfil => ("fulfil", "fulfil"),
            ActionName::Refuse => ("refuse", "refuse"),
            ActionName::HandToCentralAuthority => ("hand_to_central_authority", "hand to central authority"),
            ActionName::AskTranslation => ("ask_translation", "ask for translation"),
        }
    }

    /// The name the console's JSON API posts.
    pub fn key(&self) -> &'static str {
        self.names().0
    }

    /// The action the console's JSON API names `key`, if any.
    pub fn parse(key: &str) -> Option<ActionName> {
        ActionName::ALL.into_iter().find(|a| a.key() == key)
    }
}

impl std::fmt::Display for ActionName {
    /// How the views, the history and the reports name it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.names().1)
    }
}

/// Why a person's action could not be taken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActionRefusal {
    /// The contact point is simulated, not played by a person.
    Simulated {
        state: StateCode,
    },
    NotReceived {
        id: RequestId,
    },
    AlreadyAnswered {
        id: RequestId,
    },
    WithCentralAuthority {
        id: RequestId,
    },
    TranslationNotReady {
        id: RequestId,
        ready: SimTime,
    },
    AlreadyAcknowledged {
        id: RequestId,
    },
    TranslationAlreadyAsked {
        id: RequestId,
    },
    NoCentralAuthority {
        state: StateCode,
    },
}

impl std::fmt::Display for ActionRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ActionRefusal::Simulated { state } => write!(f, "{state} is simulated, not played by a person"),
            ActionRefusal::NotReceived { id } => write!(f, "{id} was not received here"),
            ActionRefusal::AlreadyAnswered { id } => write!(f, "{id} is already answered"),
            ActionRefusal::WithCentralAuthority { id } => write!(f, "{id} is with the central authority"),
            ActionRefusal::TranslationNotReady { id, ready } => {
                write!(f, "the translation of {id} is ready only at {ready}")
            }
            ActionRefusal::AlreadyAcknowledged { id } => write!(f, "{id} is already acknowledged"),
            ActionRefusal::TranslationAlreadyAsked { id } => write!(f, "a translation of {id} was already asked for"),
            ActionRefusal::NoCentralAuthority { state } => write!(f, "{state} has no central authority in its profile"),
        }
    }
}

/// An input from the exercise rather than the network: a person's action, or the end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExerciseInput {
    Operator(OperatorAction),
    /// The exercise is over: every request still open ends unfinished.
    End,
}
