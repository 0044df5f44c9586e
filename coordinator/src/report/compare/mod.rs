//! `pocnet compare`: what changed between two `report.json` files, and whether it is a
//! regression beyond the tolerance (for CI gating against a stored baseline).
//!
//! One value, [`Comparison`]: a row per figure with its verdict, every figure and rule
//! worded once, by the `Display` of its type. The terminal table, `compare.junit.xml` and
//! `compare.md` (`outputs::compare`) lay those words out; none computes or words a figure.
//!
//! - [`read`]: the figures of one report, family by family.

pub mod read;

pub use read::{figures, Figures};

use pocnet_core::time::format_duration_ms;
use std::fmt;

/// How far a figure may move before it is a regression; made only by [`Rules::new`],
/// which refuses what would turn a check off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    /// Relative slack on durations and counts, in percent: 10 lets a percentile grow by 10%.
    percent: f64,
    /// Absolute slack on durations in ms, so that tiny values do not flap.
    slack_ms: u64,
    /// Absolute slack on ratios, in percentage points: 1.0 lets a share move by one point.
    points: f64,
    /// A percentile of fewer samples than this (in either report) is shown, not judged.
    min_samples: u64,
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

impl Rules {
    /// From `--tolerance` (percent), `--slack` (ms), `--ratio-tolerance` (a share: 0.01 is
    /// one point) and `--min-samples`, each finite and at least 0: a NaN would make every
    /// comparison false, so nothing would regress.
    pub fn new(time_percent: f64, slack_ms: u64, ratio: f64, min_samples: u64) -> Result<Rules, ToleranceError> {
        for x in [time_percent, ratio] {
            if !(x.is_finite() && x >= 0.0) {
                return Err(ToleranceError::Out(x));
            }
        }
        Ok(Rules { percent: time_percent, slack_ms, points: ratio * 100.0, min_samples })
    }
}

/// A family of figures: one section of `report.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Latency,
    Outcomes,
    Sla,
    Thresholds,
    Coverage,
    Evidence,
    Desks,
    Hubs,
    PingCheck,
    RegisterDecay,
    Forgery,
}

impl Family {
    pub const ALL: [Family; 11] = [
        Family::Latency,
        Family::Outcomes,
        Family::Sla,
        Family::Thresholds,
        Family::Coverage,
        Family::Evidence,
        Family::Desks,
        Family::Hubs,
        Family::PingCheck,
        Family::RegisterDecay,
        Family::Forgery,
    ];

    /// Its key in `report.json`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Family::Latency => "latency",
            Family::Outcomes => "outcomes",
            Family::Sla => "sla",
            Family::Thresholds => "thresholds",
            Family::Coverage => "coverage",
            Family::Evidence => "evidence",
            Family::Desks => "desks",
            Family::Hubs => "hubs",
            Family::PingCheck => "ping_check",
            Family::RegisterDecay => "register_decay",
            Family::Forgery => "forgery",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A figure's value as the report holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Milliseconds (negative for a hold's margin missed).
    Duration(i64),
    /// A share in [0, 1].
    Ratio(f64),
    Count(u64),
    /// A scenario's threshold: whether it held, and the value it was judged on.
    Threshold {
        passed: bool,
        value: String,
    },
}

/// Which way a figure gets better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
}

/// One figure of one report.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub family: Family,
    /// `time_to_acknowledge{kind=emergency} p90`, `success_ratio{region=Africa}`.
    pub metric: String,
    pub value: Value,
    pub better: Better,
    /// For a percentile: how many values it is of.
    pub samples: Option<u64>,
}

/// How a figure moved from base to new.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A duration's move, and that as a share of the base (none from 0).
    Duration { by_ms: i64, share: Option<f64> },
    /// A count's move, and that as a share of the base (none from 0).
    Count { by: i64, share: Option<f64> },
    /// A ratio's move, in percentage points.
    Points(f64),
    /// A threshold that held or not, then held or not.
    Threshold { was: bool, is: bool },
}

/// What a figure may move the wrong way before it is a regression.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Allowed {
    /// A percentage of the base, plus a slack in ms for durations.
    Relative {
        percent: f64,
        slack_ms: Option<u64>,
    },
    Points(f64),
    /// A threshold that held must hold.
    StillPassed,
}

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Base,
    New,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Same,
    /// Moved, either way, no further the wrong way than allowed.
    Within {
        change: Change,
        allowed: Allowed,
    },
    Better {
        change: Change,
    },
    Regression {
        change: Change,
        allowed: Allowed,
    },
    /// A percentile of fewer samples than the minimum, in one report or both: shown only.
    TooFewSamples {
        change: Option<Change>,
        samples: u64,
        min: u64,
    },
    /// A figure of one report only (a kind, region or desk the other run did not have).
    OnlyIn(Side),
    /// A whole family of one report only.
    FamilyOnlyIn(Side),
    /// The same figure with values of different kinds (a duration here, a count there).
    Incomparable,
}

impl Verdict {
    pub fn change(&self) -> Option<&Change> {
        match self {
            Verdict::Within { change, .. } | Verdict::Better { change } | Verdict::Regression { change, .. } => {
                Some(change)
            }
            Verdict::TooFewSamples { change, .. } => change.as_ref(),
            Verdict::Same | Verdict::OnlyIn(_) | Verdict::FamilyOnlyIn(_) | Verdict::Incomparable => None,
        }
    }

    /// Judged, and judged a regression.
    pub fn is_regression(&self) -> bool {
        matches!(self, Verdict::Regression { .. })
    }

    /// Shown but not judged.
    pub fn is_judged(&self) -> bool {
        !matches!(
            self,
            Verdict::TooFewSamples { .. } | Verdict::OnlyIn(_) | Verdict::FamilyOnlyIn(_) | Verdict::Incomparable
        )
    }
}

/// One line of the comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub family: Family,
    /// The figure, or empty for a family of one report only.
    pub metric: String,
    pub base: Option<Value>,
    pub new: Option<Value>,
    pub verdict: Verdict,
}

/// One report's identity.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub path: String,
    pub scenario: String,
    pub hash: String,
}

/// Whether the two reports ran the same scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenarios {
    pub base: Source,
    pub new: Source,
    /// Their hashes differ, and `--allow-different` let them be compared.
    pub different: bool,
}

/// Two reports compared: every row, judged by `rules`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub scenarios: Scenarios,
    pub rules: Rules,
    pub rows: Vec<Row>,
}

/// The comparison's end: regressions, what was judged and what only shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally<'c> {
    pub regressions: Vec<&'c Row>,
    pub judged: usize,
    pub too_few_samples: usize,
    pub one_sided: usize,
}

impl Comparison {
    pub fn tally(&self) -> Tally<'_> {
        let count = |p: &dyn Fn(&Verdict) -> bool| self.rows.iter().filter(|r| p(&r.verdict)).count();
        Tally {
            regressions: self.rows.iter().filter(|r| r.verdict.is_regression()).collect(),
            judged: count(&|v| v.is_judged()),
            too_few_samples: count(&|v| matches!(v, Verdict::TooFewSamples { .. })),
            one_sided: count(&|v| matches!(v, Verdict::OnlyIn(_) | Verdict::FamilyOnlyIn(_) | Verdict::Incomparable)),
        }
    }

    pub fn regressed(&self) -> bool {
        self.rows.iter().any(|r| r.verdict.is_regression())
    }
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
    #[error("{path}: lacks figures compare reads, or holds impossible ones: {}", missing.join(", "))]
    Missing { path: String, missing: Vec<String> },
    #[error("the reports have different schemas ({base} and {new})")]
    Schemas { base: String, new: String },
    #[error(
        "the reports are of different scenarios: {} is {} (hash {}), {} is {} (hash {}); what changed would be \
         the scenario, not the run. Compare reports of the same scenario, or pass --allow-different to compare \
         them anyway",
        base.path, base.scenario, base.hash, new.path, new.scenario, new.hash
    )]
    DifferentScenarios { base: Box<Source>, new: Box<Source> },
}

/// The figures of the report at `path`, read as every input is: a regular file, at most
/// [`REPORT_BYTES_MAX`] bytes.
pub fn read_report(path: &std::path::Path) -> Result<Figures, CompareError> {
    let shown = path.display().to_string();
    let text = pocnet_node::files::read_text(path, REPORT_BYTES_MAX)?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|source| CompareError::NotJson {
        path: shown.clone(),
        line: source.line(),
        column: source.column(),
        source,
    })?;
    figures(&shown, &v)
}

fn source(f: &Figures) -> Source {
    Source { path: f.path.clone(), scenario: f.name.clone(), hash: f.hash.clone() }
}

/// Compares `new` with `base`: every family of either, every figure of each family of
/// both. Reports of different scenarios are refused unless `allow_different`.
pub fn compare(base: &Figures, new: &Figures, rules: Rules, allow_different: bool) -> Result<Comparison, CompareError> {
    if base.schema != new.schema {
        return Err(CompareError::Schemas { base: base.schema.clone(), new: new.schema.clone() });
    }
    let different = base.hash != new.hash;
    if different && !allow_different {
        return Err(CompareError::DifferentScenarios { base: Box::new(source(base)), new: Box::new(source(new)) });
    }
    let mut rows = Vec::new();
    for family in Family::ALL {
        match (base.family(family), new.family(family)) {
            (Some(b), Some(n)) => rows.extend(compare_family(b, n, rules)),
            (Some(_), None) => rows.push(one_family(family, Side::Base)),
            (None, Some(_)) => rows.push(one_family(family, Side::New)),
            (None, None) => {}
        }
    }
    Ok(Comparison { scenarios: Scenarios { base: source(base), new: source(new), different }, rules, rows })
}

fn one_family(family: Family, side: Side) -> Row {
    Row { family, metric: String::new(), base: None, new: None, verdict: Verdict::FamilyOnlyIn(side) }
}

/// The figures of one family: base's in its order, then those of new only.
fn compare_family(base: &[Figure], new: &[Figure], rules: Rules) -> Vec<Row> {
    let mut rows: Vec<Row> = base
        .iter()
        .map(|b| match new.iter().find(|n| n.metric == b.metric) {
            Some(n) => Row {
                family: b.family,
                metric: b.metric.clone(),
                base: Some(b.value.clone()),
                new: Some(n.value.clone()),
                verdict: judge(b, n, rules),
            },
            None => Row {
                family: b.family,
                metric: b.metric.clone(),
                base: Some(b.value.clone()),
                new: None,
                verdict: Verdict::OnlyIn(Side::Base),
            },
        })
        .collect();
    rows.extend(new.iter().filter(|n| !base.iter().any(|b| b.metric == n.metric)).map(|n| Row {
        family: n.family,
        metric: n.metric.clone(),
        base: None,
        new: Some(n.value.clone()),
        verdict: Verdict::OnlyIn(Side::New),
    }));
    rows
}

/// The share `by / base` (none from 0).
fn share(by: f64, base: f64) -> Option<f64> {
    (base != 0.0).then(|| by / base.abs())
}

/// How `b` moved to `n`, how far it went the wrong way, and how far it may.
fn movement(b: &Value, n: &Value, better: Better, rules: Rules) -> Option<(Change, f64, Allowed)> {
    let worse = |by: f64| if better == Better::Lower { by } else { -by };
    match (b, n) {
        (Value::Duration(b), Value::Duration(n)) => {
            let by_ms = n - b;
            let allowed = rules.percent / 100.0 * b.unsigned_abs() as f64 + rules.slack_ms as f64;
            let change = Change::Duration { by_ms, share: share(by_ms as f64, *b as f64) };
            let rule = Allowed::Relative { percent: rules.percent, slack_ms: Some(rules.slack_ms) };
            Some((change, worse(by_ms as f64) - allowed, rule))
        }
        (Value::Count(b), Value::Count(n)) => {
            let by = i64::try_from(*n).unwrap_or(i64::MAX) - i64::try_from(*b).unwrap_or(i64::MAX);
            let allowed = rules.percent / 100.0 * *b as f64;
            let change = Change::Count { by, share: share(by as f64, *b as f64) };
            Some((change, worse(by as f64) - allowed, Allowed::Relative { percent: rules.percent, slack_ms: None }))
        }
        (Value::Ratio(b), Value::Ratio(n)) => {
            let points = (n - b) * 100.0;
            // Ratios carry four decimals: a move within rounding of the allowed is allowed.
            Some((Change::Points(points), worse(points) - rules.points - 1e-9, Allowed::Points(rules.points)))
        }
        (Value::Threshold { passed: was, .. }, Value::Threshold { passed: is, .. }) => {
            let over = if *was && !is { 1.0 } else { -1.0 };
            Some((Change::Threshold { was: *was, is: *is }, over, Allowed::StillPassed))
        }
        // Values of different kinds: incomparable (each kind named, so a new one is decided).
        (Value::Duration(_) | Value::Count(_) | Value::Ratio(_) | Value::Threshold { .. }, _) => None,
    }
}

/// The verdict on one figure found in both reports.
fn judge(b: &Figure, n: &Figure, rules: Rules) -> Verdict {
    let Some((change, over, allowed)) = movement(&b.value, &n.value, b.better, rules) else {
        return Verdict::Incomparable;
    };
    let samples = b.samples.into_iter().chain(n.samples).min();
    if let Some(samples) = samples.filter(|s| *s < rules.min_samples) {
        let change = (b.value != n.value).then_some(change);
        return Verdict::TooFewSamples { change, samples, min: rules.min_samples };
    }
    if b.value == n.value {
        return Verdict::Same;
    }
    let improved = match &change {
        Change::Duration { by_ms, .. } => (*by_ms < 0) == (b.better == Better::Lower),
        Change::Count { by, .. } => (*by < 0) == (b.better == Better::Lower),
        Change::Points(p) => (*p < 0.0) == (b.better == Better::Lower),
        Change::Threshold { was, is } => !was && *is,
    };
    if over > 0.0 {
        Verdict::Regression { change, allowed }
    } else if improved {
        Verdict::Better { change }
    } else {
        Verdict::Within { change, allowed }
    }
}

// Every word of a comparison: the renderers print these and nothing else.

/// A duration as people read it, with its sign when negative: `-3d04h`.
fn duration(ms: i64) -> String {
    let d = format_duration_ms(ms.unsigned_abs());
    if ms < 0 {
        format!("-{d}")
    } else {
        d
    }
}

/// A tolerance as typed: at most two decimals, no trailing zeros (`10`, `0.5`).
fn plain(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A share as a percentage with its sign: `+12.0%`.
fn percent(share: f64) -> String {
    format!("{:+.1}%", share * 100.0)
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Duration(ms) => f.write_str(&duration(*ms)),
            Value::Ratio(x) => write!(f, "{:.2}%", x * 100.0),
            Value::Count(n) => write!(f, "{n}"),
            Value::Threshold { passed: true, value } => write!(f, "passed ({value})"),
            Value::Threshold { passed: false, value } => write!(f, "failed ({value})"),
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let signed = |ms: i64| if ms < 0 { duration(ms) } else { format!("+{}", duration(ms)) };
        match self {
            Change::Duration { by_ms, share: Some(s) } => write!(f, "{} ({})", percent(*s), signed(*by_ms)),
            Change::Duration { by_ms, share: None } => f.write_str(&signed(*by_ms)),
            Change::Count { by, share: Some(s) } => write!(f, "{} ({by:+})", percent(*s)),
            Change::Count { by, share: None } => write!(f, "{by:+}"),
            Change::Points(p) => write!(f, "{p:+.2} pts"),
            Change::Threshold { was, is } => {
                let word = |p: bool| if p { "passed" } else { "failed" };
                write!(f, "{} → {}", word(*was), word(*is))
            }
        }
    }
}

impl fmt::Display for Allowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Allowed::Relative { percent, slack_ms: Some(ms) } if *ms > 0 => {
                write!(f, "{}% + {}", plain(*percent), format_duration_ms(*ms))
            }
            Allowed::Relative { percent, .. } => write!(f, "{}%", plain(*percent)),
            Allowed::Points(p) if plain(*p) == "1" => f.write_str("1 pt"),
            Allowed::Points(p) => write!(f, "{} pts", plain(*p)),
            Allowed::StillPassed => f.write_str("a threshold that passed must pass"),
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Base => "base",
            Side::New => "new",
        })
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Same => f.write_str("same"),
            Verdict::Within { change: c @ Change::Threshold { .. }, .. } => write!(f, "ok: {c}"),
            Verdict::Within { change, allowed } => write!(f, "ok: {change} ≤ {allowed} allowed"),
            Verdict::Better { change } => write!(f, "better: {change}"),
            Verdict::Regression { change: c @ Change::Threshold { .. }, allowed } => {
                write!(f, "REGRESSION: {c} ({allowed})")
            }
            Verdict::Regression { change, allowed } => write!(f, "REGRESSION: {change} > {allowed} allowed"),
            Verdict::TooFewSamples { samples: 1, min, .. } => write!(f, "not judged: 1 sample < {min}"),
            Verdict::TooFewSamples { samples, min, .. } => write!(f, "not judged: {samples} samples < {min}"),
            Verdict::OnlyIn(side) => write!(f, "not judged: in the {side} report only"),
            Verdict::FamilyOnlyIn(side) => write!(f, "not judged: the whole family is in the {side} report only"),
            Verdict::Incomparable => f.write_str("not judged: values of different kinds"),
        }
    }
}

impl fmt::Display for Rules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let times = Allowed::Relative { percent: self.percent, slack_ms: Some(self.slack_ms) };
        let counts = Allowed::Relative { percent: self.percent, slack_ms: None };
        write!(
            f,
            "a duration may grow by {times}, a count by {counts}, a ratio move {} the wrong way; \
             a percentile of fewer than {} samples is shown, not judged",
            Allowed::Points(self.points),
            self.min_samples
        )
    }
}

impl fmt::Display for Scenarios {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (b, n) = (&self.base, &self.new);
        if self.different {
            write!(
                f,
                "DIFFERENT SCENARIOS, compared because --allow-different was given: base {} (hash {}), new {} \
                 (hash {}); what changed may be the scenario, not the run",
                b.scenario, b.hash, n.scenario, n.hash
            )
        } else {
            write!(f, "same scenario: {} (hash {})", b.scenario, b.hash)
        }
    }
}

impl fmt::Display for Tally<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.regressions.len() {
            0 => f.write_str("no regression beyond the tolerance")?,
            1 => f.write_str("1 regression beyond the tolerance")?,
            n => write!(f, "{n} regressions beyond the tolerance")?,
        }
        write!(
            f,
            " ({} figures judged; not judged: {} percentiles of too few samples, {} in one report only)",
            self.judged, self.too_few_samples, self.one_sided
        )
    }
}
