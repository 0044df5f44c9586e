//! The validated scenario: what the engines run. Built once by `load` (overrides
//! included), never patched afterwards.

use pocnet_core::request::{Inject, RequestKind};
use pocnet_core::roster::RosterSpec;
use pocnet_core::{NetworkModel, Profile, SimTime, StateCode};
use std::collections::BTreeMap;
use std::fmt;

/// Injects in one scenario.
pub const INJECTS_MAX: usize = 1_000_000;

/// A contact point as the scenario describes it.
#[derive(Debug, Clone)]
pub struct StateEntry {
    pub code: StateCode,
    pub name: String,
    pub region: String,
    pub tz: String,
    pub languages: Vec<String>,
    pub roster: RosterSpec,
    /// How the roster reads to people: `office hours 09:00-17:00 Mon-Fri, on call otherwise`.
    pub roster_summary: String,
    pub profile_name: String,
    pub profile: Profile,
    /// The roster the register declares, where the desk works otherwise (`roster`): what a
    /// ping check's answers are compared with.
    pub declared: Option<RosterSpec>,
    /// When the register's entry was last verified.
    pub verified: Option<SimTime>,
}

impl StateEntry {
    /// The roster the register declares: `declared`, or the roster itself.
    pub fn declared_roster(&self) -> &RosterSpec {
        self.declared.as_ref().unwrap_or(&self.roster)
    }
}

/// One change of a register entry (a new officer, number or address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryChange {
    pub state: StateCode,
    pub at: SimTime,
    /// The state notified it to the Secretary-General.
    pub notified: bool,
}

/// A register entry that is stale from `changed` until the refresh that corrects it
/// (`None`: none in the run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaleSpan {
    pub state: StateCode,
    pub changed: SimTime,
    pub notified: bool,
    pub until: Option<SimTime>,
}

/// `[register_decay]`: the parameters, each entry's changes, and the stale spans they give
/// under the circulation (`validate::decay` has the model).
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterDecay {
    pub changes_per_year: f64,
    pub notified: f64,
    pub notice_delay_ms: u64,
    /// As written: `yearly`, `quarterly` or a duration.
    pub circulation: String,
    pub circulation_ms: u64,
    pub last_circulated: SimTime,
    pub changes: Vec<EntryChange>,
    /// A communication check's end, and when it pinged each state.
    pub check: Option<(SimTime, Vec<(StateCode, SimTime)>)>,
    pub stale: Vec<StaleSpan>,
    /// The stale spans' faults are `network.faults[first_fault..]`.
    pub first_fault: usize,
    /// The scenario's start.
    pub start: SimTime,
}

/// A person's answer is expected within an hour while the declared roster says staffed
/// (an assumption of the check, as a directory would set it).
pub const STAFFED_WITHIN_DEFAULT_MS: u64 = 3_600_000;
/// ... and within a day while it says on call (an assumption).
pub const ON_CALL_WITHIN_DEFAULT_MS: u64 = 86_400_000;

/// `[ping_check]`: test messages from `from` to each of `to`, `per_state` each, at random
/// times in `[start, start + over)` (or all at `start`).
#[derive(Debug, Clone, PartialEq)]
pub struct PingCheck {
    pub from: StateCode,
    pub to: Vec<StateCode>,
    pub start: SimTime,
    pub over_ms: u64,
    pub per_state: u32,
    /// A person's answer is expected within these while the declared roster says staffed,
    /// and on call (assumptions: defaults an hour and a day).
    pub staffed_within_ms: u64,
    pub on_call_within_ms: u64,
}

/// A validated scenario: what the engines run.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub seed: u64,
    pub start: SimTime,
    /// End of the scenario's window: injects and faults must fall in `[start, end]`.
    pub end: SimTime,
    /// Link delays, loss and faults; regions filled in from the states.
    pub network: NetworkModel,
    pub states: Vec<StateEntry>,
    /// Explicit injects in file order, then generated ones in time order; ids `C1`, `C2`...
    pub injects: Vec<Inject>,
    pub thresholds: Vec<Threshold>,
    /// Acknowledgement within this counts as "within the SLA" in the report.
    pub ack_sla_ms: u64,
    /// `crash` faults: the mesh kills the node's process (SIGKILL) when the clock reaches
    /// the time, and restarts it; the in-process engine has no process to kill. Either way
    /// the report is the same: nothing is lost.
    pub crashes: Vec<(SimTime, StateCode)>,
    /// `cut` faults: a real partition beneath QUIC between the states of `a` and `b`,
    /// made at scenario time `at` and healed after `lasting` of real time. Mesh only;
    /// the report does not change.
    pub cuts: Vec<Cut>,
    /// Whether the mesh restarts a node that dies (else the run fails, naming it).
    pub restart_nodes: bool,
    /// A tabletop exercise: people play some contact points; it ends at `end`.
    pub exercise: Option<Exercise>,
    /// Whether the evidence step (the hold and the MLA leg) is modelled (`[mla]`).
    pub evidence_step: bool,
    /// The kinds that ask for evidence, scenario-wide: those that need an MLA request and
    /// those the 24/7 step discloses directly (empty without `[mla]`).
    pub evidence_kinds: Vec<RequestKind>,
    /// Its parameters and the retention of data, each with where its value comes from.
    pub evidence_assumptions: Vec<Assumption>,
    /// A communication check; its pings are injects of kind `ping` (after the others).
    pub ping_check: Option<PingCheck>,
    /// Register entries that go stale (their faults are in `network.faults`).
    pub register_decay: Option<RegisterDecay>,
}

/// A parameter of the model, its value and where the value comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Assumption {
    pub parameter: String,
    pub value: String,
    pub source: String,
}

/// What makes a scenario a tabletop exercise.
#[derive(Debug, Clone, Default)]
pub struct Exercise {
    /// States played by people at the operator console.
    pub players: Vec<StateCode>,
    pub objectives: Vec<Objective>,
    /// The action expected of the receiver, by case (from each inject's `expect`).
    pub expectations: BTreeMap<u32, String>,
    /// The actions expected, by case, as pocnet judges them (each inject's `expect_actions`).
    pub expected_actions: BTreeMap<u32, Vec<ExpectedAction>>,
}

/// The action `name` names, if any: the one table is core's [`pocnet_core::ActionName::ALL`].
pub fn action_named(name: &str) -> Option<pocnet_core::ActionName> {
    pocnet_core::ActionName::parse(name)
}

/// Every action's name, as scenario files, spreadsheets and the console's JSON write it.
pub fn action_names() -> Vec<&'static str> {
    pocnet_core::ActionName::ALL.iter().map(pocnet_core::ActionName::key).collect()
}

/// An action an inject expects of a player: which, by whom, within how long of the
/// request reaching them, and for a refusal, words its ground must contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedAction {
    pub action: pocnet_core::ActionName,
    pub by: StateCode,
    pub within_ms: Option<u64>,
    pub ground: Option<String>,
}

/// An exercise objective, judged from the report (HSEEP ratings P/S/M/U).
#[derive(Debug, Clone)]
pub struct Objective {
    pub name: String,
    /// Receivers judged: the players unless the objective names states.
    pub states: Vec<StateCode>,
    pub kind: Option<RequestKind>,
    pub acknowledge_within_ms: Option<u64>,
    pub fulfil_within_ms: Option<u64>,
}

/// `[[faults]] kind`, parsed once where the scenario is validated: every consumer
/// matches this, never the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// A contact point unreachable for a span of scenario time (the model's).
    Down,
    /// Two sets of states that cannot reach each other (the model's).
    Partition,
    /// A register entry that points nowhere (the model's).
    Stale,
    /// The node's process killed at a scenario time (the mesh's).
    Crash,
    /// A real partition beneath QUIC for a real-time duration (the mesh's).
    Cut,
}

impl FaultKind {
    pub const ALL: [FaultKind; 5] =
        [FaultKind::Down, FaultKind::Partition, FaultKind::Stale, FaultKind::Crash, FaultKind::Cut];

    /// The keyword in a scenario file (and its JSON Schema).
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Down => "down",
            FaultKind::Partition => "partition",
            FaultKind::Stale => "stale",
            FaultKind::Crash => "crash",
            FaultKind::Cut => "cut",
        }
    }

    pub fn parse(s: &str) -> Option<FaultKind> {
        FaultKind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// Decided by the senders' cores from the network model (both engines lose the same
    /// envelopes), rather than carried out on the mesh's processes.
    pub fn is_modelled(&self) -> bool {
        match self {
            FaultKind::Down | FaultKind::Partition | FaultKind::Stale => true,
            FaultKind::Crash | FaultKind::Cut => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cut {
    pub at: SimTime,
    pub a: Vec<StateCode>,
    pub b: Vec<StateCode>,
    pub lasting: std::time::Duration,
}

/// Longest real-time cut: senders retry a silent peer for a minute.
pub const CUT_LASTING_MS_MAX: u64 = 30_000;

impl Scenario {
    pub fn state(&self, code: StateCode) -> Option<&StateEntry> {
        self.states.iter().find(|s| s.code == code)
    }

    /// The contact point configuration a node receives at setup.
    pub fn contact_point_config(&self, entry: &StateEntry) -> pocnet_core::ContactPointConfig {
        let mut profile = entry.profile.clone();
        profile.languages = entry.languages.clone();
        pocnet_core::ContactPointConfig {
            state: entry.code,
            seed: self.seed,
            roster: entry.roster.clone(),
            profile,
            network: self.network.clone(),
            operated: self.is_played(entry.code),
        }
    }

    /// Whether a person plays this state's contact point.
    pub fn is_played(&self, code: StateCode) -> bool {
        self.exercise.as_ref().is_some_and(|e| e.players.contains(&code))
    }

    /// Injects whose requester is `code`.
    pub fn injects_from(&self, code: StateCode) -> Vec<Inject> {
        self.injects.iter().filter(|i| i.from == code).cloned().collect()
    }
}

/// A statistic a threshold bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Time from the scheduled inject time to acknowledgement.
    AckTime,
    /// Time from the scheduled inject time to execution.
    FulfilTime,
    /// Time from inject to the case's outcome, over every link of its chain.
    CaseTime,
    EvidenceLostRatio,
    ExpiredRatio,
    RefusedRatio,
    UndeliverableRatio,
    /// Cases that did not end fulfilled, preserved or disclosed.
    FailureRatio,
    /// Of the preserved cases an MLA request was to follow, those whose hold lapsed.
    HoldLapsedRatio,
    /// Of the cases of the evidence kinds, those that ended in usable evidence.
    DisclosedRatio,
    /// Time from the scheduled inject time to usable evidence (never, if not disclosed).
    EvidenceTime,
    /// Of the forged cases, those a receiver executed (fulfilled, preserved, disclosed).
    ForgedAccepted,
}

impl Metric {
    pub const NAMES: [(&'static str, Metric); 12] = [
        ("ack_time", Metric::AckTime),
        ("fulfil_time", Metric::FulfilTime),
        ("case_time", Metric::CaseTime),
        ("evidence_lost_ratio", Metric::EvidenceLostRatio),
        ("expired_ratio", Metric::ExpiredRatio),
        ("refused_ratio", Metric::RefusedRatio),
        ("undeliverable_ratio", Metric::UndeliverableRatio),
        ("failure_ratio", Metric::FailureRatio),
        ("hold_lapsed_ratio", Metric::HoldLapsedRatio),
        ("disclosed_ratio", Metric::DisclosedRatio),
        ("evidence_time", Metric::EvidenceTime),
        ("forged_accepted", Metric::ForgedAccepted),
    ];

    pub fn name(&self) -> &'static str {
        Metric::NAMES.iter().find(|(_, m)| m == self).map_or("?", |(n, _)| n)
    }

    pub fn is_time(&self) -> bool {
        match self {
            Metric::AckTime | Metric::FulfilTime | Metric::CaseTime | Metric::EvidenceTime => true,
            Metric::EvidenceLostRatio
            | Metric::ExpiredRatio
            | Metric::RefusedRatio
            | Metric::UndeliverableRatio
            | Metric::FailureRatio
            | Metric::HoldLapsedRatio
            | Metric::DisclosedRatio
            | Metric::ForgedAccepted => false,
        }
    }

    /// Needs the evidence step (`[mla]`).
    pub fn needs_evidence_step(&self) -> bool {
        match self {
            Metric::HoldLapsedRatio | Metric::DisclosedRatio | Metric::EvidenceTime => true,
            Metric::AckTime
            | Metric::FulfilTime
            | Metric::CaseTime
            | Metric::EvidenceLostRatio
            | Metric::ExpiredRatio
            | Metric::RefusedRatio
            | Metric::UndeliverableRatio
            | Metric::FailureRatio
            | Metric::ForgedAccepted => false,
        }
    }
}

/// A bound a run must meet, like k6's: `ack_time{kind=emergency} p95 < 1h`.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub metric: Metric,
    /// Only requests (or cases) of this kind.
    pub kind: Option<RequestKind>,
    /// Only requests to states of this region (cases: the first requested state's).
    pub region: Option<String>,
    /// For time metrics: p50, p90, p95, p99 or max.
    pub stat: Option<Stat>,
    /// Milliseconds for time metrics, a fraction for ratios.
    pub bound: Bound,
}

/// Which side of its value a threshold's metric must stay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    Below(f64),
    /// For shares that should be high (`disclosed_ratio`).
    Above(f64),
}

impl Bound {
    pub fn holds(&self, value: f64) -> bool {
        match *self {
            Bound::Below(b) => value < b,
            Bound::Above(b) => value > b,
        }
    }

    pub fn value(&self) -> f64 {
        match *self {
            Bound::Below(b) | Bound::Above(b) => b,
        }
    }

    fn sign(&self) -> &'static str {
        match self {
            Bound::Below(_) => "<",
            Bound::Above(_) => ">",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stat {
    P50,
    P90,
    P95,
    P99,
    Max,
}

impl Stat {
    pub const NAMES: [(&'static str, Stat); 5] =
        [("p50", Stat::P50), ("p90", Stat::P90), ("p95", Stat::P95), ("p99", Stat::P99), ("max", Stat::Max)];

    pub fn name(&self) -> &'static str {
        Stat::NAMES.iter().find(|(_, s)| s == self).map_or("?", |(n, _)| n)
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.metric.name())?;
        let mut filters = Vec::new();
        if let Some(k) = self.kind {
            filters.push(format!("kind={k}"));
        }
        if let Some(r) = &self.region {
            filters.push(format!("region={r}"));
        }
        if !filters.is_empty() {
            write!(f, "{{{}}}", filters.join(","))?;
        }
        let (sign, value) = (self.bound.sign(), self.bound.value());
        match self.stat {
            Some(stat) => write!(f, " {} {sign} {}", stat.name(), pocnet_core::time::format_duration_ms(value as u64)),
            None => write!(f, " {sign} {value}"),
        }
    }
}

/// Link delay when a scenario names none: a fixed 200 ms, an assumption.
pub const DEFAULT_LINK_DELAY_MS: u64 = 200;
/// Acknowledgement SLA when a scenario names none: one hour.
pub const DEFAULT_ACK_SLA_MS: u64 = 3_600_000;
/// Length of a scenario that names no end.
pub const DEFAULT_SCENARIO_DAYS: u64 = 7;
/// Largest `rate_per_day` of a `[[generate]]` block.
pub const RATE_PER_DAY_MAX: f64 = 10_000.0;
