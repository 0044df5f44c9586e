//! Generated injects: a Poisson process per requesting state, thinned by a diurnal
//! pattern in the requester's local time, every draw from the scenario seed.

use super::fields::{delay_field, kind_of, probability, time_in};
use super::network::{on_side, side};
use super::Named;
use crate::scenario::diag::Checker;
use crate::scenario::model::{StateEntry, INJECTS_MAX, RATE_PER_DAY_MAX};
use crate::scenario::raw::RawGenerate;
use crate::scenario::raw::Spanned;
use crate::scenario::schema::{one_of, DIURNAL_PATTERNS};
use pocnet_core::limits;
use pocnet_core::network::Side;
use pocnet_core::request::{Art42, Inject, RequestKind};
use pocnet_core::road::ProviderIndex;
use pocnet_core::{DataClass, Delay, SimTime, StateCode};
use std::collections::{BTreeMap, BTreeSet};

/// Relative weight of each local hour of the day for `diurnal = "office"`: investigators
/// file most requests in their own working day, some in the evening, few at night.
const OFFICE_HOURS_WEIGHTS: [f64; 24] = [
    0.2, 0.15, 0.1, 0.1, 0.1, 0.15, 0.3, 0.6, 1.0, 1.4, 1.5, 1.5, 1.2, 1.3, 1.5, 1.5, 1.4, 1.1, 0.8, 0.6, 0.5, 0.4,
    0.3, 0.25,
];

/// Weighted choice over `items` with `weights` (all finite, ≥ 0, positive sum).
fn pick<T: Copy>(rng: &mut rand_chacha::ChaCha8Rng, items: &[(T, f64)]) -> Option<T> {
    use rand::Rng;
    let total: f64 = items.iter().map(|(_, w)| w).sum();
    if total.is_nan() || total <= 0.0 {
        return None;
    }
    let mut x = rng.random::<f64>() * total;
    for (item, w) in items {
        if x < *w {
            return Some(*item);
        }
        x -= w;
    }
    items.last().map(|(i, _)| *i)
}

/// Generated injects: a Poisson process per requesting state, thinned by the diurnal
/// pattern in the requester's local time, all drawn from the scenario seed.
pub(super) fn generate(
    c: &mut Checker<'_>,
    raw: &Spanned<RawGenerate>,
    index: usize,
    seed: u64,
    (start, end): (SimTime, SimTime),
    named: &Named<'_>,
    budget: &mut usize,
) -> Vec<Inject> {
    let (states, regions) = (named.states, named.regions);
    let Some(block) = block(c, raw, (start, end), named, *budget) else { return vec![] };
    let mut out = Vec::new();
    for entry in states.iter().filter(|s| block.from.iter().any(|f| on_side(s.code, f, regions))) {
        let candidates: Vec<(StateCode, f64)> = states
            .iter()
            .filter(|s| s.code != entry.code)
            .map(|s| (s.code, target_weight(&block.targets, s.code, regions)))
            .collect();
        draw_state(&block, entry, &candidates, &mut Streams::new(seed, index, entry.code), *budget, &mut out);
    }
    *budget = budget.saturating_sub(out.len());
    out
}

/// A `[[generate]]` block, read and checked.
struct Block<'r> {
    start: SimTime,
    end: SimTime,
    rate: f64,
    /// Thinned by the office-hours pattern.
    diurnal: bool,
    from: Vec<Side>,
    kinds: Vec<(RequestKind, f64)>,
    targets: Vec<(Side, f64)>,
    /// As written: a language, or `requester` (the requester's first).
    language: Option<&'r str>,
    retention: Option<Delay>,
    data: Vec<DataClass>,
    data_age: Option<Delay>,
    chain_p: f64,
    forged_share: f64,
    /// Providers a request to their home names, with their homes.
    providers: Vec<(ProviderIndex, StateCode)>,
}

/// Reads the block, every problem reported where it is; `None` if any (in the block or
/// before it), so that nothing is drawn from a broken scenario.
fn block<'r>(
    c: &mut Checker<'_>,
    raw: &'r Spanned<RawGenerate>,
    (start, end): (SimTime, SimTime),
    named: &Named<'_>,
    budget: usize,
) -> Option<Block<'r>> {
    let (states, regions) = (named.states, named.regions);
    let r = raw.get_ref();
    let codes: BTreeSet<StateCode> = states.iter().map(|s| s.code).collect();
    let window = Some((start, end));
    let (g_start, g_end) = (
        r.start.as_ref().map_or(Some(start), |v| time_in(c, v, window)),
        r.end.as_ref().map_or(Some(end), |v| time_in(c, v, window)),
    );
    let rate = *r.rate_per_day.get_ref();
    if !(rate > 0.0 && rate <= RATE_PER_DAY_MAX) {
        c.at(&r.rate_per_day, format!("rate_per_day must be in (0, {RATE_PER_DAY_MAX}]"));
    }
    let diurnal = diurnal(c, r);
    let from: Vec<Side> = match &r.from {
        Some(list) => list.iter().filter_map(|v| side(c, v, &codes, regions)).collect(),
        None => vec![Side::Any],
    };
    let kinds = kinds(c, raw);
    let targets = targets(c, r, &codes, regions);
    let language = r.language.as_deref();
    if language.filter(|l| *l != "requester").is_some_and(|l| l.len() > limits::LANGUAGE_BYTES_MAX) {
        c.at(raw, format!("language: longer than {} bytes", limits::LANGUAGE_BYTES_MAX));
    }
    // Bounded before anything is drawn: the expected count of this block, against what
    // the scenario may still hold.
    if let (Some(a), Some(b)) = (g_start, g_end) {
        let requesters = states.iter().filter(|s| from.iter().any(|f| on_side(s.code, f, regions))).count();
        expected_within_budget(c, r, rate, (a, b), requesters, budget);
    }
    let retention = r.retention.as_ref().map(|v| delay_field(c, v));
    let data = super::evidence::data_classes(c, &r.data_classes);
    let data_age = r.data_age.as_ref().map(|v| delay_field(c, v));
    if let (Some(v), true) = (&r.data_age, r.data_classes.is_empty()) {
        c.at(v, "data_age needs `data_classes`: the age of which data?");
    }
    let chain_p = r.chain_probability.as_ref().map(|p| probability(c, p));
    let forged_share = r.forged_share.as_ref().map_or(Some(0.0), |p| probability(c, p));
    let providers = providers(c, r, named);
    let (Some(start), Some(end), Some(diurnal), Some(forged_share), Some(providers)) =
        (g_start, g_end, diurnal, forged_share, providers)
    else {
        return None;
    };
    if matches!(retention, Some(None)) || matches!(chain_p, Some(None)) || !c.diagnostics.is_empty() {
        return None;
    }
    let (Some(data), Some(data_age)) = (data, data_age.map_or(Some(None), |a| a.map(Some))) else { return None };
    let (retention, chain_p) = (retention.flatten(), chain_p.flatten().unwrap_or(0.0));
    Some(Block {
        start,
        end,
        rate,
        diurnal,
        from,
        kinds,
        targets,
        language,
        retention,
        data,
        data_age,
        chain_p,
        forged_share,
        providers,
    })
}

/// `providers`: names of `[[providers]]`, each once (so at most [`limits::ROADS_MAX`]).
fn providers(c: &mut Checker<'_>, r: &RawGenerate, named: &Named<'_>) -> Option<Vec<(ProviderIndex, StateCode)>> {
    let list = r.providers.as_deref().unwrap_or_default();
    if let Some(extra) = list.get(limits::ROADS_MAX) {
        c.at(extra, format!("more than {} providers", limits::ROADS_MAX));
        return None;
    }
    let mut out: Vec<(ProviderIndex, StateCode)> = Vec::new();
    let mut ok = true;
    for (i, v) in list.iter().enumerate() {
        if list[..i].iter().any(|earlier| earlier.get_ref() == v.get_ref()) {
            c.at(v, format!("provider `{}` is listed twice", v.get_ref()));
            ok = false;
            continue;
        }
        match named.providers.find(c, v) {
            Some(found) => out.push(found),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// `diurnal`: whether the block follows the office-hours pattern (`None` if unknown).
fn diurnal(c: &mut Checker<'_>, r: &RawGenerate) -> Option<bool> {
    match &r.diurnal {
        None => Some(false),
        Some(d) => match DIURNAL_PATTERNS.iter().find(|(name, _)| name == d.get_ref()) {
            Some((_, office)) => Some(*office),
            None => {
                let names: Vec<&str> = DIURNAL_PATTERNS.iter().map(|p| p.0).collect();
                c.at(d, format!("unknown diurnal pattern `{}`: expected {}", d.get_ref(), one_of(&names)));
                None
            }
        },
    }
}

/// `kinds`: the request kinds and their weights, at least one positive.
fn kinds(c: &mut Checker<'_>, raw: &Spanned<RawGenerate>) -> Vec<(RequestKind, f64)> {
    let mut kinds = Vec::new();
    for (k, w) in &raw.get_ref().kinds {
        let kind = kind_of(c, k);
        let weight = *w.get_ref();
        if !(weight >= 0.0 && weight.is_finite()) {
            c.at(w, "a weight must be a non-negative number");
        }
        if let Some(kind) = kind {
            kinds.push((kind, weight));
        }
    }
    if kinds.iter().map(|(_, w)| w).sum::<f64>() <= 0.0 {
        c.at(raw, "`kinds` needs at least one positive weight");
    }
    kinds
}

/// `targets`: weights by state, region or `*`.
fn targets(
    c: &mut Checker<'_>,
    r: &RawGenerate,
    codes: &BTreeSet<StateCode>,
    regions: &BTreeMap<StateCode, String>,
) -> Vec<(Side, f64)> {
    let mut targets = Vec::new();
    for (t, w) in r.targets.iter().flatten() {
        if let Some(s) = side(c, t, codes, regions) {
            targets.push((s, *w.get_ref()));
        }
        if !(*w.get_ref() >= 0.0 && w.get_ref().is_finite()) {
            c.at(w, "a weight must be a non-negative number");
        }
    }
    targets
}

/// The block's expected count against what the scenario may still hold.
fn expected_within_budget(
    c: &mut Checker<'_>,
    r: &RawGenerate,
    rate: f64,
    (a, b): (SimTime, SimTime),
    requesters: usize,
    budget: usize,
) {
    let days = b.since(a) as f64 / 86_400_000.0;
    let expected = rate.max(0.0) * days * requesters as f64;
    if expected > budget as f64 {
        c.at(
            &r.rate_per_day,
            format!(
                "this block would make about {expected:.0} injects ({rate}/day x {days:.0} days x {requesters} states); \
                 the scenario may hold {INJECTS_MAX} in all, {budget} more"
            ),
        );
    }
}

/// A state's target weight: the most specific matching rule's (its code, else its
/// region, else `*`: a TOML table has no order), or 1 with no rules.
fn target_weight(targets: &[(Side, f64)], code: StateCode, regions: &BTreeMap<StateCode, String>) -> f64 {
    if targets.is_empty() {
        return 1.0;
    }
    let specificity = |s: &Side| match s {
        Side::State(_) => 0,
        Side::Region(_) => 1,
        Side::Any => 2,
    };
    targets
        .iter()
        .filter(|(s, _)| on_side(code, s, regions))
        .min_by_key(|(s, _)| specificity(s))
        .map_or(0.0, |(_, w)| *w)
}

/// One requesting state's random streams, each from the scenario seed, the block and the state.
struct Streams {
    /// Arrivals, kinds, targets, chains and evidence deletion.
    main: rand_chacha::ChaCha8Rng,
    /// The data's ages come from a stream of their own: a block that asks for them draws
    /// the same arrivals, kinds, targets and chains as one that does not.
    age: rand_chacha::ChaCha8Rng,
    /// Forgeries too: a block with a forged share draws the same cases as one without.
    forged: rand_chacha::ChaCha8Rng,
    /// And the provider a request names, among those at home in its receiving state.
    provider: rand_chacha::ChaCha8Rng,
}

impl Streams {
    fn new(seed: u64, index: usize, code: StateCode) -> Self {
        use rand::SeedableRng;
        let block = index as u64 + 1;
        Streams {
            main: rand_chacha::ChaCha8Rng::seed_from_u64(
                seed ^ block.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ code.key().wrapping_mul(0xD1B5_4A32_D192_ED03),
            ),
            age: rand_chacha::ChaCha8Rng::seed_from_u64(
                (seed ^ block.wrapping_mul(0xA24B_AED4_963E_E407)) ^ code.key().wrapping_mul(0x9FB2_1C65_1E98_DF25),
            ),
            forged: rand_chacha::ChaCha8Rng::seed_from_u64(
                (seed ^ block.wrapping_mul(0x8CB9_2BA7_2F3D_8DD7)) ^ code.key().wrapping_mul(0xC2B2_AE3D_27D4_EB4F),
            ),
            provider: rand_chacha::ChaCha8Rng::seed_from_u64(
                (seed ^ block.wrapping_mul(0x94D0_49BB_1331_11EB)) ^ code.key().wrapping_mul(0xBF58_476D_1CE4_E5B9),
            ),
        }
    }
}

/// One requesting state's arrivals over the block, until its end or the budget: at the
/// peak rate, each kept with probability weight(hour) / peak.
fn draw_state(
    block: &Block<'_>,
    entry: &StateEntry,
    candidates: &[(StateCode, f64)],
    streams: &mut Streams,
    budget: usize,
    out: &mut Vec<Inject>,
) {
    use rand::Rng;
    let peak = if block.diurnal { OFFICE_HOURS_WEIGHTS.iter().copied().fold(0.0, f64::max) } else { 1.0 };
    let mean = if block.diurnal { OFFICE_HOURS_WEIGHTS.iter().sum::<f64>() / 24.0 } else { 1.0 };
    let tz = pocnet_core::tzdb::zone(&entry.tz).unwrap_or(jiff::tz::TimeZone::UTC);
    let peak_rate_per_ms = block.rate / 86_400_000.0 * peak / mean;
    let mut t = block.start.0 as f64;
    loop {
        let u: f64 = 1.0 - streams.main.random::<f64>();
        t += -u.ln() / peak_rate_per_ms;
        if t >= block.end.0 as f64 || out.len() >= budget {
            break;
        }
        let at = SimTime(t as i64);
        let keep = if block.diurnal {
            let hour = at.timestamp().to_zoned(tz.clone()).hour() as usize;
            streams.main.random::<f64>() < OFFICE_HOURS_WEIGHTS[hour.min(23)] / peak
        } else {
            true
        };
        if !keep {
            continue;
        }
        let (Some(to), Some(kind)) = (pick(&mut streams.main, candidates), pick(&mut streams.main, &block.kinds))
        else {
            break;
        };
        out.push(generated_inject(block, entry, candidates, streams, (at, to, kind)));
    }
}

/// One generated case at `at` from `entry` to `to`: its evidence deletion, data age, chain
/// of onward requests and forgery drawn in that order.
fn generated_inject(
    block: &Block<'_>,
    entry: &StateEntry,
    candidates: &[(StateCode, f64)],
    streams: &mut Streams,
    (at, to, kind): (SimTime, StateCode, RequestKind),
) -> Inject {
    use rand::Rng;
    let evidence_deleted_at = block.retention.as_ref().map(|d| at.plus_ms(d.sample(&mut streams.main).max(1)));
    let age = block.data_age.as_ref().map_or(0, |d| d.sample(&mut streams.age));
    let data_created_at =
        (!block.data.is_empty()).then(|| SimTime(at.0.saturating_sub(i64::try_from(age).unwrap_or(0))));
    let chain = chain(&mut streams.main, candidates, entry.code, to, block.chain_p);
    let inject = Inject::new(at, entry.code, to, kind);
    let language = match block.language {
        Some("requester") => entry.languages.first().cloned(),
        Some(l) => Some(l.to_string()),
        None => None,
    };
    Inject {
        language: language.unwrap_or(inject.language.clone()),
        // A generated case says so; the other texts are the defaults.
        details: Art42 {
            offence: "generated case".into(),
            data: "subscriber and traffic data".into(),
            ..inject.details.clone()
        },
        evidence_deleted_at,
        chain,
        data: block.data.clone(),
        data_created_at,
        forged: block.forged_share > 0.0 && streams.forged.random::<f64>() < block.forged_share,
        provider: provider_at(&block.providers, to, &mut streams.provider),
        ..inject
    }
}

/// One of `providers` at home in `to`, drawn alike (none drawn where none is at home).
fn provider_at(
    providers: &[(ProviderIndex, StateCode)],
    to: StateCode,
    rng: &mut rand_chacha::ChaCha8Rng,
) -> Option<ProviderIndex> {
    use rand::Rng;
    let at_home: Vec<ProviderIndex> = providers.iter().filter(|(_, home)| *home == to).map(|(i, _)| *i).collect();
    match at_home.len() {
        0 => None,
        1 => Some(at_home[0]),
        n => at_home.get(rng.random_range(0..n)).copied(),
    }
}

/// Onward requests: up to three more states, each drawn with probability `chain_p`,
/// never the requester nor the state just before.
fn chain(
    rng: &mut rand_chacha::ChaCha8Rng,
    candidates: &[(StateCode, f64)],
    requester: StateCode,
    to: StateCode,
    chain_p: f64,
) -> Vec<StateCode> {
    use rand::Rng;
    let mut chain = Vec::new();
    let mut last = to;
    while chain.len() < 3 && rng.random::<f64>() < chain_p {
        let third: Vec<(StateCode, f64)> =
            candidates.iter().copied().filter(|(s, _)| *s != last && *s != requester).collect();
        match pick(rng, &third) {
            Some(next) => {
                chain.push(next);
                last = next;
            }
            None => break,
        }
    }
    chain
}
