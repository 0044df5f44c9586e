//! `pocnet compare`: what changed between two `report.json` files, and whether it is a
//! regression beyond the tolerance (for CI gating against a stored baseline).

use serde_json::Value;
use std::fmt::Write;

/// How far a figure may move before it is a regression; made only by [`Tolerance::new`],
/// which refuses what would turn a check off.
#[derive(Debug, Clone, Copy)]
pub struct Tolerance {
    /// Relative slack on times: 0.10 lets a percentile grow by 10%.
    time_relative: f64,
    /// Absolute slack on times in ms, so that tiny values do not flap.
    time_absolute_ms: f64,
    /// Absolute slack on ratios: 0.01 lets a share move by one point.
    ratio: f64,
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

/// The largest report read (hanoi-72's is 3 MB): a bigger file, a device or a FIFO is
/// refused without being read whole.
pub const REPORT_BYTES_MAX: u64 = 256 << 20;

#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error(transparent)]
    File(#[from] pocnet_node::files::FileError),
    #[error("{path}:{line}:{column}: not JSON: {source}")]
    NotJson { path: String, line: usize, column: usize, source: serde_json::Error },
    #[error("{0}: not a pocnet report (no `schema: pocnet-report/N` field)")]
    NotAReport(String),
    #[error("{path}: lacks figures compare reads: {}", missing.join(", "))]
    Missing { path: String, missing: Vec<String> },
    #[error("the reports have different schemas ({base} and {new})")]
    Schemas { base: String, new: String },
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ToleranceError {
    #[error("`{0}` is not a number")]
    NotANumber(String),
    #[error("{0} is not a finite number of at least 0 (NaN, infinite or negative would turn the check off)")]
    Out(f64),
}

/// A tolerance as typed on the command line: a finite number, at least 0.
pub fn tolerance(s: &str) -> Result<f64, ToleranceError> {
    let x: f64 = s.trim().parse().map_err(|_| ToleranceError::NotANumber(s.to_string()))?;
    if x.is_finite() && x >= 0.0 {
        Ok(x)
    } else {
        Err(ToleranceError::Out(x))
    }
}

impl Tolerance {
    /// From `--tolerance` (percent), the slack in ms and `--ratio-tolerance`, each finite
    /// and at least 0: a NaN would make every comparison false, so nothing would regress.
    pub fn new(time_percent: f64, slack_ms: f64, ratio: f64) -> Result<Tolerance, ToleranceError> {
        for x in [time_percent, slack_ms, ratio] {
            if !(x.is_finite() && x >= 0.0) {
                return Err(ToleranceError::Out(x));
            }
        }
        Ok(Tolerance { time_relative: time_percent / 100.0, time_absolute_ms: slack_ms, ratio })
    }
}

/// The figures of one report that compare reads, every one present: a report lacking one
/// is refused, never read as zero or skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub schema: String,
    /// Times in ms by metric: the overall percentiles, then p90 by kind, per table.
    pub times: Vec<(String, f64)>,
    /// Outcome ratios: name, value, whether higher is better.
    pub ratios: Vec<(&'static str, f64, bool)>,
    pub within_sla: f64,
    pub staffed_hours: f64,
}

const TOTALS: [&str; 7] = ["injects", "fulfilled", "preserved", "evidence_lost", "expired", "refused", "undeliverable"];

/// Reads figures out of a report, noting every one that is absent or not a number.
struct Reader<'v> {
    v: &'v Value,
    missing: Vec<String>,
}

impl Reader<'_> {
    fn number(&mut self, pointer: &str) -> f64 {
        match self.v.pointer(pointer).and_then(Value::as_f64) {
            Some(x) => x,
            None => {
                self.missing.push(pointer.to_string());
                0.0
            }
        }
    }

    fn times(&mut self, table: &str, out: &mut Vec<(String, f64)>) {
        for stat in ["p50", "p90", "p95", "p99"] {
            let x = self.number(&format!("/latency/{table}/overall/{stat}_ms"));
            out.push((format!("{table} {stat}"), x));
        }
        let Some(kinds) = self.v.pointer(&format!("/latency/{table}/by_kind")).and_then(Value::as_object) else {
            self.missing.push(format!("/latency/{table}/by_kind"));
            return;
        };
        for (kind, stats) in kinds {
            match stats.get("p90_ms").and_then(Value::as_f64) {
                Some(x) => out.push((format!("{table}{{kind={kind}}} p90"), x)),
                None => self.missing.push(format!("/latency/{table}/by_kind/{kind}/p90_ms")),
            }
        }
    }

    fn ratios(&mut self) -> Vec<(&'static str, f64, bool)> {
        let t: Vec<f64> = TOTALS.iter().map(|name| self.number(&format!("/totals/{name}"))).collect();
        let share = |x: f64| if t[0] == 0.0 { 0.0 } else { x / t[0] };
        vec![
            ("success_ratio", share(t[1] + t[2]), true),
            ("evidence_lost_ratio", share(t[3]), false),
            ("expired_ratio", share(t[4]), false),
            ("refused_ratio", share(t[5]), false),
            ("undeliverable_ratio", share(t[6]), false),
        ]
    }

    fn staffed_hours(&mut self) -> f64 {
        let pointer = "/coverage/staffed_by_utc_hour";
        match self.v.pointer(pointer).and_then(Value::as_array) {
            Some(hours) if !hours.is_empty() && hours.iter().all(Value::is_number) => {
                hours.iter().filter_map(Value::as_f64).sum()
            }
            _ => {
                self.missing.push(pointer.to_string());
                0.0
            }
        }
    }
}

/// The figures of report `v` (named `path` in errors): all of them, or what is missing.
pub fn figures(path: &str, v: &Value) -> Result<Figures, CompareError> {
    let schema = match v.get("schema").and_then(Value::as_str) {
        Some(s) if s.starts_with("pocnet-report/") => s.to_string(),
        _ => return Err(CompareError::NotAReport(path.into())),
    };
    let mut r = Reader { v, missing: Vec::new() };
    let mut times = Vec::new();
    r.times("time_to_acknowledge", &mut times);
    r.times("time_to_fulfil", &mut times);
    let ratios = r.ratios();
    let within_sla = r.number("/sla/overall/ratio");
    let staffed_hours = r.staffed_hours();
    if !r.missing.is_empty() {
        return Err(CompareError::Missing { path: path.into(), missing: r.missing });
    }
    Ok(Figures { schema, times, ratios, within_sla, staffed_hours })
}

/// The figures of the report at `path`, read as every input is: a regular file, at most
/// [`REPORT_BYTES_MAX`] bytes.
pub fn read_report(path: &std::path::Path) -> Result<Figures, CompareError> {
    let shown = path.display().to_string();
    let text = pocnet_node::files::read_text(path, REPORT_BYTES_MAX)?;
    let v: Value = serde_json::from_str(&text).map_err(|source| CompareError::NotJson {
        path: shown.clone(),
        line: source.line(),
        column: source.column(),
        source,
    })?;
    figures(&shown, &v)
}

/// Compares `new` with `base`: every figure of both, and p90 by kind for the kinds of
/// both (a kind only one run made is not a figure of the other).
pub fn compare(base: &Figures, new: &Figures, tol: Tolerance) -> Result<Vec<Change>, CompareError> {
    if base.schema != new.schema {
        return Err(CompareError::Schemas { base: base.schema.clone(), new: new.schema.clone() });
    }
    let mut out = Vec::new();
    for (metric, b) in &base.times {
        if let Some((_, n)) = new.times.iter().find(|(m, _)| m == metric) {
            let (b, n) = (*b, *n);
            let regression = n > b * (1.0 + tol.time_relative) + tol.time_absolute_ms;
            out.push(Change {
                metric: metric.clone(),
                base: b,
                new: n,
                is_time: true,
                higher_is_better: false,
                regression,
            });
        }
    }
    let ratio = |metric: &str, b: f64, n: f64, higher_is_better: bool| {
        let regression = if higher_is_better { n < b - tol.ratio } else { n > b + tol.ratio };
        Change { metric: metric.into(), base: b, new: n, is_time: false, higher_is_better, regression }
    };
    for ((name, b, higher_is_better), (_, n, _)) in base.ratios.iter().zip(&new.ratios) {
        out.push(ratio(name, *b, *n, *higher_is_better));
    }
    out.push(ratio("acknowledged_within_sla", base.within_sla, new.within_sla, true));
    let (b, n) = (base.staffed_hours, new.staffed_hours);
    out.push(Change {
        metric: "staffed_contact_point_hours_per_week".into(),
        base: b,
        new: n,
        is_time: false,
        higher_is_better: true,
        regression: n < b * (1.0 - tol.time_relative),
    });
    Ok(out)
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
