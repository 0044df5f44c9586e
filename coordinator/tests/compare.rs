//! `pocnet compare` as a CI gate that cannot be passed by an empty report, a device, a FIFO
//! or a tolerance that turns the checks off (issue 27, point 4), that refuses reports of
//! different scenarios, judges each figure by its stated rule and writes its JUnit and
//! Markdown (issue 23, point 4). Each runs the real binary on real files.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(30);

fn scratch(name: &str) -> PathBuf {
    common::scratch(&format!("compare-{name}"))
}

fn smoke_report() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden/smoke/report.json")
}

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden").join(name).join("report.json")
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).expect("report")).expect("JSON")
}

fn compare(args: &[&str]) -> Output {
    common::pocnet(&[&["compare"], args].concat(), LIMIT)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8")
}

#[test]
fn a_report_without_figures_is_refused_not_passed() {
    let dir = scratch("empty");
    let smoke = smoke_report();
    let same = compare(&[s(&smoke), s(&smoke)]);
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));

    let empty = dir.join("empty.json");
    std::fs::write(&empty, r#"{"schema":"pocnet-report/2"}"#).expect("write");
    for (base, new) in [(&smoke, &empty), (&empty, &smoke)] {
        let out = compare(&[s(base), s(new)]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("{}: lacks figures compare reads", empty.display())), "{err}");
        assert!(
            err.contains("/latency/time_to_acknowledge/overall/p50_ms")
                && err.contains("/outcomes/overall/success_ratio")
                && err.contains("/scenario/hash"),
            "{err}"
        );
    }

    // A real report with its latency tables and SLA taken out, everything else kept.
    let mut stripped: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&smoke).expect("smoke")).expect("JSON");
    let o = stripped.as_object_mut().expect("object");
    o.remove("latency");
    o.remove("sla");
    let stripped_path = dir.join("stripped.json");
    std::fs::write(&stripped_path, stripped.to_string()).expect("write");
    let out = compare(&[s(&smoke), s(&stripped_path)]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("stripped.json: lacks figures"), "{err}");
    assert!(err.contains("/latency/time_to_fulfil/by_kind") && err.contains("/sla/overall/ratio"), "{err}");
    assert!(!err.contains("/totals/"), "the totals are there: {err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_device_a_fifo_and_a_huge_file_are_refused_without_being_read() {
    let dir = scratch("special");
    let smoke = smoke_report();
    let started = Instant::now();
    let out = compare(&[s(&smoke), "/dev/zero"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("/dev/zero: not a regular file (a character device)"), "{}", stderr(&out));

    let fifo = dir.join("report.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let out = compare(&[s(&fifo), s(&smoke)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("not a regular file (a FIFO)"), "{}", stderr(&out));

    // A regular file past the limit (sparse: no disk used) is refused once the limit is read.
    let huge = dir.join("huge.json");
    let file = std::fs::File::create(&huge).expect("create");
    file.set_len(pocnet::report::compare::REPORT_BYTES_MAX + 1).expect("set_len");
    let out = compare(&[s(&smoke), s(&huge)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("huge.json: more than 268435456 bytes"), "{}", stderr(&out));
    assert!(started.elapsed() < LIMIT, "took {:?}", started.elapsed());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_tolerance_that_would_turn_the_checks_off_is_refused_at_parsing() {
    let dir = scratch("tolerance");
    let smoke = golden("hanoi-72-quarter");
    // A real regression: every acknowledgement ten times slower (of 1103 values each).
    let mut slow = json(&smoke);
    let overall = &mut slow["latency"]["time_to_acknowledge"]["overall"];
    for stat in ["p50_ms", "p90_ms", "p95_ms", "p99_ms"] {
        overall[stat] = (overall[stat].as_u64().expect(stat) * 10).into();
    }
    let slower = dir.join("slower.json");
    std::fs::write(&slower, slow.to_string()).expect("write");
    let caught = compare(&[s(&smoke), s(&slower)]);
    assert_eq!(caught.status.code(), Some(1), "the default tolerance catches it: {}", stderr(&caught));

    for (flag, value) in
        [("--tolerance", "nan"), ("--tolerance", "inf"), ("--tolerance", "-5"), ("--ratio-tolerance", "NaN")]
    {
        let out = compare(&[s(&smoke), s(&slower), &format!("{flag}={value}")]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {err}");
        assert!(err.contains(flag) && err.contains("not a finite number of at least 0"), "{err}");
        assert!(out.stdout.is_empty(), "nothing compared: {}", String::from_utf8_lossy(&out.stdout));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `report` with each `(pointer, value)` set, written to `dir/name`.
fn changed(report: &Path, dir: &Path, name: &str, changes: &[(&str, serde_json::Value)]) -> PathBuf {
    let mut v = json(report);
    for (pointer, value) in changes {
        *v.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer}")) = value.clone();
    }
    let path = dir.join(name);
    std::fs::write(&path, v.to_string()).expect("write");
    path
}

/// The stdout line of figure `metric` (the figure column is followed by two spaces).
fn line<'o>(out: &'o str, family: &str, metric: &str) -> &'o str {
    out.lines()
        .find(|l| l.starts_with(family) && l[family.len()..].trim_start().starts_with(&format!("{metric}  ")))
        .unwrap_or_else(|| panic!("no line for {family} {metric} in:\n{out}"))
}

#[test]
fn reports_of_different_scenarios_are_refused_unless_allowed_and_then_every_output_says_so() {
    let dir = scratch("different");
    let (smoke, hanoi) = (smoke_report(), golden("hanoi-72-quarter"));
    let cmp = dir.join("cmp");
    let refused = compare(&[s(&smoke), s(&hanoi), "--out", s(&cmp)]);
    let err = stderr(&refused);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(err.contains("different scenarios"), "{err}");
    let hash = |p: &std::path::Path| json(p)["scenario"]["hash"].as_str().expect("hash").to_string();
    assert!(
        err.contains(&format!("smoke (hash {})", hash(&smoke)))
            && err.contains(&format!("hanoi-72-quarter (hash {})", hash(&hanoi))),
        "{err}"
    );
    assert!(err.contains("--allow-different"), "{err}");
    assert!(refused.stdout.is_empty(), "nothing compared: {}", stdout(&refused));
    assert!(!cmp.exists(), "nothing written for a refused comparison");

    let allowed = compare(&[s(&smoke), s(&hanoi), "--allow-different", "--out", s(&cmp)]);
    let out = stdout(&allowed);
    // Compared: smoke's cases all succeeded, hanoi-72-quarter's did not.
    assert_eq!(allowed.status.code(), Some(1), "{}", stderr(&allowed));
    let banner = "DIFFERENT SCENARIOS, compared because --allow-different was given";
    assert!(out.starts_with(banner), "{out}");
    let md = std::fs::read_to_string(cmp.join("compare.md")).expect("compare.md");
    assert!(md.contains(banner), "{md}");
    let junit = std::fs::read_to_string(cmp.join("compare.junit.xml")).expect("compare.junit.xml");
    assert!(junit.contains(&format!("<skipped message=\"{banner}")), "{junit}");
    // Families of one report only are listed, not dropped: smoke has no evidence step.
    let evidence = out.lines().find(|l| l.starts_with("evidence ")).expect("evidence");
    assert!(evidence.ends_with("not judged: the whole family is in the new report only"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_disclosed_heavy_run_s_success_ratio_counts_its_disclosed_cases() {
    let dir = scratch("disclosed");
    let hanoi = golden("hanoi-72-quarter");
    let v = json(&hanoi);
    // 139 fulfilled and 61 preserved of 960 would be 0.21; 600 more ended disclosed.
    assert_eq!(v["totals"]["disclosed"], 600);
    let out = compare(&[s(&hanoi), s(&hanoi)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let success = line(&text, "outcomes", "success_ratio");
    assert!(success.contains("83.33%") && success.ends_with("same"), "{success}");
    assert!(!text.contains("20.83%"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_ratio_is_judged_in_percentage_points() {
    let dir = scratch("points");
    let hanoi = golden("hanoi-72-quarter");
    // 0.8333 to 0.8250: -0.83 points (-1.0% of it): within one point.
    let within = changed(&hanoi, &dir, "within.json", &[("/outcomes/overall/success_ratio", 0.8250.into())]);
    let out = compare(&[s(&hanoi), s(&within)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let l = line(&stdout(&out), "outcomes", "success_ratio").to_string();
    assert!(l.contains("-0.83 pts") && l.ends_with("ok: -0.83 pts ≤ 1 pt allowed"), "{l}");

    // 0.8333 to 0.8210: -1.23 points, only -1.5% of it, far inside the 10% on durations.
    let beyond = changed(&hanoi, &dir, "beyond.json", &[("/outcomes/overall/success_ratio", 0.8210.into())]);
    let out = compare(&[s(&hanoi), s(&beyond)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let l = line(&stdout(&out), "outcomes", "success_ratio").to_string();
    assert!(l.ends_with("REGRESSION: -1.23 pts > 1 pt allowed"), "{l}");
    // And with two points allowed, it is not.
    let out = compare(&[s(&hanoi), s(&beyond), "--ratio-tolerance", "0.02"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(line(&stdout(&out), "outcomes", "success_ratio").ends_with("ok: -1.23 pts ≤ 2 pts allowed"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_duration_is_judged_relative_to_its_base() {
    let dir = scratch("relative");
    let hanoi = golden("hanoi-72-quarter");
    let p90 = "/latency/time_to_acknowledge/overall/p90_ms";
    let base = json(&hanoi).pointer(p90).and_then(serde_json::Value::as_u64).expect("p90");
    assert_eq!(base, 62_652_415, "17h24m");
    // +9%: 1h33m more, within 10% + 1m of 17h24m.
    let nine = changed(&hanoi, &dir, "nine.json", &[(p90, (base * 109 / 100).into())]);
    let out = compare(&[s(&hanoi), s(&nine)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let l = line(&stdout(&out), "latency", "time_to_acknowledge p90").to_string();
    assert!(l.ends_with("ok: +9.0% (+1h33m) ≤ 10% + 1m allowed"), "{l}");
    // +12%: beyond.
    let twelve = changed(&hanoi, &dir, "twelve.json", &[(p90, (base * 112 / 100).into())]);
    let out = compare(&[s(&hanoi), s(&twelve)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let l = line(&stdout(&out), "latency", "time_to_acknowledge p90").to_string();
    assert!(l.ends_with("REGRESSION: +12.0% (+2h05m) > 10% + 1m allowed"), "{l}");
    assert!(stderr(&out).contains("latency time_to_acknowledge p90"), "{}", stderr(&out));
    // The same +2h05m on the time to fulfil's p90 (5d03h) is well inside 10%.
    let p90f = "/latency/time_to_fulfil/overall/p90_ms";
    let fulfil = json(&hanoi).pointer(p90f).and_then(serde_json::Value::as_u64).expect("p90");
    let later = changed(&hanoi, &dir, "later.json", &[(p90f, (fulfil + base * 12 / 100).into())]);
    let out = compare(&[s(&hanoi), s(&later)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(line(&stdout(&out), "latency", "time_to_fulfil p90").contains("ok: +1.7% (+2h05m)"), "{}", stdout(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_p95_of_12_samples_is_shown_marked_and_not_judged() {
    let dir = scratch("samples");
    let smoke = smoke_report();
    let p95 = "/latency/time_to_acknowledge/overall/p95_ms";
    let base = json(&smoke).pointer(p95).and_then(serde_json::Value::as_u64).expect("p95");
    assert_eq!(json(&smoke)["latency"]["time_to_acknowledge"]["overall"]["count"], 12);
    let slower = changed(&smoke, &dir, "slower.json", &[(p95, (base * 10).into())]);
    let out = compare(&[s(&smoke), s(&slower)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let l = line(&stdout(&out), "latency", "time_to_acknowledge p95").to_string();
    assert!(l.contains("12h49m") && l.contains("5d08h") && l.contains("+900.0%"), "shown: {l}");
    assert!(l.ends_with("not judged: 12 samples < 20"), "{l}");
    // With a minimum of 12 it is judged, and caught.
    let out = compare(&[s(&smoke), s(&slower), "--min-samples", "12"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(line(&stdout(&out), "latency", "time_to_acknowledge p95").contains("REGRESSION: +900.0%"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn junit_is_well_formed_with_one_failure_per_regression_and_the_markdown_is_written() {
    let dir = scratch("junit");
    // The check itself catches what a JUnit reader would choke on.
    let head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    for bad in ["<a><b></a>", "<a x=\"1 & 2\"/>", "<a>x < y</a>", "<a/><b/>", "<a x=1/>"] {
        assert!(well_formed(&format!("{head}{bad}")).is_err(), "{bad}");
    }
    assert_eq!(well_formed(&format!("{head}<a x=\"&lt;\"><b/>t &amp; u</a>\n")), Ok(()));
    let hanoi = golden("hanoi-72-quarter");
    let cmp = dir.join("cmp");
    let same = compare(&[s(&hanoi), s(&hanoi), "--out", s(&cmp)]);
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
    let junit = std::fs::read_to_string(cmp.join("compare.junit.xml")).expect("junit");
    well_formed(&junit).unwrap_or_else(|e| panic!("{e}:\n{junit}"));
    assert!(junit.contains("failures=\"0\"") && !junit.contains("<failure"), "{junit}");
    let md = std::fs::read_to_string(cmp.join("compare.md")).expect("md");
    assert!(md.starts_with("## pocnet compare\n\n✅ **no regression beyond the tolerance"), "{md}");

    // Three regressions: a percentile, a ratio and a threshold that passed and now fails;
    // and the evidence step's figures gone.
    let worse = changed(
        &hanoi,
        &dir,
        "worse.json",
        &[
            ("/latency/time_to_fulfil/overall/p50_ms", 200_000_000.into()),
            ("/sla/overall/ratio", 0.40.into()),
            ("/thresholds/2/passed", false.into()),
            ("/evidence", serde_json::Value::Null),
        ],
    );
    let out = compare(&[s(&hanoi), s(&worse), "--out", s(&cmp)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let junit = std::fs::read_to_string(cmp.join("compare.junit.xml")).expect("junit");
    well_formed(&junit).unwrap_or_else(|e| panic!("{e}:\n{junit}"));
    assert_eq!(junit.matches("<failure ").count(), 3, "{junit}");
    assert!(junit.contains("tests=\"") && junit.contains("failures=\"3\""), "{junit}");
    for name in ["time_to_fulfil p50", "within_sla", "disclosed_ratio &gt; 0.3"] {
        let case = junit.split("<testcase ").find(|c| c.contains(&format!("name=\"{name}\""))).expect(name);
        assert!(case.contains("<failure message=\"REGRESSION: "), "{name}: {case}");
    }
    assert!(junit.contains("passed → failed"), "{junit}");
    let testcases = junit.matches("<testcase ").count();
    let rows = stdout(&out).lines().count() - 4; // scenarios, rules, header, tally
    assert_eq!(testcases, rows + 1, "a test case per figure, and the scenario's identity");

    let md = std::fs::read_to_string(cmp.join("compare.md")).expect("md");
    assert!(md.contains("❌ **3 regressions beyond the tolerance"), "{md}");
    let regressions =
        md.split("### Regressions").nth(1).expect("regressions").split("<details>").next().expect("table");
    assert_eq!(regressions.matches("| REGRESSION: ").count(), 3, "{md}");
    assert!(
        md.contains("| evidence |  | - | - | - | not judged: the whole family is in the base report only |"),
        "{md}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_report_key_holding_markup_stays_text_in_the_junit_and_the_markdown() {
    // A report's keys are anyone's text: a kind named with markup and a control character
    // still makes well-formed XML and one Markdown row.
    let dir = scratch("hostile");
    let (hanoi, cmp) = (golden("hanoi-72-quarter"), dir.join("cmp"));
    let mut hostile = json(&hanoi);
    let kinds = hostile.pointer_mut("/outcomes/by_kind").and_then(serde_json::Value::as_object_mut).expect("by_kind");
    kinds.insert("<a&\"b\u{1}|c>".into(), serde_json::json!({"success_ratio": 0.5}));
    let hostile_path = dir.join("hostile.json");
    std::fs::write(&hostile_path, hostile.to_string()).expect("write");
    let out = compare(&[s(&hanoi), s(&hostile_path), "--out", s(&cmp)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let junit = std::fs::read_to_string(cmp.join("compare.junit.xml")).expect("junit");
    well_formed(&junit).unwrap_or_else(|e| panic!("{e}:\n{junit}"));
    assert!(junit.contains("name=\"success_ratio{kind=&lt;a&amp;&quot;b\u{fffd}|c&gt;}\""), "{junit}");
    let md = std::fs::read_to_string(cmp.join("compare.md")).expect("md");
    assert!(md.contains("| success_ratio{kind=&lt;a&amp;\"b\u{fffd}\\|c>} | - | 50.00% |"), "{md}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A small XML well-formedness check: one root, tags nested and closed in order, attribute
/// values quoted, no `<` or stray `&` in text or attributes.
fn well_formed(xml: &str) -> Result<(), String> {
    let body = xml.strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n").ok_or("no XML declaration")?;
    let mut stack: Vec<&str> = Vec::new();
    let mut roots = 0;
    let mut rest = body;
    while !rest.is_empty() {
        let lt = rest.find('<').unwrap_or(rest.len());
        entities(&rest[..lt])?;
        if lt > 0 && stack.is_empty() && !rest[..lt].trim().is_empty() {
            return Err(format!("text outside the root: {:?}", &rest[..lt]));
        }
        rest = &rest[lt..];
        if rest.is_empty() {
            break;
        }
        let gt = rest.find('>').ok_or("unclosed tag")?;
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            if stack.pop() != Some(name) {
                return Err(format!("</{name}> closes nothing open"));
            }
            continue;
        }
        let empty = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name = tag.split_whitespace().next().ok_or("empty tag")?;
        attributes(&tag[name.len()..])?;
        if stack.is_empty() {
            roots += 1;
        }
        if !empty {
            stack.push(name);
        }
    }
    match (stack.is_empty(), roots) {
        (true, 1) => Ok(()),
        (false, _) => Err(format!("unclosed: {stack:?}")),
        _ => Err(format!("{roots} roots")),
    }
}

fn entities(text: &str) -> Result<(), String> {
    for (i, _) in text.match_indices('&') {
        let known = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"];
        if !known.iter().any(|e| text[i..].starts_with(e)) {
            return Err(format!("a stray & in {text:?}"));
        }
    }
    if text.contains('<') {
        return Err(format!("a < in {text:?}"));
    }
    Ok(())
}

fn attributes(mut s: &str) -> Result<(), String> {
    loop {
        s = s.trim_start();
        if s.is_empty() {
            return Ok(());
        }
        let eq = s.find("=\"").ok_or_else(|| format!("an attribute without a quoted value: {s:?}"))?;
        if s[..eq].contains(char::is_whitespace) || s[..eq].is_empty() {
            return Err(format!("a bad attribute name: {:?}", &s[..eq]));
        }
        let value_end = s[eq + 2..].find('"').ok_or("an unclosed attribute value")?;
        entities(&s[eq + 2..eq + 2 + value_end])?;
        s = &s[eq + 2 + value_end + 1..];
    }
}

#[test]
fn a_report_holding_impossible_figures_is_refused_not_judged() {
    // A share above 1 read as "better", a negative time as a gain: neither is a figure a
    // run can make (found by a hostile pass).
    let dir = scratch("impossible");
    let smoke = smoke_report();
    for (pointer, value, words) in [
        ("/outcomes/overall/success_ratio", serde_json::json!(1e308), "not a share in [0, 1]"),
        ("/outcomes/overall/success_ratio", serde_json::json!(-5), "not a share in [0, 1]"),
        ("/latency/time_to_acknowledge/overall/p50_ms", serde_json::json!(-100_000_000), "a negative duration"),
    ] {
        let bad = changed(&smoke, &dir, "bad.json", &[(pointer, value)]);
        for args in [[s(&smoke), s(&bad)], [s(&bad), s(&smoke)]] {
            let out = compare(&[&args[..], &["--min-samples", "1"]].concat());
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{pointer}: {err}");
            assert!(err.contains(pointer) && err.contains(words), "{err}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
