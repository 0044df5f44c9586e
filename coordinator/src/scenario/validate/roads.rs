//! `[roads]`, `[[providers]]` and `[[agreements]]`: the other road to evidence, direct
//! orders to providers under agreements between states. A provider's home is a state of
//! the scenario, whose zone, working week and holidays its desk keeps unless it says
//! otherwise; an agreement's terms default to its instrument's ([`Instrument::terms`]).

use super::fields::{delay_field, duration_field, kind_of, officers, probability, state_hint};
use super::states::{roster_of, RosterFields};
use crate::scenario::diag::{did_you_mean, line_column, Checker};
use crate::scenario::model::{Assumption, StateEntry};
use crate::scenario::raw::{RawAgreement, RawFile, RawProvider, Spanned};
use crate::scenario::units::{delay, duration_ms};
use pocnet_core::limits;
use pocnet_core::request::RequestKind;
use pocnet_core::road::{Agreement, Instrument, Provider, ProviderIndex, Review, Roads, Terms};
use pocnet_core::roster::{Mode, RosterSpec, Shift};
use pocnet_core::time::format_duration_ms;
use pocnet_core::{DataClass, Delay, StateCode};
use std::collections::{BTreeMap, BTreeSet};

/// A provider's work on an order, in its desk's staffed time: two 8-hour days at the
/// median, seven at p90 (an assumption: no published figure).
pub const WORK_DEFAULT: &str = "median 16h p90 56h";
/// The same for an emergency order, in staffed or on-call time (an assumption).
pub const EMERGENCY_WORK_DEFAULT: &str = "median 2h p90 6h";
/// The classes a review holds when an agreement adds one its instrument lacks: the EU
/// Regulation's (traffic and content data).
const REVIEW_CLASSES_DEFAULT: [DataClass; 2] = [DataClass::Traffic, DataClass::Content];

/// Where each instrument's terms come from (docs/scenarios.md, docs/reference/convention.md):
/// deadline, emergency deadline, review, kinds and classes.
fn sources(instrument: Instrument) -> [&'static str; 5] {
    match instrument {
        Instrument::EuEEvidence => [
            "Regulation (EU) 2023/1543 Art. 10(2): 10 days from receipt (applicable from 18 August 2026)",
            "Regulation (EU) 2023/1543 Art. 10(4): 8 hours in an emergency",
            "Regulation (EU) 2023/1543 Art. 8, 10(2): the enforcing authority's 10-day review of traffic and content data of non-residents, the data held meanwhile (never an emergency: assumption)",
            "European Production Orders (evidence, emergencies) and European Preservation Orders (preservation), Regulation (EU) 2023/1543",
            "every class (Regulation (EU) 2023/1543 covers subscriber, traffic and content data)",
        ],
        Instrument::CloudAct => [
            "UK-US Data Access Agreement under the US CLOUD Act (in force 3 October 2022): default production limit 7 days [secondary source]",
            "assumption: no shorter limit for emergencies is sourced; the default limit applies",
            "none: no review by the provider's state",
            "assumption: preservation, evidence and emergencies",
            "every class",
        ],
        Instrument::SecondProtocolArt7 => [
            "30 days: recalled, not checked against the text of the Second Additional Protocol: an assumption",
            "assumption: as the ordinary deadline (emergencies go by Art. 9 through the 24/7 network)",
            "none: no review by the provider's state",
            "assumption: preservation, evidence and emergencies",
            "Budapest Convention Second Additional Protocol (2022) Art. 7: subscriber information only",
        ],
    }
}

/// The providers a scenario names, for injects and generated traffic.
#[derive(Debug, Default)]
pub(crate) struct ProviderNames {
    /// Each valid provider's index and home, by name.
    valid: BTreeMap<String, (ProviderIndex, StateCode)>,
    /// Every name written, valid or not: what names a broken provider says nothing more.
    written: BTreeSet<String>,
}

impl ProviderNames {
    /// The provider `v` names, its index and home; `None` when unknown (reported here,
    /// with the nearest name) or broken (reported where it is written).
    pub(crate) fn find(&self, c: &mut Checker<'_>, v: &Spanned<String>) -> Option<(ProviderIndex, StateCode)> {
        let name = v.get_ref();
        if let Some(found) = self.valid.get(name) {
            return Some(*found);
        }
        if !self.written.contains(name) {
            let hint = did_you_mean(name, self.written.iter().map(String::as_str));
            let known: Vec<&str> = self.written.iter().map(String::as_str).collect();
            c.at(v, format!("unknown provider `{name}`{hint} (defined are [{}])", known.join(", ")));
        }
        None
    }

    /// The home of provider `name`, if it is valid (nothing reported).
    pub(crate) fn home(&self, name: &str) -> Option<StateCode> {
        self.valid.get(name).map(|(_, home)| *home)
    }
}

/// The roads: providers, agreements and `[roads]`, with the providers' names for the
/// injects. Without any of the three, [`Roads::default`].
pub(crate) fn roads(
    c: &mut Checker<'_>,
    raw: &RawFile,
    states: &[StateEntry],
    codes: &BTreeSet<StateCode>,
) -> (Roads, ProviderNames) {
    let mut names = ProviderNames::default();
    let mut roads = Roads::default();
    for p in &raw.providers {
        names.written.insert(p.get_ref().name.get_ref().clone());
    }
    if too_many(c, &raw.providers, "providers") | too_many(c, &raw.agreements, "agreements") {
        return (roads, names);
    }
    let mut first_line: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &raw.providers {
        let name_ok = unique_name(c, &p.get_ref().name, "provider", &mut first_line);
        if let (Some(provider), true) = (provider(c, p.get_ref(), states, codes), name_ok) {
            let index = ProviderIndex::try_from(roads.providers.len()).unwrap_or(ProviderIndex::MAX);
            names.valid.insert(provider.name.clone(), (index, provider.home));
            roads.providers.push(provider);
        }
    }
    let mut first_line: BTreeMap<&str, usize> = BTreeMap::new();
    for a in &raw.agreements {
        let name_ok = unique_name(c, &a.get_ref().name, "agreement", &mut first_line);
        if let (Some(agreement), true) = (agreement(c, a.get_ref(), codes), name_ok) {
            roads.agreements.push(agreement);
        }
    }
    let share = raw.roads.as_ref().and_then(|r| r.get_ref().direct_share.as_ref());
    roads.direct_share = match share {
        Some(v) => probability(c, v).unwrap_or(0.0),
        None if roads.agreements.is_empty() => 0.0,
        None => 1.0,
    };
    if let Err(e) = roads.validate() {
        // What the nodes would refuse that no check above caught: said where roads begin.
        let span = raw.roads.as_ref().map(|r| r.span()).or(raw.providers.first().map(|p| p.span()));
        c.error(span.unwrap_or(0..0), format!("roads: {e}"));
    }
    (roads, names)
}

/// More than [`limits::ROADS_MAX`] entries: reported at the first one too many.
fn too_many<T>(c: &mut Checker<'_>, list: &[Spanned<T>], what: &str) -> bool {
    let extra = list.get(limits::ROADS_MAX);
    if let Some(extra) = extra {
        c.at(extra, format!("more than {} {what}", limits::ROADS_MAX));
    }
    extra.is_some()
}

/// A name that is not empty, at most [`limits::NAME_BYTES_MAX`] bytes and not written
/// before (`first_line`: where each was first).
fn unique_name<'r>(
    c: &mut Checker<'_>,
    name: &'r Spanned<String>,
    what: &str,
    first_line: &mut BTreeMap<&'r str, usize>,
) -> bool {
    let text = name.get_ref();
    if text.trim().is_empty() {
        c.at(name, format!("a {what} needs a name"));
        return false;
    }
    if text.len() > limits::NAME_BYTES_MAX {
        c.at(name, format!("{what} name: {} bytes; at most {}", text.len(), limits::NAME_BYTES_MAX));
        return false;
    }
    let (line, _) = line_column(c.text, name.span().start);
    if let Some(first) = first_line.get(text.as_str()) {
        c.at(name, format!("{what} `{text}` is named twice: first at line {first}, again here"));
        return false;
    }
    first_line.insert(text, line);
    true
}

/// A provider: its home (a state of the scenario), its desk's roster over the home's
/// zone, week and holidays, its officers, work and shift-end policy.
fn provider(
    c: &mut Checker<'_>,
    r: &RawProvider,
    states: &[StateEntry],
    codes: &BTreeSet<StateCode>,
) -> Option<Provider> {
    let home = match StateCode::parse(r.home.get_ref()) {
        Ok(code) if codes.contains(&code) => Some(code),
        _ => {
            let hint = state_hint(r.home.get_ref(), codes);
            let message = "a provider's home is a contact point of the scenario (its legal representative's state)";
            c.at(&r.home, format!("unknown state `{}`: {message}{hint}", r.home.get_ref()));
            None
        }
    };
    // A home whose entry is refused (reported) gives no roster to start from.
    let entry = home.and_then(|h| states.iter().find(|s| s.code == h));
    let fields = RosterFields {
        tz: r.tz.as_ref(),
        workweek: r.workweek.as_ref(),
        roster: r.roster.as_ref(),
        hours: r.hours.as_deref(),
        holidays: r.holidays.as_deref(),
        at: r.name.span(),
        label: format!("provider `{}`", r.name.get_ref()),
    };
    let roster = entry.and_then(|e| roster_of(c, &fields, Some(&desk_base(e))));
    let desk_officers = match (&r.officers, &roster) {
        (Some(o), Some(roster)) => provider_officers(c, o, roster).map(Some),
        (Some(_), None) => None,
        (None, _) => Some(None),
    };
    let work = work_delay(c, r.work.as_ref(), WORK_DEFAULT);
    let emergency_work = work_delay(c, r.emergency_work.as_ref(), EMERGENCY_WORK_DEFAULT);
    let shift_end = super::profiles::shift_end(c, r.shift_end.as_ref(), r.hand_over_cost.as_ref());
    Some(Provider {
        name: r.name.get_ref().clone(),
        home: home?,
        roster: roster?,
        officers: desk_officers?,
        work: work?,
        emergency_work: emergency_work?,
        shift_end: shift_end?,
    })
}

/// The roster a provider's desk starts from: its home's zone, working week and holidays,
/// office hours 09:00-17:00, on call otherwise (assumptions).
fn desk_base(home: &StateEntry) -> RosterSpec {
    RosterSpec {
        tz: home.roster.tz.clone(),
        workweek: home.roster.workweek,
        shifts: vec![Shift { start_minute: 9 * 60, end_minute: 17 * 60 }],
        always_staffed: false,
        off_hours: Mode::OnCall,
        holidays: home.roster.holidays.clone(),
    }
}

/// A provider's officers: one on call by default where its desk is ever on call, and
/// none written for a desk that never is.
fn provider_officers(
    c: &mut Checker<'_>,
    raw: &Spanned<crate::scenario::raw::RawOfficers>,
    roster: &RosterSpec,
) -> Option<pocnet_core::Officers> {
    let never = roster.never_on_call();
    let counted = officers(c, raw.get_ref(), u16::from(!never))?;
    match &raw.get_ref().on_call {
        Some(v) if never && counted.on_call > 0 => {
            c.at(v, "on_call: this provider's desk is never on call, so on-call officers would never work");
            None
        }
        _ => Some(counted),
    }
}

/// A work delay as written, or its default.
fn work_delay(c: &mut Checker<'_>, v: Option<&Spanned<String>>, default: &str) -> Option<Delay> {
    match v {
        Some(v) => delay_field(c, v),
        None => Some(delay(default).unwrap_or_else(|e| unreachable!("the default `{default}` parses: {e}"))),
    }
}

/// An agreement: its instrument, its parties, and its terms over the instrument's.
fn agreement(c: &mut Checker<'_>, r: &RawAgreement, codes: &BTreeSet<StateCode>) -> Option<Agreement> {
    let instrument = match Instrument::NAMES.iter().find(|(n, _)| n == r.instrument.get_ref()) {
        Some((_, i)) => Some(*i),
        None => {
            let names: Vec<&str> = Instrument::NAMES.iter().map(|n| n.0).collect();
            let hint = did_you_mean(r.instrument.get_ref(), names.iter().copied());
            let wrong = r.instrument.get_ref();
            c.at(&r.instrument, format!("unknown instrument `{wrong}`{hint} (expected one of {})", names.join(", ")));
            None
        }
    };
    let parties = parties(c, &r.parties, codes);
    let terms = terms(c, r, instrument.map(Instrument::terms));
    Some(Agreement { name: r.name.get_ref().clone(), instrument: instrument?, parties: parties?, terms: terms? })
}

/// An agreement's parties: at least two distinct contact points of the scenario.
fn parties(
    c: &mut Checker<'_>,
    list: &Spanned<Vec<Spanned<String>>>,
    codes: &BTreeSet<StateCode>,
) -> Option<Vec<StateCode>> {
    if list.get_ref().len() > limits::STATES_MAX {
        c.at(list, format!("more than {} parties", limits::STATES_MAX));
        return None;
    }
    let mut out: Vec<StateCode> = Vec::new();
    let mut ok = true;
    for v in list.get_ref() {
        match StateCode::parse(v.get_ref()) {
            Ok(code) if out.contains(&code) => {
                c.at(v, format!("{code} is listed twice"));
                ok = false;
            }
            Ok(code) if codes.contains(&code) => out.push(code),
            _ => {
                let hint = state_hint(v.get_ref(), codes);
                c.at(v, format!("unknown state `{}`: not among the scenario's contact points{hint}", v.get_ref()));
                ok = false;
            }
        }
    }
    if ok && out.len() < 2 {
        c.at(list, "an agreement needs at least two parties: a state orders providers in another");
        return None;
    }
    ok.then_some(out)
}

/// The terms written over `base` (the instrument's; `None`: unknown, reported).
fn terms(c: &mut Checker<'_>, r: &RawAgreement, base: Option<Terms>) -> Option<Terms> {
    let deadline = r.deadline.as_ref().map(|v| duration_field(c, v, "deadline"));
    let emergency = r.emergency_deadline.as_ref().map(|v| duration_field(c, v, "emergency_deadline"));
    let review = review(c, r, base.as_ref().map(|b| b.review.clone()));
    let kinds = r.kinds.as_ref().map(|list| agreement_kinds(c, list, &r.name));
    let classes = r.classes.as_ref().map(|list| super::evidence::data_classes(c, list));
    let base = base?;
    Some(Terms {
        deadline_ms: deadline.unwrap_or(Some(base.deadline_ms))?,
        emergency_deadline_ms: emergency.unwrap_or(Some(base.emergency_deadline_ms))?,
        review: review?,
        kinds: kinds.unwrap_or(Some(base.kinds))?,
        classes: classes.unwrap_or(Some(base.classes))?,
    })
}

/// `kinds`: at least one (else reported at the agreement's name, `at`), never a ping (it
/// asks a desk, not a provider).
fn agreement_kinds(c: &mut Checker<'_>, list: &[Spanned<String>], at: &Spanned<String>) -> Option<Vec<RequestKind>> {
    let kinds: Vec<RequestKind> = list.iter().filter_map(|k| kind_of(c, k)).collect();
    for v in list.iter().filter(|v| v.get_ref() == RequestKind::Ping.as_str()) {
        c.at(v, "a ping is never ordered from a provider: it tests a contact point");
    }
    if list.is_empty() {
        c.at(at, "kinds: an agreement covers at least one request kind");
    }
    (!list.is_empty() && kinds.len() == list.len() && !kinds.contains(&RequestKind::Ping)).then_some(kinds)
}

/// The review: `review` (a duration, or false) with its classes and odds over the
/// instrument's (`base`: `None` when the instrument is unknown). `Some(None)`: no review.
fn review(c: &mut Checker<'_>, r: &RawAgreement, base: Option<Option<Review>>) -> Option<Option<Review>> {
    let written_ms = r.review.as_ref().map(|v| review_ms(c, v));
    let classes = r.review_classes.as_ref().map(|list| super::evidence::data_classes(c, list));
    let refuse = r.review_refuse_probability.as_ref().map(|p| probability(c, p));
    let base = base?;
    let ms = match written_ms {
        Some(ms) => ms?,
        None => base.as_ref().map(|b| b.ms),
    };
    let Some(ms) = ms else {
        let classes_at = r.review_classes.as_ref().map(|_| r.name.span());
        let stray = r.review_refuse_probability.as_ref().map(|p| p.span()).or(classes_at);
        if let Some(at) = stray {
            c.error(at, "review_classes and review_refuse_probability need a review: this agreement has none");
            return None;
        }
        return Some(None);
    };
    let classes = match classes {
        Some(list) => list?,
        None => base.as_ref().map_or(REVIEW_CLASSES_DEFAULT.to_vec(), |b| b.classes.clone()),
    };
    let refuse_probability = match refuse {
        Some(p) => p?,
        None => base.as_ref().map_or(0.0, |b| b.refuse_probability),
    };
    Some(Some(Review { ms, classes, refuse_probability }))
}

/// `review` as written: a duration (`Some(Some(ms))`) or false (`Some(None)`).
fn review_ms(c: &mut Checker<'_>, v: &Spanned<toml::Value>) -> Option<Option<u64>> {
    match v.get_ref() {
        toml::Value::Boolean(false) => Some(None),
        toml::Value::String(s) => match duration_ms(s) {
            Ok(ms) if ms > 0 && ms <= limits::DELAY_MS_MAX => Some(Some(ms)),
            Ok(_) => {
                c.at(v, "review must be positive and at most 366d");
                None
            }
            Err(e) => {
                c.at(v, e);
                None
            }
        },
        _ => {
            c.at(v, "review: a duration like \"10d\", or false for none");
            None
        }
    }
}

/// Where a value written in the scenario comes from.
const WRITTEN: &str = "set in the scenario";

/// Every term of the roads, its value and where it comes from: the instrument's source for
/// a default, "set in the scenario" for a value written; the providers' defaults are
/// assumptions.
pub(crate) fn assumptions(raw: &RawFile, roads: &Roads) -> Vec<Assumption> {
    let mut out = Vec::new();
    if !roads.agreements.is_empty() || raw.roads.is_some() {
        let set = raw.roads.as_ref().is_some_and(|r| r.get_ref().direct_share.is_some());
        let source = if set { WRITTEN } else { "assumption: every request an agreement covers goes by direct order" };
        out.push(row("roads.direct_share".into(), roads.direct_share.to_string(), source));
    }
    for (a, r) in roads.agreements.iter().zip(&raw.agreements) {
        out.extend(agreement_assumptions(a, r.get_ref()));
    }
    for (p, r) in roads.providers.iter().zip(&raw.providers) {
        out.extend(provider_assumptions(p, r.get_ref()));
    }
    out
}

fn row(parameter: String, value: String, source: &str) -> Assumption {
    Assumption { parameter, value, source: source.into() }
}

/// `source` for a default, [`WRITTEN`] for a value the scenario gives.
fn source(given: bool, source: &'static str) -> &'static str {
    if given {
        WRITTEN
    } else {
        source
    }
}

fn agreement_assumptions(a: &Agreement, r: &RawAgreement) -> Vec<Assumption> {
    let [deadline, emergency, review, kinds, classes] = sources(a.instrument);
    let p = |field: &str| format!("agreement {}.{field}", a.name);
    let t = &a.terms;
    let review_text = t.review.as_ref().map_or("none".into(), |v| {
        let classes: Vec<&str> = v.classes.iter().map(DataClass::as_str).collect();
        let ms = format_duration_ms(v.ms);
        format!("{ms} of {}, refused with probability {}", classes.join(", "), v.refuse_probability)
    });
    let review_set = r.review.is_some() || r.review_classes.is_some() || r.review_refuse_probability.is_some();
    let kind_names: Vec<&str> = t.kinds.iter().map(|k| k.as_str()).collect();
    let class_names: Vec<&str> = t.classes.iter().map(DataClass::as_str).collect();
    let class_text = if class_names.is_empty() { "every class".to_string() } else { class_names.join(", ") };
    vec![
        row(p("instrument"), a.instrument.as_str().into(), WRITTEN),
        row(p("deadline"), format_duration_ms(t.deadline_ms), source(r.deadline.is_some(), deadline)),
        row(
            p("emergency_deadline"),
            format_duration_ms(t.emergency_deadline_ms),
            source(r.emergency_deadline.is_some(), emergency),
        ),
        row(p("review"), review_text, source(review_set, review)),
        row(p("kinds"), kind_names.join(", "), source(r.kinds.is_some(), kinds)),
        row(p("classes"), class_text, source(r.classes.is_some(), classes)),
    ]
}

fn provider_assumptions(p: &Provider, r: &RawProvider) -> Vec<Assumption> {
    let name = |field: &str| format!("provider {}.{field}", p.name);
    let roster_set = r.roster.is_some() || r.hours.is_some() || r.tz.is_some() || r.workweek.is_some();
    vec![
        row(
            name("roster"),
            super::states::roster_summary(&p.roster),
            source(
                roster_set,
                "assumption: office hours, on call for emergencies, in the home state's zone, week and holidays",
            ),
        ),
        row(
            name("work"),
            p.work.to_string(),
            source(
                r.work.is_some(),
                "assumption: two 8-hour days of staffed time at the median, seven at p90; no published figure",
            ),
        ),
        row(
            name("emergency_work"),
            p.emergency_work.to_string(),
            source(r.emergency_work.is_some(), "assumption: an emergency disclosure team's hours; no published figure"),
        ),
    ]
}
