//! `pocnet compare BASE NEW`: what changed between two reports, exit 1 on a regression.

use crate::{EXIT_INVALID, EXIT_OK, EXIT_THRESHOLD};
use pocnet::scenario;
use pocnet_node::say;

pub fn compare(base: &std::path::Path, new: &std::path::Path, tolerance: f64, slack: &str, ratio_tolerance: f64) -> u8 {
    let read = |p: &std::path::Path| -> Result<serde_json::Value, String> {
        let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}:{}:{}: {e}", p.display(), e.line(), e.column()))?;
        pocnet::report::compare::check_report(&p.display().to_string(), &v).map_err(|e| e.to_string())?;
        Ok(v)
    };
    let slack_ms = match scenario::duration_ms(slack) {
        Ok(ms) => ms as f64,
        Err(e) => {
            say!("pocnet compare: --slack: {e}");
            return EXIT_INVALID;
        }
    };
    let (b, n) = match (read(base), read(new)) {
        (Ok(b), Ok(n)) => (b, n),
        (Err(e), _) | (_, Err(e)) => {
            say!("pocnet compare: {e}");
            return EXIT_INVALID;
        }
    };
    if b.get("schema") != n.get("schema") {
        say!("pocnet compare: the reports have different schemas");
        return EXIT_INVALID;
    }
    let tol = pocnet::report::compare::Tolerance {
        time_relative: tolerance / 100.0,
        time_absolute_ms: slack_ms,
        ratio: ratio_tolerance,
    };
    let changes = pocnet::report::compare::compare(&b, &n, tol);
    out!("{}", pocnet::report::compare::render(&changes));
    let regressions: Vec<&str> = changes.iter().filter(|c| c.regression).map(|c| c.metric.as_str()).collect();
    if regressions.is_empty() {
        outln!("no regression beyond the tolerance ({tolerance}% and {slack} on times, {ratio_tolerance} on ratios)");
        EXIT_OK
    } else {
        say!("pocnet compare: {} regression(s): {}", regressions.len(), regressions.join(", "));
        EXIT_THRESHOLD
    }
}
