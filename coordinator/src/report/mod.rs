//! `report.json`: the ledger and its figures as a file for tools. A projection: nothing
//! here is computed that the ledger or the analysis does not hold, only worded (instants
//! as `Stamp`s in UTC and both parties' local time, outcomes and reasons as text).
//!
//! Scenario time only, so the same scenario and seed give the same file byte for byte,
//! whichever engine ran it. Transport figures (real time) are kept out of it, in
//! `transport.json` ([`transport`]).
//!
//! - [`compare`]: what changed between two `report.json` files;
//! - [`transport`]: `transport.json` of a mesh run.

pub mod compare;
pub mod evidence;
pub mod transport;

use crate::analysis::breakdown::{LatencyTable, Outcomes, Sla};
use crate::analysis::coverage::Coverage;
use crate::analysis::thresholds::Verdict;
use crate::analysis::{Analysis, Zones};
use crate::ledger::{Ledger, Outcome};
use crate::scenario::Scenario;
use pocnet_core::{Mode, SimTime, StateCode};
use serde::Serialize;
use std::collections::BTreeMap;

pub use crate::analysis::percentiles::{percentiles, Percentiles};

pub const SCHEMA: &str = "pocnet-report/2";

/// What every output of a run reads: the scenario, the ledger of what happened, and the
/// figures computed from it.
#[derive(Debug)]
pub struct Account<'s> {
    pub scenario: &'s Scenario,
    pub ledger: Ledger,
    pub analysis: Analysis,
    pub zones: Zones,
    /// Whether the report carries the evidence step's records: the scenario models the
    /// evidence step or an inject names classes of data. Decided once (asked per request).
    pub shows_evidence: bool,
}

#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub schema: &'static str,
    pub scenario: ScenarioSummary,
    pub states: Vec<StateSummary>,
    pub totals: Totals,
    pub latency: &'a BTreeMap<&'static str, LatencyTable>,
    pub outcomes: &'a Outcomes,
    /// Acknowledged within the scenario's SLA.
    pub sla: &'a Sla,
    /// From the rosters alone.
    pub coverage: &'a Coverage,
    /// The scenario's thresholds and whether this run met them.
    pub thresholds: &'a [Verdict],
    /// The evidence step: usable evidence, the hold, where the time went.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<&'a crate::analysis::evidence::EvidenceFigures>,
    /// Desks whose officers are counted: utilisation, waiting, the queue over the weeks.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub desks: &'a [crate::analysis::desks::DeskFigures],
    /// Regional hubs: what they took, how soon, what they saved.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub hubs: &'a [crate::analysis::hubs::HubFigures],
    /// A communication check: how the pinged desks answered, and whose answers contradict
    /// the roster the register declares.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ping_check: Option<PingCheckRecord<'a>>,
    /// Register entries that went stale: first sends to dead entries, the fallback's
    /// cost, the cases it cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub register_decay: Option<&'a crate::analysis::decay::DecayFigures>,
    /// Forged requests and verification: forgeries accepted and caught, and what
    /// verification cost genuine requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forgery: Option<&'a crate::analysis::forgery::ForgeryFigures>,
    /// The roads to evidence compared (direct orders to providers, the 24/7 step and MLA)
    /// on the cases an agreement covered, and each provider's desk against its deadlines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roads: Option<&'a crate::analysis::roads::RoadFigures>,
    pub cases: Vec<CaseRecord>,
    pub requests: Vec<RequestRecord>,
}

#[derive(Debug, Serialize)]
pub struct ScenarioSummary {
    pub name: String,
    pub description: String,
    pub seed: u64,
    /// The hash of the validated scenario ([`Scenario::hash`]): `pocnet compare` refuses
    /// two reports whose hashes differ unless told they may.
    pub hash: String,
    pub start: String,
    pub lookahead_ms: u64,
    pub contact_points: usize,
    pub injects: usize,
    /// Windows the virtual clock ran.
    pub windows: u64,
    /// Scenario time of the last input (the run ends when nothing is left to do).
    pub last_input: Option<String>,
    /// The release of the bundled IANA time-zone database every local time was computed
    /// with (never the host's).
    pub tzdb: &'static str,
    pub assumptions: &'static str,
    /// Whether the evidence step (the hold and the MLA leg) is modelled.
    #[serde(skip_serializing_if = "is_false")]
    pub evidence_step: bool,
    /// Each parameter of the evidence step and of data retention: its value and where the
    /// value comes from.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence_assumptions: Vec<crate::scenario::Assumption>,
}

#[derive(Debug, Serialize)]
pub struct StateSummary {
    pub code: StateCode,
    pub name: String,
    pub region: String,
    pub tz: String,
    pub roster: String,
    /// The roster the register declares, where the desk works otherwise (`[practice]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared: Option<String>,
    pub profile: String,
}

/// `ping_check`: the figures, then every ping.
#[derive(Debug, Serialize)]
pub struct PingCheckRecord<'a> {
    #[serde(flatten)]
    pub figures: &'a crate::analysis::pings::PingFigures,
    pub pings: Vec<PingRecord>,
}

/// One ping and how it ended.
#[derive(Debug, Serialize)]
pub struct PingRecord {
    pub id: String,
    pub to: StateCode,
    pub sent: Stamp,
    pub receiver_local_hour: u8,
    pub answered: Option<Stamp>,
    pub waited_ms: Option<u64>,
    /// `within_1h`, `within_24h`, `later` or `never`.
    pub ending: &'static str,
    /// Why a ping never answered was not (or how it was answered).
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hub: Option<StateCode>,
}

#[derive(Debug, Serialize, Default, PartialEq, Eq)]
pub struct Totals {
    pub injects: usize,
    /// A communication check's pings (not cases: `ping_check` has them).
    #[serde(skip_serializing_if = "is_zero")]
    pub pings: usize,
    /// Executed, for a request with no evidence window.
    pub fulfilled: usize,
    /// Every link executed before the provider deleted the data.
    pub preserved: usize,
    /// A link executed after the provider deleted the data.
    pub evidence_lost: usize,
    pub refused: usize,
    /// The requester gave up waiting.
    pub expired: usize,
    /// No delivery receipt after every resend.
    pub undeliverable: usize,
    /// Exercises: still open when the exercise ended.
    #[serde(skip_serializing_if = "is_zero")]
    pub unfinished: usize,
    /// Final responses that came after the requester gave up (their outcome stays expired).
    pub late_responses: usize,
    /// Requests sent, chain links included.
    pub requests: usize,
    /// Requests whose receiving contact point had them (delivered) before their outcome,
    /// but answered neither an acknowledgement nor a response in time.
    pub reached_not_answered: usize,
    /// Requests that never reached the receiving contact point before their outcome.
    pub never_reached: usize,
    /// Envelopes the network model lost (faults, loss), and why.
    pub lost_messages: BTreeMap<String, usize>,
    /// Withdrawn on an early notice.
    #[serde(skip_serializing_if = "is_zero")]
    pub withdrawn: usize,
    /// The evidence step's outcomes, when it is modelled.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<evidence::EvidenceTotals>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One instant, in UTC and in both parties' local time.
#[derive(Debug, Serialize)]
pub struct Stamp {
    pub utc: String,
    pub requester_local: String,
    pub receiver_local: String,
}

/// One request in `report.json`: who asked whom for what, then one sub-record per concern,
/// each written flat (`#[serde(flatten)]`), so the file reads as one record. Flattening
/// writes fields in struct order: the sub-records stand in the order their fields had
/// when the record was one struct, and the golden reports hold that order.
#[derive(Debug, Serialize)]
pub struct RequestRecord {
    #[serde(flatten)]
    pub asked: AskedRecord,
    #[serde(flatten)]
    pub step: StepRecord,
    #[serde(flatten)]
    pub ending: EndingRecord,
    #[serde(flatten)]
    pub hub: HubRecord,
    #[serde(flatten)]
    pub forgery: ForgeryRecord,
    #[serde(flatten)]
    pub reach: ReachRecord,
    /// The evidence step of this request (when modelled, or when it names classes of data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<evidence::RequestEvidence>,
    /// The direct order it went as, instead of the 24/7 step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderRecord>,
}

/// A direct order to a provider: under which agreement, its receipt at the provider's desk,
/// its deadline, the review, the answer.
#[derive(Debug, Serialize)]
pub struct OrderRecord {
    pub provider: String,
    pub agreement: String,
    /// `eu-e-evidence`, `cloud-act` or `second-protocol-art7`.
    pub instrument: &'static str,
    pub received: Option<Stamp>,
    /// The provider desk's roster mode at receipt.
    pub received_mode: Option<Mode>,
    /// The agreement's deadline for the provider's answer.
    pub deadline: Option<Stamp>,
    /// When the review by the provider's state ends (orders it reviews).
    pub review_until: Option<Stamp>,
    /// Produced and held for the review's end.
    pub held_for_review: Option<Stamp>,
    pub answered: Option<Stamp>,
    /// Answered after its deadline, or not answered by it.
    pub deadline_breached: bool,
}

/// Who asked whom for what, and when.
#[derive(Debug, Serialize)]
pub struct AskedRecord {
    pub id: String,
    pub case: u32,
    pub link: u16,
    pub kind: String,
    pub from: StateCode,
    pub to: StateCode,
    pub from_region: String,
    pub to_region: String,
    pub language: String,
    pub scheduled: Stamp,
    /// The receiver's local hour (0-23) and weekday when the request was scheduled.
    pub receiver_local_hour: u8,
    pub receiver_local_weekday: String,
    pub evidence_deleted_at: Option<Stamp>,
}

/// The 24/7 step: delivery, acknowledgement, execution, the response.
#[derive(Debug, Serialize)]
pub struct StepRecord {
    pub delivered: Option<Stamp>,
    pub delivered_mode: Option<Mode>,
    pub acknowledged: Option<Stamp>,
    pub acknowledged_mode: Option<Mode>,
    pub translation_ms: Option<u64>,
    pub forwarded_to_central_authority: Option<Stamp>,
    /// When the receiver fulfilled, refused or found the data gone.
    pub executed: Option<Stamp>,
    pub response_received: Option<Stamp>,
    pub resends: u32,
    pub escalated: bool,
    pub lost_messages: usize,
    /// The receiving contact point had the request before its outcome.
    pub reached_desk: bool,
    /// An acknowledgement or execution that came after the requester had given up: kept
    /// here, outside the latency figures.
    pub late_answer: Option<Stamp>,
    /// The state this link's traffic data revealed (Art. 43), if any.
    pub revealed: Option<StateCode>,
}

/// How the request ended, and the times the latency figures read.
#[derive(Debug, Serialize)]
pub struct EndingRecord {
    pub outcome: &'static str,
    pub reason: String,
    /// Exercises: the receiver was played by a person at the console.
    #[serde(skip_serializing_if = "is_false")]
    pub receiver_played: bool,
    pub time_to_acknowledge_ms: Option<u64>,
    pub time_to_fulfil_ms: Option<u64>,
    pub time_to_outcome_ms: u64,
}

/// The regional hub that took it, and whether it handed it back to execute.
#[derive(Debug, Serialize)]
pub struct HubRecord {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hub: Option<StateCode>,
    #[serde(skip_serializing_if = "is_false")]
    pub handed_back: bool,
}

/// Forgery and the receiver's verification.
#[derive(Debug, Serialize)]
pub struct ForgeryRecord {
    /// A forgery over the genuine channel.
    #[serde(skip_serializing_if = "is_false")]
    pub forged: bool,
    /// The receiver's verification: how, and how long it took (`verified` false: refused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<VerificationRecord>,
}

/// Reachability through the register.
#[derive(Debug, Serialize)]
pub struct ReachRecord {
    /// Its first send reached a stale register entry.
    #[serde(skip_serializing_if = "is_false")]
    pub dead_entry: bool,
    /// The fallback channels its resends went by, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fallbacks: Vec<String>,
}

/// A request's verification by its receiver.
#[derive(Debug, Serialize)]
pub struct VerificationRecord {
    /// `call-back` or `supervisor`.
    pub how: &'static str,
    pub started: Stamp,
    pub ended: Option<Stamp>,
    pub verified: Option<bool>,
    pub took_ms: Option<u64>,
}

/// One inject and the chain of requests it led to.
#[derive(Debug, Serialize)]
pub struct CaseRecord {
    pub id: String,
    pub from: StateCode,
    /// The requested state of each link, in order.
    pub path: Vec<StateCode>,
    pub kind: String,
    pub scheduled: String,
    pub outcome: &'static str,
    pub reason: String,
    pub end_to_end_ms: u64,
    /// A forgery over the genuine channel.
    #[serde(skip_serializing_if = "is_false")]
    pub forged: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<evidence::CaseEvidence>,
}

pub const ASSUMPTIONS: &str = "No published response-time data exists for 24/7 points of contact: every delay, \
    roster and refusal parameter in this scenario is an assumption.";

impl<'s> Account<'s> {
    /// A run's ledger of `scenario`, with its figures.
    pub fn of(scenario: &'s Scenario, ledger: Ledger) -> Account<'s> {
        let analysis = Analysis::of(scenario, &ledger);
        let shows_evidence = scenario.evidence_step || scenario.injects.iter().any(|i| !i.data.is_empty());
        Account { scenario, ledger, analysis, zones: Zones::of(scenario), shows_evidence }
    }

    /// An instant in UTC and in the local time of `from` and `to`.
    pub fn stamp(&self, t: SimTime, from: StateCode, to: StateCode) -> Stamp {
        Stamp {
            utc: t.to_string(),
            requester_local: self.zones.local(from, t),
            receiver_local: self.zones.local(to, t),
        }
    }

    /// Cases by outcome, as people read the outcome, in a fixed order: the 24/7 step's
    /// always, the evidence step's when it is modelled, `unfinished` and `withdrawn` only
    /// when some are.
    pub fn by_outcome(&self) -> Vec<(&'static str, usize)> {
        let t = &self.ledger.totals;
        let shown = |o: Outcome| match o {
            Outcome::Unfinished | Outcome::Withdrawn => t.cases_of(o) > 0,
            Outcome::Disclosed | Outcome::HoldLapsed | Outcome::MlaRefused | Outcome::MlaNotPursued => {
                self.scenario.evidence_step || t.cases_of(o) > 0
            }
            Outcome::Fulfilled
            | Outcome::Preserved
            | Outcome::EvidenceLost
            | Outcome::Refused
            | Outcome::Expired
            | Outcome::Undeliverable => true,
        };
        Outcome::ALL.iter().filter(|o| shown(**o)).map(|o| (o.label(), t.cases_of(*o))).collect()
    }

    /// `report.json`'s content.
    pub fn report(&self) -> Report<'_> {
        let scenario = self.scenario;
        let ledger = &self.ledger;
        let a = &self.analysis;
        let placed = crate::analysis::place(scenario, ledger);
        let requests = placed.iter().map(|p| self.request_record(p)).collect();
        Report {
            schema: SCHEMA,
            scenario: self.scenario_summary(),
            states: self.state_summaries(),
            totals: self.totals(),
            latency: &a.latency,
            outcomes: &a.outcomes,
            sla: &a.sla,
            coverage: &a.coverage,
            thresholds: &a.thresholds,
            evidence: a.evidence.as_ref(),
            desks: &a.desks,
            hubs: &a.hubs,
            ping_check: a.pings.as_ref().map(|figures| PingCheckRecord { figures, pings: self.ping_records() }),
            register_decay: a.decay.as_ref(),
            forgery: a.forgery.as_ref(),
            roads: a.roads.as_ref(),
            cases: self.case_records(),
            requests,
        }
    }
}

impl Account<'_> {
    /// `report.json`'s `scenario`: what was run, with which seed and assumptions.
    fn scenario_summary(&self) -> ScenarioSummary {
        let scenario = self.scenario;
        let ledger = &self.ledger;
        let t = &ledger.totals;
        ScenarioSummary {
            name: scenario.name.clone(),
            description: scenario.description.clone(),
            seed: scenario.seed,
            hash: scenario.hash(),
            start: scenario.start.to_string(),
            lookahead_ms: scenario.network.lookahead_ms(),
            contact_points: scenario.states.len(),
            injects: t.injects,
            windows: ledger.windows,
            last_input: ledger.last_input.map(|t| t.to_string()),
            tzdb: pocnet_core::tzdb::version(),
            assumptions: ASSUMPTIONS,
            evidence_step: scenario.evidence_step,
            evidence_assumptions: scenario.evidence_assumptions.clone(),
        }
    }

    /// `report.json`'s `states`: each contact point as declared and as it works.
    fn state_summaries(&self) -> Vec<StateSummary> {
        let scenario = self.scenario;
        scenario
            .states
            .iter()
            .map(|s| StateSummary {
                code: s.code,
                name: s.name.clone(),
                region: s.region.clone(),
                tz: s.tz.clone(),
                roster: s.roster_summary.clone(),
                declared: s.declared.as_ref().map(crate::scenario::roster_summary),
                profile: s.profile_name.clone(),
            })
            .collect()
    }

    /// `report.json`'s `totals`: cases by outcome, requests, messages lost.
    fn totals(&self) -> Totals {
        let t = &self.ledger.totals;
        Totals {
            injects: t.injects,
            pings: t.pings,
            fulfilled: t.cases_of(Outcome::Fulfilled),
            preserved: t.cases_of(Outcome::Preserved),
            evidence_lost: t.cases_of(Outcome::EvidenceLost),
            refused: t.cases_of(Outcome::Refused),
            expired: t.cases_of(Outcome::Expired),
            undeliverable: t.cases_of(Outcome::Undeliverable),
            unfinished: t.cases_of(Outcome::Unfinished),
            late_responses: t.late_responses,
            requests: t.requests,
            reached_not_answered: t.reached_not_answered,
            never_reached: t.never_reached,
            lost_messages: t.lost_messages.clone(),
            withdrawn: t.cases_of(Outcome::Withdrawn),
            evidence: self.evidence_totals(),
        }
    }

    /// `report.json`'s `cases`: each case's outcome and evidence.
    fn case_records(&self) -> Vec<CaseRecord> {
        let ledger = &self.ledger;
        ledger
            .cases
            .iter()
            .map(|c| CaseRecord {
                id: c.id.to_string(),
                from: c.from,
                path: c.path.clone(),
                kind: c.kind.to_string(),
                scheduled: c.scheduled.to_string(),
                outcome: c.outcome.as_str(),
                reason: c.reason.to_string(),
                end_to_end_ms: c.end_to_end_ms(),
                forged: c.forged,
                evidence: self.case_evidence(c),
            })
            .collect()
    }
}

impl Account<'_> {
    /// One request's record, sub-record by sub-record.
    fn request_record(&self, p: &crate::analysis::Placed<'_>) -> RequestRecord {
        let r = p.request;
        let stamp = |t: SimTime| self.stamp(t, r.from, r.to);
        RequestRecord {
            asked: AskedRecord {
                id: r.id.to_string(),
                case: r.id.case,
                link: r.id.link,
                kind: r.kind.to_string(),
                from: r.from,
                to: r.to,
                from_region: p.from_region.to_string(),
                to_region: p.to_region.to_string(),
                language: r.language.clone(),
                scheduled: stamp(r.scheduled),
                receiver_local_hour: p.receiver_hour,
                receiver_local_weekday: pocnet_core::time::WEEKDAYS[usize::from(p.receiver_weekday.min(6))].to_string(),
                evidence_deleted_at: r.evidence.deleted_at.map(stamp),
            },
            step: self.step_record(r),
            ending: EndingRecord {
                outcome: r.outcome.as_str(),
                reason: r.reason.to_string(),
                receiver_played: r.receiver_played,
                time_to_acknowledge_ms: r.time_to_acknowledge_ms(),
                time_to_fulfil_ms: r.time_to_fulfil_ms(),
                time_to_outcome_ms: r.time_to_outcome_ms(),
            },
            hub: HubRecord { hub: r.hub.map(|h| h.by), handed_back: r.hub.is_some_and(|h| h.handed_back) },
            forgery: ForgeryRecord {
                forged: r.forgery.forged,
                verification: r.forgery.verification.map(|v| VerificationRecord {
                    how: v.how.as_str(),
                    started: stamp(v.started),
                    ended: v.ended.map(|(t, _)| stamp(t)),
                    verified: v.ended.map(|(_, ok)| ok),
                    took_ms: v.ended.map(|(t, _)| t.since(v.started)),
                }),
            },
            reach: ReachRecord { dead_entry: r.reach.dead_entry, fallbacks: self.fallback_names(r) },
            evidence: self.request_evidence(r),
            order: self.order_record(r),
        }
    }

    /// A direct order's record, names from the scenario's roads.
    fn order_record(&self, r: &crate::ledger::Request) -> Option<OrderRecord> {
        let o = r.order?;
        let roads = &self.scenario.network.roads;
        let stamp = |t: SimTime| self.stamp(t, r.from, r.to);
        let agreement = roads.agreement(o.agreement);
        let deadline = o.received.map(|(_, _, d)| d);
        Some(OrderRecord {
            provider: roads.provider(o.provider).map_or_else(|| o.provider.to_string(), |p| p.name.clone()),
            agreement: agreement.map_or_else(|| o.agreement.to_string(), |a| a.name.clone()),
            instrument: agreement.map_or("?", |a| a.instrument.as_str()),
            received: o.received.map(|(t, _, _)| stamp(t)),
            received_mode: o.received.map(|(_, m, _)| m),
            deadline: deadline.map(stamp),
            review_until: o.review_until.map(stamp),
            held_for_review: o.held.map(stamp),
            answered: o.answered.map(stamp),
            deadline_breached: o.deadline_breached(r.outcome_at),
        })
    }

    /// The 24/7 step's record of a request.
    fn step_record(&self, r: &crate::ledger::Request) -> StepRecord {
        let stamp = |t: SimTime| self.stamp(t, r.from, r.to);
        let s = &r.step;
        StepRecord {
            delivered: s.delivered.map(|(t, _)| stamp(t)),
            delivered_mode: s.delivered.map(|(_, m)| m),
            acknowledged: s.acknowledged.map(|(t, _)| stamp(t)),
            acknowledged_mode: s.acknowledged.map(|(_, m)| m),
            translation_ms: s.translation_ms,
            forwarded_to_central_authority: s.forwarded.map(stamp),
            executed: s.executed.map(stamp),
            response_received: s.response_received.map(stamp),
            resends: s.resends,
            escalated: s.escalated,
            lost_messages: s.lost_messages,
            reached_desk: s.reached_desk,
            late_answer: s.late_answer.map(stamp),
            revealed: s.revealed,
        }
    }

    /// The fallback channels a request's resends went by, by name.
    fn fallback_names(&self, r: &crate::ledger::Request) -> Vec<String> {
        let fallbacks = &self.scenario.network.fallbacks;
        r.reach
            .fallbacks
            .iter()
            .map(|c| fallbacks.get(usize::from(*c)).map_or_else(|| c.to_string(), |f| f.name.clone()))
            .collect()
    }
}

impl Account<'_> {
    fn ping_records(&self) -> Vec<PingRecord> {
        self.ledger
            .pings
            .iter()
            .map(|p| {
                let hour = p.sent.timestamp().to_zoned(self.zones.zone(p.to)).hour();
                PingRecord {
                    id: p.id.to_string(),
                    to: p.to,
                    sent: self.stamp(p.sent, p.from, p.to),
                    receiver_local_hour: u8::try_from(hour).unwrap_or(0),
                    answered: p.answered.map(|t| self.stamp(t, p.from, p.to)),
                    waited_ms: p.waited_ms(),
                    ending: p.ending.as_str(),
                    reason: p.reason.to_string(),
                    hub: p.hub,
                }
            })
            .collect()
    }
}

impl Report<'_> {
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|e| unreachable!("report serialises: {e}"));
        s.push('\n');
        s
    }
}
