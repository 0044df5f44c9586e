//! `pocnet validate`: a scenario against a desk's records. The scenario runs on several
//! seeds; each figure of the desk (time to acknowledge overall, by roster mode and by local
//! hour; work time by kind; outcomes) is compared with the records by a distance (two-sample
//! Kolmogorov-Smirnov, scaled by √(nm/(n+m)); total variation for outcomes). Whether the
//! records' distance is inside the run-to-run noise is a Monte Carlo test: subsamples of
//! one simulated run at a time (without replacement, of the records' size or half the run),
//! compared with the other runs, give the distance's distribution when the scenario is right. Holm's procedure holds
//! the chance of failing a true scenario at 5% over all figures together.
//!
//! - [`outputs`]: validate.json, validate.md, validate.html (both distributions on one chart).

pub mod outputs;

use crate::records::Record;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;

/// Family-wise error rate over all figures.
pub const ALPHA: f64 = 0.05;
/// Fewer records than this in a figure: it is shown, not tested.
pub const MIN_RECORDS: usize = 10;

/// What one figure's values are.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Durations in ms.
    Durations(Vec<u64>),
    /// Outcome names.
    Outcomes(Vec<String>),
}

impl Values {
    pub fn len(&self) -> usize {
        match self {
            Values::Durations(v) => v.len(),
            Values::Outcomes(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One figure compared.
#[derive(Debug, Clone)]
pub struct Compared {
    pub name: String,
    /// The scenario parameter this figure mostly depends on.
    pub parameter: String,
    pub observed: Values,
    /// Every simulated run's values, one per seed.
    pub simulated: Vec<Values>,
    /// The records' distance to the pooled runs; `None` when too few records.
    pub distance: Option<f64>,
    /// Monte Carlo p-value of the distance under the scenario.
    pub p_value: Option<f64>,
    /// Failed under Holm's procedure.
    pub failed: bool,
}

/// Extracts the figures of `state`'s records: name, parameter, values.
pub fn figures(records: &[&Record], profile: &str) -> Vec<(String, String, Values)> {
    let mut out = vec![];
    let ack = |f: &dyn Fn(&Record) -> bool| -> Values {
        Values::Durations(records.iter().filter(|r| f(r)).filter_map(|r| r.acknowledge_ms()).collect())
    };
    out.push(("time to acknowledge".into(), format!("profiles.{profile}.acknowledge"), ack(&|_| true)));
    for mode in [pocnet_core::Mode::Staffed, pocnet_core::Mode::OnCall, pocnet_core::Mode::Closed] {
        let name = crate::records::mode_name(mode);
        let param = match mode {
            pocnet_core::Mode::OnCall => format!("profiles.{profile}.acknowledge.on_call"),
            pocnet_core::Mode::Staffed => format!("profiles.{profile}.acknowledge.staffed"),
            pocnet_core::Mode::Closed => "the state's roster (hours, workweek)".to_string(),
        };
        out.push((format!("time to acknowledge, {name}"), param, ack(&|r| r.mode == Some(mode))));
    }
    for h in 0..24u8 {
        let at = move |r: &Record| r.local_hour_day().is_some_and(|(hour, _)| hour == h);
        let param = format!("the roster at {h:02}:00 and profiles.{profile}.acknowledge");
        out.push((format!("time to acknowledge, local {h:02}:00"), param, ack(&at)));
    }
    for kind in pocnet_core::RequestKind::ALL {
        let v: Vec<u64> = records.iter().filter(|r| r.kind == kind).filter_map(|r| r.work_ms()).collect();
        let param = format!("profiles.{profile}.fulfil (kinds.{})", kind.as_str());
        out.push((format!("work time, {}", kind.as_str()), param, Values::Durations(v)));
    }
    let outcomes = records.iter().map(|r| r.outcome.clone()).collect();
    out.push((
        "outcomes".into(),
        format!("profiles.{profile}: refuse_probability, give_up_after"),
        Values::Outcomes(outcomes),
    ));
    out
}

/// The scaled two-sample KS distance: sup |F − G| · √(nm/(n+m)).
pub fn ks2(a: &[u64], b: &[u64]) -> f64 {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort_unstable();
    b.sort_unstable();
    let (n, m) = (a.len() as f64, b.len() as f64);
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut d) = (0usize, 0usize, 0f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] == x {
            i += 1;
        }
        while j < b.len() && b[j] == x {
            j += 1;
        }
        d = d.max((i as f64 / n - j as f64 / m).abs());
    }
    d * (n * m / (n + m)).sqrt()
}

/// Total variation distance between two samples of names, scaled like [`ks2`].
pub fn tv(a: &[String], b: &[String]) -> f64 {
    let (n, m) = (a.len() as f64, b.len() as f64);
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let mut counts: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for x in a {
        counts.entry(x).or_default().0 += 1;
    }
    for x in b {
        counts.entry(x).or_default().1 += 1;
    }
    let gap = |(p, q): &(u64, u64)| (*p as f64 / n - *q as f64 / m).abs();
    0.5 * counts.values().map(gap).sum::<f64>() * (n * m / (n + m)).sqrt()
}

fn distance(a: &Values, b: &Values) -> f64 {
    match (a, b) {
        (Values::Durations(x), Values::Durations(y)) => ks2(x, y),
        (Values::Outcomes(x), Values::Outcomes(y)) => tv(x, y),
        _ => 0.0,
    }
}

fn pool(runs: &[Values], skip: Option<usize>) -> Values {
    let mut d = vec![];
    let mut o = vec![];
    for (_, r) in runs.iter().enumerate().filter(|(i, _)| Some(*i) != skip) {
        match r {
            Values::Durations(v) => d.extend_from_slice(v),
            Values::Outcomes(v) => o.extend(v.iter().cloned()),
        }
    }
    if matches!(runs.first(), Some(Values::Outcomes(_))) {
        Values::Outcomes(o)
    } else {
        Values::Durations(d)
    }
}

/// `k` values drawn without replacement from `from` (a partial shuffle). A subsample of a
/// run is as far from the scenario's distribution as an independent sample of its size
/// would be: the run's own deviation and the subsample's add up to exactly 1/k.
fn subsample(from: &Values, k: usize, rng: &mut impl Rng) -> Values {
    let n = from.len();
    let mut index: Vec<usize> = (0..n).collect();
    for i in 0..k.min(n) {
        let j = rng.random_range(i..n);
        index.swap(i, j);
    }
    index.truncate(k.min(n));
    match from {
        Values::Durations(v) => Values::Durations(index.iter().map(|&i| v[i]).collect()),
        Values::Outcomes(v) => Values::Outcomes(index.iter().map(|&i| v[i].clone()).collect()),
    }
}

/// The Monte Carlo p-value of `observed` against the runs. Each of `draws` samples is a
/// subsample of one run (taken in turn) of the records' size, at most half the run,
/// compared with the other runs; distances are scaled by √(nm/(n+m)), so samples of
/// other sizes are comparable.
pub fn p_value(observed: &Values, runs: &[Values], draws: usize, seed: u64) -> Option<(f64, f64)> {
    let usable: Vec<usize> = (0..runs.len()).filter(|i| runs[*i].len() >= 2).collect();
    if observed.len() < MIN_RECORDS || usable.len() < 2 {
        return None;
    }
    let d_obs = distance(observed, &pool(runs, None));
    let pools: Vec<Values> = usable.iter().map(|i| pool(runs, Some(*i))).collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut beyond = 0usize;
    for k in 0..draws {
        let which = k % usable.len();
        let run = &runs[usable[which]];
        let sample = subsample(run, observed.len().min(run.len() / 2).max(1), &mut rng);
        // At least as far, up to rounding (equal samples are at distance 0 either way).
        if distance(&sample, &pools[which]) >= d_obs - 1e-9 {
            beyond += 1;
        }
    }
    Some((d_obs, (beyond as f64 + 1.0) / (draws as f64 + 1.0)))
}

/// Holm's step-down procedure at `alpha`: which of `p` are rejected.
pub fn holm(p: &[Option<f64>], alpha: f64) -> Vec<bool> {
    let mut order: Vec<(usize, f64)> = p.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i, v))).collect();
    order.sort_by(|a, b| a.1.total_cmp(&b.1));
    let m = order.len();
    let mut rejected = vec![false; p.len()];
    for (rank, (i, v)) in order.iter().enumerate() {
        if *v > alpha / (m - rank) as f64 {
            break;
        }
        rejected[*i] = true;
    }
    rejected
}

/// Compares the records' figures with those of each simulated run.
pub fn compare(observed: &[&Record], runs: &[Vec<Record>], profile: &str, draws: usize) -> Vec<Compared> {
    let obs = figures(observed, profile);
    let sims: Vec<Vec<(String, String, Values)>> =
        runs.iter().map(|r| figures(&r.iter().collect::<Vec<_>>(), profile)).collect();
    let mut out: Vec<Compared> = obs
        .into_iter()
        .enumerate()
        .map(|(i, (name, parameter, observed))| {
            let simulated: Vec<Values> = sims.iter().map(|s| s[i].2.clone()).collect();
            let tested = p_value(&observed, &simulated, draws, i as u64 + 1);
            Compared {
                name,
                parameter,
                observed,
                simulated,
                distance: tested.map(|t| t.0),
                p_value: tested.map(|t| t.1),
                failed: false,
            }
        })
        .filter(|c| !c.observed.is_empty() || c.simulated.iter().any(|s| !s.is_empty()))
        .collect();
    let failed = holm(&out.iter().map(|c| c.p_value).collect::<Vec<_>>(), ALPHA);
    for (c, f) in out.iter_mut().zip(failed) {
        c.failed = f;
    }
    out
}

/// The failed figure most likely at fault: the smallest p, then the largest distance.
pub fn most_at_fault(compared: &[Compared]) -> Option<&Compared> {
    compared.iter().filter(|c| c.failed).min_by(|a, b| {
        let key = |c: &Compared| (c.p_value.unwrap_or(1.0), -c.distance.unwrap_or(0.0));
        key(a).partial_cmp(&key(b)).unwrap_or(std::cmp::Ordering::Equal)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holm_matches_a_hand_computation() {
        // p = 0.01, 0.04, 0.03, 0.005 at 5%: sorted 0.005 ≤ 0.0125, 0.01 ≤ 0.0167,
        // 0.03 > 0.025: stop. Rejected: the first and the last.
        let r = holm(&[Some(0.01), Some(0.04), Some(0.03), Some(0.005), None], 0.05);
        assert_eq!(r, vec![true, false, false, true, false]);
    }

    #[test]
    fn ks2_is_the_largest_gap_between_the_two_step_functions() {
        // a = {1,2,3,4}, b = {3,4,5,6}: at 2, F = 0.5, G = 0: D = 0.5; scaled by √(16/8).
        let d = ks2(&[1, 2, 3, 4], &[3, 4, 5, 6]);
        assert!((d - 0.5 * 2f64.sqrt()).abs() < 1e-12, "{d}");
        assert_eq!(ks2(&[1, 2], &[1, 2]), 0.0);
    }
}
