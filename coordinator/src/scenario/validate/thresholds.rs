//! `[[thresholds]]`: the bounds a run must meet, with known metrics and statistics.

use super::fields::kind_of;
use crate::scenario::diag::Checker;
use crate::scenario::model::{Bound, Metric, Stat, Threshold};
use crate::scenario::raw::{RawThreshold, Spanned};
use crate::scenario::units::duration_ms;
use std::collections::BTreeSet;

pub(crate) fn threshold(
    c: &mut Checker<'_>,
    raw: &RawThreshold,
    regions: &BTreeSet<&String>,
    evidence_step: bool,
) -> Option<Threshold> {
    let metric = Metric::NAMES.iter().find(|(n, _)| n == raw.metric.get_ref()).map(|(_, m)| *m);
    let Some(metric) = metric else {
        let names: Vec<&str> = Metric::NAMES.iter().map(|(n, _)| *n).collect();
        c.at(&raw.metric, format!("unknown metric `{}`: expected one of {}", raw.metric.get_ref(), names.join(", ")));
        return None;
    };
    if metric.needs_evidence_step() && !evidence_step {
        c.at(&raw.metric, format!("`{}` measures the evidence step: add an `[mla]` section", metric.name()));
        return None;
    }
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
    let bound = match (&raw.below, &raw.above) {
        (Some(b), None) => Bound::Below(bound_value(c, b, metric)?),
        (None, Some(a)) => Bound::Above(bound_value(c, a, metric)?),
        (Some(_), Some(a)) => {
            c.at(a, "give either `below` or `above`, not both");
            return None;
        }
        (None, None) => {
            c.at(&raw.metric, format!("`{}` needs a bound: `below` or `above`", metric.name()));
            return None;
        }
    };
    Some(Threshold { metric, kind, region, stat, bound })
}

/// A bound's value: milliseconds for time metrics, a fraction for ratios.
fn bound_value(c: &mut Checker<'_>, v: &Spanned<toml::Value>, metric: Metric) -> Option<f64> {
    match (v.get_ref(), metric.is_time()) {
        (toml::Value::String(s), true) => match duration_ms(s) {
            Ok(ms) => Some(ms as f64),
            Err(e) => {
                c.at(v, e);
                None
            }
        },
        (toml::Value::Float(f), false) if (0.0..=1.0).contains(f) => Some(*f),
        (toml::Value::Integer(i), false) if (0..=1).contains(i) => Some(*i as f64),
        (_, true) => {
            c.at(v, "a time bound is a duration string like \"1h\"");
            None
        }
        (_, false) => {
            c.at(v, "a ratio bound is a number in [0, 1]");
            None
        }
    }
}
