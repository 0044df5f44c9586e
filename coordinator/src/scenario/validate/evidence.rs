//! `[mla]`, `[profiles.NAME.mla]`, `[retention]` and a profile's `retention`: the evidence
//! step. Each value is optional at both levels; a profile's wins over the scenario's,
//! which wins over the defaults in [`MLA_DEFAULTS`] (each an assumption, named with its
//! source in the report).

use super::fields::office_hours;
use super::fields::{delay_field, duration_field, kind_of, probability};
use crate::scenario::diag::Checker;
use crate::scenario::model::Assumption;
use crate::scenario::raw::{RawMla, Spanned};
use crate::scenario::units::delay;
use pocnet_core::evidence::{HoldRule, MlaPolicy, Retention, HOLD_DAYS_MIN, RETENTION_DAYS_MAX};
use pocnet_core::limits;
use pocnet_core::request::RequestKind;
use pocnet_core::roster::{Mode, RosterSpec, Shift, WorkWeek};
use pocnet_core::{DataClass, Delay};
use std::collections::BTreeMap;

/// Every parameter of the evidence step: its default and where the default comes from.
/// Sources are those of docs/reference/convention.md; "assumption" where none is published.
pub const MLA_DEFAULTS: [(&str, &str, &str); 15] = [
    (
        "kinds",
        "preservation, traffic_disclosure",
        "preserved data becomes evidence only through an MLA request (Art. 42(2)(f); Budapest Art. 29)",
    ),
    ("direct_kinds", "emergency", "data to avert an emergency (Art. 2(s)) is disclosed by the 24/7 step itself"),
    ("hours", "09:00-17:00", "assumption: central authorities keep office hours (Art. 41 makes only the contact point 24/7)"),
    ("drafting", "median 24h p90 120h", "assumption (office hours: 3 working days, 15 at p90); no published figure"),
    (
        "translation",
        "median 16h p90 40h",
        "assumption (office hours: 2 working days, 5 at p90): a request goes in a language the requested state accepts (Art. 40); no published figure",
    ),
    ("transmission", "median 5d p90 20d", "assumption: central authority to central authority, each way; no published figure"),
    (
        "queue",
        "median 120d p90 300d",
        "about 10 months on average for requests to the US (Swire and Hemmings, Georgia Tech Cross-Border Requests for Data project); the US central authority had over 11,000 pending in fiscal 2014 (US DOJ budget requests FY2015-16, via secondary sources); lower here for an average state: assumption",
    ),
    ("execution", "median 40h p90 160h", "assumption (office hours: 5 working days, 20 at p90); no published figure"),
    ("refuse_probability", "0.05", "assumption: refusal grounds are wider than for preservation (Art. 40); no published rate"),
    (
        "refusal_grounds",
        "dual criminality required for a reserved offence; an offence below the serious-crime threshold (Art. 2(h)); prejudice to essential interests",
        "Art. 40 and Art. 42 grounds",
    ),
    (
        "pursue_probability",
        "1",
        "Art. 42(2)(f): an MLA request is to follow; the Council of Europe T-CY (2014) found MLA often not pursued, with no rate",
    ),
    ("confidentiality_notice_probability", "0", "Budapest Art. 29(6); no published rate"),
    ("withdraw_on_confidentiality_probability", "0.5", "assumption"),
    (
        "hold",
        "90d",
        "at least 60 days (Budapest Art. 29(7)); 90 days as a domestic order (Art. 16(2)) and at US providers; Ghana 120",
    ),
    (
        "hold_renewable",
        "true",
        "renewed once for as long again: a domestic order lasts up to 90 days, renewable (Budapest Art. 16(2)); US providers: 90 days, extendable by 90",
    ),
];

/// The refusal grounds of the default.
const DEFAULT_GROUNDS: [&str; 3] = [
    "dual criminality required for a reserved offence",
    "an offence below the serious-crime threshold (Art. 2(h))",
    "prejudice to essential interests",
];

/// Where the default of retention comes from.
pub const RETENTION_SOURCE: &str = "assumption: providers keep data for short, varying times, with no common EU \
    rule since 8 April 2014 (the Data Retention Directive's 6-24 months, annulled)";

/// The evidence step's values set at one level; `None`: not set there.
#[derive(Debug, Clone, Default)]
pub(crate) struct MlaOverrides {
    kinds: Option<Vec<RequestKind>>,
    direct_kinds: Option<Vec<RequestKind>>,
    hours: Option<Vec<Shift>>,
    drafting: Option<Delay>,
    translation: Option<Delay>,
    transmission: Option<Delay>,
    queue: Option<Delay>,
    execution: Option<Delay>,
    refuse_probability: Option<f64>,
    refusal_grounds: Option<Vec<String>>,
    pursue_probability: Option<f64>,
    confidentiality_notice_probability: Option<f64>,
    withdraw_on_confidentiality_probability: Option<f64>,
    hold_days: Option<u32>,
    hold_renewable: Option<bool>,
    officers: Option<pocnet_core::Officers>,
}

/// A state's law and MLA as one level of the files sets them.
#[derive(Debug, Clone, Default)]
pub(crate) struct EvidenceLaw {
    pub(crate) mla: Option<MlaOverrides>,
    pub(crate) retention: BTreeMap<DataClass, u32>,
}

fn kinds(c: &mut Checker<'_>, list: &[Spanned<String>]) -> Option<Vec<RequestKind>> {
    let kinds: Vec<RequestKind> = list.iter().filter_map(|k| kind_of(c, k)).collect();
    (kinds.len() == list.len()).then_some(kinds)
}

/// A `hold` duration in whole days, at least [`HOLD_DAYS_MIN`].
fn hold_days(c: &mut Checker<'_>, v: &Spanned<String>) -> Option<u32> {
    let ms = duration_field(c, v, "hold")?;
    let days = u32::try_from(ms / 86_400_000).unwrap_or(u32::MAX);
    if ms % 86_400_000 != 0 {
        c.at(v, "hold is counted in whole days");
        return None;
    }
    if days < HOLD_DAYS_MIN {
        c.at(
            v,
            format!("a hold of {days} days: the Convention requires at least {HOLD_DAYS_MIN} (Budapest Art. 29(7))"),
        );
        return None;
    }
    Some(days)
}

/// One level's `mla` table.
pub(crate) fn mla(c: &mut Checker<'_>, raw: &Spanned<RawMla>) -> Option<MlaOverrides> {
    let r = raw.get_ref();
    let before = c.diagnostics.len();
    let opt_delay = |c: &mut Checker<'_>, v: &Option<Spanned<String>>| v.as_ref().and_then(|v| delay_field(c, v));
    let opt_p = |c: &mut Checker<'_>, v: &Option<Spanned<f64>>| v.as_ref().and_then(|v| probability(c, v));
    let grounds = r.refusal_grounds.as_ref().map(|g| {
        let list = g.get_ref();
        if list.is_empty() || list.len() > limits::REFUSAL_GROUNDS_MAX {
            c.at(g, format!("refusal_grounds: give 1 to {} grounds", limits::REFUSAL_GROUNDS_MAX));
        }
        if list.iter().any(|x| x.len() > limits::TEXT_FIELD_BYTES_MAX || x.trim().is_empty()) {
            c.at(g, format!("refusal_grounds: each ground is 1 to {} bytes", limits::TEXT_FIELD_BYTES_MAX));
        }
        list.clone()
    });
    let o = MlaOverrides {
        kinds: r.kinds.as_deref().and_then(|k| kinds(c, k)),
        direct_kinds: r.direct_kinds.as_deref().and_then(|k| kinds(c, k)),
        hours: r.hours.as_ref().and_then(|h| office_hours(c, h)),
        drafting: opt_delay(c, &r.drafting),
        translation: opt_delay(c, &r.translation),
        transmission: opt_delay(c, &r.transmission),
        queue: opt_delay(c, &r.queue),
        execution: opt_delay(c, &r.execution),
        refuse_probability: opt_p(c, &r.refuse_probability),
        refusal_grounds: grounds,
        pursue_probability: opt_p(c, &r.pursue_probability),
        confidentiality_notice_probability: opt_p(c, &r.confidentiality_notice_probability),
        withdraw_on_confidentiality_probability: opt_p(c, &r.withdraw_on_confidentiality_probability),
        hold_days: r.hold.as_ref().and_then(|h| hold_days(c, h)),
        hold_renewable: r.hold_renewable,
        officers: r.officers.as_ref().and_then(|o| super::fields::office_officers(c, o)),
    };
    if let (Some(k), Some(d)) = (&o.kinds, &o.direct_kinds) {
        if let Some(both) = k.iter().find(|x| d.contains(x)) {
            c.at(raw, format!("`{both}` is in both kinds and direct_kinds"));
        }
    }
    (c.diagnostics.len() == before).then_some(o)
}

/// A `retention` table: days per class of data.
pub(crate) fn retention(
    c: &mut Checker<'_>,
    raw: &BTreeMap<Spanned<String>, Spanned<String>>,
) -> Option<BTreeMap<DataClass, u32>> {
    let mut out = BTreeMap::new();
    let mut ok = true;
    for (class, days) in raw {
        let Some(class_of) = DataClass::parse(class.get_ref()) else {
            let names: Vec<&str> = DataClass::NAMED.iter().map(DataClass::as_str).collect();
            c.at(class, format!("unknown class of data `{}`: expected one of {}", class.get_ref(), names.join(", ")));
            ok = false;
            continue;
        };
        match duration_field(c, days, "retention") {
            Some(ms) if ms / 86_400_000 <= u64::from(RETENTION_DAYS_MAX) => {
                out.insert(class_of, u32::try_from(ms.div_ceil(86_400_000)).unwrap_or(u32::MAX));
            }
            Some(_) => {
                c.at(days, format!("retention: at most {RETENTION_DAYS_MAX} days"));
                ok = false;
            }
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// `data_classes`: each class once.
pub(crate) fn data_classes(c: &mut Checker<'_>, raw: &[Spanned<String>]) -> Option<Vec<DataClass>> {
    let mut out: Vec<DataClass> = Vec::new();
    let mut ok = true;
    for v in raw {
        match DataClass::parse(v.get_ref()) {
            Some(class) if out.contains(&class) => {
                c.at(v, format!("`{class}` is listed twice"));
                ok = false;
            }
            Some(class) => out.push(class),
            None => {
                let names: Vec<&str> = DataClass::NAMED.iter().map(DataClass::as_str).collect();
                c.at(v, format!("unknown class of data `{}`: expected one of {}", v.get_ref(), names.join(", ")));
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

fn default_delay(name: &str) -> Delay {
    let text = MLA_DEFAULTS.iter().find(|d| d.0 == name).map_or("1d", |d| d.1);
    delay(text).unwrap_or_else(|e| unreachable!("the default of {name} parses: {e}"))
}

/// The value of a field: the profile's, else the scenario's, else the default.
macro_rules! pick {
    ($profile:expr, $scenario:expr, $field:ident, $default:expr) => {
        $profile.and_then(|p| p.$field.clone()).or_else(|| $scenario.$field.clone()).unwrap_or_else(|| $default)
    };
}

impl MlaOverrides {
    /// The policy of a state: `profile`'s values over `self`'s (the scenario's) over the
    /// defaults. The office hours keep the state's zone and working week.
    pub(crate) fn resolve(&self, profile: Option<&MlaOverrides>, roster: &RosterSpec) -> (MlaPolicy, HoldRule) {
        let hours = pick!(profile, self, hours, vec![Shift { start_minute: 9 * 60, end_minute: 17 * 60 }]);
        let policy = MlaPolicy {
            kinds: pick!(profile, self, kinds, vec![RequestKind::Preservation, RequestKind::TrafficDisclosure]),
            direct_kinds: pick!(profile, self, direct_kinds, vec![RequestKind::Emergency]),
            roster: RosterSpec {
                tz: roster.tz.clone(),
                workweek: roster.workweek,
                shifts: hours,
                always_staffed: false,
                off_hours: Mode::Closed,
                holidays: roster.holidays.clone(),
            },
            drafting: pick!(profile, self, drafting, default_delay("drafting")),
            translation: pick!(profile, self, translation, default_delay("translation")),
            transmission: pick!(profile, self, transmission, default_delay("transmission")),
            queue: pick!(profile, self, queue, default_delay("queue")),
            execution: pick!(profile, self, execution, default_delay("execution")),
            refuse_probability: pick!(profile, self, refuse_probability, 0.05),
            refusal_grounds: pick!(
                profile,
                self,
                refusal_grounds,
                DEFAULT_GROUNDS.iter().map(|g| g.to_string()).collect()
            ),
            pursue_probability: pick!(profile, self, pursue_probability, 1.0),
            confidentiality_notice_probability: pick!(profile, self, confidentiality_notice_probability, 0.0),
            withdraw_on_confidentiality_probability: pick!(profile, self, withdraw_on_confidentiality_probability, 0.5),
            officers: profile.and_then(|p| p.officers).or(self.officers),
        };
        let hold = HoldRule {
            days: pick!(profile, self, hold_days, 90),
            renewable: pick!(profile, self, hold_renewable, true),
        };
        (policy, hold)
    }

    /// The policy as the scenario sets it (office hours in UTC, every day).
    fn scenario_policy(&self) -> (MlaPolicy, HoldRule) {
        let utc = RosterSpec {
            tz: "UTC".into(),
            workweek: WorkWeek::ALL_DAYS,
            shifts: vec![],
            always_staffed: false,
            off_hours: Mode::Closed,
            holidays: vec![],
        };
        self.resolve(None, &utc)
    }

    /// The kinds that ask for evidence: those needing MLA, then those disclosed directly.
    pub(crate) fn evidence_kinds(&self) -> Vec<RequestKind> {
        let (policy, _) = self.scenario_policy();
        policy.kinds.into_iter().chain(policy.direct_kinds).collect()
    }

    /// The scenario-wide values, each with where it comes from, for the report.
    pub(crate) fn assumptions(&self) -> Vec<Assumption> {
        let (policy, hold) = self.resolve(
            None,
            &RosterSpec {
                tz: "UTC".into(),
                workweek: WorkWeek::ALL_DAYS,
                shifts: vec![],
                always_staffed: false,
                off_hours: Mode::Closed,
                holidays: vec![],
            },
        );
        let names = |k: &[RequestKind]| k.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ");
        let values: [(&str, String, bool); 15] = [
            ("kinds", names(&policy.kinds), self.kinds.is_some()),
            ("direct_kinds", names(&policy.direct_kinds), self.direct_kinds.is_some()),
            (
                "hours",
                policy.roster.shifts.iter().map(Shift::to_string).collect::<Vec<_>>().join(" "),
                self.hours.is_some(),
            ),
            ("drafting", policy.drafting.to_string(), self.drafting.is_some()),
            ("translation", policy.translation.to_string(), self.translation.is_some()),
            ("transmission", policy.transmission.to_string(), self.transmission.is_some()),
            ("queue", policy.queue.to_string(), self.queue.is_some()),
            ("execution", policy.execution.to_string(), self.execution.is_some()),
            ("refuse_probability", policy.refuse_probability.to_string(), self.refuse_probability.is_some()),
            ("refusal_grounds", policy.refusal_grounds.join("; "), self.refusal_grounds.is_some()),
            ("pursue_probability", policy.pursue_probability.to_string(), self.pursue_probability.is_some()),
            (
                "confidentiality_notice_probability",
                policy.confidentiality_notice_probability.to_string(),
                self.confidentiality_notice_probability.is_some(),
            ),
            (
                "withdraw_on_confidentiality_probability",
                policy.withdraw_on_confidentiality_probability.to_string(),
                self.withdraw_on_confidentiality_probability.is_some(),
            ),
            ("hold", format!("{}d", hold.days), self.hold_days.is_some()),
            ("hold_renewable", hold.renewable.to_string(), self.hold_renewable.is_some()),
        ];
        values
            .into_iter()
            .map(|(name, value, set)| {
                let source = MLA_DEFAULTS.iter().find(|d| d.0 == name).map_or("", |d| d.2);
                Assumption {
                    parameter: format!("mla.{name}"),
                    value,
                    source: if set { "set in the scenario (an assumption)".to_string() } else { source.to_string() },
                }
            })
            .collect()
    }
}

impl MlaOverrides {
    /// The fields this level sets, as written, for the report.
    pub(crate) fn set_here(&self) -> Vec<(&'static str, String)> {
        let kinds = |k: &[RequestKind]| k.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ");
        let delays = [
            ("drafting", &self.drafting),
            ("translation", &self.translation),
            ("transmission", &self.transmission),
            ("queue", &self.queue),
            ("execution", &self.execution),
        ];
        let shares = [
            ("refuse_probability", self.refuse_probability),
            ("pursue_probability", self.pursue_probability),
            ("confidentiality_notice_probability", self.confidentiality_notice_probability),
            ("withdraw_on_confidentiality_probability", self.withdraw_on_confidentiality_probability),
        ];
        let mut out = Vec::new();
        out.extend(self.kinds.as_deref().map(|k| ("kinds", kinds(k))));
        out.extend(self.direct_kinds.as_deref().map(|k| ("direct_kinds", kinds(k))));
        out.extend(
            self.hours.as_ref().map(|h| ("hours", h.iter().map(Shift::to_string).collect::<Vec<_>>().join(" "))),
        );
        out.extend(delays.into_iter().filter_map(|(n, d)| Some((n, d.as_ref()?.to_string()))));
        out.extend(shares.into_iter().filter_map(|(n, p)| Some((n, p?.to_string()))));
        out.extend(self.refusal_grounds.as_ref().map(|g| ("refusal_grounds", g.join("; "))));
        out.extend(self.hold_days.map(|d| ("hold", format!("{d}d"))));
        out.extend(self.hold_renewable.map(|r| ("hold_renewable", r.to_string())));
        out.extend(self.officers.map(|o| ("officers", format!("{} staffed, {} on call", o.staffed, o.on_call))));
        out
    }
}

/// What profiles set of the evidence step and of retention, for the report.
pub(crate) fn profile_assumptions<'p>(
    profiles: impl Iterator<Item = (&'p String, &'p EvidenceLaw)>,
) -> Vec<Assumption> {
    let mut out = Vec::new();
    for (name, law) in profiles {
        for (field, value) in law.mla.as_ref().map(MlaOverrides::set_here).unwrap_or_default() {
            out.push(Assumption {
                parameter: format!("profiles.{name}.mla.{field}"),
                value,
                source: "set in the scenario (an assumption)".to_string(),
            });
        }
        for (class, days) in &law.retention {
            out.push(Assumption {
                parameter: format!("profiles.{name}.retention.{class}"),
                value: format!("{days}d"),
                source: "set in the scenario (an assumption)".to_string(),
            });
        }
    }
    out
}

/// The retention a state applies: the profile's classes over the scenario's over the default.
pub(crate) fn resolve_retention(scenario: &BTreeMap<DataClass, u32>, profile: &BTreeMap<DataClass, u32>) -> Retention {
    let mut r = Retention::default();
    r.days.extend(scenario.iter().map(|(c, d)| (*c, *d)));
    r.days.extend(profile.iter().map(|(c, d)| (*c, *d)));
    r
}

/// The scenario-wide retention, each class with where it comes from, for the report.
pub(crate) fn retention_assumptions(scenario: &BTreeMap<DataClass, u32>) -> Vec<Assumption> {
    resolve_retention(scenario, &BTreeMap::new())
        .days
        .iter()
        .map(|(class, days)| Assumption {
            parameter: format!("retention.{class}"),
            value: format!("{days}d"),
            source: if scenario.contains_key(class) {
                "set in the scenario (an assumption)".to_string()
            } else {
                RETENTION_SOURCE.to_string()
            },
        })
        .collect()
}
