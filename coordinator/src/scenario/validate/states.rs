//! `[[states]]` and register entries: contact points, their rosters and languages.

use super::evidence::{resolve_retention, EvidenceLaw};
use super::fields::shifts;
use super::profiles::ProfileDraft;
use crate::scenario::diag::{did_you_mean, line_column, nearest, Checker};
use crate::scenario::model::StateEntry;
use crate::scenario::raw::{RawFile, RawState, Spanned};
use crate::scenario::schema::ROSTERS;
use pocnet_core::limits;
use pocnet_core::roster::{Mode, Roster, RosterSpec, Shift, WorkWeek};
use pocnet_core::{SimTime, StateCode};
use std::collections::{BTreeMap, BTreeSet};

/// A contact point before its profile is resolved: profiles come from the register and the
/// scenario, and are all known only once both are read.
#[derive(Debug, Clone)]
pub(crate) struct StateDraft {
    pub(crate) code: StateCode,
    pub(crate) name: String,
    pub(crate) region: String,
    pub(crate) tz: String,
    pub(crate) languages: Vec<String>,
    pub(crate) roster: RosterSpec,
    pub(crate) roster_summary: String,
    pub(crate) profile_name: String,
    /// Whether `profile_name` is a register entry's, not yet checked against the profiles
    /// defined: only the entries a scenario includes need theirs.
    pub(crate) profile_from_register: bool,
    /// The roster the register declares, where the desk works otherwise.
    pub(crate) declared: Option<RosterSpec>,
    pub(crate) verified: Option<SimTime>,
}

impl StateDraft {
    /// The contact point, with its profile (the central authorities keep the state's zone,
    /// working week and holidays), its law and its part in MLA (the profile's values over
    /// the scenario's, when the scenario models the evidence step).
    pub(crate) fn with_profile(self, draft: &ProfileDraft, scenario: &EvidenceLaw) -> StateEntry {
        let mut profile = draft.profile.clone();
        if let Some(ca) = profile.central_authority.as_mut() {
            ca.roster.tz = self.roster.tz.clone();
            ca.roster.workweek = self.roster.workweek;
            ca.roster.holidays = self.roster.holidays.clone();
        }
        profile.retention = resolve_retention(&scenario.retention, &draft.law.retention);
        if let Some(mla) = &scenario.mla {
            let (policy, hold) = mla.resolve(draft.law.mla.as_ref(), &self.roster);
            profile.mla = Some(policy);
            profile.hold = hold;
        }
        StateEntry {
            code: self.code,
            name: self.name,
            region: self.region,
            tz: self.tz,
            languages: self.languages,
            roster: self.roster,
            roster_summary: self.roster_summary,
            profile_name: self.profile_name,
            profile,
            declared: self.declared,
            verified: self.verified,
        }
    }
}

/// A contact point from its raw entry, over `base` (a register entry it overrides).
/// `profile_names`: the profiles defined, against which a `profile` written here is
/// checked where it is; `None` for a register's entry, whose profile is checked once the
/// scenario has chosen its entries ([`states`]).
pub(crate) fn state(
    c: &mut Checker<'_>,
    raw: &RawState,
    base: Option<&StateDraft>,
    profile_names: Option<&BTreeSet<String>>,
) -> Option<StateDraft> {
    let code = match StateCode::parse(raw.code.get_ref()) {
        Ok(code) => code,
        Err(e) => {
            let upper = raw.code.get_ref().to_ascii_uppercase();
            let hint =
                if StateCode::parse(&upper).is_ok() { format!(": did you mean `{upper}`?") } else { String::new() };
            c.at(&raw.code, format!("{e}{hint}"));
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
    let spec = roster_of(c, &RosterFields::of_state(raw, code), base.map(|b| &b.roster));
    let profile = profile_of(c, raw, code, base, profile_names);
    let languages = raw.languages.clone().or_else(|| base.map(|b| b.languages.clone())).unwrap_or_default();
    if languages.len() > limits::LANGUAGES_MAX {
        c.at(&raw.code, format!("{code}: {} languages; at most {}", languages.len(), limits::LANGUAGES_MAX));
    }
    for l in &languages {
        long(c, "languages", l, limits::LANGUAGE_BYTES_MAX);
    }
    let (name, spec, (profile_name, profile_from_register)) = (name?, spec?, profile?);
    let roster_summary = roster_summary(&spec);
    let declared = declared_of(c, raw, base, &spec);
    let verified = match (&raw.verified, base) {
        (Some(v), _) => match v.get_ref().parse::<jiff::civil::Date>() {
            Ok(d) => d.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|z| SimTime::from_timestamp(z.timestamp())),
            Err(_) => {
                c.at(v, format!("verified: `{}` is not a date like 2025-06-01", v.get_ref()));
                None
            }
        },
        (None, Some(b)) => b.verified,
        (None, None) => None,
    };
    Some(StateDraft {
        code,
        name,
        region,
        tz: spec.tz.clone(),
        languages,
        roster: spec,
        roster_summary,
        profile_name,
        profile_from_register,
        declared,
        verified,
    })
}

/// The roster fields of an entry as written: a contact point's or a provider's.
pub(crate) struct RosterFields<'r> {
    pub(crate) tz: Option<&'r Spanned<String>>,
    pub(crate) workweek: Option<&'r Spanned<String>>,
    pub(crate) roster: Option<&'r Spanned<String>>,
    pub(crate) hours: Option<&'r [Spanned<String>]>,
    pub(crate) holidays: Option<&'r [Spanned<String>]>,
    /// Where a missing field is reported: the entry's key.
    pub(crate) at: std::ops::Range<usize>,
    /// How messages name the entry: `FRA`, `provider mailco-ie`.
    pub(crate) label: String,
}

impl<'r> RosterFields<'r> {
    fn of_state(raw: &'r RawState, code: StateCode) -> Self {
        RosterFields {
            tz: raw.tz.as_ref(),
            workweek: raw.workweek.as_ref(),
            roster: raw.roster.as_ref(),
            hours: raw.hours.as_deref(),
            holidays: raw.holidays.as_deref(),
            at: raw.code.span(),
            label: code.to_string(),
        }
    }
}

/// The entry's roster over its base's: each field reported where it is written, and the
/// whole held to [`Roster::new`] only when every field is readable (a field already
/// reported is not reported again as a roster problem).
pub(crate) fn roster_of(c: &mut Checker<'_>, f: &RosterFields<'_>, base: Option<&RosterSpec>) -> Option<RosterSpec> {
    let missing = |c: &mut Checker<'_>, field: &str| {
        c.error(f.at.clone(), format!("{}: `{field}` is required (no register entry to take it from)", f.label));
    };
    let tz = match (f.tz, base) {
        (Some(tz), _) => zone_of(c, tz),
        (None, Some(b)) => Some(b.tz.clone()),
        (None, None) => {
            missing(c, "tz");
            None
        }
    };
    let workweek = match (f.workweek, base) {
        (Some(w), _) => WorkWeek::parse(w.get_ref()).map_err(|e| c.at(w, e.to_string())).ok(),
        (None, Some(b)) => Some(b.workweek),
        (None, None) => WorkWeek::parse("Mon-Fri").ok(),
    };
    // An entry that overrides only some fields keeps the others, hours included (kept in
    // the roster even while it is staffed around the clock).
    let shifts = match (f.hours, base) {
        (None, Some(b)) => Some(b.shifts.clone()),
        (hours, _) => shifts(c, hours),
    };
    let holidays = match (f.holidays, base) {
        (Some(list), _) => dates(c, list),
        (None, Some(b)) => Some(b.holidays.clone()),
        (None, None) => Some(vec![]),
    };
    let pattern = match (f.roster, base) {
        (Some(r), _) => pattern(c, r),
        (None, Some(b)) => Some((b.always_staffed, b.off_hours)),
        (None, None) => {
            missing(c, "roster");
            None
        }
    };
    let (tz, workweek, shifts, holidays, (always_staffed, off_hours)) = (tz?, workweek?, shifts?, holidays?, pattern?);
    let spec = RosterSpec { tz, workweek, shifts, always_staffed, off_hours, holidays };
    if let Err(e) = Roster::new(spec.clone()) {
        let span = f.hours.and_then(|h| h.first()).map(|h| h.span()).or(f.roster.map(|r| r.span()));
        c.error(span.unwrap_or(f.at.clone()), format!("{}: {e}", f.label));
        return None;
    }
    Some(spec)
}

/// A time zone of the bundled database, or the nearest one offered.
fn zone_of(c: &mut Checker<'_>, tz: &Spanned<String>) -> Option<String> {
    match pocnet_core::tzdb::zone(tz.get_ref()) {
        Ok(_) => Some(tz.get_ref().clone()),
        Err(e) => {
            match nearest(tz.get_ref(), pocnet_core::tzdb::names().iter().map(String::as_str)) {
                Some(near) => c.at(tz, format!("unknown time zone `{}`: did you mean `{near}`?", tz.get_ref())),
                None => c.at(tz, e.to_string()),
            }
            None
        }
    }
}

/// Local dates as written (`holidays`), each located when wrong.
fn dates(c: &mut Checker<'_>, list: &[Spanned<String>]) -> Option<Vec<jiff::civil::Date>> {
    let mut out = Vec::new();
    for h in list {
        match h.get_ref().parse::<jiff::civil::Date>() {
            Ok(d) => out.push(d),
            Err(_) => c.at(h, format!("`{}` is not a date: expected YYYY-MM-DD", h.get_ref())),
        }
    }
    (out.len() == list.len()).then_some(out)
}

/// A roster's name: whether it is staffed around the clock, and its mode outside shifts.
pub(crate) fn pattern(c: &mut Checker<'_>, r: &Spanned<String>) -> Option<(bool, Mode)> {
    match ROSTERS.iter().find(|(name, ..)| name == r.get_ref()) {
        Some((_, always, on_call)) => Some((*always, if *on_call { Mode::OnCall } else { Mode::Closed })),
        None => {
            let names: Vec<&str> = ROSTERS.iter().map(|r| r.0).collect();
            let hint = did_you_mean(r.get_ref(), names.iter().copied());
            c.at(r, format!("unknown roster `{}`{hint} (expected one of {})", r.get_ref(), names.join(", ")));
            None
        }
    }
}

/// The entry's profile name, and whether it came from a register entry (and so is still to
/// be checked against the profiles the scenario defines).
fn profile_of(
    c: &mut Checker<'_>,
    raw: &RawState,
    code: StateCode,
    base: Option<&StateDraft>,
    profile_names: Option<&BTreeSet<String>>,
) -> Option<(String, bool)> {
    match (&raw.profile, base) {
        (Some(p), _) => match profile_names {
            Some(names) if !names.contains(p.get_ref()) => {
                let known: Vec<&str> = names.iter().map(String::as_str).collect();
                let hint = did_you_mean(p.get_ref(), known.iter().copied());
                c.at(p, format!("unknown profile `{}`{hint} (defined are [{}])", p.get_ref(), known.join(", ")));
                None
            }
            Some(_) => Some((p.get_ref().clone(), false)),
            None => Some((p.get_ref().clone(), true)),
        },
        (None, Some(b)) => Some((b.profile_name.clone(), b.profile_from_register)),
        (None, None) => {
            c.at(&raw.code, format!("{code}: `profile` is required (no register entry to take it from)"));
            None
        }
    }
}

/// What the register declares, where the desk works otherwise (`declared`).
fn declared_of(
    c: &mut Checker<'_>,
    raw: &RawState,
    base: Option<&StateDraft>,
    spec: &RosterSpec,
) -> Option<RosterSpec> {
    match (&raw.declared, base) {
        (Some(d), _) => {
            let (always, off_hours) = pattern(c, d)?;
            let declared = RosterSpec { always_staffed: always, off_hours, ..spec.clone() };
            (declared != *spec).then_some(declared)
        }
        (None, Some(b)) => b.declared.clone(),
        (None, None) => None,
    }
}

/// How a roster reads to people: `office hours 09:00-17:00 Mon-Fri, on call otherwise`.
pub(crate) fn roster_summary(r: &RosterSpec) -> String {
    if r.always_staffed {
        return "staffed 24/7".to_string();
    }
    let hours: Vec<String> = r.shifts.iter().map(Shift::to_string).collect();
    let rest = if r.off_hours == Mode::OnCall { "on call otherwise" } else { "closed otherwise" };
    format!("office hours {} {}, {rest}", hours.join(" "), r.workweek)
}

/// A register's entries as read, before a scenario chooses among them.
#[derive(Debug, Default)]
pub(crate) struct RegisterDraft {
    pub(crate) entries: Vec<StateDraft>,
    /// Entries refused where they are written (a bad zone, say), by code and region: still
    /// states of the register, so that `include` and the injects naming them say nothing
    /// more about them.
    pub(crate) refused: Vec<(StateCode, String)>,
    /// The register could not be read or parsed (reported).
    pub(crate) unreadable: bool,
}

/// A register's `[[contact_points]]`, each problem reported in the register's file. Their
/// profiles are checked later, for the entries a scenario includes ([`states`]).
pub(crate) fn register_entries(rc: &mut Checker<'_>, entries: &[Spanned<RawState>]) -> RegisterDraft {
    let mut out = RegisterDraft::default();
    // One entry per state: a register that lists a state twice would make two contact
    // points of one node.
    let mut first_line: BTreeMap<String, usize> = BTreeMap::new();
    for s in entries {
        let raw = s.get_ref();
        let code = raw.code.get_ref().clone();
        let (line, _) = line_column(rc.text, raw.code.span().start);
        if let Some(first) = first_line.get(&code) {
            rc.at(&raw.code, format!("state {code} is listed twice: first at line {first}, again here"));
            continue;
        }
        first_line.insert(code, line);
        match state(rc, raw, None, None) {
            Some(entry) => out.entries.push(entry),
            None => {
                if let Ok(code) = StateCode::parse(raw.code.get_ref()) {
                    out.refused.push((code, raw.region.clone().unwrap_or_default()));
                }
            }
        }
    }
    out
}

/// The register's entries `include` names (all without it), refused ones included. Returns
/// the entries kept and the refused codes kept, with their regions.
fn included(
    c: &mut Checker<'_>,
    raw: &RawFile,
    register: RegisterDraft,
) -> (Vec<StateDraft>, BTreeMap<StateCode, String>) {
    let RegisterDraft { mut entries, refused, .. } = register;
    let mut refused: BTreeMap<StateCode, String> = refused.into_iter().collect();
    let Some(include) = &raw.scenario.include else { return (entries, refused) };
    let all: Vec<(StateCode, &String)> =
        entries.iter().map(|s| (s.code, &s.region)).chain(refused.iter().map(|(c, r)| (*c, r))).collect();
    let mut keep = BTreeSet::new();
    for item in include {
        let v = item.get_ref();
        let matching: Vec<StateCode> =
            all.iter().filter(|(code, region)| v == "*" || *region == v || code.as_str() == v).map(|e| e.0).collect();
        if matching.is_empty() && v != "*" {
            let names = all.iter().map(|(code, _)| code.as_str()).chain(all.iter().map(|(_, r)| r.as_str()));
            let hint = did_you_mean(v, names);
            c.at(item, format!("`{v}` is neither a state code nor a region of the register{hint}"));
        }
        keep.extend(matching);
    }
    entries.retain(|s| keep.contains(&s.code));
    refused.retain(|code, _| keep.contains(code));
    (entries, refused)
}

/// The contact points: the register's entries the scenario includes, then its own entries
/// (overrides or additions), each with its profile. Also returns the states left out for a
/// problem reported already (with their regions), so that nothing names them again.
pub(crate) fn states(
    c: &mut Checker<'_>,
    raw: &RawFile,
    register: RegisterDraft,
    profiles: &BTreeMap<String, ProfileDraft>,
    profile_names: &BTreeSet<String>,
    law: &EvidenceLaw,
) -> (Vec<StateEntry>, BTreeMap<StateCode, String>) {
    let (mut drafts, mut unresolved) = included(c, raw, register);
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
        let base = code.and_then(|code| drafts.iter().position(|e| e.code == code));
        let entry = state(c, s.get_ref(), base.map(|i| &drafts[i]), Some(profile_names));
        match (entry, base) {
            (Some(entry), Some(i)) => drafts[i] = entry,
            (Some(entry), None) => {
                unresolved.remove(&entry.code);
                drafts.push(entry);
            }
            (None, _) => {}
        }
    }
    // Profiles are resolved once every entry is known; those a register entry names and
    // nobody defines are one problem, said once.
    let mut states: Vec<StateEntry> = Vec::with_capacity(drafts.len());
    let mut undefined: BTreeMap<String, Vec<StateCode>> = BTreeMap::new();
    for draft in drafts {
        match profiles.get(&draft.profile_name) {
            Some(p) => states.push(draft.with_profile(p, law)),
            None => {
                // A profile defined but invalid is reported where it is defined.
                if !profile_names.contains(&draft.profile_name) && draft.profile_from_register {
                    undefined.entry(draft.profile_name.clone()).or_default().push(draft.code);
                }
                unresolved.insert(draft.code, draft.region);
            }
        }
    }
    if !undefined.is_empty() {
        undefined_profiles(c, raw, &undefined);
    }
    never_on_call(c, &states, profiles);
    (states, unresolved)
}

/// One error for each profile that gives on-call officers to states that are never on
/// call (staffed around the clock, or closed outside their hours): those officers would
/// never work.
fn never_on_call(c: &mut Checker<'_>, states: &[StateEntry], profiles: &BTreeMap<String, ProfileDraft>) {
    for (name, draft) in profiles {
        let Some(at) = &draft.on_call_officers_at else { continue };
        let idle: Vec<&str> = states
            .iter()
            .filter(|s| s.profile_name == *name)
            .filter(|s| s.roster.never_on_call())
            .map(|s| s.code.as_str())
            .collect();
        if !idle.is_empty() {
            c.error(
                at.clone(),
                format!(
                    "on_call: profile `{name}` gives on-call officers, but {} never on call (staffed around the clock, or closed outside office hours): they would never work",
                    idle.join(", ") + if idle.len() == 1 { " is" } else { " are" }
                ),
            );
        }
    }
}

/// One error for every profile the included register entries name that neither the
/// register nor the scenario defines, at `include` (or `register`).
fn undefined_profiles(c: &mut Checker<'_>, raw: &RawFile, undefined: &BTreeMap<String, Vec<StateCode>>) {
    let list: Vec<String> = undefined
        .iter()
        .map(|(name, codes)| {
            let codes: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
            format!("`{name}` ({})", codes.join(", "))
        })
        .collect();
    let sections: Vec<String> = undefined.keys().map(|name| format!("[profiles.{name}]")).collect();
    let s = if undefined.len() == 1 { "a profile" } else { "profiles" };
    let message = format!(
        "the included register entries name {s} this scenario does not define: {}; add {}",
        list.join(", "),
        sections.join(", ")
    );
    let span = match (&raw.scenario.include, &raw.scenario.register) {
        (Some(include), _) if !include.is_empty() => include[0].span(),
        (_, Some(register)) => register.span(),
        _ => 0..0,
    };
    c.error(span, message);
}
