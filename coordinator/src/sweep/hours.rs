//! A contact point's (or a provider's) officer-hours on duty in the scenario's first week,
//! staffed and on call: the one count that a variant's cost (`variants.rs`) and the judgement of a
//! downgrade (`file.rs`: a change that reduces a desk's coverage) both read.

use crate::analysis::desks::on_duty_ms;
use crate::scenario::StateEntry;
use pocnet_core::{Officers, Provider, Roster, RosterSpec, SimTime};

pub const HOUR_MS: f64 = 3_600_000.0;
pub const WEEK_MS: u64 = 7 * 86_400_000;

/// A desk that does not count its officers is costed as one officer per mode: the model
/// answers each request as if someone were free, the least a desk can be.
pub const UNCOUNTED: Officers = Officers { staffed: 1, on_call: 1 };

/// Officer-milliseconds on duty at one contact point in a week, by mode: its officers
/// (one per mode when not counted) and its counted translators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeskHours {
    pub staffed_ms: u64,
    pub on_call_ms: u64,
}

impl DeskHours {
    /// The desk's hours in the week from `from`, as its roster and officers say.
    pub fn of(e: &StateEntry, from: SimTime) -> DeskHours {
        // Translators count where the scenario counts them (without, translation is a
        // delay bought from outside the desk, not staffed hours of its own).
        let people = [Some(e.profile.officers.unwrap_or(UNCOUNTED)), e.profile.translators];
        DeskHours::of_desk(&e.roster, &people, from)
    }

    /// A provider's desk's hours in the week from `from` (staffed like any desk).
    pub fn of_provider(p: &Provider, from: SimTime) -> DeskHours {
        DeskHours::of_desk(&p.roster, &[Some(p.officers.unwrap_or(UNCOUNTED))], from)
    }

    /// The hours of `people` (each officers per mode) on a desk keeping `roster`.
    fn of_desk(roster: &RosterSpec, people: &[Option<Officers>], from: SimTime) -> DeskHours {
        let to = from.plus_ms(WEEK_MS);
        let Ok(roster) = Roster::new(roster.clone()) else { return DeskHours { staffed_ms: 0, on_call_ms: 0 } };
        let mut hours = DeskHours { staffed_ms: 0, on_call_ms: 0 };
        for o in people.iter().flatten() {
            hours.staffed_ms += on_duty_ms(Officers { staffed: o.staffed, on_call: 0 }, &roster, from, to);
            hours.on_call_ms += on_duty_ms(Officers { staffed: 0, on_call: o.on_call }, &roster, from, to);
        }
        hours
    }

    /// Staffed officer-hours, an on-call hour at `on_call_cost` of a staffed one.
    pub fn cost(&self, on_call_cost: f64) -> f64 {
        (self.staffed_ms as f64 + on_call_cost * self.on_call_ms as f64) / HOUR_MS
    }

    /// This desk covers less than `base`: fewer staffed officer-hours, or fewer on duty
    /// at all (staffed and on call together). Whatever an on-call hour is priced at, a
    /// staffed desk put on call, a desk on call closed, or fewer officers, is less cover.
    pub fn reduced_from(&self, base: &DeskHours) -> bool {
        self.staffed_ms < base.staffed_ms || self.staffed_ms + self.on_call_ms < base.staffed_ms + base.on_call_ms
    }
}
