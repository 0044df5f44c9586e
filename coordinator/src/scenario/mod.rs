//! Scenario files: TOML read in two stages, raw (syntax, spans) then validated model.
//!
//! Only a validated [`Scenario`] reaches the engines. Every problem found is reported with
//! `file:line:column` and what was expected; validation goes on after the first problem so
//! that one run of `pocnet check` lists them all.

use pocnet_core::limits;
use pocnet_core::network::{Fault, LinkRule, Side};
use pocnet_core::profile::{CentralAuthority, KindDelays, RequesterPolicy};
use pocnet_core::request::{Art42, Inject, RequestId, RequestKind};
use pocnet_core::roster::{Mode, Roster, RosterSpec, Shift, WorkWeek};
use pocnet_core::{Delay, DelaysByMode, NetworkModel, Profile, SimTime, StateCode};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

mod generate;
mod raw;

use raw::*;

/// JSON Schema of the scenario format (docs/scenario.schema.json), printed by `pocnet schema`.
pub const JSON_SCHEMA: &str = include_str!("../../../docs/scenario.schema.json");

/// Largest scenario file read.
pub const SCENARIO_BYTES_MAX: u64 = 16 << 20;
/// Injects in one scenario.
pub const INJECTS_MAX: usize = 1_000_000;

/// One problem in a scenario file, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
    }
}

/// Everything wrong with a scenario file.
#[derive(Debug, thiserror::Error)]
pub struct ScenarioError {
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

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
}

/// What makes a scenario a tabletop exercise.
#[derive(Debug, Clone, Default)]
pub struct Exercise {
    /// States played by people at the operator console.
    pub players: Vec<StateCode>,
    pub objectives: Vec<Objective>,
    /// The action expected of the receiver, by case (from each inject's `expect`).
    pub expectations: BTreeMap<u32, String>,
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

    /// Where the clock starts for this scenario's exercise (if it is one).
    pub fn exercise_state(&self) -> crate::clock::ExerciseState {
        crate::clock::ExerciseState::new(&self.injects, self.exercise.as_ref().map(|_| self.end))
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
    /// Cases that did not end fulfilled or preserved.
    FailureRatio,
}

impl Metric {
    pub const NAMES: [(&'static str, Metric); 8] = [
        ("ack_time", Metric::AckTime),
        ("fulfil_time", Metric::FulfilTime),
        ("case_time", Metric::CaseTime),
        ("evidence_lost_ratio", Metric::EvidenceLostRatio),
        ("expired_ratio", Metric::ExpiredRatio),
        ("refused_ratio", Metric::RefusedRatio),
        ("undeliverable_ratio", Metric::UndeliverableRatio),
        ("failure_ratio", Metric::FailureRatio),
    ];

    pub fn name(&self) -> &'static str {
        Metric::NAMES.iter().find(|(_, m)| m == self).map_or("?", |(n, _)| n)
    }

    pub fn is_time(&self) -> bool {
        matches!(self, Metric::AckTime | Metric::FulfilTime | Metric::CaseTime)
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
    /// Milliseconds for time metrics, a fraction for ratios; the value must be below it.
    pub below: f64,
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
        match self.stat {
            Some(stat) => write!(f, " {} < {}", stat.name(), pocnet_core::time::format_duration_ms(self.below as u64)),
            None => write!(f, " < {}", self.below),
        }
    }
}

// ---------------------------------------------------------------- validation

pub(super) struct Checker<'a> {
    file: &'a str,
    text: &'a str,
    diagnostics: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, column) = line_column(self.text, span.start);
        self.diagnostics.push(Diagnostic { file: self.file.to_string(), line, column, message: message.into() });
    }

    fn at<T>(&mut self, value: &Spanned<T>, message: impl Into<String>) {
        self.error(value.span(), message);
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// A scenario or register file: a regular file, read with its size limit applied while
/// reading (a FIFO or a device is refused, never read).
fn read_text(path: &Path) -> Result<String, ScenarioError> {
    use pocnet_node::files::{read_text, FileError};
    read_text(path, SCENARIO_BYTES_MAX).map_err(|e| {
        let message = match e {
            FileError::Read { source, .. } => format!("cannot read: {source}"),
            FileError::NotAFile { kind, .. } => format!("not a regular file (a {kind})"),
            FileError::TooLarge { max, .. } => format!("more than {max} bytes: the limit of a scenario file"),
            FileError::NotText { .. } => "not UTF-8 text".to_string(),
            FileError::Write { source, .. } => source.to_string(),
        };
        ScenarioError {
            diagnostics: vec![Diagnostic { file: path.display().to_string(), line: 1, column: 1, message }],
        }
    })
}

/// What the command line changes in a scenario. Applied before anything is drawn from the
/// seed, so that `--seed S` gives exactly the run of a file that says `seed = S`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub seed: Option<u64>,
}

/// Reads and validates a scenario file (and the register it names), with `overrides`
/// applied: the returned model is final.
pub fn load(path: &Path, overrides: &Overrides) -> Result<Scenario, ScenarioError> {
    let text = read_text(path)?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse_with(&path.display().to_string(), &text, overrides, &|name| {
        let p = base.join(name);
        read_text(&p).map(|t| (p.display().to_string(), t))
    })
}

/// Validates scenario text that names no register file.
pub fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
    parse_with(file, text, &Overrides::default(), &|name| {
        Err(ScenarioError {
            diagnostics: vec![Diagnostic {
                file: name.into(),
                line: 1,
                column: 1,
                message: "registers cannot be read here".into(),
            }],
        })
    })
}

type RegisterReader<'r> = dyn Fn(&str) -> Result<(String, String), ScenarioError> + 'r;

fn parse_with(
    file: &str,
    text: &str,
    overrides: &Overrides,
    read_register: &RegisterReader<'_>,
) -> Result<Scenario, ScenarioError> {
    let mut c = Checker { file, text, diagnostics: Vec::new() };
    let raw: RawFile = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            c.error(e.span().unwrap_or(0..0), e.message().trim().to_string());
            return Err(ScenarioError { diagnostics: c.diagnostics });
        }
    };
    // The register, if any: its own file, its own diagnostics.
    let mut base_states: Vec<StateEntry> = Vec::new();
    let mut profiles: BTreeMap<String, Profile> = BTreeMap::new();
    let mut profile_names: BTreeSet<String> = BTreeSet::new();
    if let Some(reg) = &raw.scenario.register {
        match read_register(reg.get_ref()) {
            Err(mut e) => {
                let message = e.diagnostics.first().map(|d| d.message.clone()).unwrap_or_default();
                c.at(reg, format!("register `{}`: {message}", reg.get_ref()));
                e.diagnostics.clear();
            }
            Ok((reg_file, reg_text)) => {
                let mut rc = Checker { file: &reg_file, text: &reg_text, diagnostics: Vec::new() };
                match toml::from_str::<RawRegister>(&reg_text) {
                    Err(e) => rc.error(e.span().unwrap_or(0..0), e.message().trim().to_string()),
                    Ok(register) => {
                        let _ = &register.description;
                        for (name, p) in &register.profiles {
                            profile_names.insert(name.clone());
                            if let Some(p) = profile(&mut rc, p) {
                                profiles.insert(name.clone(), p);
                            }
                        }
                        let names: BTreeSet<String> =
                            profile_names.iter().chain(raw.profiles.keys()).cloned().collect();
                        // One entry per state: a register that lists a state twice would make
                        // two contact points of one node.
                        let mut first_line: BTreeMap<String, usize> = BTreeMap::new();
                        for s in &register.contact_points {
                            let code = s.get_ref().code.get_ref().clone();
                            let (line, _) = line_column(&reg_text, s.get_ref().code.span().start);
                            if let Some(first) = first_line.get(&code) {
                                rc.at(
                                    &s.get_ref().code,
                                    format!("state {code} is listed twice: first at line {first}, again here"),
                                );
                                continue;
                            }
                            first_line.insert(code, line);
                            if let Some(entry) = state(&mut rc, s.get_ref(), None, &names) {
                                base_states.push(entry);
                            }
                        }
                    }
                }
                c.diagnostics.append(&mut rc.diagnostics);
            }
        }
    }
    for (name, p) in &raw.profiles {
        profile_names.insert(name.clone());
        if let Some(p) = profile(&mut c, p) {
            profiles.insert(name.clone(), p);
        }
    }
    let scenario = validate(&mut c, raw, overrides, base_states, &profiles, &profile_names);
    match scenario {
        Some(s) if c.diagnostics.is_empty() => Ok(s),
        _ => Err(ScenarioError { diagnostics: c.diagnostics }),
    }
}

/// Link delay when a scenario names none: a fixed 200 ms, an assumption.
pub const DEFAULT_LINK_DELAY_MS: u64 = 200;
/// Acknowledgement SLA when a scenario names none: one hour.
pub const DEFAULT_ACK_SLA_MS: u64 = 3_600_000;
/// Length of a scenario that names no end.
pub const DEFAULT_SCENARIO_DAYS: u64 = 7;

fn validate(
    c: &mut Checker<'_>,
    raw: RawFile,
    overrides: &Overrides,
    mut register: Vec<StateEntry>,
    profiles: &BTreeMap<String, Profile>,
    profile_names: &BTreeSet<String>,
) -> Option<Scenario> {
    let seed = match (overrides.seed, u64::try_from(*raw.scenario.seed.get_ref())) {
        (Some(s), _) | (None, Ok(s)) => Some(s),
        (None, Err(_)) => {
            c.at(&raw.scenario.seed, "seed must be a non-negative integer");
            None
        }
    };
    let start = timestamp(c, &raw.scenario.start);
    let end = match (&raw.scenario.end, start) {
        (Some(e), Some(start)) => match timestamp(c, e) {
            Some(end) if end > start => Some(end),
            Some(_) => {
                c.at(e, "the scenario must end after it starts");
                None
            }
            None => None,
        },
        (None, Some(start)) => Some(start.plus_ms(DEFAULT_SCENARIO_DAYS * 86_400_000)),
        _ => None,
    };

    // Register selection, then the scenario's own entries (overrides or additions).
    if let Some(include) = &raw.scenario.include {
        let regions: BTreeSet<String> = register.iter().map(|s| s.region.clone()).collect();
        let mut keep = BTreeSet::new();
        for item in include {
            let v = item.get_ref();
            if v == "*" {
                keep.extend(register.iter().map(|s| s.code));
            } else if regions.contains(v) {
                keep.extend(register.iter().filter(|s| &s.region == v).map(|s| s.code));
            } else if let Some(s) = register.iter().find(|s| s.code.as_str() == v) {
                keep.insert(s.code);
            } else {
                c.at(item, format!("`{v}` is neither a state code nor a region of the register"));
            }
        }
        register.retain(|s| keep.contains(&s.code));
    }
    let mut states = register;
    let mut listed: BTreeMap<StateCode, usize> = BTreeMap::new();
    for s in &raw.states {
        let code = StateCode::parse(s.get_ref().code.get_ref()).ok();
        if let Some(code) = code {
            let (line, _) = line_column(c.text, s.get_ref().code.span().start);
            if let Some(first) = listed.get(&code) {
                let message = format!("state {code} appears twice in [[states]]: first at line {first}, again here");
                c.at(&s.get_ref().code, message);
                continue;
            }
            listed.insert(code, line);
        }
        let base = code.and_then(|code| states.iter().position(|e| e.code == code));
        match base {
            Some(i) => {
                let base = states[i].clone();
                if let Some(entry) = state(c, s.get_ref(), Some(&base), profile_names) {
                    states[i] = entry;
                }
            }
            None => {
                if let Some(entry) = state(c, s.get_ref(), None, profile_names) {
                    states.push(entry);
                }
            }
        }
    }
    // Profiles are resolved once every entry is known.
    for entry in &mut states {
        match profiles.get(&entry.profile_name) {
            Some(p) => {
                let mut p = p.clone();
                if let Some(ca) = p.central_authority.as_mut() {
                    ca.roster.tz = entry.roster.tz.clone();
                    ca.roster.workweek = entry.roster.workweek;
                    ca.roster.holidays = entry.roster.holidays.clone();
                }
                entry.profile = p;
            }
            None => {
                // Already reported where the profile was named, or the profile itself is invalid.
                if !profile_names.contains(&entry.profile_name) {
                    c.error(0..0, format!("{}: unknown profile `{}`", entry.code, entry.profile_name));
                }
            }
        }
    }
    // Every state the files name, valid or not: a broken entry is reported once, where it
    // is, not again by every inject that names it.
    let named: BTreeSet<StateCode> = states
        .iter()
        .map(|s| s.code)
        .chain(raw.states.iter().filter_map(|s| StateCode::parse(s.get_ref().code.get_ref()).ok()))
        .collect();
    if named.len() < 2 {
        c.error(0..0, format!("{} contact points: a scenario needs at least two", named.len()));
    }
    if named.len() > limits::STATES_MAX {
        c.error(0..0, format!("{} contact points; at most {}", named.len(), limits::STATES_MAX));
    }
    let codes = named;
    let mut regions: BTreeMap<StateCode, String> = states.iter().map(|s| (s.code, s.region.clone())).collect();
    for s in &raw.states {
        if let (Ok(code), Some(region)) = (StateCode::parse(s.get_ref().code.get_ref()), &s.get_ref().region) {
            regions.entry(code).or_insert_with(|| region.clone());
        }
    }

    let mut network = network(c, raw.network.as_ref(), &codes, &regions);
    if let (Some(n), Some(start), Some(end)) = (network.as_mut(), start, end) {
        n.regions = regions.clone();
        for f in raw.faults.iter().filter(|f| !matches!(f.get_ref().kind.get_ref().as_str(), "crash" | "cut")) {
            if n.faults.len() == limits::FAULTS_MAX {
                c.at(f, format!("more than {} down, partition and stale faults", limits::FAULTS_MAX));
                break;
            }
            if let Some(fault) = fault(c, f, &codes, &regions, start, end) {
                n.faults.push(fault);
            }
        }
    }

    let window = start.zip(end);
    let mut injects = Vec::new();
    let mut per_state: BTreeMap<StateCode, usize> = BTreeMap::new();
    let mut next_case: u32 = 1;
    let mut expectations = BTreeMap::new();
    for raw_inject in &raw.injects {
        if let Some(inject) = inject(c, raw_inject.get_ref(), RequestId { case: next_case, link: 0 }, &codes, window) {
            injects.push(inject);
        }
        if let Some(expect) = &raw_inject.get_ref().expect {
            expectations.insert(next_case, expect.clone());
        }
        next_case = next_case.saturating_add(1);
    }
    if let (Some(seed), Some((start, end))) = (seed, window) {
        let mut generated = Vec::new();
        let mut budget = INJECTS_MAX.saturating_sub(injects.len());
        for (index, g) in raw.generate.iter().enumerate() {
            generated.extend(generate::generate(c, g, index, seed, start, end, &states, &regions, &mut budget));
        }
        generated.sort_by_key(|i| (i.at, i.from, i.to));
        for mut inject in generated {
            inject.id = RequestId { case: next_case, link: 0 };
            next_case = next_case.saturating_add(1);
            injects.push(inject);
        }
    }
    if injects.len() > INJECTS_MAX {
        c.error(0..0, format!("{} injects; at most {INJECTS_MAX}", injects.len()));
    }
    for inject in &injects {
        let n = per_state.entry(inject.from).or_default();
        *n += 1;
        if *n == limits::INJECTS_PER_STATE_MAX + 1 {
            c.error(0..0, format!("more than {} injects from {}", limits::INJECTS_PER_STATE_MAX, inject.from));
        }
    }

    let all_regions: BTreeSet<&String> = regions.values().collect();
    let thresholds = raw.thresholds.iter().filter_map(|t| threshold(c, t.get_ref(), &all_regions)).collect();

    let ack_sla_ms = match &raw.scenario.ack_sla {
        Some(v) => duration_field(c, v, "ack_sla"),
        None => Some(DEFAULT_ACK_SLA_MS),
    };
    let mut crashes = Vec::new();
    for f in raw.faults.iter().map(Spanned::get_ref).filter(|f| f.kind.get_ref() == "crash") {
        let state = match &f.state {
            Some(s) => match StateCode::parse(s.get_ref()) {
                Ok(code) if codes.contains(&code) => Some(code),
                _ => {
                    c.at(s, format!("unknown state `{}`: not among the scenario's contact points", s.get_ref()));
                    None
                }
            },
            None => {
                c.at(&f.kind, "a `crash` fault needs `state`");
                None
            }
        };
        let at = match &f.from {
            Some(t) => time_in(c, t, window),
            None => {
                c.at(&f.kind, "a `crash` fault needs `from` (when the process is killed)");
                None
            }
        };
        if let (Some(state), Some(at)) = (state, at) {
            crashes.push((at, state));
        }
    }
    let mut cuts = Vec::new();
    for f in raw.faults.iter().map(Spanned::get_ref).filter(|f| f.kind.get_ref() == "cut") {
        let members =
            |c: &mut Checker<'_>, list: &Option<Vec<Spanned<String>>>, name: &str| -> Option<Vec<StateCode>> {
                let Some(list) = list else {
                    c.at(&f.kind, format!("a `cut` fault needs `{name}`"));
                    return None;
                };
                let sides: Vec<Side> = list.iter().filter_map(|v| side(c, v, &codes, &regions)).collect();
                (sides.len() == list.len()).then(|| members_of(&sides, &codes, &regions))
            };
        let (a, b) = (members(c, &f.a, "a"), members(c, &f.b, "b"));
        let at = match &f.from {
            Some(t) => time_in(c, t, window),
            None => {
                c.at(&f.kind, "a `cut` fault needs `from` (the scenario time it starts)");
                None
            }
        };
        let lasting = match &f.lasting {
            Some(l) => match duration_ms(l.get_ref()) {
                Ok(ms) if ms > 0 && ms <= CUT_LASTING_MS_MAX => Some(std::time::Duration::from_millis(ms)),
                Ok(_) => {
                    c.at(l, format!("`lasting` is real time, between 1ms and {}s", CUT_LASTING_MS_MAX / 1000));
                    None
                }
                Err(e) => {
                    c.at(l, e);
                    None
                }
            },
            None => {
                c.at(&f.kind, "a `cut` fault needs `lasting` (how long, in real time)");
                None
            }
        };
        if let (Some(a), Some(b), Some(at), Some(lasting)) = (a, b, at, lasting) {
            let b: Vec<StateCode> = b.into_iter().filter(|s| !a.contains(s)).collect();
            cuts.push(Cut { at, a, b, lasting });
        }
    }
    let restart_nodes = raw.scenario.restart_nodes.unwrap_or(true);
    let exercise = raw.exercise.as_ref().map(|e| exercise(c, e, &codes, expectations));
    Some(Scenario {
        exercise,
        restart_nodes,
        cuts,
        crashes,
        ack_sla_ms: ack_sla_ms?,
        name: raw.scenario.name,
        description: raw.scenario.description,
        seed: seed?,
        start: start?,
        end: end?,
        network: network?,
        states,
        injects,
        thresholds,
    })
}

fn exercise(
    c: &mut Checker<'_>,
    raw: &Spanned<RawExercise>,
    codes: &BTreeSet<StateCode>,
    expectations: BTreeMap<u32, String>,
) -> Exercise {
    let state = |c: &mut Checker<'_>, v: &Spanned<String>| match StateCode::parse(v.get_ref()) {
        Ok(code) if codes.contains(&code) => Some(code),
        _ => {
            c.at(v, format!("unknown state `{}`: not among the scenario's contact points", v.get_ref()));
            None
        }
    };
    let mut players = Vec::new();
    for p in &raw.get_ref().players {
        if let Some(code) = state(c, p) {
            if players.contains(&code) {
                c.at(p, format!("{code} is listed twice among the players"));
            }
            players.push(code);
        }
    }
    let mut objectives = Vec::new();
    for o in &raw.get_ref().objectives {
        let r = o.get_ref();
        let states = match &r.states {
            Some(list) => list.iter().filter_map(|v| state(c, v)).collect(),
            None => players.clone(),
        };
        let kind = r.kind.as_ref().and_then(|k| kind_of(c, k));
        let acknowledge_within_ms =
            r.acknowledge_within.as_ref().and_then(|v| duration_field(c, v, "acknowledge_within"));
        let fulfil_within_ms = r.fulfil_within.as_ref().and_then(|v| duration_field(c, v, "fulfil_within"));
        if r.acknowledge_within.is_none() && r.fulfil_within.is_none() {
            c.at(o, "an objective needs `acknowledge_within` or `fulfil_within` (what is measured)");
        }
        objectives.push(Objective { name: r.name.clone(), states, kind, acknowledge_within_ms, fulfil_within_ms });
    }
    Exercise { players, objectives, expectations }
}

fn timestamp(c: &mut Checker<'_>, value: &Spanned<String>) -> Option<SimTime> {
    match value.get_ref().parse::<jiff::Timestamp>() {
        Ok(ts) => Some(SimTime::from_timestamp(ts)),
        Err(_) => {
            c.at(
                value,
                format!("`{}` is not a UTC time: expected RFC 3339 like 2025-11-03T09:30:00Z", value.get_ref()),
            );
            None
        }
    }
}

/// A time that must fall inside the scenario.
pub(super) fn time_in(
    c: &mut Checker<'_>,
    value: &Spanned<String>,
    window: Option<(SimTime, SimTime)>,
) -> Option<SimTime> {
    let t = timestamp(c, value)?;
    if let Some((start, end)) = window {
        if t < start || t > end {
            c.at(value, format!("{t} is outside the scenario ({start} to {end})"));
            return None;
        }
    }
    Some(t)
}

fn duration_field(c: &mut Checker<'_>, value: &Spanned<String>, what: &str) -> Option<u64> {
    match duration_ms(value.get_ref()) {
        Ok(ms) if ms > 0 && ms <= limits::DELAY_MS_MAX => Some(ms),
        Ok(_) => {
            c.at(value, format!("{what} must be positive and at most 366d"));
            None
        }
        Err(e) => {
            c.at(value, e);
            None
        }
    }
}

pub(super) fn delay_field(c: &mut Checker<'_>, value: &Spanned<String>) -> Option<Delay> {
    match delay(value.get_ref()) {
        Ok(d) => Some(d),
        Err(e) => {
            c.at(value, e);
            None
        }
    }
}

fn by_mode(c: &mut Checker<'_>, raw: &RawByMode) -> Option<DelaysByMode> {
    let (staffed, on_call) = (delay_field(c, &raw.staffed), delay_field(c, &raw.on_call));
    Some(DelaysByMode { staffed: staffed?, on_call: on_call? })
}

pub(super) fn probability(c: &mut Checker<'_>, value: &Spanned<f64>) -> Option<f64> {
    let p = *value.get_ref();
    if (0.0..=1.0).contains(&p) {
        Some(p)
    } else {
        c.at(value, format!("probability {p} is outside [0, 1]"));
        None
    }
}

pub(super) fn kind_of(c: &mut Checker<'_>, value: &Spanned<String>) -> Option<RequestKind> {
    let kind = RequestKind::parse(value.get_ref());
    if kind.is_none() {
        c.at(value, unknown_kind(value.get_ref()));
    }
    kind
}

fn profile(c: &mut Checker<'_>, raw: &Spanned<RawProfile>) -> Option<Profile> {
    let r = raw.get_ref();
    let acknowledge = by_mode(c, &r.acknowledge);
    let fulfil = by_mode(c, &r.fulfil);
    let mut kinds = BTreeMap::new();
    let mut kinds_ok = true;
    for (name, k) in &r.kinds {
        let kind = kind_of(c, name);
        let ack = k.acknowledge.as_ref().map(|d| by_mode(c, d));
        let ful = k.fulfil.as_ref().map(|d| by_mode(c, d));
        match (kind, ack, ful) {
            (Some(kind), ack, ful) if !matches!(ack, Some(None)) && !matches!(ful, Some(None)) => {
                kinds.insert(kind, KindDelays { acknowledge: ack.flatten(), fulfil: ful.flatten() });
            }
            _ => kinds_ok = false,
        }
    }
    let translation = match &r.translation {
        Some(t) => delay_field(c, t),
        None => Some(Delay::Fixed { ms: 0 }),
    };
    let give_up = duration_field(c, &r.give_up_after, "give_up_after");
    let resend_after = r.resend_after.as_ref().map(|v| duration_field(c, v, "resend_after"));
    let escalate_after = r.escalate_after.as_ref().map(|v| duration_field(c, v, "escalate_after"));
    let resends_max = match &r.resends_max {
        Some(v) => match u32::try_from(*v.get_ref()) {
            Ok(n) if n <= limits::RESENDS_MAX => Some(n),
            _ => {
                c.at(v, format!("resends_max must be between 0 and {}", limits::RESENDS_MAX));
                None
            }
        },
        None => Some(if r.resend_after.is_some() { 3 } else { 0 }),
    };
    let refuse_probability = match &r.refuse_probability {
        Some(p) => probability(c, p),
        None => Some(0.0),
    };
    let central_authority = match &r.central_authority {
        None => Some(None),
        Some(ca) => {
            let kinds: Vec<RequestKind> = ca.kinds.iter().filter_map(|k| kind_of(c, k)).collect();
            let delay = delay_field(c, &ca.delay);
            let shifts = shifts(c, ca.hours.as_deref());
            match (delay, shifts) {
                // The central authority's roster is filled in per state (same zone and week).
                (Some(delay), Some(shifts)) if kinds.len() == ca.kinds.len() => Some(Some(CentralAuthority {
                    roster: RosterSpec {
                        tz: String::new(),
                        workweek: WorkWeek::ALL_DAYS,
                        shifts,
                        always_staffed: false,
                        off_hours: Mode::Closed,
                        holidays: vec![],
                    },
                    delay,
                    kinds,
                })),
                _ => None,
            }
        }
    };
    let on_call_kinds = match &r.on_call_kinds {
        None => Some(None),
        Some(list) => {
            let kinds: Vec<RequestKind> = list.iter().filter_map(|k| kind_of(c, k)).collect();
            (kinds.len() == list.len()).then_some(Some(kinds))
        }
    };
    let ground = r.refusal_ground.clone().unwrap_or_else(|| "prejudice to essential interests (Art. 42)".into());
    if ground.len() > limits::TEXT_FIELD_BYTES_MAX {
        c.at(raw, format!("refusal_ground is longer than {} bytes", limits::TEXT_FIELD_BYTES_MAX));
    }
    if !kinds_ok {
        return None;
    }
    let profile = Profile {
        acknowledge: acknowledge?,
        fulfil: fulfil?,
        kinds,
        languages: vec![],
        translation: translation?,
        refuse_probability: refuse_probability?,
        refusal_ground: ground,
        central_authority: central_authority?,
        requester: RequesterPolicy {
            resend_after_ms: resend_after.map_or(Some(None), |v| v.map(Some))?,
            resends_max: resends_max?,
            escalate_after_ms: escalate_after.map_or(Some(None), |v| v.map(Some))?,
            give_up_after_ms: give_up?,
        },
        on_call_kinds: on_call_kinds?,
    };
    if let Err(e) = profile.validate() {
        c.at(raw, e.to_string());
        return None;
    }
    Some(profile)
}

fn unknown_kind(s: &str) -> String {
    let names: Vec<&str> = RequestKind::ALL.iter().map(|k| k.as_str()).collect();
    format!("unknown request kind `{s}`: expected one of {}", names.join(", "))
}

fn shifts(c: &mut Checker<'_>, hours: Option<&[Spanned<String>]>) -> Option<Vec<Shift>> {
    let Some(hours) = hours else { return Some(vec![Shift { start_minute: 9 * 60, end_minute: 17 * 60 }]) };
    let mut out = Vec::new();
    let mut ok = true;
    for h in hours {
        match Shift::parse(h.get_ref()) {
            Ok(s) => out.push(s),
            Err(e) => {
                c.at(h, e.to_string());
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

const ROSTER_PATTERNS: &str = "staffed-24-7, office-hours-on-call, office-hours-only";

/// A contact point from its raw entry, over `base` (a register entry it overrides).
fn state(
    c: &mut Checker<'_>,
    raw: &RawState,
    base: Option<&StateEntry>,
    profile_names: &BTreeSet<String>,
) -> Option<StateEntry> {
    let code = match StateCode::parse(raw.code.get_ref()) {
        Ok(code) => code,
        Err(e) => {
            c.at(&raw.code, e.to_string());
            return None;
        }
    };
    let missing = |c: &mut Checker<'_>, field: &str| {
        c.at(&raw.code, format!("{code}: `{field}` is required (no register entry to take it from)"));
    };
    let name = raw.name.clone().or_else(|| base.map(|b| b.name.clone()));
    if name.is_none() {
        missing(c, "name");
    }
    let region = raw.region.clone().or_else(|| base.map(|b| b.region.clone())).unwrap_or_default();
    let long = |c: &mut Checker<'_>, field: &str, text: &str, max: usize| {
        if text.len() > max {
            c.at(&raw.code, format!("{code}: `{field}` is {} bytes; the wire carries at most {max}", text.len()));
        }
    };
    long(c, "name", name.as_deref().unwrap_or(""), limits::NAME_BYTES_MAX);
    long(c, "region", &region, limits::NAME_BYTES_MAX);
    let tz = match (&raw.tz, base) {
        (Some(tz), _) => match pocnet_core::tzdb::zone(tz.get_ref()) {
            Ok(_) => Some(tz.get_ref().clone()),
            Err(_) => {
                c.at(tz, format!("unknown time zone `{}`: expected an IANA name like `Europe/Paris`", tz.get_ref()));
                None
            }
        },
        (None, Some(b)) => Some(b.tz.clone()),
        (None, None) => {
            missing(c, "tz");
            None
        }
    };
    let workweek = match (&raw.workweek, base) {
        (Some(w), _) => match WorkWeek::parse(w.get_ref()) {
            Ok(w) => Some(w),
            Err(e) => {
                c.at(w, e.to_string());
                None
            }
        },
        (None, Some(b)) => Some(b.roster.workweek),
        (None, None) => WorkWeek::parse("Mon-Fri").ok(),
    };
    // An entry that overrides only some fields keeps the others, hours included (kept in
    // the roster even while it is staffed around the clock).
    let shifts = match (&raw.hours, base) {
        (None, Some(b)) => Some(b.roster.shifts.clone()),
        (hours, _) => shifts(c, hours.as_deref()),
    };
    let holidays = match (&raw.holidays, base) {
        (Some(list), _) => {
            let mut out = Vec::new();
            for h in list {
                match h.get_ref().parse::<jiff::civil::Date>() {
                    Ok(d) => out.push(d),
                    Err(_) => c.at(h, format!("`{}` is not a date: expected YYYY-MM-DD", h.get_ref())),
                }
            }
            (out.len() == list.len()).then_some(out)
        }
        (None, Some(b)) => Some(b.roster.holidays.clone()),
        (None, None) => Some(vec![]),
    };
    let pattern = match (&raw.roster, base) {
        (Some(r), _) => match r.get_ref().as_str() {
            "staffed-24-7" => Some((true, Mode::Closed)),
            "office-hours-on-call" => Some((false, Mode::OnCall)),
            "office-hours-only" => Some((false, Mode::Closed)),
            other => {
                c.at(r, format!("unknown roster `{other}`: expected one of {ROSTER_PATTERNS}"));
                None
            }
        },
        (None, Some(b)) => Some((b.roster.always_staffed, b.roster.off_hours)),
        (None, None) => {
            missing(c, "roster");
            None
        }
    };
    let profile_name = match (&raw.profile, base) {
        (Some(p), _) => {
            if !profile_names.contains(p.get_ref()) {
                let known: Vec<&str> = profile_names.iter().map(String::as_str).collect();
                c.at(p, format!("unknown profile `{}`: defined are [{}]", p.get_ref(), known.join(", ")));
                None
            } else {
                Some(p.get_ref().clone())
            }
        }
        (None, Some(b)) => Some(b.profile_name.clone()),
        (None, None) => {
            missing(c, "profile");
            None
        }
    };
    let languages = raw.languages.clone().or_else(|| base.map(|b| b.languages.clone())).unwrap_or_default();
    if languages.len() > limits::LANGUAGES_MAX {
        c.at(&raw.code, format!("{code}: {} languages; at most {}", languages.len(), limits::LANGUAGES_MAX));
    }
    for l in &languages {
        long(c, "languages", l, limits::LANGUAGE_BYTES_MAX);
    }
    let (name, tz, workweek, shifts, holidays, (always_staffed, off_hours), profile_name) =
        (name?, tz?, workweek?, shifts?, holidays?, pattern?, profile_name?);
    let spec = RosterSpec { tz: tz.clone(), workweek, shifts: shifts.clone(), always_staffed, off_hours, holidays };
    if let Err(e) = Roster::new(spec.clone()) {
        let span =
            raw.hours.as_ref().and_then(|h| h.first()).map(|h| h.span()).or(raw.roster.as_ref().map(|r| r.span()));
        c.error(span.unwrap_or(raw.code.span()), format!("{code}: {e}"));
        return None;
    }
    let hours: Vec<String> = shifts.iter().map(Shift::to_string).collect();
    let roster_summary = if always_staffed {
        "staffed 24/7".to_string()
    } else {
        let rest = if off_hours == Mode::OnCall { "on call otherwise" } else { "closed otherwise" };
        format!("office hours {} {workweek}, {rest}", hours.join(" "))
    };
    Some(StateEntry {
        code,
        name,
        region,
        tz,
        languages,
        roster: spec,
        roster_summary,
        profile_name,
        // Resolved once every profile is read.
        profile: placeholder_profile(),
    })
}

fn placeholder_profile() -> Profile {
    let zero = Delay::Fixed { ms: 0 };
    let by_mode = DelaysByMode { staffed: zero.clone(), on_call: zero.clone() };
    Profile {
        acknowledge: by_mode.clone(),
        fulfil: by_mode,
        kinds: BTreeMap::new(),
        languages: vec![],
        translation: zero,
        refuse_probability: 0.0,
        refusal_ground: String::new(),
        central_authority: None,
        requester: RequesterPolicy::patient(1),
        on_call_kinds: None,
    }
}

/// Whether `code` is on `side` (a state, a region of `regions`, or `*`).
pub(super) fn on_side(code: StateCode, side: &Side, regions: &BTreeMap<StateCode, String>) -> bool {
    match side {
        Side::State(x) => *x == code,
        Side::Region(r) => regions.get(&code) == Some(r),
        Side::Any => true,
    }
}

/// The states of `codes` on any of `sides`.
fn members_of(sides: &[Side], codes: &BTreeSet<StateCode>, regions: &BTreeMap<StateCode, String>) -> Vec<StateCode> {
    codes.iter().copied().filter(|code| sides.iter().any(|s| on_side(*code, s, regions))).collect()
}

/// A link or fault side: a state code, a region, or `*`.
pub(super) fn side(
    c: &mut Checker<'_>,
    value: &Spanned<String>,
    codes: &BTreeSet<StateCode>,
    regions: &BTreeMap<StateCode, String>,
) -> Option<Side> {
    let v = value.get_ref();
    if v == "*" {
        return Some(Side::Any);
    }
    if let Ok(code) = StateCode::parse(v) {
        if codes.contains(&code) {
            return Some(Side::State(code));
        }
    }
    if regions.values().any(|r| r == v) {
        return Some(Side::Region(v.clone()));
    }
    c.at(value, format!("`{v}` is neither a state of the scenario, a region of its states, nor `*`"));
    None
}

fn network(
    c: &mut Checker<'_>,
    raw: Option<&RawNetwork>,
    codes: &BTreeSet<StateCode>,
    regions: &BTreeMap<StateCode, String>,
) -> Option<NetworkModel> {
    let Some(raw) = raw else { return Some(NetworkModel::new(DEFAULT_LINK_DELAY_MS)) };
    let link_delay = match &raw.link_delay {
        Some(d) => match duration_ms(d.get_ref()) {
            Ok(ms) if (limits::LINK_DELAY_MS_MIN..=limits::DELAY_MS_MAX).contains(&ms) => Some(ms),
            Ok(_) => {
                c.at(d, "link_delay must be at least 1ms (it is the virtual clock's lookahead)");
                None
            }
            Err(e) => {
                c.at(d, e);
                None
            }
        },
        None => Some(DEFAULT_LINK_DELAY_MS),
    };
    let mut model = NetworkModel::new(link_delay.unwrap_or(DEFAULT_LINK_DELAY_MS));
    let mut ok = link_delay.is_some();
    if let Some(extra) = raw.links.get(limits::LINK_RULES_MAX) {
        c.at(extra, format!("more than {} link rules", limits::LINK_RULES_MAX));
        ok = false;
    }
    for l in &raw.links {
        let r = l.get_ref();
        let between = r.between.get_ref();
        if between.len() != 2 {
            c.at(&r.between, "`between` takes two sides: state codes, regions or `*`");
            ok = false;
            continue;
        }
        let (a, b) = (side(c, &between[0], codes, regions), side(c, &between[1], codes, regions));
        let delay_ms = match &r.delay {
            Some(d) => match duration_ms(d.get_ref()) {
                Ok(ms) if (limits::LINK_DELAY_MS_MIN..=limits::DELAY_MS_MAX).contains(&ms) => Some(ms),
                Ok(_) => {
                    c.at(d, "a link delay must be at least 1ms");
                    None
                }
                Err(e) => {
                    c.at(d, e);
                    None
                }
            },
            None => Some(model.link_delay_ms),
        };
        let loss = match &r.loss {
            Some(p) if (0.0..1.0).contains(p.get_ref()) => Some(*p.get_ref()),
            Some(p) => {
                c.at(p, format!("loss {} is outside [0, 1)", p.get_ref()));
                None
            }
            None => Some(0.0),
        };
        match (a, b, delay_ms, loss) {
            (Some(a), Some(b), Some(delay_ms), Some(loss)) => model.links.push(LinkRule { a, b, delay_ms, loss }),
            _ => ok = false,
        }
    }
    ok.then_some(model)
}

fn fault(
    c: &mut Checker<'_>,
    raw: &Spanned<RawFault>,
    codes: &BTreeSet<StateCode>,
    regions: &BTreeMap<StateCode, String>,
    start: SimTime,
    end: SimTime,
) -> Option<Fault> {
    let r = raw.get_ref();
    let window = Some((start, end));
    let state_of = |c: &mut Checker<'_>| -> Option<StateCode> {
        let Some(s) = &r.state else {
            c.at(&r.kind, format!("a `{}` fault needs `state`", r.kind.get_ref()));
            return None;
        };
        match StateCode::parse(s.get_ref()) {
            Ok(code) if codes.contains(&code) => Some(code),
            _ => {
                c.at(s, format!("unknown state `{}`: not among the scenario's contact points", s.get_ref()));
                None
            }
        }
    };
    let span_of = |c: &mut Checker<'_>| -> Option<(SimTime, SimTime)> {
        let (Some(f), Some(u)) = (&r.from, &r.until) else {
            c.at(&r.kind, format!("a `{}` fault needs `from` and `until`", r.kind.get_ref()));
            return None;
        };
        let (from, until) = (time_in(c, f, window), time_in(c, u, window));
        let (from, until) = (from?, until?);
        if until <= from {
            c.at(u, "`until` must come after `from`");
            return None;
        }
        Some((from, until))
    };
    match r.kind.get_ref().as_str() {
        "down" => {
            let (state, span) = (state_of(c), span_of(c));
            let (from, until) = span?;
            Some(Fault::Down { state: state?, from, until })
        }
        "stale" => Some(Fault::Stale { state: state_of(c)? }),
        "partition" => {
            let members = |c: &mut Checker<'_>, list: &Option<Vec<Spanned<String>>>, name: &str| -> Option<Vec<Side>> {
                let Some(list) = list else {
                    c.at(&r.kind, format!("a `partition` fault needs `{name}`"));
                    return None;
                };
                let sides: Vec<Side> = list.iter().filter_map(|v| side(c, v, codes, regions)).collect();
                (sides.len() == list.len()).then_some(sides)
            };
            let (a, b, span) = (members(c, &r.a, "a"), members(c, &r.b, "b"), span_of(c));
            let (a, b, (from, until)) = (a?, b?, span?);
            let a = members_of(&a, codes, regions);
            // `b = ["*"]` means everyone not in `a`.
            let b: Vec<StateCode> = members_of(&b, codes, regions).into_iter().filter(|s| !a.contains(s)).collect();
            Some(Fault::Partition { a, b, from, until })
        }
        other => {
            c.at(&r.kind, format!("unknown fault `{other}`: expected down, partition, stale, crash or cut"));
            None
        }
    }
}

fn inject(
    c: &mut Checker<'_>,
    raw: &RawInject,
    id: RequestId,
    codes: &BTreeSet<StateCode>,
    window: Option<(SimTime, SimTime)>,
) -> Option<Inject> {
    let at = time_in(c, &raw.at, window);
    let party = |c: &mut Checker<'_>, v: &Spanned<String>| match StateCode::parse(v.get_ref()) {
        Ok(code) if codes.contains(&code) => Some(code),
        Ok(code) => {
            c.at(v, format!("unknown state {code}: not among the scenario's contact points"));
            None
        }
        Err(e) => {
            c.at(v, e.to_string());
            None
        }
    };
    let (from, to) = (party(c, &raw.from), party(c, &raw.to));
    if from.is_some() && from == to {
        c.at(&raw.to, "a contact point cannot send a request to itself");
    }
    let mut chain = Vec::new();
    let mut previous = to;
    for link in &raw.chain {
        let next = party(c, link);
        if next.is_some() && (next == previous || next == from) {
            c.at(link, "a chain link must reveal a state other than the requester and the previous link");
        }
        chain.extend(next);
        previous = next;
    }
    if raw.chain.len() > limits::CHAIN_LINKS_MAX {
        c.at(&raw.chain[limits::CHAIN_LINKS_MAX], format!("more than {} chain links", limits::CHAIN_LINKS_MAX));
    }
    let kind = kind_of(c, &raw.kind);
    let deleted = match (&raw.evidence_deleted_at, &raw.retention) {
        (Some(d), Some(r)) => {
            c.at(r, "give either `evidence_deleted_at` or `retention`, not both");
            let _ = d;
            None
        }
        (Some(d), None) => timestamp(c, d).map(Some),
        (None, Some(r)) => duration_field(c, r, "retention").and_then(|ms| at.map(|t| Some(t.plus_ms(ms)))),
        (None, None) => Some(None),
    };
    if let (Some(Some(d)), Some(t), Some(v)) = (deleted, at, raw.evidence_deleted_at.as_ref()) {
        if d <= t {
            c.at(v, "the evidence is deleted before the request is made");
        }
    }
    let (from, to, kind, at, deleted) = (from?, to?, kind?, at?, deleted?);
    if chain.len() != raw.chain.len() {
        return None;
    }
    let details = Art42 {
        authority: raw.authority.clone().unwrap_or_else(|| format!("{from} 24/7 point of contact")),
        offence: raw.offence.clone().unwrap_or_else(|| "unauthorised access to a computer system".into()),
        data: raw.data.clone().unwrap_or_else(|| "subscriber and traffic data of the account used".into()),
        custodian: raw.custodian.clone().unwrap_or_else(|| format!("a service provider in {to}")),
        necessity: raw.necessity.clone().unwrap_or_else(|| "the provider deletes logs after a short retention".into()),
        mla_to_follow: raw.mla_to_follow.unwrap_or(true),
        confidential: raw.confidential.unwrap_or(true),
    };
    let mut too_long = false;
    for (field, text) in [
        ("authority", &details.authority),
        ("offence", &details.offence),
        ("data", &details.data),
        ("custodian", &details.custodian),
        ("necessity", &details.necessity),
    ] {
        if text.len() > limits::TEXT_FIELD_BYTES_MAX {
            c.at(
                &raw.at,
                format!(
                    "{field}: {} bytes, longer than the {} a request carries",
                    text.len(),
                    limits::TEXT_FIELD_BYTES_MAX
                ),
            );
            too_long = true;
        }
    }
    let language = raw.language.clone().unwrap_or_else(|| "en".into());
    if language.len() > limits::LANGUAGE_BYTES_MAX {
        c.at(&raw.at, format!("language: longer than {} bytes (a BCP 47 tag like `fr`)", limits::LANGUAGE_BYTES_MAX));
        too_long = true;
    }
    if too_long {
        return None;
    }
    Some(Inject { id, at, from, to, kind, language, details, evidence_deleted_at: deleted, chain })
}

fn threshold(c: &mut Checker<'_>, raw: &RawThreshold, regions: &BTreeSet<&String>) -> Option<Threshold> {
    let metric = Metric::NAMES.iter().find(|(n, _)| n == raw.metric.get_ref()).map(|(_, m)| *m);
    let Some(metric) = metric else {
        let names: Vec<&str> = Metric::NAMES.iter().map(|(n, _)| *n).collect();
        c.at(&raw.metric, format!("unknown metric `{}`: expected one of {}", raw.metric.get_ref(), names.join(", ")));
        return None;
    };
    let kind = match &raw.kind {
        Some(k) => Some(kind_of(c, k)?),
        None => None,
    };
    let region = match &raw.region {
        Some(r) if regions.contains(r.get_ref()) => Some(r.get_ref().clone()),
        Some(r) => {
            c.at(r, format!("unknown region `{}`: no contact point of the scenario is in it", r.get_ref()));
            return None;
        }
        None => None,
    };
    let stat = match (&raw.stat, metric.is_time()) {
        (Some(s), true) => match Stat::NAMES.iter().find(|(n, _)| n == s.get_ref()) {
            Some((_, stat)) => Some(*stat),
            None => {
                c.at(s, format!("unknown statistic `{}`: expected p50, p90, p95, p99 or max", s.get_ref()));
                return None;
            }
        },
        (None, true) => {
            c.at(&raw.metric, format!("`{}` needs `stat` (p50, p90, p95, p99 or max)", metric.name()));
            return None;
        }
        (Some(s), false) => {
            c.at(s, format!("`{}` is a ratio: it takes no `stat`", metric.name()));
            return None;
        }
        (None, false) => None,
    };
    let below = match (raw.below.get_ref(), metric.is_time()) {
        (toml::Value::String(s), true) => match duration_ms(s) {
            Ok(ms) => ms as f64,
            Err(e) => {
                c.at(&raw.below, e);
                return None;
            }
        },
        (toml::Value::Float(f), false) if (0.0..=1.0).contains(f) => *f,
        (toml::Value::Integer(i), false) if (0..=1).contains(i) => *i as f64,
        (_, true) => {
            c.at(&raw.below, "a time bound is a duration string like \"1h\"");
            return None;
        }
        (_, false) => {
            c.at(&raw.below, "a ratio bound is a number in [0, 1]");
            return None;
        }
    };
    Some(Threshold { metric, kind, region, stat, below })
}

/// Parses `200ms`, `45s`, `10m`, `2h`, `7d`, `1w`, or sums like `1h30m`.
pub fn duration_ms(text: &str) -> Result<u64, String> {
    let err =
        || format!("`{text}` is not a duration: expected a number and a unit (ms, s, m, h, d, w), like 45m or 1h30m");
    let s = text.trim();
    if s.is_empty() {
        return Err(err());
    }
    let mut total: u64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.find(|ch: char| !ch.is_ascii_digit()).ok_or_else(err)?;
        if digits == 0 {
            return Err(err());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| err())?;
        rest = &rest[digits..];
        let unit_len = rest.find(|ch: char| ch.is_ascii_digit()).unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 7 * 86_400_000,
            _ => return Err(err()),
        };
        rest = &rest[unit_len..];
        total = n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(err)?;
    }
    Ok(total)
}

/// Parses a delay distribution: `10m` (fixed), `5m..30m` (uniform), `median 10m p90 45m`
/// (log-normal).
pub fn delay(text: &str) -> Result<Delay, String> {
    let s = text.trim();
    let d = if let Some(rest) = s.strip_prefix("median ") {
        let (median, p90) = rest
            .split_once(" p90 ")
            .ok_or_else(|| format!("`{text}` is not a delay: expected `median 10m p90 45m`"))?;
        Delay::LogNormal { median_ms: duration_ms(median)?, p90_ms: duration_ms(p90)? }
    } else if let Some((a, b)) = s.split_once("..") {
        Delay::Uniform { min_ms: duration_ms(a)?, max_ms: duration_ms(b)? }
    } else {
        Delay::Fixed {
            ms: duration_ms(s).map_err(|_| {
                format!("`{text}` is not a delay: expected `10m` (fixed), `5m..30m` (uniform) or `median 10m p90 45m` (log-normal)")
            })?,
        }
    };
    d.validate().map_err(|e| format!("`{text}`: {e}"))?;
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_delays_parse() {
        assert_eq!(duration_ms("1h30m"), Ok(5_400_000));
        assert_eq!(duration_ms("200ms"), Ok(200));
        assert!(duration_ms("10 minutes").is_err());
        assert!(duration_ms("").is_err());
        assert_eq!(delay("5m..30m"), Ok(Delay::Uniform { min_ms: 300_000, max_ms: 1_800_000 }));
        assert_eq!(delay("median 10m p90 45m"), Ok(Delay::LogNormal { median_ms: 600_000, p90_ms: 2_700_000 }));
        assert!(delay("median 45m p90 10m").is_err());
    }

    #[test]
    fn line_and_column_count_from_one() {
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("ab", 0), (1, 1));
    }
}
