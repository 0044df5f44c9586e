//! Scenario files: TOML read in two stages, raw (syntax, spans) then validated model.
//!
//! Only a validated [`Scenario`] reaches the engines. Every problem found is reported with
//! `file:line:column` and what was expected; validation goes on after the first problem so
//! that one run of `pocnet check` lists them all.

use pocnet_core::limits;
use pocnet_core::profile::CentralAuthority;
use pocnet_core::request::{Art42, Inject, RequestId, RequestKind};
use pocnet_core::roster::{Mode, Roster, RosterSpec, Shift, WorkWeek};
use pocnet_core::{Delay, DelaysByMode, NetworkModel, Profile, SimTime, StateCode};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

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
    pub network: NetworkModel,
    pub states: Vec<StateEntry>,
    /// Sorted by case id (file order).
    pub injects: Vec<Inject>,
}

impl Scenario {
    pub fn state(&self, code: StateCode) -> Option<&StateEntry> {
        self.states.iter().find(|s| s.code == code)
    }

    /// The contact point configuration a node receives at setup.
    pub fn contact_point_config(&self, entry: &StateEntry) -> pocnet_core::ContactPointConfig {
        pocnet_core::ContactPointConfig {
            state: entry.code,
            seed: self.seed,
            roster: entry.roster.clone(),
            profile: entry.profile.clone(),
            network: self.network.clone(),
        }
    }

    /// Injects whose requester is `code`.
    pub fn injects_from(&self, code: StateCode) -> Vec<Inject> {
        self.injects.iter().filter(|i| i.from == code).cloned().collect()
    }
}

// ---------------------------------------------------------------- raw stage

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    scenario: RawHeader,
    #[serde(default)]
    network: Option<RawNetwork>,
    #[serde(default)]
    profiles: BTreeMap<String, Spanned<RawProfile>>,
    #[serde(default)]
    states: Vec<Spanned<RawState>>,
    #[serde(default)]
    injects: Vec<Spanned<RawInject>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: String,
    #[serde(default)]
    description: String,
    seed: Spanned<i64>,
    start: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNetwork {
    link_delay: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawByMode {
    staffed: Spanned<String>,
    on_call: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    acknowledge: RawByMode,
    fulfil: RawByMode,
    #[serde(default)]
    refuse_probability: Option<Spanned<f64>>,
    #[serde(default)]
    refusal_ground: Option<String>,
    give_up_after: Spanned<String>,
    #[serde(default)]
    central_authority: Option<RawCentralAuthority>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCentralAuthority {
    kinds: Vec<Spanned<String>>,
    delay: Spanned<String>,
    #[serde(default)]
    hours: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawState {
    code: Spanned<String>,
    name: String,
    #[serde(default)]
    region: String,
    tz: Spanned<String>,
    #[serde(default)]
    workweek: Option<Spanned<String>>,
    roster: Spanned<String>,
    #[serde(default)]
    hours: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    holidays: Vec<Spanned<String>>,
    #[serde(default)]
    languages: Vec<String>,
    profile: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInject {
    at: Spanned<String>,
    from: Spanned<String>,
    to: Spanned<String>,
    kind: Spanned<String>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    authority: Option<String>,
    #[serde(default)]
    offence: Option<String>,
    #[serde(default)]
    data: Option<String>,
    #[serde(default)]
    custodian: Option<String>,
    #[serde(default)]
    necessity: Option<String>,
    #[serde(default)]
    mla_to_follow: Option<bool>,
    #[serde(default)]
    confidential: Option<bool>,
}

// ---------------------------------------------------------------- validation

struct Checker<'a> {
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

/// Reads and validates a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let fail = |message: String| ScenarioError {
        diagnostics: vec![Diagnostic { file: file.clone(), line: 1, column: 1, message }],
    };
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    if meta.len() > SCENARIO_BYTES_MAX {
        return Err(fail(format!("file of {} bytes exceeds the limit of {SCENARIO_BYTES_MAX} bytes", meta.len())));
    }
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    parse(&file, &text)
}

/// Validates scenario text; `file` names it in diagnostics.
pub fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
    let mut c = Checker { file, text, diagnostics: Vec::new() };
    let raw: RawFile = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            c.error(e.span().unwrap_or(0..0), e.message().trim().to_string());
            return Err(ScenarioError { diagnostics: c.diagnostics });
        }
    };
    let scenario = validate(&mut c, raw);
    match scenario {
        Some(s) if c.diagnostics.is_empty() => Ok(s),
        _ => Err(ScenarioError { diagnostics: c.diagnostics }),
    }
}

fn validate(c: &mut Checker<'_>, raw: RawFile) -> Option<Scenario> {
    let seed = match u64::try_from(*raw.scenario.seed.get_ref()) {
        Ok(s) => Some(s),
        Err(_) => {
            c.at(&raw.scenario.seed, "seed must be a non-negative integer");
            None
        }
    };
    let start = timestamp(c, &raw.scenario.start);
    let network = match &raw.network {
        Some(n) => match duration_ms(n.link_delay.get_ref()) {
            Ok(ms) if (limits::LINK_DELAY_MS_MIN..=limits::DELAY_MS_MAX).contains(&ms) => Some(NetworkModel::new(ms)),
            Ok(_) => {
                c.at(&n.link_delay, "link_delay must be at least 1ms (it is the virtual clock's lookahead)");
                None
            }
            Err(e) => {
                c.at(&n.link_delay, e);
                None
            }
        },
        None => Some(NetworkModel::new(DEFAULT_LINK_DELAY_MS)),
    };

    let mut profiles = BTreeMap::new();
    for (name, raw_profile) in &raw.profiles {
        if let Some(p) = profile(c, raw_profile) {
            profiles.insert(name.clone(), p);
        }
    }

    let mut states: Vec<StateEntry> = Vec::new();
    let mut codes = BTreeSet::new();
    if raw.states.is_empty() {
        c.error(0..0, "no [[states]]: a scenario needs at least two contact points");
    }
    if raw.states.len() > limits::STATES_MAX {
        c.error(raw.states[limits::STATES_MAX].span(), format!("more than {} states", limits::STATES_MAX));
    }
    for s in &raw.states {
        if let Some(entry) = state(c, s.get_ref(), &raw.profiles, &profiles) {
            if !codes.insert(entry.code) {
                c.at(&s.get_ref().code, format!("state {} appears twice", entry.code));
            }
            states.push(entry);
        }
    }

    if raw.injects.len() > INJECTS_MAX {
        c.error(raw.injects[INJECTS_MAX].span(), format!("more than {INJECTS_MAX} injects"));
    }
    let mut injects = Vec::new();
    let mut per_state: BTreeMap<StateCode, usize> = BTreeMap::new();
    for (index, raw_inject) in raw.injects.iter().enumerate() {
        let Ok(case) = u32::try_from(index + 1) else { break };
        if let Some(inject) = inject(c, raw_inject.get_ref(), RequestId { case, link: 0 }, &codes, start) {
            let n = per_state.entry(inject.from).or_default();
            *n += 1;
            if *n == limits::INJECTS_PER_STATE_MAX + 1 {
                c.at(raw_inject, format!("more than {} injects from {}", limits::INJECTS_PER_STATE_MAX, inject.from));
            }
            injects.push(inject);
        }
    }

    Some(Scenario {
        name: raw.scenario.name,
        description: raw.scenario.description,
        seed: seed?,
        start: start?,
        network: network?,
        states,
        injects,
    })
}

/// Link delay when a scenario names none: a fixed 200 ms, an assumption.
pub const DEFAULT_LINK_DELAY_MS: u64 = 200;

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

fn profile(c: &mut Checker<'_>, raw: &Spanned<RawProfile>) -> Option<Profile> {
    let r = raw.get_ref();
    let mut delay_of = |v: &Spanned<String>| match delay(v.get_ref()) {
        Ok(d) => Some(d),
        Err(e) => {
            c.at(v, e);
            None
        }
    };
    let acknowledge = (delay_of(&r.acknowledge.staffed), delay_of(&r.acknowledge.on_call));
    let fulfil = (delay_of(&r.fulfil.staffed), delay_of(&r.fulfil.on_call));
    let ca_delay = r.central_authority.as_ref().map(|ca| delay_of(&ca.delay));
    let give_up = match duration_ms(r.give_up_after.get_ref()) {
        Ok(ms) if ms > 0 && ms <= limits::DELAY_MS_MAX => Some(ms),
        Ok(_) => {
            c.at(&r.give_up_after, "give_up_after must be positive and at most 366d");
            None
        }
        Err(e) => {
            c.at(&r.give_up_after, e);
            None
        }
    };
    let refuse_probability = match &r.refuse_probability {
        Some(p) if !(0.0..=1.0).contains(p.get_ref()) => {
            c.at(p, format!("probability {} is outside [0, 1]", p.get_ref()));
            None
        }
        Some(p) => Some(*p.get_ref()),
        None => Some(0.0),
    };
    let central_authority = match &r.central_authority {
        None => Some(None),
        Some(ca) => {
            let mut kinds = Vec::new();
            for k in &ca.kinds {
                match RequestKind::parse(k.get_ref()) {
                    Some(kind) => kinds.push(kind),
                    None => c.at(k, unknown_kind(k.get_ref())),
                }
            }
            let shifts = shifts(c, ca.hours.as_deref());
            match (ca_delay.flatten(), shifts) {
                // The central authority's roster is filled in per state (same zone and week).
                (Some(delay), Some(shifts)) => Some(Some(CentralAuthority {
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
    let ground = r.refusal_ground.clone().unwrap_or_else(|| "prejudice to essential interests (Art. 42)".into());
    if ground.len() > limits::TEXT_FIELD_BYTES_MAX {
        c.at(raw, format!("refusal_ground is longer than {} bytes", limits::TEXT_FIELD_BYTES_MAX));
    }
    let profile = Profile {
        acknowledge: DelaysByMode { staffed: acknowledge.0?, on_call: acknowledge.1? },
        fulfil: DelaysByMode { staffed: fulfil.0?, on_call: fulfil.1? },
        refuse_probability: refuse_probability?,
        refusal_ground: ground,
        central_authority: central_authority?,
        give_up_after_ms: give_up?,
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

fn state(
    c: &mut Checker<'_>,
    raw: &RawState,
    raw_profiles: &BTreeMap<String, Spanned<RawProfile>>,
    profiles: &BTreeMap<String, Profile>,
) -> Option<StateEntry> {
    let code = match StateCode::parse(raw.code.get_ref()) {
        Ok(code) => Some(code),
        Err(e) => {
            c.at(&raw.code, e.to_string());
            None
        }
    };
    let workweek = match &raw.workweek {
        None => Some(WorkWeek::parse("Mon-Fri").unwrap_or(WorkWeek::ALL_DAYS)),
        Some(w) => match WorkWeek::parse(w.get_ref()) {
            Ok(w) => Some(w),
            Err(e) => {
                c.at(w, e.to_string());
                None
            }
        },
    };
    let shifts = shifts(c, raw.hours.as_deref());
    let mut holidays = Vec::new();
    for h in &raw.holidays {
        match h.get_ref().parse::<jiff::civil::Date>() {
            Ok(d) => holidays.push(d),
            Err(_) => c.at(h, format!("`{}` is not a date: expected YYYY-MM-DD", h.get_ref())),
        }
    }
    let (always_staffed, off_hours) = match raw.roster.get_ref().as_str() {
        "staffed-24-7" => (true, Mode::Closed),
        "office-hours-on-call" => (false, Mode::OnCall),
        "office-hours-only" => (false, Mode::Closed),
        other => {
            c.at(&raw.roster, format!("unknown roster `{other}`: expected one of {ROSTER_PATTERNS}"));
            return None;
        }
    };
    let profile_name = raw.profile.get_ref().clone();
    let mut profile = match profiles.get(&profile_name) {
        Some(p) => p.clone(),
        None => {
            if !raw_profiles.contains_key(&profile_name) {
                let known: Vec<&str> = raw_profiles.keys().map(String::as_str).collect();
                c.at(&raw.profile, format!("unknown profile `{profile_name}`: defined are [{}]", known.join(", ")));
            }
            return None;
        }
    };
    let (code, workweek, shifts) = (code?, workweek?, shifts?);
    let spec = RosterSpec {
        tz: raw.tz.get_ref().clone(),
        workweek,
        shifts: if always_staffed { vec![] } else { shifts.clone() },
        always_staffed,
        off_hours,
        holidays: holidays.clone(),
    };
    if let Err(e) = Roster::new(spec.clone()) {
        let span = match e {
            pocnet_core::roster::RosterError::UnknownTimeZone(_) => raw.tz.span(),
            _ => raw.roster.span(),
        };
        c.error(span, e.to_string());
        return None;
    }
    if let Some(ca) = profile.central_authority.as_mut() {
        ca.roster.tz = spec.tz.clone();
        ca.roster.workweek = workweek;
        ca.roster.holidays = holidays;
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
        name: raw.name.clone(),
        region: raw.region.clone(),
        tz: spec.tz.clone(),
        languages: raw.languages.clone(),
        roster: spec,
        roster_summary,
        profile_name,
        profile,
    })
}

fn inject(
    c: &mut Checker<'_>,
    raw: &RawInject,
    id: RequestId,
    codes: &BTreeSet<StateCode>,
    start: Option<SimTime>,
) -> Option<Inject> {
    let at = timestamp(c, &raw.at);
    if let (Some(at), Some(start)) = (at, start) {
        if at < start {
            c.at(&raw.at, format!("inject at {at} is before the scenario starts ({start})"));
        }
    }
    let mut party = |v: &Spanned<String>| match StateCode::parse(v.get_ref()) {
        Ok(code) if codes.contains(&code) => Some(code),
        Ok(code) => {
            c.at(v, format!("unknown state {code}: not among the scenario's [[states]]"));
            None
        }
        Err(e) => {
            c.at(v, e.to_string());
            None
        }
    };
    let (from, to) = (party(&raw.from), party(&raw.to));
    if from.is_some() && from == to {
        c.at(&raw.to, "a contact point cannot send a request to itself");
    }
    let kind = RequestKind::parse(raw.kind.get_ref());
    if kind.is_none() {
        c.at(&raw.kind, unknown_kind(raw.kind.get_ref()));
    }
    let (from, to, kind, at) = (from?, to?, kind?, at?);
    let details = Art42 {
        authority: raw.authority.clone().unwrap_or_else(|| format!("{from} 24/7 point of contact")),
        offence: raw.offence.clone().unwrap_or_else(|| "unauthorised access to a computer system".into()),
        data: raw.data.clone().unwrap_or_else(|| "subscriber and traffic data of the account used".into()),
        custodian: raw.custodian.clone().unwrap_or_else(|| format!("a service provider in {to}")),
        necessity: raw.necessity.clone().unwrap_or_else(|| "the provider deletes logs after a short retention".into()),
        mla_to_follow: raw.mla_to_follow.unwrap_or(true),
        confidential: raw.confidential.unwrap_or(true),
    };
    if !details.within_limits() {
        c.at(&raw.at, format!("an Art. 42 text field is longer than {} bytes", limits::TEXT_FIELD_BYTES_MAX));
        return None;
    }
    Some(Inject { id, at, from, to, kind, language: raw.language.clone().unwrap_or_else(|| "en".into()), details })
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
