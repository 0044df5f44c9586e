//! `[[states]]` and register entries: contact points, their rosters and languages.

use super::evidence::{resolve_retention, EvidenceLaw};
use super::fields::shifts;
use super::profiles::ProfileDraft;
use crate::scenario::diag::line_column;
use crate::scenario::diag::Checker;
use crate::scenario::model::StateEntry;
use crate::scenario::raw::{RawFile, RawState};
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
pub(crate) fn state(
    c: &mut Checker<'_>,
    raw: &RawState,
    base: Option<&StateDraft>,
    profile_names: &BTreeSet<String>,
) -> Option<StateDraft> {
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
        (Some(r), _) => match ROSTERS.iter().find(|(name, ..)| name == r.get_ref()) {
            Some((_, always, on_call)) => Some((*always, if *on_call { Mode::OnCall } else { Mode::Closed })),
            None => {
                let names: Vec<&str> = ROSTERS.iter().map(|r| r.0).collect();
                c.at(r, format!("unknown roster `{}`: expected one of {}", r.get_ref(), names.join(", ")));
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
    let roster_summary = roster_summary(&spec);
    // What the register declares, where the desk works otherwise.
    let declared = match (&raw.declared, base) {
        (Some(d), _) => match ROSTERS.iter().find(|(name, ..)| name == d.get_ref()) {
            Some((_, always, on_call)) => {
                let off_hours = if *always {
                    Mode::Closed
                } else if *on_call {
                    Mode::OnCall
                } else {
                    Mode::Closed
                };
                let declared = RosterSpec { always_staffed: *always, off_hours, ..spec.clone() };
                (declared != spec).then_some(declared)
            }
            None => {
                let names: Vec<&str> = ROSTERS.iter().map(|r| r.0).collect();
                c.at(d, format!("unknown roster `{}`: expected one of {}", d.get_ref(), names.join(", ")));
                None
            }
        },
        (None, Some(b)) => b.declared.clone(),
        (None, None) => None,
    };
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
        tz,
        languages,
        roster: spec,
        roster_summary,
        profile_name,
        declared,
        verified,
    })
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

/// The contact points: the register's entries the scenario includes, then its own entries
/// (overrides or additions), each with its profile. Also returns the states whose profile
/// could not be resolved (reported already), so that they are not reported again.
pub(crate) fn states(
    c: &mut Checker<'_>,
    raw: &RawFile,
    mut register: Vec<StateDraft>,
    profiles: &BTreeMap<String, ProfileDraft>,
    profile_names: &BTreeSet<String>,
    law: &EvidenceLaw,
) -> (Vec<StateEntry>, BTreeSet<StateCode>) {
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
    let mut drafts = register;
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
        match base {
            Some(i) => {
                let base = drafts[i].clone();
                if let Some(entry) = state(c, s.get_ref(), Some(&base), profile_names) {
                    drafts[i] = entry;
                }
            }
            None => {
                if let Some(entry) = state(c, s.get_ref(), None, profile_names) {
                    drafts.push(entry);
                }
            }
        }
    }
    // Profiles are resolved once every entry is known.
    let mut states: Vec<StateEntry> = Vec::with_capacity(drafts.len());
    let mut unresolved = BTreeSet::new();
    for draft in drafts {
        match profiles.get(&draft.profile_name) {
            Some(p) => states.push(draft.with_profile(p, law)),
            None => {
                // Already reported where the profile was named, or the profile itself is invalid.
                if !profile_names.contains(&draft.profile_name) {
                    c.error(0..0, format!("{}: unknown profile `{}`", draft.code, draft.profile_name));
                }
                unresolved.insert(draft.code);
            }
        }
    }
    (states, unresolved)
}
