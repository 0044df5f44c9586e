//! docs/ci.md's shell, run for real: its baseline block, the GitHub workflow's `run:`
//! steps and the GitLab job's `script:` lines, taken from the page itself, in a scratch
//! repository holding scenarios/smoke.toml, with the pocnet under test on PATH in place of
//! the page's `cargo build` line. The same scenario passes (exit 0); the scenario with every
//! delay doubled is caught (exit 1); both write the summary and the JUnit.

use pocnet_tests::{binaries, run_bounded, scratch, text, workspace_root};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);

fn doc() -> String {
    std::fs::read_to_string(workspace_root().join("docs/ci.md")).expect("docs/ci.md")
}

/// The fenced block opened by "```{info}".
fn fenced<'d>(doc: &'d str, info: &str) -> &'d str {
    let open = format!("```{info}\n");
    let start = doc.find(&open).unwrap_or_else(|| panic!("no ```{info} block in docs/ci.md")) + open.len();
    let len = doc[start..].find("\n```").expect("closed block");
    &doc[start..start + len + 1]
}

/// A YAML block scalar or plain value: `key: value`, or `key: |` and the lines indented
/// deeper than the key.
fn value(lines: &[&str], i: usize, key: &str) -> Option<String> {
    let line = lines[i];
    let indent = line.len() - line.trim_start().len();
    let rest = line.trim_start().trim_start_matches("- ").strip_prefix(&format!("{key}: "))?;
    if rest != "|" {
        return Some(rest.to_string());
    }
    let body: Vec<&str> = lines[i + 1..]
        .iter()
        .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > indent)
        .map(|l| l.trim())
        .collect();
    Some(body.join("\n"))
}

/// A workflow step that runs shell.
struct Step {
    name: String,
    run: String,
    /// `if: ${{ !cancelled() }}`: runs after a failed step, as on GitHub.
    after_failure: bool,
}

fn github_steps(yaml: &str) -> Vec<Step> {
    let lines: Vec<&str> = yaml.lines().collect();
    let mut steps: Vec<Step> = Vec::new();
    let mut in_steps = false;
    for i in 0..lines.len() {
        let t = lines[i].trim_start();
        in_steps |= t == "steps:";
        if !in_steps {
            continue;
        }
        if t.starts_with("- ") {
            steps.push(Step { name: String::new(), run: String::new(), after_failure: false });
        }
        let Some(step) = steps.last_mut() else { continue };
        if let Some(name) = value(&lines, i, "name") {
            step.name = name;
        }
        if let Some(run) = value(&lines, i, "run") {
            step.run = run;
        }
        if let Some(cond) = value(&lines, i, "if") {
            assert_eq!(cond, "${{ !cancelled() }}", "a condition the test does not emulate");
            step.after_failure = true;
        }
    }
    steps.retain(|s| !s.run.is_empty());
    steps
}

/// The list under `key:` in a GitLab job.
fn gitlab_list(yaml: &str, key: &str) -> Vec<String> {
    let lines: Vec<&str> = yaml.lines().collect();
    let at = lines.iter().position(|l| l.trim() == format!("{key}:")).unwrap_or_else(|| panic!("no {key}:"));
    lines[at + 1..]
        .iter()
        .map_while(|l| l.trim_start().strip_prefix("- ").filter(|_| l.starts_with("    ")))
        .map(str::to_string)
        .collect()
}

/// The scenario the page's jobs name (`SCENARIO: ...`).
fn scenario_var(yaml: &str) -> String {
    let lines: Vec<&str> = yaml.lines().collect();
    (0..lines.len()).find_map(|i| value(&lines, i, "SCENARIO")).expect("SCENARIO")
}

/// `script` run by bash in `repo` (`-e`, and `pipefail` as GitHub's default shell), with
/// the binaries under test first on PATH: its exit code and stdout.
fn sh(repo: &Path, script: &str, env: &[(&str, &Path)]) -> (i32, String) {
    let bin = binaries().pocnet.parent().expect("bin dir").to_path_buf();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let mut cmd = Command::new("bash");
    cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script]).current_dir(repo).env("PATH", path);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = run_bounded(cmd, LIMIT);
    eprintln!("$ {script}\n{}{}", text(&out.stdout), text(&out.stderr));
    (out.status.code().unwrap_or(-1), text(&out.stdout))
}

/// The page's build line: the test has built the binaries already.
fn is_build(script: &str) -> bool {
    script.starts_with("cargo build")
}

/// A scratch repository with scenarios/smoke.toml and the page's baseline made from it.
fn repo(name: &str, scenario: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::create_dir_all(dir.join("scenarios")).expect("scenarios");
    let smoke = std::fs::read_to_string(workspace_root().join("scenarios/smoke.toml")).expect("smoke");
    std::fs::write(dir.join(scenario), &smoke).expect("write");
    let (code, _) = sh(&dir, fenced(&doc(), "sh ci-baseline"), &[("SCENARIO", Path::new(scenario))]);
    assert_eq!(code, 0, "the baseline block");
    assert!(dir.join("ci/baseline/report.json").is_file());
    dir
}

/// smoke.toml with every delay doubled: the links and both profiles.
fn slower(dir: &Path, scenario: &str) {
    let path = dir.join(scenario);
    let mut s = std::fs::read_to_string(&path).expect("scenario");
    for (from, to) in [
        ("link_delay = \"250ms\"", "link_delay = \"500ms\""),
        (
            "staffed = \"median 10m p90 40m\", on_call = \"median 45m p90 3h\"",
            "staffed = \"median 20m p90 80m\", on_call = \"median 90m p90 6h\"",
        ),
        (
            "staffed = \"median 2h p90 6h\", on_call = \"median 4h p90 12h\"",
            "staffed = \"median 4h p90 12h\", on_call = \"median 8h p90 24h\"",
        ),
        (
            "staffed = \"median 15m p90 1h\", on_call = \"median 1h p90 4h\"",
            "staffed = \"median 30m p90 2h\", on_call = \"median 2h p90 8h\"",
        ),
        (
            "staffed = \"median 3h p90 8h\", on_call = \"median 6h p90 16h\"",
            "staffed = \"median 6h p90 16h\", on_call = \"median 12h p90 32h\"",
        ),
        ("delay = \"median 1d p90 2d\"", "delay = \"median 2d p90 4d\""),
    ] {
        assert_eq!(s.matches(from).count(), 1, "{from}");
        s = s.replace(from, to);
    }
    std::fs::write(&path, s).expect("write");
}

/// The GitHub job's steps, as GitHub runs them: a step after a failure only if marked.
/// The compare step's exit code, and the step summary written.
fn github(dir: &Path) -> (i32, String) {
    let yaml = fenced(&doc(), "yaml file=.github/workflows/pocnet-gate.yml").to_string();
    let scenario = scenario_var(&yaml);
    let (summary, path_file) = (dir.join("step-summary.md"), dir.join("github-path"));
    std::fs::write(&summary, "").expect("summary");
    let env = [("SCENARIO", Path::new(&scenario)), ("GITHUB_STEP_SUMMARY", &summary), ("GITHUB_PATH", &path_file)];
    let steps = github_steps(&yaml);
    let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Build pocnet", "Run the scenario", "Compare with the baseline", "Job summary"]);
    let (mut failed, mut compared) = (false, None);
    for step in steps.iter().filter(|s| !is_build(&s.run)) {
        if failed && !step.after_failure {
            continue;
        }
        let (code, _) = sh(dir, &step.run, &env);
        failed |= code != 0;
        if step.name == "Compare with the baseline" {
            compared = Some(code);
        } else {
            assert_eq!(code, 0, "{}", step.name);
        }
    }
    (compared.expect("the compare step ran"), std::fs::read_to_string(&summary).expect("summary"))
}

/// The GitLab job: its script in one shell, stopping at the first failure, then its
/// after_script in another. The script's exit code and the after_script's output.
fn gitlab(dir: &Path) -> (i32, String) {
    let yaml = fenced(&doc(), "yaml file=.gitlab-ci.yml").to_string();
    let scenario = scenario_var(&yaml);
    let env = [("SCENARIO", Path::new(&scenario))];
    let script = gitlab_list(&yaml, "script");
    assert!(is_build(&script[0]), "{script:?}");
    let (code, _) = sh(dir, &script[1..].join("\n"), &env);
    let (after, shown) = sh(dir, &gitlab_list(&yaml, "after_script").join("\n"), &env);
    assert_eq!(after, 0);
    (code, shown)
}

fn junit_failures(dir: &Path) -> usize {
    let junit = std::fs::read_to_string(dir.join("cmp/compare.junit.xml")).expect("compare.junit.xml");
    assert!(junit.starts_with("<?xml") && junit.trim_end().ends_with("</testsuites>"), "{junit}");
    junit.matches("<failure ").count()
}

fn clean(dir: &Path) {
    for d in ["out", "cmp"] {
        let _ = std::fs::remove_dir_all(dir.join(d));
    }
}

#[test]
fn the_documented_jobs_pass_the_same_scenario() {
    let scenario = "scenarios/smoke.toml";
    let dir = repo("ci-same", scenario);
    let (code, summary) = github(&dir);
    assert_eq!(code, 0, "{summary}");
    let md = std::fs::read_to_string(dir.join("cmp/compare.md")).expect("compare.md");
    assert_eq!(summary, md, "the summary page gets compare.md");
    assert!(md.contains("✅ **no regression beyond the tolerance"), "{md}");
    let golden = pocnet_tests::read_json(&pocnet_tests::workspace_root().join("tests/golden/smoke/report.json"));
    let hash = golden["scenario"]["hash"].as_str().expect("hash");
    assert!(md.contains(&format!("same scenario: smoke (hash {hash})")), "{md}");
    assert_eq!(junit_failures(&dir), 0);

    clean(&dir);
    let (code, shown) = gitlab(&dir);
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("✅ **no regression beyond the tolerance"), "{shown}");
    assert_eq!(junit_failures(&dir), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_documented_jobs_fail_a_change_that_doubles_every_delay() {
    let scenario = "scenarios/smoke.toml";
    let dir = repo("ci-slower", scenario);
    slower(&dir, scenario);
    let (code, summary) = github(&dir);
    assert_eq!(code, 1, "{summary}");
    assert!(summary.contains("❌ **6 regressions beyond the tolerance"), "{summary}");
    assert!(
        summary.contains("| sla | within_sla | 58.33% | 41.67% | -16.66 pts | REGRESSION: -16.66 pts > 1 pt allowed |"),
        "{summary}"
    );
    assert!(summary.contains("DIFFERENT SCENARIOS, compared because --allow-different was given"), "{summary}");
    assert_eq!(junit_failures(&dir), 6);

    clean(&dir);
    let (code, shown) = gitlab(&dir);
    assert_eq!(code, 1, "{shown}");
    assert!(shown.contains("❌ **6 regressions beyond the tolerance"), "{shown}");
    assert_eq!(junit_failures(&dir), 6);
    let _ = std::fs::remove_dir_all(&dir);
}
