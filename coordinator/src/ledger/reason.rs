//! Why each request ended as it did: typed (the code decides on the variant), worded once
//! (`Display`) for the report and the people who read it.

use pocnet_core::time::format_duration_ms;
use pocnet_core::{DataClass, Notice, SimTime, StateCode};
use std::fmt;

/// Who executed a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Executor {
    ContactPoint,
    CentralAuthority,
    /// A provider in the requested state, on a direct order.
    Provider,
}

/// Who disclosed usable evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisclosedBy {
    /// The 24/7 step itself (data to avert an emergency): no MLA needed.
    Step,
    /// The requested state's central authority, on the MLA request.
    Mla,
    /// The provider, on a direct order.
    Order,
}

/// What a request's outcome rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    Executed {
        to: StateCode,
        by: Executor,
        reveals: Option<StateCode>,
    },
    /// Executed after the provider had deleted the data.
    TooLate {
        to: StateCode,
    },
    Refused {
        to: StateCode,
        ground: String,
    },
    /// Refused: `to`'s verification could not confirm the requesting authority.
    Unverified {
        to: StateCode,
    },
    /// The requester gave up after `waited_ms` without a final response.
    Expired {
        to: StateCode,
        waited_ms: u64,
    },
    /// No delivery receipt after every send; `delivered`: the request did arrive, and
    /// every receipt was lost on the way back.
    Undeliverable {
        to: StateCode,
        attempts: u32,
        delivered: bool,
    },
    /// Still open when the exercise ended.
    Unfinished {
        to: StateCode,
        ended_at: SimTime,
    },
    /// The exercise ended before the inject's time came.
    NotMade {
        ended_at: SimTime,
    },
    /// Withdrawn by the requester on `to`'s early notice.
    Withdrawn {
        to: StateCode,
        notice: Notice,
    },
    /// Usable evidence: disclosed by the 24/7 step itself, by `to`'s central authority on
    /// the MLA request, or by a provider in `to` on a direct order; `lost`: classes
    /// already gone.
    Disclosed {
        to: StateCode,
        by: DisclosedBy,
        lost: Vec<DataClass>,
    },
    /// The MLA request reached `to` after the hold (until `hold_until`) had lapsed and the
    /// data was deleted.
    HoldLapsed {
        to: StateCode,
        hold_until: Option<SimTime>,
        arrived: Option<SimTime>,
    },
    MlaRefused {
        to: StateCode,
        ground: String,
    },
    /// The requesting state's central authority drafted no MLA request.
    MlaNotPursued {
        to: StateCode,
    },
    /// The MLA leg was under way when the exercise ended.
    MlaUnfinished {
        to: StateCode,
        ended_at: SimTime,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Executed { to, by, reveals } => {
                let by = match by {
                    Executor::ContactPoint => "contact point",
                    Executor::CentralAuthority => "central authority",
                    Executor::Provider => "provider, on a direct order",
                };
                write!(f, "executed by {to}'s {by}")?;
                if let Some(next) = reveals {
                    write!(f, "; the traffic data reveals a provider in {next}")?;
                }
                Ok(())
            }
            Reason::TooLate { to } => write!(f, "{to} executed it after the provider deleted the data"),
            Reason::Refused { to, ground } => write!(f, "refused by {to}: {ground}"),
            Reason::Unverified { to } => write!(f, "refused by {to}: the requesting authority could not be verified"),
            Reason::Expired { to, waited_ms } => {
                write!(f, "no final response from {to} within {}", format_duration_ms(*waited_ms))
            }
            Reason::Undeliverable { to, attempts, delivered } => {
                let seen = if *delivered {
                    "delivered, but every receipt was lost on the way back"
                } else {
                    "never delivered"
                };
                write!(f, "no delivery receipt from {to} after {attempts} attempts ({seen})")
            }
            Reason::Unfinished { to, ended_at } => {
                write!(f, "still open at {to} when the exercise ended at {ended_at}")
            }
            Reason::NotMade { ended_at } => write!(f, "not made: the exercise ended at {ended_at}, before its time"),
            Reason::Withdrawn { to, notice } => write!(f, "withdrawn on {to}'s early notice: {notice}"),
            Reason::Disclosed { to, by, lost } => {
                match by {
                    DisclosedBy::Step => write!(f, "disclosed by {to}'s 24/7 step, usable without MLA")?,
                    DisclosedBy::Mla => write!(f, "disclosed by {to}'s central authority on the MLA request")?,
                    DisclosedBy::Order => {
                        write!(f, "produced by a provider in {to} on a direct order, usable as it is")?
                    }
                }
                if !lost.is_empty() {
                    let lost: Vec<&str> = lost.iter().map(|c| c.as_str()).collect();
                    write!(f, " (partial: {} already gone)", lost.join(", "))?;
                }
                Ok(())
            }
            Reason::HoldLapsed { to, hold_until, arrived } => {
                write!(f, "the MLA request reached {to}")?;
                if let Some(arrived) = arrived {
                    write!(f, " at {arrived}")?;
                }
                write!(f, ", after the hold lapsed")?;
                if let Some(until) = hold_until {
                    write!(f, " at {until}")?;
                }
                write!(f, ", and the provider had deleted the data")
            }
            Reason::MlaRefused { to, ground } => write!(f, "MLA request refused by {to}: {ground}"),
            Reason::MlaNotPursued { to } => write!(f, "preserved by {to}, but no MLA request followed"),
            Reason::MlaUnfinished { to, ended_at } => {
                write!(f, "the MLA request to {to} was under way when the exercise ended at {ended_at}")
            }
        }
    }
}
