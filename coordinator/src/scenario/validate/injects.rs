//! `[[injects]]`: explicit requests, their Art. 42 fields, evidence windows and chains.

use super::fields::{duration_field, kind_of, time_in, timestamp};
use super::Named;
use crate::scenario::diag::Checker;
use crate::scenario::raw::RawInject;
use crate::scenario::raw::Spanned;
use pocnet_core::limits;
use pocnet_core::request::{Art42, Inject, RequestId};
use pocnet_core::road::ProviderIndex;
use pocnet_core::{SimTime, StateCode};
use std::collections::BTreeSet;

pub(crate) fn inject(
    c: &mut Checker<'_>,
    spanned: &Spanned<RawInject>,
    id: RequestId,
    named: &Named<'_>,
    window: Option<(SimTime, SimTime)>,
) -> Option<Inject> {
    let raw = spanned.get_ref();
    let codes = named.codes;
    let at = time_in(c, &raw.at, window);
    let from = party(c, &raw.from, codes);
    let (to, provider) = receiver(c, spanned, named);
    if from.is_some() && from == to {
        let span = raw.to.as_ref().or(raw.provider.as_ref()).map_or(spanned.span(), |v| v.span());
        c.error(span, "a contact point cannot send a request to itself");
    }
    let chain = chain(c, raw, codes, from, to);
    let kind = kind_of(c, &raw.kind);
    let deleted = evidence_deleted_at(c, raw, at);
    let data = super::evidence::data_classes(c, &raw.data_classes);
    let age = data_age(c, raw);
    let (from, to, kind, at, deleted, data, provider) = (from?, to?, kind?, at?, deleted?, data?, provider?);
    let age = age.unwrap_or(Some(0))?;
    let data_created_at =
        (!data.is_empty()).then(|| SimTime(at.0.saturating_sub(i64::try_from(age).unwrap_or(i64::MAX))));
    if chain.len() != raw.chain.len() {
        return None;
    }
    let (details, mut too_long) = details(c, raw, from, to);
    let mut inject = Inject {
        id,
        details,
        evidence_deleted_at: deleted,
        chain,
        data,
        data_created_at,
        provider,
        ..Inject::new(at, from, to, kind)
    };
    if let Some(language) = &raw.language {
        inject.language.clone_from(language);
    }
    inject.forged = raw.forged.unwrap_or(inject.forged);
    let language = &inject.language;
    if language.len() > limits::LANGUAGE_BYTES_MAX {
        c.at(&raw.at, format!("language: longer than {} bytes (a BCP 47 tag like `fr`)", limits::LANGUAGE_BYTES_MAX));
        too_long = true;
    }
    if too_long {
        return None;
    }
    Some(inject)
}

/// The requested state and the provider named: `to`, which must be the provider's home,
/// or the provider's home when `to` is left out. `(_, None)`: a provider named wrongly
/// (reported); `(_, Some(None))`: none named.
fn receiver(
    c: &mut Checker<'_>,
    spanned: &Spanned<RawInject>,
    named: &Named<'_>,
) -> (Option<StateCode>, Option<Option<ProviderIndex>>) {
    let raw = spanned.get_ref();
    let provider = raw.provider.as_ref().map(|v| (v, named.providers.find(c, v)));
    let to = match (&raw.to, &provider) {
        (Some(v), _) => party(c, v, named.codes),
        (None, Some((_, found))) => found.map(|(_, home)| home),
        (None, None) => {
            c.at(spanned, "`to` is required (or `provider`, whose home it defaults to)");
            None
        }
    };
    let provider = match provider {
        None => Some(None),
        Some((v, Some((index, home)))) => match (&raw.to, to) {
            (Some(t), Some(to)) if to != home => {
                let name = v.get_ref();
                c.at(t, format!("provider `{name}` is at home in {home}: `to` must be {home} (or be left out)"));
                None
            }
            _ => Some(Some(index)),
        },
        Some((_, None)) => None,
    };
    (to, provider)
}

/// A state the inject names (`from`, `to`, a chain link): one of the scenario's contact points.
fn party(c: &mut Checker<'_>, v: &Spanned<String>, codes: &BTreeSet<StateCode>) -> Option<StateCode> {
    match StateCode::parse(v.get_ref()) {
        Ok(code) if codes.contains(&code) => Some(code),
        Ok(code) => {
            let hint = super::fields::state_hint(v.get_ref(), codes);
            c.at(v, format!("unknown state {code}: not among the scenario's contact points{hint}"));
            None
        }
        Err(e) => {
            c.at(v, format!("{e}{}", super::fields::state_hint(v.get_ref(), codes)));
            None
        }
    }
}

/// `chain`: the states the answer reveals, each other than the requester and the link
/// before it, at most `CHAIN_LINKS_MAX`; the links that could be read.
fn chain(
    c: &mut Checker<'_>,
    raw: &RawInject,
    codes: &BTreeSet<StateCode>,
    from: Option<StateCode>,
    to: Option<StateCode>,
) -> Vec<StateCode> {
    let mut chain = Vec::new();
    let mut previous = to;
    for link in &raw.chain {
        let next = party(c, link, codes);
        if next.is_some() && (next == previous || next == from) {
            c.at(link, "a chain link must reveal a state other than the requester and the previous link");
        }
        chain.extend(next);
        previous = next;
    }
    if raw.chain.len() > limits::CHAIN_LINKS_MAX {
        c.at(&raw.chain[limits::CHAIN_LINKS_MAX], format!("more than {} chain links", limits::CHAIN_LINKS_MAX));
    }
    chain
}

/// When the evidence is deleted: `evidence_deleted_at` (after the request) or `retention`
/// after it, not both; `Some(None)` when never.
fn evidence_deleted_at(c: &mut Checker<'_>, raw: &RawInject, at: Option<SimTime>) -> Option<Option<SimTime>> {
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
    deleted
}

/// `data_age`: at most ten years, and only with `data_classes`.
fn data_age(c: &mut Checker<'_>, raw: &RawInject) -> Option<Option<u64>> {
    let age = raw.data_age.as_ref().map(|v| match crate::scenario::units::duration_ms(v.get_ref()) {
        Ok(ms) if ms <= limits::DELAY_MS_MAX * 10 => Some(ms),
        Ok(_) => {
            c.at(v, "data_age: at most ten years");
            None
        }
        Err(e) => {
            c.at(v, e);
            None
        }
    });
    if let (Some(v), true) = (&raw.data_age, raw.data_classes.is_empty()) {
        c.at(v, "data_age needs `data_classes`: the age of which data?");
    }
    age
}

/// The Art. 42 fields: the defaults, with what the inject gives; and whether a text is
/// longer than a request carries (reported).
fn details(c: &mut Checker<'_>, raw: &RawInject, from: StateCode, to: StateCode) -> (Art42, bool) {
    let mut details = Art42::new(from, to);
    for (field, given) in [
        (&mut details.authority, &raw.authority),
        (&mut details.offence, &raw.offence),
        (&mut details.data, &raw.data),
        (&mut details.custodian, &raw.custodian),
        (&mut details.necessity, &raw.necessity),
    ] {
        if let Some(given) = given {
            field.clone_from(given);
        }
    }
    details.mla_to_follow = raw.mla_to_follow.unwrap_or(details.mla_to_follow);
    details.confidential = raw.confidential.unwrap_or(details.confidential);
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
    (details, too_long)
}
