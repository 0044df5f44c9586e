//! Everything a contact point needs to behave, as the coordinator sends it at setup.

use crate::network::NetworkModel;
use crate::profile::Profile;
use crate::roster::{RosterError, RosterSpec};
use crate::state::StateCode;
use serde::{Deserialize, Serialize};

/// Everything a contact point needs to behave: sent by the coordinator at setup.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContactPointConfig {
    pub state: StateCode,
    /// The scenario seed; each draw mixes in the state, the request and its purpose.
    pub seed: u64,
    pub roster: RosterSpec,
    pub profile: Profile,
    pub network: NetworkModel,
    /// Played by a person in a tabletop exercise: receiver steps come from the console.
    pub operated: bool,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("roster: {0}")]
    Roster(#[from] RosterError),
    #[error("profile: {0}")]
    Profile(#[from] crate::profile::ProfileError),
    #[error("network: {0}")]
    Network(String),
}
