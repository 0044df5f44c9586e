//! `pocnet compare BASE NEW`: what changed between two reports, exit 1 on a regression.

use crate::{EXIT_INVALID, EXIT_OK, EXIT_THRESHOLD};
use pocnet::report::compare::{read_report, render, Tolerance};
use pocnet::scenario;
use pocnet_node::say;
use std::path::Path;

/// `--tolerance` and `--ratio-tolerance`: a finite number, at least 0.
pub fn parse_tolerance(s: &str) -> Result<f64, String> {
    pocnet::report::compare::tolerance(s).map_err(|e| e.to_string())
}

/// `--slack`: a duration like `1m`, kept as typed for the verdict's line.
#[derive(Debug, Clone)]
pub struct Slack {
    pub ms: u64,
    pub text: String,
}

pub fn parse_slack(s: &str) -> Result<Slack, String> {
    scenario::duration_ms(s).map(|ms| Slack { ms, text: s.to_string() }).map_err(|e| e.to_string())
}

pub fn compare(base: &Path, new: &Path, tolerance: f64, slack: &Slack, ratio_tolerance: f64) -> u8 {
    let tol = match Tolerance::new(tolerance, slack.ms as f64, ratio_tolerance) {
        Ok(t) => t,
        Err(e) => {
            say!("pocnet compare: {e}");
            return EXIT_INVALID;
        }
    };
    let changes = read_report(base)
        .and_then(|b| read_report(new).map(|n| (b, n)))
        .and_then(|(b, n)| pocnet::report::compare::compare(&b, &n, tol));
    let changes = match changes {
        Ok(c) => c,
        Err(e) => {
            say!("pocnet compare: {e}");
            return EXIT_INVALID;
        }
    };
    out!("{}", render(&changes));
    let regressions: Vec<&str> = changes.iter().filter(|c| c.regression).map(|c| c.metric.as_str()).collect();
    if regressions.is_empty() {
        let slack = &slack.text;
        outln!("no regression beyond the tolerance ({tolerance}% and {slack} on times, {ratio_tolerance} on ratios)");
        EXIT_OK
    } else {
        say!("pocnet compare: {} regression(s): {}", regressions.len(), regressions.join(", "));
        EXIT_THRESHOLD
    }
}
