//! The round trip: a scenario with known delays runs (in process) and writes its records;
//! `fit` reads them back and must recover each parameter within its 95% interval in at
//! least 90% of 50 seeds, for every family. `validate` (the real binary) passes the true
//! scenario and fails one whose work times are doubled. Malformed records get located
//! errors, and a file too large is refused before it is read.

mod common;

use pocnet::fit::stats::Family;
use pocnet::records;
use pocnet_core::StateCode;

/// One desk (VNM, staffed around the clock, no queue, no translation, nothing refused)
/// receiving about 200 requests a week from two others: its acknowledgement and work
/// times are exactly the profile's draws.
fn scenario(seed: u64, acknowledge: &str, fulfil: &str) -> String {
    format!(
        r#"
[scenario]
name = "round trip"
seed = {seed}
start = "2025-11-03T00:00:00Z"
end = "2025-11-10T00:00:00Z"

[profiles.desk]
acknowledge = {{ staffed = "{acknowledge}", on_call = "{acknowledge}" }}
fulfil = {{ staffed = "{fulfil}", on_call = "{fulfil}" }}
give_up_after = "60d"

[[states]]
code = "VNM"
name = "Viet Nam"
region = "Asia-Pacific"
tz = "Asia/Ho_Chi_Minh"
roster = "staffed-24-7"
profile = "desk"

[[states]]
code = "FRA"
name = "France"
region = "EU/Europe"
tz = "Europe/Paris"
roster = "staffed-24-7"
profile = "desk"

[[states]]
code = "BRA"
name = "Brazil"
region = "Latin America & Caribbean"
tz = "America/Sao_Paulo"
roster = "staffed-24-7"
profile = "desk"

[[generate]]
from = ["FRA", "BRA"]
targets = {{ "VNM" = 1, "*" = 0 }}
rate_per_day = 14.0
diurnal = "flat"
kinds = {{ preservation = 1.0 }}
"#
    )
}

/// The records of one run, written as CSV and read back.
fn records_of(text: &str) -> Vec<records::Record> {
    let s = common::parse("round-trip.toml", text);
    let ledger = pocnet::run::in_process_ledger(&s).expect("run");
    let csv = records::to_csv(&s, &records::of_ledger(&s, &ledger));
    records::read_text(&csv, "records.csv", None).expect("records read back")
}

/// For each seed: is each true parameter inside the fitted interval (the family given)?
fn coverage(family: Family, ack: &str, work: &str, truth: &[(&str, f64)], seeds: u64) -> Vec<(String, u64)> {
    let vnm = StateCode::parse("VNM").expect("code");
    let mut inside = vec![0u64; truth.len() * 2];
    for seed in 0..seeds {
        let fitted = pocnet::fit::fit(&records_of(&scenario(seed + 1, ack, work)), vnm, 0, seed);
        let samples = [&fitted.acknowledge[0].sample, &fitted.work[0].sample];
        for (which, sample) in samples.iter().enumerate() {
            assert!(sample.len() > 120, "too few records: {}", sample.len());
            let fit = pocnet::fit::stats::fit(family, sample).expect("fit");
            for (i, (name, value)) in truth.iter().enumerate() {
                let p = fit.params.iter().find(|p| p.name == *name).expect("parameter");
                let v = if which == 0 { *value } else { value_for_work(name, *value) };
                if p.lo <= v && v <= p.hi {
                    inside[which * truth.len() + i] += 1;
                }
            }
        }
    }
    let names =
        truth.iter().map(|t| format!("acknowledge {}", t.0)).chain(truth.iter().map(|t| format!("work {}", t.0)));
    names.zip(inside).collect()
}

/// The work time is the acknowledgement's distribution with every duration ×3.
fn value_for_work(name: &str, v: f64) -> f64 {
    if name.ends_with("_ms") {
        v * 3.0
    } else {
        v
    }
}

const SEEDS: u64 = 50;

fn check(family: Family, ack: &str, work: &str, truth: &[(&str, f64)]) {
    let got = coverage(family, ack, work, truth, SEEDS);
    eprintln!("{}: {got:?} of {SEEDS}", family.as_str());
    for (name, n) in got {
        assert!(n * 10 >= SEEDS * 9, "{}: {name} inside its interval in {n} of {SEEDS} seeds", family.as_str());
    }
}

#[test]
fn exponential_parameters_are_recovered() {
    check(Family::Exponential, "exponential mean 20m", "exponential mean 1h", &[("mean_ms", 1_200_000.0)]);
}

#[test]
fn gamma_parameters_are_recovered() {
    check(
        Family::Gamma,
        "gamma shape 3 mean 20m",
        "gamma shape 3 mean 1h",
        &[("shape", 3.0), ("mean_ms", 1_200_000.0)],
    );
}

#[test]
fn lognormal_parameters_are_recovered() {
    check(
        Family::LogNormal,
        "median 20m p90 1h",
        "median 1h p90 3h",
        &[("median_ms", 1_200_000.0), ("p90_ms", 3_600_000.0)],
    );
}

#[test]
fn the_best_family_by_aic_is_the_true_one_most_of_the_time() {
    let vnm = StateCode::parse("VNM").expect("code");
    let cases = [
        (Family::Exponential, "exponential mean 1h"),
        (Family::Gamma, "gamma shape 4 mean 1h"),
        (Family::LogNormal, "median 1h p90 4h"),
    ];
    for (family, delay) in cases {
        let right = (0..10)
            .filter(|seed| {
                let f = pocnet::fit::fit(&records_of(&scenario(100 + seed, delay, delay)), vnm, 0, 0);
                f.acknowledge[0].best().map(|b| b.family) == Some(family)
            })
            .count();
        assert!(right >= 7, "{}: chosen {right} times of 10", family.as_str());
    }
}

#[test]
fn empirical_delays_draw_only_the_durations_given() {
    let vnm = StateCode::parse("VNM").expect("code");
    let f = pocnet::fit::fit(&records_of(&scenario(7, "empirical 5m 10m 40m", "empirical 1h 2h")), vnm, 0, 0);
    let ack = &f.acknowledge[0].sample;
    assert!(ack.iter().all(|v| [300_000, 600_000, 2_400_000].contains(v)), "{ack:?}");
    for v in [300_000, 600_000, 2_400_000] {
        let share = ack.iter().filter(|x| **x == v).count() as f64 / ack.len() as f64;
        assert!((share - 1.0 / 3.0).abs() < 0.12, "{v}: {share}");
    }
    assert!(f.work[0].sample.iter().all(|v| [3_600_000, 7_200_000].contains(v)));
}

/// `validate` (the real binary) on records of a run with another seed than those it runs:
/// the true scenario passes (exit 0), one whose work times are doubled fails (exit 1)
/// naming the work time.
#[test]
fn validate_passes_the_true_scenario_and_fails_doubled_work_times() {
    let dir = common::scratch("round-trip-validate");
    let truth = dir.join("truth.toml");
    let doubled = dir.join("doubled.toml");
    std::fs::write(&truth, scenario(1, "median 20m p90 1h", "gamma shape 3 mean 1h")).expect("write");
    std::fs::write(&doubled, scenario(1, "median 20m p90 1h", "gamma shape 3 mean 2h")).expect("write");
    let csv = dir.join("records.csv");
    let limit = std::time::Duration::from_secs(300);
    let run = common::pocnet(
        &[
            "run",
            s(&truth),
            "--engine",
            "inproc",
            "--seed",
            "999",
            "-q",
            "--records",
            s(&csv),
            "--out",
            s(&dir.join("run")),
        ],
        limit,
    );
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let validate = |scenario: &std::path::Path, out: &str| {
        common::pocnet(
            &[
                "validate",
                s(scenario),
                s(&csv),
                "--state",
                "VNM",
                "--seeds",
                "6",
                "--draws",
                "399",
                "--out",
                s(&dir.join(out)),
            ],
            limit,
        )
    };
    let pass = validate(&truth, "v-truth");
    let said = String::from_utf8_lossy(&pass.stdout).to_string();
    assert_eq!(pass.status.code(), Some(0), "{said}");
    assert!(said.contains("inside the run-to-run noise"), "{said}");
    let fail = validate(&doubled, "v-doubled");
    let said = String::from_utf8_lossy(&fail.stdout).to_string();
    assert_eq!(fail.status.code(), Some(1), "{said}");
    assert!(said.contains("most likely at fault: profiles.desk.fulfil"), "{said}");
    let md = std::fs::read_to_string(dir.join("v-doubled/validate.md")).expect("validate.md");
    assert!(md.contains("| work time, preservation |") && md.contains("**outside noise**"), "{md}");
    let html = std::fs::read_to_string(dir.join("v-doubled/validate.html")).expect("validate.html");
    assert!(html.contains("<svg class=\"ecdf\"") && html.contains("records n = "), "{html}");
    std::fs::remove_dir_all(&dir).ok();
}

fn s(p: &std::path::Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Malformed records: located errors from the real binary, a 2 GB file refused before it
/// is read, and a reader that never ends stopped at the row limit.
#[test]
fn malformed_records_get_located_errors_and_bounded_runs() {
    let dir = common::scratch("round-trip-malformed");
    let head = "id,kind,from,to,received,acknowledged,executed,outcome,mode\n";
    let row =
        "C1,preservation,FRA,VNM,2025-11-03T01:30:00Z,2025-11-03T01:40:00Z,2025-11-03T03:00:00Z,preserved,staffed\n";
    let cases = [
        (
            "columns.csv",
            "id,kind,from\nC1,emergency,FRA\n".to_string(),
            "columns.csv:1:1: missing column(s) to, received",
        ),
        (
            "order.csv",
            format!("{head}{row}{}", row.replace("01:40:00Z", "01:20:00Z")),
            "order.csv:3:46: acknowledged before it was received",
        ),
        ("kind.csv", format!("{head}{}", row.replace("preservation", "gossip")), "kind.csv:2:4: unknown kind `gossip`"),
        ("mode.csv", format!("{head}{}", row.replace("staffed", "asleep")), "mode.csv:2:"),
    ];
    for (name, text, error) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        let out = common::pocnet(
            &["fit", s(&path), "--state", "VNM", "--out", s(&dir.join("fit"))],
            std::time::Duration::from_secs(60),
        );
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(&format!("{}", dir.join(error).display())) || err.contains(error), "{name}: {err}");
    }
    // A 2 GB file (sparse: no disk is used) is refused by its size, at once.
    let big = dir.join("big.csv");
    std::fs::File::create(&big).and_then(|f| f.set_len(2 << 30)).expect("sparse file");
    let started = std::time::Instant::now();
    let out = common::pocnet(
        &["fit", s(&big), "--state", "VNM", "--out", s(&dir.join("fit"))],
        std::time::Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bytes is more than the"), "{:?}", out);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    std::fs::remove_dir_all(&dir).ok();
}

/// Rows without end: reading stops at the row limit with an error naming the row.
#[test]
fn a_million_rows_are_read_and_one_more_is_refused() {
    struct Rows(usize);
    impl std::io::Read for Rows {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let line = if self.0 == 0 {
                "id,kind,from,to,received,acknowledged,executed,outcome\n".to_string()
            } else {
                "C1,emergency,FRA,VNM,2025-11-03T01:30:00Z,,,expired\n".to_string()
            };
            self.0 += 1;
            let n = line.len().min(buf.len());
            buf[..n].copy_from_slice(&line.as_bytes()[..n]);
            Ok(n)
        }
    }
    let e = records::read(std::io::BufReader::new(Rows(0)), "endless.csv", None).expect_err("bounded");
    assert_eq!(e.to_string(), format!("endless.csv:{}:1: more than {} rows", records::ROWS_MAX + 2, records::ROWS_MAX));
}
