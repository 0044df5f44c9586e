//! `pocnet run --records` and `pocnet fit`: a desk's records out of a run, and the model
//! fitted from them.

use crate::{EXIT_INVALID, EXIT_OK};
use pocnet_node::say;
use std::path::Path;

/// Writes the run's records to `path` (whole or not at all).
pub fn write_records(
    scenario: &pocnet::scenario::Scenario,
    ledger: &pocnet::ledger::Ledger,
    path: &Path,
) -> Result<(), u8> {
    let records = pocnet::records::of_ledger(scenario, ledger);
    let text = pocnet::records::to_csv(scenario, &records);
    match pocnet_node::files::write_atomic(path, text.as_bytes()) {
        Ok(()) => {
            outln!("wrote {} ({} records)", path.display(), records.len());
            Ok(())
        }
        Err(e) => {
            say!("pocnet: --records {}: {e}", path.display());
            Err(crate::EXIT_FAILED)
        }
    }
}

/// Reads the records, fits `state`'s, writes fit.toml, fit.json, fit.md and fit.html.
pub fn fit(records: &Path, state: &str, tz: Option<&str>, out: &Path, resamples: usize) -> u8 {
    let code = match pocnet_core::StateCode::parse(state) {
        Ok(c) => c,
        Err(_) => {
            say!("pocnet fit: --state `{state}` is not a state code (three capital letters, like VNM)");
            return EXIT_INVALID;
        }
    };
    let zone = match tz.map(pocnet_core::tzdb::zone).transpose() {
        Ok(z) => z,
        Err(e) => {
            say!("pocnet fit: --tz: {e}");
            return EXIT_INVALID;
        }
    };
    let read = match pocnet::records::read_file(records, zone.as_ref()) {
        Ok(r) => r,
        Err(e) => {
            say!("{e}");
            return EXIT_INVALID;
        }
    };
    let fitted = pocnet::fit::fit(&read, code, resamples, 1);
    if fitted.records == 0 {
        say!("pocnet fit: {} has no records received by {code}", records.display());
        return EXIT_INVALID;
    }
    let source = records.file_name().map_or_else(|| records.display().to_string(), |n| n.to_string_lossy().into());
    let files = [
        ("fit.toml", pocnet::fit::outputs::toml(&fitted, &source)),
        ("fit.json", pocnet::fit::outputs::json(&fitted)),
        ("fit.md", pocnet::fit::outputs::markdown(&fitted, &source)),
        ("fit.html", pocnet::fit::html::html(&fitted, &source)),
    ];
    for (name, text) in files {
        if let Err(e) = pocnet_node::files::write_atomic(&out.join(name), text.as_bytes()) {
            say!("pocnet fit: {}: {e}", out.join(name).display());
            return crate::EXIT_FAILED;
        }
    }
    print_summary(&fitted);
    outln!("wrote {}", out.display());
    EXIT_OK
}

/// One line per figure: its best family, or why it has none.
fn print_summary(f: &pocnet::fit::Fitted) {
    outln!("{}: {} records", f.state, f.records);
    if let Some(a) = &f.arrivals {
        let (rate, lo, hi) = a.per_day();
        outln!("  arrivals: {rate:.2} a day (95% {lo:.2}..{hi:.2})");
    }
    for fig in f.figures() {
        match (fig.best(), fig.goodness) {
            (Some(b), Some(g)) => outln!(
                "  {} (n = {}): {} `{}`, KS p = {:.2}",
                fig.title(),
                fig.sample.len(),
                b.family.as_str(),
                pocnet::fit::outputs::delay_text(&b.delay()),
                g.p_value
            ),
            _ => outln!("  {} (n = {}): too few to fit", fig.title(), fig.sample.len()),
        }
    }
}
