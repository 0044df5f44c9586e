//! Report writing grows with the run, not with its square: the report of a run ten times
//! larger takes about ten times as long to write (it once scanned every inject for every
//! request: 84,000 injects took 28 s and 168,000 took 215 s).

mod common;

use std::time::{Duration, Instant};

/// A week of preservation requests among four states, `per_day` a day from each of two.
fn scenario(per_day: u32) -> String {
    let mut s = String::from(
        "[scenario]\nname = \"scale\"\nseed = 7\nstart = \"2025-11-03T00:00:00Z\"\nend = \"2025-11-10T00:00:00Z\"\n\n\
         [network]\nlink_delay = \"1s\"\n\n\
         [profiles.p]\nacknowledge = { staffed = \"10m\", on_call = \"1h\" }\nfulfil = { staffed = \"1h\", on_call = \"3h\" }\ngive_up_after = \"5d\"\n",
    );
    for (code, tz, roster) in [
        ("FRA", "Europe/Paris", "staffed-24-7"),
        ("DEU", "Europe/Berlin", "office-hours-on-call"),
        ("VNM", "Asia/Ho_Chi_Minh", "office-hours-only"),
        ("BRA", "America/Sao_Paulo", "office-hours-on-call"),
    ] {
        s += &format!(
            "\n[[states]]\ncode = \"{code}\"\nname = \"{code}\"\nregion = \"R\"\ntz = \"{tz}\"\nroster = \"{roster}\"\nprofile = \"p\"\n"
        );
    }
    s += &format!(
        "\n[[generate]]\nfrom = [\"FRA\", \"DEU\"]\nrate_per_day = {per_day}.0\nkinds = {{ preservation = 1.0 }}\ntargets = {{ \"VNM\" = 1.0, \"BRA\" = 1.0 }}\nretention = \"3d\"\n"
    );
    s
}

/// The run of `per_day`, then how long its report.json takes to write, and its requests.
fn report_time(per_day: u32) -> (Duration, usize) {
    let s = pocnet::scenario::parse("scale.toml", &scenario(per_day)).unwrap_or_else(|e| panic!("{e}"));
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let a = runtime.block_on(pocnet::run::simulate(&s)).expect("run");
    let started = Instant::now();
    let json = a.report().to_json();
    let took = started.elapsed();
    assert!(json.len() > 1000);
    (took, a.ledger.requests.len())
}

#[test]
fn a_report_ten_times_larger_takes_about_ten_times_as_long_to_write() {
    let (small, n_small) = report_time(715);
    let (large, n_large) = report_time(7150);
    assert!(n_large >= 9 * n_small && n_large >= 90_000, "{n_small} and {n_large} requests");
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-3);
    eprintln!("report.json: {n_small} requests in {small:?}, {n_large} in {large:?} (x{ratio:.1})");
    // Linear is x10; the quadratic scan it replaces was x100.
    assert!(ratio < 30.0, "{n_small} requests: {small:?}; {n_large}: {large:?} (x{ratio:.1})");
}
