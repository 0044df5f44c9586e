//! `pocnet compare BASE NEW`: what changed between two reports; exit 1 on a regression, 2
//! on invalid input or reports of different scenarios.

use crate::{EXIT_INVALID, EXIT_OK, EXIT_THRESHOLD};
use pocnet::outputs::compare::{junit, markdown, text};
use pocnet::report::compare::{read_report, Comparison, Rules};
use pocnet::scenario;
use pocnet_node::say;
use std::path::{Path, PathBuf};

/// `--tolerance` and `--ratio-tolerance`: a finite number, at least 0.
pub fn parse_tolerance(s: &str) -> Result<f64, String> {
    pocnet::report::compare::tolerance(s).map_err(|e| e.to_string())
}

/// `--slack`: a duration like `1m`.
pub fn parse_slack(s: &str) -> Result<u64, String> {
    scenario::duration_ms(s).map_err(|e| e.to_string())
}

/// What `pocnet compare` was asked.
#[derive(Debug)]
pub struct CompareOptions {
    pub base: PathBuf,
    pub new: PathBuf,
    pub tolerance: f64,
    pub slack_ms: u64,
    pub ratio_tolerance: f64,
    pub min_samples: u64,
    pub allow_different: bool,
    pub out: Option<PathBuf>,
}

fn comparison(o: &CompareOptions) -> Result<Comparison, String> {
    let rules = Rules::new(o.tolerance, o.slack_ms, o.ratio_tolerance, o.min_samples).map_err(|e| e.to_string())?;
    let base = read_report(&o.base).map_err(|e| e.to_string())?;
    let new = read_report(&o.new).map_err(|e| e.to_string())?;
    pocnet::report::compare::compare(&base, &new, rules, o.allow_different).map_err(|e| e.to_string())
}

/// `compare.junit.xml` and `compare.md` into `dir`, each written whole.
fn write_outputs(dir: &Path, c: &Comparison) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
    for (name, body) in [("compare.junit.xml", junit(c)), ("compare.md", markdown(c))] {
        pocnet_node::files::write_atomic(&dir.join(name), body.as_bytes()).map_err(|e| e.to_string())?;
    }
    Ok(())
}

pub fn compare(o: &CompareOptions) -> u8 {
    let c = match comparison(o) {
        Ok(c) => c,
        Err(e) => {
            say!("pocnet compare: {e}");
            return EXIT_INVALID;
        }
    };
    out!("{}", text(&c));
    if let Some(dir) = &o.out {
        if let Err(e) = write_outputs(dir, &c) {
            say!("pocnet compare: {e}");
            return EXIT_INVALID;
        }
    }
    if c.regressed() {
        let t = c.tally();
        let names: Vec<String> = t.regressions.iter().map(|r| format!("{} {}", r.family, r.metric)).collect();
        say!("pocnet compare: {t}: {}", names.join(", "));
        EXIT_THRESHOLD
    } else {
        EXIT_OK
    }
}
