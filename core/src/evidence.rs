//! From preserved data to usable evidence: classes of data and how long providers keep
//! them, the preservation hold, the early notice, and the mutual legal assistance (MLA) leg
//! that turns preserved data into evidence.
//!
//! Preservation (Art. 42) only freezes data. It becomes evidence when the requesting
//! state's central authority drafts an MLA request (in its office hours), has it
//! translated into a language the requested state accepts, transmits it, and the requested
//! state's central authority executes it, all before the hold lapses: at least 60 days
//! (Budapest Art. 29(7)), then until the MLA request is decided once it has arrived.
//! Every default here is an assumption a scenario labels as one; the report names each
//! with its source.

use crate::delay::Delay;
use crate::desk::Officers;
use crate::limits;
pub use crate::request::DataClass;
use crate::request::RequestKind;
use crate::roster::RosterSpec;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Milliseconds in a day.
const MS_PER_DAY: u64 = 86_400_000;

/// How long providers in a state keep each class of data, from its creation. A class not
/// listed is kept beyond any scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    pub days: BTreeMap<DataClass, u32>,
}

impl Default for Retention {
    /// Assumption: providers keep logs for short, varying times, with no common EU rule
    /// since 8 April 2014 (the Data Retention Directive's 6-24 months, annulled).
    fn default() -> Retention {
        let days =
            [(DataClass::Subscriber, 365), (DataClass::Traffic, 90), (DataClass::Content, 180), (DataClass::Cloud, 30)];
        Retention { days: days.into_iter().collect() }
    }
}

impl Retention {
    pub fn of(&self, class: DataClass) -> Option<u64> {
        self.days.get(&class).map(|d| u64::from(*d) * MS_PER_DAY)
    }
}

/// The preservation hold the requested state's law gives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldRule {
    /// At least [`HOLD_DAYS_MIN`] (Budapest Art. 29(7)).
    pub days: u32,
    /// Renewable once for as long again (as US providers' 90 days, extendable by 90).
    pub renewable: bool,
}

/// The least hold any state may give (Budapest Art. 29(7); UN Art. 42).
pub const HOLD_DAYS_MIN: u32 = 60;

impl Default for HoldRule {
    /// 90 days, renewed once for as long again: a domestic preservation order lasts up to
    /// 90 days, renewable (Budapest Art. 16(2)); US providers keep 90 days, extendable by
    /// 90. Ghana keeps 120 days.
    fn default() -> HoldRule {
        HoldRule { days: 90, renewable: true }
    }
}

impl HoldRule {
    /// How long the hold lasts, renewals included.
    pub fn length_ms(&self) -> u64 {
        u64::from(self.days) * MS_PER_DAY * if self.renewable { 2 } else { 1 }
    }
}

/// Why a requested state gives early notice (Budapest Art. 29(6)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Notice {
    /// Preservation will not ensure the data's availability: these classes are already gone.
    WillNotEnsureAvailability { gone: Vec<DataClass> },
    /// Preservation would threaten the confidentiality of the investigation.
    ThreatensConfidentiality,
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::WillNotEnsureAvailability { gone } => {
                let gone: Vec<&str> = gone.iter().map(DataClass::as_str).collect();
                write!(f, "preservation will not ensure the data's availability ({} already gone)", gone.join(", "))
            }
            Notice::ThreatensConfidentiality => {
                f.write_str("preservation would threaten the investigation's confidentiality")
            }
        }
    }
}

/// How an MLA request ended at the requested state's central authority.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MlaResult {
    /// Executed: the evidence is disclosed and usable; `lost` classes were already gone.
    Disclosed { lost: Vec<DataClass> },
    /// Refused, on this ground.
    Refused { ground: String },
    /// The request came after the hold had lapsed and the provider had deleted the data.
    HoldLapsed,
}

/// A state's part in MLA, as requester (drafting, translation) and as requested state
/// (its central authority's queue and work, the hold, the early notice).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MlaPolicy {
    /// Kinds that need an MLA request after the 24/7 step before the data is evidence.
    pub kinds: Vec<RequestKind>,
    /// Kinds whose data the 24/7 step itself discloses as usable (data to avert an
    /// emergency, Art. 2(s)).
    pub direct_kinds: Vec<RequestKind>,
    /// The central authority's office hours (its time zone and working week are the state's).
    pub roster: RosterSpec,
    /// Drafting an MLA request, in office time.
    pub drafting: Delay,
    /// Translating it, in office time, when the requested state does not accept its language.
    pub translation: Delay,
    /// The channel between central authorities, each way, in calendar time.
    pub transmission: Delay,
    /// The requested central authority's backlog before work starts, in calendar time.
    pub queue: Delay,
    /// Its work on the request, in office time.
    pub execution: Delay,
    /// Probability that the requested state refuses, in [0, 1].
    pub refuse_probability: f64,
    /// Grounds of a refusal, one drawn per refusal.
    pub refusal_grounds: Vec<String>,
    /// Probability that the requesting state drafts the MLA request at all, in [0, 1].
    pub pursue_probability: f64,
    /// As requested state: probability of a notice that preservation would threaten a
    /// confidential investigation, in [0, 1].
    pub confidentiality_notice_probability: f64,
    /// As requester: probability of withdrawing on that notice, in [0, 1]. A notice that
    /// every class is already gone is always a withdrawal; a partial one never is.
    pub withdraw_on_confidentiality_probability: f64,
    /// The central authority's officers for MLA work (drafting, translation, execution);
    /// `None`: as many as there is work.
    pub officers: Option<Officers>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EvidenceError {
    #[error("mla.{field}: {source}")]
    Delay { field: &'static str, source: crate::delay::DelayError },
    #[error("mla.{0} is outside [0, 1]")]
    Probability(&'static str),
    #[error("a preservation hold of {0} days is below the {HOLD_DAYS_MIN} days the Convention requires")]
    HoldTooShort(u32),
    #[error("a preservation hold of {0} days is longer than a year")]
    HoldTooLong(u32),
    #[error("a retention of {0} days is longer than ten years")]
    RetentionTooLong(u32),
    #[error("mla.refusal_grounds: none given, or more than {max} or one longer than {bytes} bytes", max = limits::REFUSAL_GROUNDS_MAX, bytes = limits::TEXT_FIELD_BYTES_MAX)]
    Grounds,
}

impl MlaPolicy {
    pub fn validate(&self) -> Result<(), EvidenceError> {
        for (field, d) in [
            ("drafting", &self.drafting),
            ("translation", &self.translation),
            ("transmission", &self.transmission),
            ("queue", &self.queue),
            ("execution", &self.execution),
        ] {
            d.validate().map_err(|source| EvidenceError::Delay { field, source })?;
        }
        for (field, p) in [
            ("refuse_probability", self.refuse_probability),
            ("pursue_probability", self.pursue_probability),
            ("confidentiality_notice_probability", self.confidentiality_notice_probability),
            ("withdraw_on_confidentiality_probability", self.withdraw_on_confidentiality_probability),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(EvidenceError::Probability(field));
            }
        }
        let grounds_ok = !self.refusal_grounds.is_empty()
            && self.refusal_grounds.len() <= limits::REFUSAL_GROUNDS_MAX
            && self.refusal_grounds.iter().all(|g| g.len() <= limits::TEXT_FIELD_BYTES_MAX);
        if !grounds_ok {
            return Err(EvidenceError::Grounds);
        }
        Ok(())
    }
}

impl HoldRule {
    pub fn validate(&self) -> Result<(), EvidenceError> {
        if self.days < HOLD_DAYS_MIN {
            return Err(EvidenceError::HoldTooShort(self.days));
        }
        if self.days > 366 {
            return Err(EvidenceError::HoldTooLong(self.days));
        }
        Ok(())
    }
}

impl Retention {
    pub fn validate(&self) -> Result<(), EvidenceError> {
        match self.days.values().find(|d| **d > RETENTION_DAYS_MAX) {
            Some(d) => Err(EvidenceError::RetentionTooLong(*d)),
            None => Ok(()),
        }
    }
}

/// The longest retention a scenario may give a class.
pub const RETENTION_DAYS_MAX: u32 = 3660;
