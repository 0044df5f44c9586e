//! How a contact point behaves: delay distributions by roster mode, refusals, hand-offs.
//!
//! No published per-contact-point response-time data exists: every parameter here is an
//! assumption that a scenario must label as one.

pub use crate::delay::{Delay, DelayError};
use crate::desk::{Officers, QueueOrder, ShiftEnd};
use crate::evidence::{EvidenceError, HoldRule, MlaPolicy, Retention};
use crate::limits;
use crate::request::RequestKind;
use crate::roster::{Mode, OpenWhen, RosterSpec};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One delay per roster mode in which work can happen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DelaysByMode {
    pub staffed: Delay,
    pub on_call: Delay,
}

impl DelaysByMode {
    /// The distribution for `mode`. A closed contact point does no work; callers wait for
    /// the next opening first, so `Closed` falls back to the staffed delay.
    pub fn for_mode(&self, mode: Mode) -> &Delay {
        match mode {
            Mode::OnCall => &self.on_call,
            Mode::Staffed | Mode::Closed => &self.staffed,
        }
    }
}

/// The central authority a contact point hands some kinds to: office hours, own delay.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CentralAuthority {
    pub roster: RosterSpec,
    pub delay: Delay,
    /// Request kinds the contact point cannot execute itself.
    pub kinds: Vec<RequestKind>,
    /// Its officers (`None`: as many as there is work; `delay` is then calendar time from
    /// its next opening, else each officer's work time in its office hours).
    pub officers: Option<Officers>,
}

/// Delays for one request kind, where they differ from the profile's defaults.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KindDelays {
    pub acknowledge: Option<DelaysByMode>,
    pub fulfil: Option<DelaysByMode>,
}

/// How a contact point behaves as requester.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequesterPolicy {
    /// Resend the request if no acknowledgement came this long after the last send.
    pub resend_after_ms: Option<u64>,
    /// Resends before the request is declared undeliverable.
    pub resends_max: u32,
    /// Escalate (call the receiver's duty officer) if no final response this long after
    /// the request was scheduled.
    pub escalate_after_ms: Option<u64>,
    /// Stop waiting for a final response this long after the request was scheduled.
    pub give_up_after_ms: u64,
}

impl RequesterPolicy {
    /// Waits `give_up_after_ms`, never resends or escalates.
    pub fn patient(give_up_after_ms: u64) -> RequesterPolicy {
        RequesterPolicy { resend_after_ms: None, resends_max: 0, escalate_after_ms: None, give_up_after_ms }
    }
}

/// The behaviour of one contact point, as receiver and as requester.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// From delivery (or the next opening) to a person's acknowledgement.
    pub acknowledge: DelaysByMode,
    /// From acknowledgement to execution (preservation done, data sent...).
    pub fulfil: DelaysByMode,
    /// Per-kind overrides of `acknowledge` and `fulfil`.
    pub kinds: BTreeMap<RequestKind, KindDelays>,
    /// Languages a request may be written in without translation; empty: any.
    pub languages: Vec<String>,
    /// Added between acknowledgement and work for a request in another language.
    pub translation: Delay,
    /// Probability of refusing a request (Art. 42 grounds), in [0, 1].
    pub refuse_probability: f64,
    pub refusal_ground: String,
    pub central_authority: Option<CentralAuthority>,
    pub requester: RequesterPolicy,
    /// The kinds an on-call officer acknowledges and works on outside the desk's shifts;
    /// the others wait until the desk is staffed. `None`: every kind.
    pub on_call_kinds: Option<Vec<RequestKind>>,
    /// How long providers in this state keep each class of data (as holding state).
    pub retention: Retention,
    /// The preservation hold this state's law gives (as requested state, with `mla`).
    pub hold: HoldRule,
    /// This state's part in MLA; `None`: the evidence step is not modelled (a preserved
    /// case ends `preserved`).
    pub mla: Option<MlaPolicy>,
    /// The contact point's officers per roster mode; `None`: as many as there is work
    /// (each request's delays drawn on their own, no queue).
    pub officers: Option<Officers>,
    /// The order in which waiting work is taken, when officers are counted.
    pub queue_order: QueueOrder,
    /// Translators per roster mode of the contact point; `None`: as many as there is work
    /// (`translation` is then calendar time, else each translator's work time in the
    /// contact point's open hours).
    pub translators: Option<Officers>,
    /// Which requests the desk verifies before executing them, and how.
    pub verify: Option<Verification>,
    /// What happens to work in progress at a counted desk when its open time ends.
    pub shift_end: ShiftEnd,
}

/// How a desk checks that a request comes from the authority it names.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum VerifyHow {
    /// A call to the requesting desk on the register's number: did you send it?
    CallBack,
    /// A supervisor reviews the request and its sender.
    Supervisor,
}

impl VerifyHow {
    pub fn as_str(&self) -> &'static str {
        match self {
            VerifyHow::CallBack => "call-back",
            VerifyHow::Supervisor => "supervisor",
        }
    }
}

/// Verification before execution: of `kinds`, by `how`; `time` is its own work (placing
/// the call, the supervisor's review) in the desk's staffed hours (`on_call`: on-call
/// hours too); a forgery is caught with probability `catches` (a call-back's answer, or
/// the supervisor's judgement).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    pub kinds: Vec<RequestKind>,
    pub how: VerifyHow,
    pub time: Delay,
    pub on_call: bool,
    pub catches: f64,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProfileError {
    #[error("{field}: {source}")]
    Delay { field: &'static str, source: DelayError },
    #[error("refuse_probability {0} is outside [0, 1]")]
    Probability(f64),
    #[error("refusal_ground is longer than {max} bytes", max = limits::TEXT_FIELD_BYTES_MAX)]
    GroundTooLong,
    #[error("give_up_after must be positive and at most one year")]
    GiveUp,
    #[error("{0} must be positive and at most one year")]
    Interval(&'static str),
    #[error("resends_max {0} exceeds the limit of {max}", max = limits::RESENDS_MAX)]
    TooManyResends(u32),
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    #[error("officers: at least one when staffed, at most {max} per mode", max = limits::OFFICERS_MAX)]
    Officers,
}

impl Profile {
    pub fn validate(&self) -> Result<(), ProfileError> {
        let delays = [
            ("acknowledge.staffed", &self.acknowledge.staffed),
            ("acknowledge.on_call", &self.acknowledge.on_call),
            ("fulfil.staffed", &self.fulfil.staffed),
            ("fulfil.on_call", &self.fulfil.on_call),
        ];
        for (field, delay) in delays {
            delay.validate().map_err(|source| ProfileError::Delay { field, source })?;
        }
        for k in self.kinds.values() {
            for (field, d) in [
                ("acknowledge.staffed", k.acknowledge.as_ref().map(|d| &d.staffed)),
                ("acknowledge.on_call", k.acknowledge.as_ref().map(|d| &d.on_call)),
                ("fulfil.staffed", k.fulfil.as_ref().map(|d| &d.staffed)),
                ("fulfil.on_call", k.fulfil.as_ref().map(|d| &d.on_call)),
            ] {
                if let Some(d) = d {
                    d.validate().map_err(|source| ProfileError::Delay { field, source })?;
                }
            }
        }
        self.translation.validate().map_err(|source| ProfileError::Delay { field: "translation", source })?;
        if let Some(ca) = &self.central_authority {
            ca.delay.validate().map_err(|source| ProfileError::Delay { field: "central_authority.delay", source })?;
        }
        if !(0.0..=1.0).contains(&self.refuse_probability) {
            return Err(ProfileError::Probability(self.refuse_probability));
        }
        if self.refusal_ground.len() > limits::TEXT_FIELD_BYTES_MAX {
            return Err(ProfileError::GroundTooLong);
        }
        let r = &self.requester;
        if r.give_up_after_ms == 0 || r.give_up_after_ms > limits::DELAY_MS_MAX {
            return Err(ProfileError::GiveUp);
        }
        for (name, v) in [("resend_after", r.resend_after_ms), ("escalate_after", r.escalate_after_ms)] {
            if v.is_some_and(|ms| ms == 0 || ms > limits::DELAY_MS_MAX) {
                return Err(ProfileError::Interval(name));
            }
        }
        if r.resends_max > limits::RESENDS_MAX {
            return Err(ProfileError::TooManyResends(r.resends_max));
        }
        let officers = [
            self.officers,
            self.central_authority.as_ref().and_then(|c| c.officers),
            self.mla.as_ref().and_then(|m| m.officers),
        ];
        if officers
            .iter()
            .flatten()
            .any(|o| o.staffed > limits::OFFICERS_MAX || o.on_call > limits::OFFICERS_MAX || o.staffed == 0)
        {
            return Err(ProfileError::Officers);
        }
        if let Some(v) = &self.verify {
            v.time.validate().map_err(|source| ProfileError::Delay { field: "verify.time", source })?;
            if !(0.0..=1.0).contains(&v.catches) {
                return Err(ProfileError::Probability(v.catches));
            }
        }
        self.retention.validate()?;
        self.hold.validate()?;
        if let Some(mla) = &self.mla {
            mla.validate()?;
        }
        Ok(())
    }

    /// The acknowledgement delay for `kind` in `mode`.
    pub fn acknowledge_delay(&self, kind: RequestKind, mode: Mode) -> &Delay {
        self.kinds.get(&kind).and_then(|k| k.acknowledge.as_ref()).unwrap_or(&self.acknowledge).for_mode(mode)
    }

    /// The fulfilment delay for `kind` in `mode`.
    pub fn fulfil_delay(&self, kind: RequestKind, mode: Mode) -> &Delay {
        self.kinds.get(&kind).and_then(|k| k.fulfil.as_ref()).unwrap_or(&self.fulfil).for_mode(mode)
    }

    /// When `desk` counts as open for work on a request of `kind`: the contact point's
    /// officers work the kinds this profile names on call only in staffed hours; every other
    /// desk works whenever it is staffed or on call.
    pub fn desk_open_when(&self, desk: crate::desk::DeskName, kind: RequestKind) -> OpenWhen {
        use crate::desk::DeskName;
        match desk {
            DeskName::ContactPoint => self.open_when(kind),
            // A provider's desk takes an emergency order in any open hours, the rest when
            // staffed.
            DeskName::Provider(_) if kind != RequestKind::Emergency => OpenWhen::Staffed,
            DeskName::Provider(_)
            | DeskName::CentralAuthority
            | DeskName::MlaOffice
            | DeskName::Hub
            | DeskName::Translation => OpenWhen::StaffedOrOnCall,
        }
    }

    /// When the desk counts as open for a request of `kind`.
    pub fn open_when(&self, kind: RequestKind) -> OpenWhen {
        match &self.on_call_kinds {
            Some(kinds) if !kinds.contains(&kind) => OpenWhen::Staffed,
            _ => OpenWhen::StaffedOrOnCall,
        }
    }

    /// Whether a request in `language` needs translation here.
    pub fn needs_translation(&self, language: &str) -> bool {
        !self.languages.is_empty() && !self.languages.iter().any(|l| l.eq_ignore_ascii_case(language))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::RequestId;
    use crate::seed::{stream, Purpose};
    use crate::state::StateCode;

    #[test]
    fn lognormal_draws_match_median_and_p90() {
        let d = Delay::LogNormal { median_ms: 600_000, p90_ms: 3_600_000 };
        let vnm = StateCode::parse("VNM").expect("code");
        let mut draws: Vec<u64> = (0..20_000u32)
            .map(|case| d.sample(&mut stream(7, vnm, RequestId { case, link: 0 }, Purpose::AcknowledgeDelay)))
            .collect();
        draws.sort_unstable();
        let median = draws[draws.len() / 2] as f64;
        let p90 = draws[draws.len() * 9 / 10] as f64;
        assert!((median / 600_000.0 - 1.0).abs() < 0.05, "median {median}");
        assert!((p90 / 3_600_000.0 - 1.0).abs() < 0.07, "p90 {p90}");
    }

    #[test]
    fn draws_are_reproducible_from_the_seed() {
        let d = Delay::LogNormal { median_ms: 600_000, p90_ms: 3_600_000 };
        let fra = StateCode::parse("FRA").expect("code");
        let draw = |seed| d.sample(&mut stream(seed, fra, RequestId { case: 3, link: 0 }, Purpose::FulfilDelay));
        assert_eq!(draw(42), draw(42));
        assert_ne!(draw(42), draw(43));
    }

    #[test]
    fn invalid_distributions_are_rejected() {
        assert!(Delay::Uniform { min_ms: 10, max_ms: 5 }.validate().is_err());
        assert!(Delay::LogNormal { median_ms: 10, p90_ms: 5 }.validate().is_err());
        assert!(Delay::Fixed { ms: limits::DELAY_MS_MAX + 1 }.validate().is_err());
    }
}
