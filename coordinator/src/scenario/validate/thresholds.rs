//! `[[thresholds]]`: the bounds a run must meet, with known metrics and statistics.

use super::fields::kind_of;
use crate::scenario::diag::Checker;
use crate::scenario::model::{Metric, Stat, Threshold};
use crate::scenario::raw::RawThreshold;
use crate::scenario::units::duration_ms;
use std::collections::BTreeSet;

pub(crate) fn threshold(c: &mut Checker<'_>, raw: &RawThreshold, regions: &BTreeSet<&String>) -> Option<Threshold> {
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
