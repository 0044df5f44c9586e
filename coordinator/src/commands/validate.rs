//! `pocnet validate SCENARIO RECORDS --state XXX`: the scenario's figures for one desk
//! against its records, over several seeds.

use crate::{EXIT_FAILED, EXIT_INVALID, EXIT_OK, EXIT_THRESHOLD};
use pocnet_node::say;
use std::path::Path;

/// What `validate` is asked.
#[derive(Debug)]
pub struct ValidateOptions<'a> {
    pub scenario: &'a Path,
    pub records: &'a Path,
    pub state: &'a str,
    pub seeds: u64,
    pub draws: usize,
    pub out: &'a Path,
}

/// Runs the scenario on `seeds` seeds (the scenario's seed and the next ones) in process,
/// compares, writes validate.json/md/html, exits 0 inside the noise, 1 outside.
pub fn validate(o: &ValidateOptions<'_>) -> u8 {
    let Ok(code) = pocnet_core::StateCode::parse(o.state) else {
        say!("pocnet validate: --state `{}` is not a state code (three capital letters, like VNM)", o.state);
        return EXIT_INVALID;
    };
    let base = match pocnet::scenario::load(o.scenario, &Default::default()) {
        Ok(s) => s,
        Err(e) => {
            say!("{e}");
            return EXIT_INVALID;
        }
    };
    let Some(entry) = base.states.iter().find(|s| s.code == code) else {
        say!("pocnet validate: {} has no state {code}", o.scenario.display());
        return EXIT_INVALID;
    };
    let (zone, profile) = (pocnet_core::tzdb::zone(&entry.tz).ok(), entry.profile_name.clone());
    let records = match pocnet::records::read_file(o.records, zone.as_ref()) {
        Ok(r) => r,
        Err(e) => {
            say!("{e}");
            return EXIT_INVALID;
        }
    };
    let mine: Vec<&pocnet::records::Record> = records.iter().filter(|r| r.to == code).collect();
    if mine.is_empty() {
        say!("pocnet validate: {} has no records received by {code}", o.records.display());
        return EXIT_INVALID;
    }
    let seeds: Vec<u64> = (0..o.seeds.max(2)).map(|i| base.seed.wrapping_add(i)).collect();
    let runs = match simulate(o.scenario, &seeds, code) {
        Ok(r) => r,
        Err(e) => {
            say!("pocnet validate: {e:#}");
            return EXIT_FAILED;
        }
    };
    let compared = pocnet::validate::compare(&mine, &runs, &profile, o.draws);
    write_outputs(o, &compared, &seeds)
}

/// The state's records in each seed's run.
fn simulate(
    path: &Path,
    seeds: &[u64],
    code: pocnet_core::StateCode,
) -> anyhow::Result<Vec<Vec<pocnet::records::Record>>> {
    seeds
        .iter()
        .map(|seed| {
            let s = pocnet::scenario::load(path, &pocnet::scenario::Overrides { seed: Some(*seed) })?;
            let ledger = pocnet::run::in_process_ledger(&s)?;
            Ok(pocnet::records::of_ledger(&s, &ledger).into_iter().filter(|r| r.to == code).collect())
        })
        .collect()
}

fn write_outputs(o: &ValidateOptions<'_>, compared: &[pocnet::validate::Compared], seeds: &[u64]) -> u8 {
    use pocnet::validate::outputs;
    let (scenario, records) = (o.scenario.display().to_string(), o.records.display().to_string());
    let files = [
        ("validate.json", outputs::json(compared, seeds)),
        ("validate.md", outputs::markdown(compared, &scenario, &records, seeds)),
        ("validate.html", outputs::html(compared, &scenario, &records, seeds)),
    ];
    for (name, text) in files {
        if let Err(e) = pocnet_node::files::write_atomic(&o.out.join(name), text.as_bytes()) {
            say!("pocnet validate: {}: {e}", o.out.join(name).display());
            return EXIT_FAILED;
        }
    }
    for c in compared.iter().filter(|c| c.p_value.is_some()) {
        let verdict = if c.failed { "OUTSIDE the noise" } else { "inside the noise" };
        outln!(
            "  {}: distance {:.2}, p = {:.4}: {verdict}",
            c.name,
            c.distance.unwrap_or(0.0),
            c.p_value.unwrap_or(1.0)
        );
    }
    outln!("{}", outputs::verdict(compared));
    outln!("wrote {}", o.out.display());
    if pocnet::validate::most_at_fault(compared).is_some() {
        EXIT_THRESHOLD
    } else {
        EXIT_OK
    }
}
