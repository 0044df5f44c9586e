//! What a person playing a contact point in a tabletop exercise does: actions that enter
//! the core as inputs, timed like every simulated step.

use crate::request::RequestId;
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

    /// How the console and the report name it.
    pub fn name(&self) -> &'static str {
        match self {
            OperatorAction::Acknowledge { .. } => "acknowledge",
            OperatorAction::Fulfil { .. } => "fulfil",
            OperatorAction::Refuse { .. } => "refuse",
            OperatorAction::HandToCentralAuthority { .. } => "hand to central authority",
            OperatorAction::AskTranslation { .. } => "ask for translation",
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
