//! The README's quoted outputs come from the commands it shows: each output block is run
//! again (the command in the `sh` block before it) and must appear in what the command
//! prints now, and each figure the README's prose quotes is formatted from the report it
//! comes from. A figure that moves fails this test until the README says the new one.

use pocnet_tests::{flat, pocnet, read_json, run_in_process, scratch, text, workspace_root};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(600);

/// Output blocks that show what cannot be rerun here, with why.
const NOT_RERUN: [(&str, &str); 1] =
    [("exercise console at", "a wall-clock exercise of an hour, and its access tokens are secret (elided as …)")];

fn readme() -> String {
    std::fs::read_to_string(workspace_root().join("README.md")).expect("README.md")
}

/// Each output block (fenced, no language) with the last `pocnet` command of the `sh`
/// block before it.
fn quoted_outputs(readme: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let (mut command, mut block, mut inside) = (None::<String>, None::<(bool, String)>, false);
    for line in readme.lines() {
        let fence = line.trim_start();
        if fence.starts_with("```") {
            if inside {
                if let Some((false, text)) = block.take() {
                    out.push((command.clone().unwrap_or_default(), text));
                }
                inside = false;
            } else {
                inside = true;
                block = Some((fence.len() > 3, String::new()));
            }
            continue;
        }
        if let (true, Some((is_code, text))) = (inside, block.as_mut()) {
            if *is_code {
                if let Some(at) = line.find("pocnet ") {
                    command = Some(line[at + "pocnet ".len()..].trim().to_string());
                }
            } else {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    out
}

/// The command's arguments as the test runs them: in process, into a scratch folder.
fn args_of(command: &str, out: &Path) -> Vec<String> {
    let mut args: Vec<String> = Vec::new();
    let mut words = command.split_whitespace();
    while let Some(w) = words.next() {
        if w == "--out" {
            words.next();
            continue;
        }
        args.push(w.to_string());
    }
    if args.first().is_some_and(|c| c == "run") && !args.iter().any(|a| a == "--engine") {
        args.extend(["--engine".into(), "inproc".into()]);
    }
    args.extend(["--out".into(), out.display().to_string()]);
    args
}

#[test]
fn every_output_the_readme_quotes_is_what_its_command_prints() {
    let readme = readme();
    let blocks = quoted_outputs(&readme);
    assert!(blocks.len() >= 3, "{} output blocks", blocks.len());
    for (command, quoted) in blocks {
        if let Some((_, why)) = NOT_RERUN.iter().find(|(marker, _)| quoted.contains(marker)) {
            eprintln!("not rerun ({why}): {command}");
            continue;
        }
        assert!(!command.is_empty(), "an output block with no command before it:\n{quoted}");
        let out = scratch("readme");
        let args = args_of(&command, &out.join("out"));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = pocnet(&args, LIMIT);
        assert!(run.status.code().is_some_and(|c| c <= 1), "pocnet {args:?}: {}", text(&run.stderr));
        let printed = flat(&(text(&run.stdout) + &text(&run.stderr)));
        for line in quoted.lines().filter(|l| !l.trim().is_empty()) {
            assert!(
                printed.contains(&flat(line)),
                "`pocnet {command}` no longer prints\n{line}\nit prints:\n{printed}"
            );
        }
        if command.starts_with("sweep ") {
            assert_says(&readme, &sweep_prose(&command, &out.join("out")));
        }
    }
}

#[test]
fn the_registers_circulation_sweep_is_quoted_as_it_runs() {
    let out = scratch("readme-circulation").join("out");
    let file = workspace_root().join("scenarios/sweeps/circulation.toml");
    let args = ["sweep", file.to_str().expect("utf-8"), "--quiet", "--out", out.to_str().expect("utf-8")];
    let run = pocnet(&args, LIMIT);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let json = read_json(&out.join("sweep.json"));
    let monthly =
        json["ranking"].as_array().expect("ranking").iter().find(|r| r["option"] == "monthly").expect("monthly");
    let ci = |k: &str| monthly[k].as_f64().expect(k);
    assert_says(
        &readme(),
        &[format!("(monthly: {:+.2} [{:+.2}, {:+.2}] cases a run)", ci("mean"), ci("ci_low"), ci("ci_high"))],
    );
}

/// The report of `scenario`, run in process.
fn report_of(scenario: &str) -> Value {
    let (_, out) = run_in_process(&workspace_root().join(scenario), &["-q"], "readme-report");
    read_json(&out.join("report.json"))
}

/// What the README says of a sweep beyond its answer, from its sweep.json.
fn sweep_prose(command: &str, out: &Path) -> Vec<String> {
    let json = read_json(&out.join("sweep.json"));
    let variants = json["variants"].as_array().expect("variants");
    let named = |name: &str| variants.iter().find(|v| v["name"] == name).unwrap_or_else(|| panic!("{name}"));
    let gain = |v: &Value, key: &str| v[key].as_f64().expect(key) - variants[0][key].as_f64().expect(key);
    if command.contains("staffing-hanoi.toml") {
        let ten = named("the best 10 changes together");
        return vec![format!(
            "The ten best changes together save {:.0} more cases a run for {:.0} more hours a week",
            gain(ten, "mean"),
            gain(ten, "hours_per_week")
        )];
    }
    if command.contains("robust.toml") {
        let r = &json["robust"];
        let staffed = r["changes"].as_array().expect("changes").iter().find(|c| c["change"] == "VNM: staffed-24-7");
        let share = staffed.expect("staffed")["rank_first"].as_f64().expect("share") * 100.0;
        let rho = |i: usize| r["tornado"][i]["spearman"].as_f64().expect("rho");
        return vec![
            format!("staffing around the clock ranks first in {share:.0}% of them"),
            format!("here {:+.2} for the on-call acknowledgement, {:+.2} for the work time", rho(0), rho(1)),
        ];
    }
    vec![]
}

fn hours(ms: &Value) -> u64 {
    (ms.as_f64().expect("ms") / 3_600_000.0).round() as u64
}

fn duration(ms: &Value) -> String {
    pocnet_core::time::format_duration_ms(ms.as_u64().expect("ms"))
}

fn assert_says(readme: &str, figures: &[String]) {
    let flat_readme = flat(readme);
    for f in figures {
        assert!(flat_readme.contains(&flat(f)), "README.md should say `{f}` (from the report)");
    }
}

#[test]
fn the_figures_the_readme_quotes_for_stale_entries_and_forgeries_are_the_reports() {
    let readme = readme();
    let d = &report_of("scenarios/stale-register.toml")["register_decay"];
    let share = d["first_sends_dead_share"].as_f64().expect("share");
    assert_says(
        &readme,
        &[
            format!("{:.0}% of first sends reach a dead entry", share * 100.0),
            format!("which costs {} h at the median", hours(&d["time_lost"]["p50_ms"])),
            format!("and {} cases are lost", d["with_current_register"]["lost_to_stale_entries"]),
        ],
    );
    let f = &report_of("scenarios/forged-emergencies.toml")["forgery"];
    let (r, v, w) = (&f["requests"], &f["by_verification"], &f["without_verification"]);
    let added = &w["added_by_verification"];
    assert_says(
        &readme,
        &[
            format!("Of {} forgeries, {} are executed and {} caught", r["forged"], r["accepted"], r["caught"]),
            format!("(all {} the call-backs saw)", v["call-back"]["caught"]),
            format!("without verification {} forged cases would be executed", w["forged_accepted_without"]),
            format!(
                "fulfilled in {} at the median instead of {} with it",
                duration(&w["genuine_emergency_time_to_fulfil_without"]["p50_ms"]),
                duration(&w["genuine_emergency_time_to_fulfil"]["p50_ms"])
            ),
            format!(
                "call-backs caught {} of {} and added {}",
                v["call-back"]["caught"],
                v["call-back"]["forged"],
                duration(&added["call-back"]["p50_ms"])
            ),
            format!("({} at p90)", duration(&added["call-back"]["p90_ms"])),
            format!(
                "supervisors caught {} of {} and added {} ({}h at p90",
                v["supervisor"]["caught"],
                v["supervisor"]["forged"],
                duration(&added["supervisor"]["p50_ms"]),
                hours(&added["supervisor"]["p90_ms"])
            ),
            format!("no verification let {} of {}", v["none"]["accepted"], v["none"]["forged"]),
        ],
    );
}
