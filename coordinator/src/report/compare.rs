//! `pocnet compare`: what changed between two `report.json` files, and whether it is a
//! regression beyond the tolerance (for CI gating against a stored baseline).

use serde_json::Value;
use std::fmt::Write;

#[derive(Debug, Clone, Copy)]
pub struct Tolerance {
    /// Relative slack on times: 0.10 lets a percentile grow by 10%.
    pub time_relative: f64,
    /// Absolute slack on times in ms, so that tiny values do not flap.
    pub time_absolute_ms: f64,
    /// Absolute slack on ratios: 0.01 lets a share move by one point.
    pub ratio: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub metric: String,
    pub base: f64,
    pub new: f64,
    /// Whether the metric is a time (ms) or a ratio.
    pub is_time: bool,
    /// Higher is better (success ratios) or worse (times, loss ratios).
    pub higher_is_better: bool,
    pub regression: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("{0}: not a pocnet report ({1})")]
    NotAReport(String, String),
}

fn get(v: &Value, path: &[&str]) -> Option<f64> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_f64()
}

fn ratio(v: &Value, part: &str) -> Option<f64> {
    let t = v.get("totals")?;
    let n = t.get("injects")?.as_f64()?;
    if n == 0.0 {
        return Some(0.0);
    }
    let x = match part {
        "success" => t.get("fulfilled")?.as_f64()? + t.get("preserved")?.as_f64()?,
        other => t.get(other)?.as_f64()?,
    };
    Some(x / n)
}

pub fn check_report(name: &str, v: &Value) -> Result<String, CompareError> {
    match v.get("schema").and_then(Value::as_str) {
        Some(s) if s.starts_with("pocnet-report/") => Ok(s.to_string()),
        _ => Err(CompareError::NotAReport(name.into(), "no `schema: pocnet-report/N` field".into())),
    }
}

/// Compares `new` with `base`; every metric present in both is listed.
pub fn compare(base: &Value, new: &Value, tol: Tolerance) -> Vec<Change> {
    let mut out = Vec::new();
    let mut time = |metric: String, path: Vec<&str>| {
        if let (Some(b), Some(n)) = (get(base, &path), get(new, &path)) {
            let regression = n > b * (1.0 + tol.time_relative) + tol.time_absolute_ms;
            out.push(Change { metric, base: b, new: n, is_time: true, higher_is_better: false, regression });
        }
    };
    for table in ["time_to_acknowledge", "time_to_fulfil"] {
        for stat in ["p50_ms", "p90_ms", "p95_ms", "p99_ms"] {
            time(format!("{table} {}", stat.trim_end_matches("_ms")), vec!["latency", table, "overall", stat]);
        }
        let kinds: Vec<String> = base
            .pointer(&format!("/latency/{table}/by_kind"))
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        for kind in kinds {
            time(format!("{table}{{kind={kind}}} p90"), vec!["latency", table, "by_kind", kind.as_str(), "p90_ms"]);
        }
    }
    for (name, part, higher_is_better) in [
        ("success_ratio", "success", true),
        ("evidence_lost_ratio", "evidence_lost", false),
        ("expired_ratio", "expired", false),
        ("refused_ratio", "refused", false),
        ("undeliverable_ratio", "undeliverable", false),
    ] {
        if let (Some(b), Some(n)) = (ratio(base, part), ratio(new, part)) {
            let regression = if higher_is_better { n < b - tol.ratio } else { n > b + tol.ratio };
            out.push(Change { metric: name.into(), base: b, new: n, is_time: false, higher_is_better, regression });
        }
    }
    if let (Some(b), Some(n)) = (get(base, &["sla", "overall", "ratio"]), get(new, &["sla", "overall", "ratio"])) {
        out.push(Change {
            metric: "acknowledged_within_sla".into(),
            base: b,
            new: n,
            is_time: false,
            higher_is_better: true,
            regression: n < b - tol.ratio,
        });
    }
    let staffed = |v: &Value| -> Option<f64> {
        Some(v.pointer("/coverage/staffed_by_utc_hour")?.as_array()?.iter().filter_map(Value::as_f64).sum())
    };
    if let (Some(b), Some(n)) = (staffed(base), staffed(new)) {
        out.push(Change {
            metric: "staffed_contact_point_hours_per_week".into(),
            base: b,
            new: n,
            is_time: false,
            higher_is_better: true,
            regression: n < b * (1.0 - tol.time_relative),
        });
    }
    out
}

pub fn render(changes: &[Change]) -> String {
    use pocnet_core::time::format_duration_ms as dur;
    let mut o = String::new();
    let _ = writeln!(o, "{:<48} {:>12} {:>12} {:>9}  verdict", "metric", "base", "new", "change");
    for c in changes {
        let show = |v: f64| if c.is_time { dur(v.max(0.0) as u64) } else { format!("{v:.4}") };
        let change = if c.base.abs() > f64::EPSILON {
            format!("{:+.1}%", (c.new - c.base) / c.base * 100.0)
        } else if c.new == c.base {
            "0".into()
        } else {
            "new".into()
        };
        let verdict = if c.regression {
            "REGRESSION"
        } else if c.new == c.base {
            "same"
        } else {
            "ok"
        };
        let _ = writeln!(o, "{:<48} {:>12} {:>12} {:>9}  {verdict}", c.metric, show(c.base), show(c.new), change);
    }
    o
}
