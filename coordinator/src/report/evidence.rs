//! The evidence step in `report.json`: per request (the notice, the hold, the MLA leg's
//! times) and per case (time to usable evidence, where it went). Present only when the
//! scenario models the evidence step or names classes of data, so that other reports keep
//! their bytes.

use super::{Account, Stamp};
use crate::ledger::{Case, Outcome, Request};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct RequestEvidence {
    /// How the 24/7 step ended (before the evidence step).
    pub step_outcome: &'static str,
    /// Classes of data already gone when the preservation was executed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lost_at_preservation: Vec<&'static str>,
    /// The requested state's early notice (Budapest Art. 29(6)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold_until: Option<Stamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mla: Option<MlaRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_evidence_ms: Option<u64>,
    /// Hold expiry minus the MLA request's arrival (negative: it came after the hold lapsed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold_margin_ms: Option<i64>,
}

/// The MLA leg's steps, each in UTC and both parties' local time.
#[derive(Debug, Serialize)]
pub struct MlaRecord {
    pub drafted: Option<Stamp>,
    pub translated: Option<Stamp>,
    pub sent: Option<Stamp>,
    /// At the requested central authority.
    pub arrived: Option<Stamp>,
    pub arrived_before_the_hold_lapsed: Option<bool>,
    pub executed: Option<Stamp>,
    /// The answer back at the requester.
    pub answered: Option<Stamp>,
}

#[derive(Debug, Serialize)]
pub struct CaseEvidence {
    pub time_to_evidence_ms: Option<u64>,
    /// Where the time to usable evidence went (disclosed cases).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_went_ms: Option<TimeWentRecord>,
}

#[derive(Debug, Serialize)]
pub struct TimeWentRecord {
    pub step: u64,
    pub drafting: u64,
    pub translation: u64,
    pub transmission: u64,
    pub execution: u64,
}

/// Counts of the evidence step's outcomes, beside the 24/7 step's in `totals`.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct EvidenceTotals {
    pub disclosed: usize,
    pub hold_lapsed: usize,
    pub mla_refused: usize,
    pub mla_not_pursued: usize,
}

impl Account<'_> {
    pub(super) fn evidence_totals(&self) -> Option<EvidenceTotals> {
        let t = &self.ledger.totals;
        self.scenario.evidence_step.then(|| EvidenceTotals {
            disclosed: t.cases_of(Outcome::Disclosed),
            hold_lapsed: t.cases_of(Outcome::HoldLapsed),
            mla_refused: t.cases_of(Outcome::MlaRefused),
            mla_not_pursued: t.cases_of(Outcome::MlaNotPursued),
        })
    }

    pub(super) fn request_evidence(&self, r: &Request) -> Option<RequestEvidence> {
        if !self.shows_evidence {
            return None;
        }
        let stamp = |t| self.stamp(t, r.from, r.to);
        let m = &r.evidence.mla;
        let mla = m.sent.is_some() || m.drafted.is_some();
        Some(RequestEvidence {
            step_outcome: r.step.outcome.as_str(),
            lost_at_preservation: r.evidence.lost_at_preservation.iter().map(|c| c.as_str()).collect(),
            notice: r.step.notice.as_ref().map(|(_, n)| n.to_string()),
            hold_until: r.evidence.hold_until.map(stamp),
            mla: mla.then(|| MlaRecord {
                drafted: m.drafted.map(stamp),
                translated: m.translated.map(stamp),
                sent: m.sent.map(stamp),
                arrived: m.arrived.map(stamp),
                arrived_before_the_hold_lapsed: m.in_time,
                executed: m.executed.map(stamp),
                answered: m.answered.map(stamp),
            }),
            time_to_evidence_ms: r.time_to_evidence_ms(),
            hold_margin_ms: r.hold_margin_ms(),
        })
    }

    pub(super) fn case_evidence(&self, c: &Case) -> Option<CaseEvidence> {
        self.scenario.evidence_step.then(|| CaseEvidence {
            time_to_evidence_ms: c.time_to_evidence_ms(),
            time_went_ms: c.time_went.map(|w| TimeWentRecord {
                step: w.step,
                drafting: w.drafting,
                translation: w.translation,
                transmission: w.transmission,
                execution: w.execution,
            }),
        })
    }
}
