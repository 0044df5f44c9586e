//! The network model: how long a message takes between two contact points, in scenario time.
//!
//! Its smallest delay is the lookahead of the virtual clock: a message sent at `t` is never
//! due before `t + lookahead`, which is what lets every node run a window independently.

use crate::limits;
use crate::state::StateCode;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkModel {
    /// One-way delay of every link, in scenario milliseconds.
    pub link_delay_ms: u64,
}

impl NetworkModel {
    pub fn new(link_delay_ms: u64) -> NetworkModel {
        assert!(link_delay_ms >= limits::LINK_DELAY_MS_MIN, "link delay below the lookahead floor");
        NetworkModel { link_delay_ms }
    }

    /// One-way delay from `from` to `to`; never below [`Self::lookahead_ms`].
    pub fn delay_ms(&self, _from: StateCode, _to: StateCode) -> u64 {
        self.link_delay_ms
    }

    /// The smallest delay of any link.
    pub fn lookahead_ms(&self) -> u64 {
        self.link_delay_ms.max(limits::LINK_DELAY_MS_MIN)
    }
}
