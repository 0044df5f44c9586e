//! The other road to evidence: a direct order from the requesting state to a provider,
//! under an agreement between states, beside the 24/7 step and the MLA leg.
//!
//! - A [`Provider`] is a party with a desk like a contact point's (its roster, holidays,
//!   counted officers, queue), hosted by the contact point of its `home` state (where its
//!   legal representative is): orders travel to that state's node and the provider's desk
//!   takes them, never the 24/7 desk.
//! - An [`Agreement`] says which states may order providers in which other states, for
//!   which kinds and classes of data, with which deadlines, and whether the provider's
//!   state reviews an order (holding the data meanwhile).
//! - [`Roads`] holds both and the requesters' policy: the share of covered requests that go
//!   by direct order (the rest take the 24/7 step and MLA, so a scenario compares roads on
//!   the same pairs and kinds).
//!
//! Each instrument's defaults ([`Instrument::terms`]) are sourced in docs/scenarios.md:
//! the EU e-Evidence Regulation (EU) 2023/1543 (10 days, 8 hours in an emergency, a 10-day
//! review of traffic and content data), a CLOUD Act agreement (7 days), the Budapest
//! Convention's Second Additional Protocol Art. 7 (subscriber information, 30 days).

use crate::delay::Delay;
use crate::desk::{Officers, ShiftEnd};
use crate::limits;
use crate::request::{DataClass, RequestKind};
use crate::roster::RosterSpec;
use crate::state::StateCode;
use serde::{Deserialize, Serialize};

const MS_PER_HOUR: u64 = 3_600_000;
const MS_PER_DAY: u64 = 24 * MS_PER_HOUR;

/// An index into [`Roads::providers`] (what orders and events carry).
pub type ProviderIndex = u8;
/// An index into [`Roads::agreements`].
pub type AgreementIndex = u8;

/// A provider that answers direct orders: its legal representative's state, its desk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Provider {
    /// The name scenarios and reports use (`mailco-ie`).
    pub name: String,
    /// The state of its legal representative, whose node hosts its desk and whose
    /// retention rule its data follows.
    pub home: StateCode,
    /// Its desk's hours (its own time zone, working week and holidays).
    pub roster: RosterSpec,
    /// Its officers per roster mode; `None`: as many as there is work.
    pub officers: Option<Officers>,
    /// An officer's work to find and produce the data of an order.
    pub work: Delay,
    /// The same for an emergency order.
    pub emergency_work: Delay,
    /// What happens to an order in progress at the end of the desk's open time.
    pub shift_end: ShiftEnd,
}

/// The legal instrument an agreement is made under: it gives the default terms.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Instrument {
    /// Regulation (EU) 2023/1543 (European Production Orders), from 18 August 2026.
    EuEEvidence,
    /// A bilateral executive agreement under the US CLOUD Act (as UK-US, October 2022).
    CloudAct,
    /// Budapest Convention, Second Additional Protocol Art. 7 (subscriber information).
    SecondProtocolArt7,
}

impl Instrument {
    pub const NAMES: [(&'static str, Instrument); 3] = [
        ("eu-e-evidence", Instrument::EuEEvidence),
        ("cloud-act", Instrument::CloudAct),
        ("second-protocol-art7", Instrument::SecondProtocolArt7),
    ];

    pub fn as_str(self) -> &'static str {
        Instrument::NAMES.iter().find(|(_, i)| *i == self).map_or("?", |(n, _)| n)
    }

    /// The instrument's terms, each sourced in docs/scenarios.md.
    pub fn terms(self) -> Terms {
        let all_kinds = vec![RequestKind::Preservation, RequestKind::Evidence, RequestKind::Emergency];
        match self {
            // Art. 10(2) and (4): 10 days, 8 hours in an emergency; Art. 8 and 10(2): the
            // enforcing state's 10-day review of traffic and content data, the data held.
            Instrument::EuEEvidence => Terms {
                deadline_ms: 10 * MS_PER_DAY,
                emergency_deadline_ms: 8 * MS_PER_HOUR,
                review: Some(Review {
                    ms: 10 * MS_PER_DAY,
                    classes: vec![DataClass::Traffic, DataClass::Content],
                    refuse_probability: 0.0,
                }),
                kinds: all_kinds,
                classes: Vec::new(),
            },
            // The UK-US agreement's default production limit: 7 days. Emergencies: the same
            // limit (an assumption: no shorter one is sourced).
            Instrument::CloudAct => Terms {
                deadline_ms: 7 * MS_PER_DAY,
                emergency_deadline_ms: 7 * MS_PER_DAY,
                review: None,
                kinds: all_kinds,
                classes: Vec::new(),
            },
            // Art. 7: subscriber information only; 30 days (recalled, an assumption until
            // checked against the text).
            Instrument::SecondProtocolArt7 => Terms {
                deadline_ms: 30 * MS_PER_DAY,
                emergency_deadline_ms: 30 * MS_PER_DAY,
                review: None,
                kinds: all_kinds,
                classes: vec![DataClass::Subscriber],
            },
        }
    }
}

/// The review of an order by the provider's state (the EU's enforcing authority): the data
/// is held until it ends, for orders that ask for one of `classes` (never emergencies,
/// which the provider answers first).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub ms: u64,
    pub classes: Vec<DataClass>,
    /// Probability that the review raises a ground for refusal (an assumption).
    pub refuse_probability: f64,
}

/// What an agreement covers and how fast a provider must answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Terms {
    /// From the provider's receipt of the order to its answer.
    pub deadline_ms: u64,
    pub emergency_deadline_ms: u64,
    pub review: Option<Review>,
    /// Request kinds an order may be made for.
    pub kinds: Vec<RequestKind>,
    /// Classes of data it covers; empty: every class.
    pub classes: Vec<DataClass>,
}

/// An agreement among `parties`: any of them may order a provider whose home is another.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    pub name: String,
    pub instrument: Instrument,
    pub parties: Vec<StateCode>,
    pub terms: Terms,
}

impl Agreement {
    /// Whether an order from `from` to a provider in `home` for `kind` and `classes` (empty:
    /// the unnamed class) falls under this agreement.
    pub fn covers(&self, from: StateCode, home: StateCode, kind: RequestKind, classes: &[DataClass]) -> bool {
        let class_ok = self.terms.classes.is_empty()
            || (!classes.is_empty() && classes.iter().all(|c| self.terms.classes.contains(c)));
        from != home
            && self.parties.contains(&from)
            && self.parties.contains(&home)
            && self.terms.kinds.contains(&kind)
            && class_ok
    }

    /// The provider's deadline for an order of `kind`.
    pub fn deadline_ms(&self, kind: RequestKind) -> u64 {
        if kind == RequestKind::Emergency {
            self.terms.emergency_deadline_ms
        } else {
            self.terms.deadline_ms
        }
    }

    /// The review that holds an order of `kind` for `classes`, if any.
    pub fn review_of(&self, kind: RequestKind, classes: &[DataClass]) -> Option<&Review> {
        let review = self.terms.review.as_ref()?;
        (kind != RequestKind::Emergency && classes.iter().any(|c| review.classes.contains(c))).then_some(review)
    }
}

/// Providers, agreements and the requesters' policy between the two roads.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Roads {
    pub providers: Vec<Provider>,
    pub agreements: Vec<Agreement>,
    /// The share of requests an agreement covers that go by direct order, drawn per case.
    pub direct_share: f64,
}

/// A road set up wrongly (the coordinator's validation says where; a node refuses it).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RoadError {
    #[error("more than {max} providers or agreements", max = limits::ROADS_MAX)]
    TooMany,
    #[error("direct_share {0} outside [0, 1]")]
    Share(f64),
    #[error("agreement `{0}`: a deadline outside (0, 1 year]")]
    Deadline(String),
    #[error("agreement `{0}`: review refusal probability outside [0, 1]")]
    ReviewProbability(String),
    #[error("agreement `{0}`: more than {max} parties", max = limits::STATES_MAX)]
    Parties(String),
    #[error("a name longer than {max} bytes", max = limits::NAME_BYTES_MAX)]
    Name,
    #[error("provider `{0}`: {1}")]
    Work(String, crate::delay::DelayError),
}

impl Roads {
    /// The first agreement (in the scenario's order) that covers an order from `from` to
    /// `provider` for `kind` and `classes`.
    pub fn agreement_for(
        &self,
        from: StateCode,
        provider: ProviderIndex,
        kind: RequestKind,
        classes: &[DataClass],
    ) -> Option<AgreementIndex> {
        let home = self.providers.get(usize::from(provider))?.home;
        let i = self.agreements.iter().position(|a| a.covers(from, home, kind, classes))?;
        AgreementIndex::try_from(i).ok()
    }

    /// What happens to work in progress at `desk` when its open time ends: a provider's
    /// own policy, else `profile`'s (the state's).
    pub fn shift_end_of(&self, desk: crate::desk::DeskName, profile: ShiftEnd) -> ShiftEnd {
        match desk {
            crate::desk::DeskName::Provider(i) => self.provider(i).map_or(ShiftEnd::NextOpening, |p| p.shift_end),
            _ => profile,
        }
    }

    pub fn provider(&self, i: ProviderIndex) -> Option<&Provider> {
        self.providers.get(usize::from(i))
    }

    pub fn agreement(&self, i: AgreementIndex) -> Option<&Agreement> {
        self.agreements.get(usize::from(i))
    }

    pub fn validate(&self) -> Result<(), RoadError> {
        if self.providers.len() > limits::ROADS_MAX || self.agreements.len() > limits::ROADS_MAX {
            return Err(RoadError::TooMany);
        }
        if !(0.0..=1.0).contains(&self.direct_share) {
            return Err(RoadError::Share(self.direct_share));
        }
        let long = |s: &str| s.len() > limits::NAME_BYTES_MAX;
        if self.providers.iter().any(|p| long(&p.name)) || self.agreements.iter().any(|a| long(&a.name)) {
            return Err(RoadError::Name);
        }
        for p in &self.providers {
            for delay in [&p.work, &p.emergency_work] {
                delay.validate().map_err(|e| RoadError::Work(p.name.clone(), e))?;
            }
        }
        for a in &self.agreements {
            let t = &a.terms;
            let bad = |ms: u64| ms == 0 || ms > limits::DELAY_MS_MAX;
            if bad(t.deadline_ms) || bad(t.emergency_deadline_ms) || t.review.as_ref().is_some_and(|r| bad(r.ms)) {
                return Err(RoadError::Deadline(a.name.clone()));
            }
            if t.review.as_ref().is_some_and(|r| !(0.0..=1.0).contains(&r.refuse_probability)) {
                return Err(RoadError::ReviewProbability(a.name.clone()));
            }
            if a.parties.len() > limits::STATES_MAX {
                return Err(RoadError::Parties(a.name.clone()));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> StateCode {
        StateCode::parse(s).expect("code")
    }

    #[test]
    fn an_agreement_covers_its_parties_kinds_and_classes_only() {
        let mut eu = Agreement {
            name: "eu".into(),
            instrument: Instrument::EuEEvidence,
            parties: vec![code("FRA"), code("IRL")],
            terms: Instrument::EuEEvidence.terms(),
        };
        let p = RequestKind::Preservation;
        assert!(eu.covers(code("FRA"), code("IRL"), p, &[DataClass::Traffic]));
        assert!(!eu.covers(code("FRA"), code("FRA"), p, &[]), "not within one state");
        assert!(!eu.covers(code("USA"), code("IRL"), p, &[]), "not a party");
        assert!(!eu.covers(code("FRA"), code("IRL"), RequestKind::TechnicalAdvice, &[]));
        eu.terms = Instrument::SecondProtocolArt7.terms();
        assert!(eu.covers(code("FRA"), code("IRL"), p, &[DataClass::Subscriber]));
        assert!(!eu.covers(code("FRA"), code("IRL"), p, &[DataClass::Subscriber, DataClass::Content]));
        assert!(!eu.covers(code("FRA"), code("IRL"), p, &[]), "the unnamed class is not subscriber data");
    }

    #[test]
    fn the_eu_review_holds_traffic_and_content_but_never_an_emergency() {
        let eu = Agreement {
            name: "eu".into(),
            instrument: Instrument::EuEEvidence,
            parties: vec![],
            terms: Instrument::EuEEvidence.terms(),
        };
        assert!(eu.review_of(RequestKind::Preservation, &[DataClass::Subscriber]).is_none());
        assert_eq!(eu.review_of(RequestKind::Preservation, &[DataClass::Content]).map(|r| r.ms), Some(864_000_000));
        assert!(eu.review_of(RequestKind::Emergency, &[DataClass::Content]).is_none());
        assert_eq!(eu.deadline_ms(RequestKind::Emergency), 8 * 3_600_000);
    }

    #[test]
    fn absurd_roads_are_refused() {
        let roads = Roads { direct_share: 1.5, ..Roads::default() };
        assert_eq!(roads.validate(), Err(RoadError::Share(1.5)));
        let mut terms = Instrument::CloudAct.terms();
        terms.deadline_ms = 0;
        let a = Agreement { name: "x".into(), instrument: Instrument::CloudAct, parties: vec![], terms };
        let roads = Roads { agreements: vec![a], ..Roads::default() };
        assert_eq!(roads.validate(), Err(RoadError::Deadline("x".into())));
    }
}
