//! The report in every form: files written, `pocnet compare` as a CI gate, and report.html
//! opened in headless Chromium.

use pocnet_tests::{pocnet, read_json, scratch, text, workspace_root};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);

fn run(scenario: &Path, out: &Path) {
    let args =
        ["run", scenario.to_str().expect("utf-8"), "--engine", "inproc", "--out", out.to_str().expect("utf-8"), "-q"];
    let result = pocnet(&args, LIMIT);
    assert!(result.status.success(), "{}", text(&result.stderr));
}

#[test]
fn compare_flags_a_slowed_profile_and_passes_an_identical_run() {
    let dir = scratch("compare");
    let smoke = workspace_root().join("scenarios/smoke.toml");
    let slowed = dir.join("slowed.toml");
    let original = std::fs::read_to_string(&smoke).expect("smoke");
    let slow = original.replacen("median 10m p90 40m", "median 3h p90 9h", 1);
    assert_ne!(slow, original, "the standard profile's staffed acknowledgement was slowed");
    std::fs::write(&slowed, slow).expect("write");
    let (base, same, worse) = (dir.join("base"), dir.join("same"), dir.join("worse"));
    run(&smoke, &base);
    run(&smoke, &same);
    run(&slowed, &worse);
    let report = |d: &Path| d.join("report.json").to_str().expect("utf-8").to_string();

    let identical = pocnet(&["compare", &report(&base), &report(&same)], LIMIT);
    assert_eq!(identical.status.code(), Some(0), "{}", text(&identical.stdout));
    assert!(text(&identical.stdout).contains("no regression"));

    // The slowed profile is another scenario: refused as such, then compared on request.
    let refused = pocnet(&["compare", &report(&base), &report(&worse)], LIMIT);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stdout));
    assert!(text(&refused.stderr).contains("different scenarios"), "{}", text(&refused.stderr));
    let slower = pocnet(&["compare", &report(&base), &report(&worse), "--allow-different"], LIMIT);
    assert_eq!(slower.status.code(), Some(1), "{}", text(&slower.stdout));
    let stdout = text(&slower.stdout);
    let line =
        |start: &str| stdout.lines().find(|l| l.starts_with(start)).unwrap_or_else(|| panic!("{start}: {stdout}"));
    assert!(line("sla       within_sla ").contains("REGRESSION: "), "{stdout}");
    // Smoke's 12 acknowledgements make percentiles that are shown, not judged.
    assert!(line("latency   time_to_acknowledge p50 ").ends_with("not judged: 12 samples < 20"), "{stdout}");
    assert!(text(&slower.stderr).contains("beyond the tolerance"));

    // The reverse is an improvement, not a regression.
    let better = pocnet(&["compare", &report(&worse), &report(&base), "--allow-different"], LIMIT);
    assert_eq!(better.status.code(), Some(0), "{}", text(&better.stdout));

    std::fs::write(dir.join("junk.json"), "{\"not\": \"a report\"}").expect("write");
    let junk = pocnet(&["compare", &report(&base), dir.join("junk.json").to_str().expect("utf-8")], LIMIT);
    assert_eq!(junk.status.code(), Some(2));
    assert!(text(&junk.stderr).contains("not a pocnet report"), "{}", text(&junk.stderr));
}

#[test]
fn a_run_writes_json_markdown_html_and_junit_with_each_threshold() {
    let out = scratch("outputs");
    run(&workspace_root().join("scenarios/hanoi-72.toml"), &out);
    for file in ["report.json", "summary.md", "report.html", "junit.xml"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let report = read_json(&out.join("report.json"));
    assert_eq!(report["schema"], "pocnet-report/2");
    assert_eq!(report["coverage"]["staffed_by_utc_hour"].as_array().map(Vec::len), Some(168));
    assert_eq!(report["coverage"]["states"].as_array().map(Vec::len), Some(71));
    let junit = std::fs::read_to_string(out.join("junit.xml")).expect("junit");
    let thresholds = report["thresholds"].as_array().expect("thresholds").len();
    assert_eq!(junit.matches("classname=\"pocnet.thresholds\"").count(), thresholds);
    assert!(junit.contains("tests=\"3\"") && junit.contains("failures=\"0\""), "{junit}");
    let summary = std::fs::read_to_string(out.join("summary.md")).expect("summary");
    assert!(summary.contains("## Thresholds") && summary.contains("ack_time{kind=emergency} p95"), "{summary}");

    // A breached threshold: exit 1, named, and a failing JUnit case.
    let strict = out.join("strict.toml");
    let text_in = std::fs::read_to_string(workspace_root().join("scenarios/hanoi-72.toml")).expect("hanoi");
    let fixed = text_in.replace("below = \"1d\"", "below = \"1m\"").replace(
        "register = \"registers/hanoi-2025.toml\"",
        &format!("register = \"{}\"", workspace_root().join("scenarios/registers/hanoi-2025.toml").display()),
    );
    std::fs::write(&strict, fixed).expect("write");
    let strict_out = out.join("strict");
    let args = [
        "run",
        strict.to_str().expect("utf-8"),
        "--engine",
        "inproc",
        "--out",
        strict_out.to_str().expect("utf-8"),
        "-q",
    ];
    let result = pocnet(&args, LIMIT);
    assert_eq!(result.status.code(), Some(1), "{}", text(&result.stderr));
    assert!(text(&result.stderr).contains("ack_time{kind=emergency} p95 < 1m"), "{}", text(&result.stderr));
    let junit = std::fs::read_to_string(strict_out.join("junit.xml")).expect("junit");
    assert!(junit.contains("<failure message=\"measured"), "{junit}");
}

#[test]
fn report_html_renders_its_charts_in_headless_chromium() {
    let Some(browser) = pocnet_tests::webdriver::chromium() else {
        assert!(std::env::var_os("CI").is_none(), "CI must have chromium: .ci/run installs it");
        eprintln!("SKIPPED: no chromium on this machine (apt-get install chromium); CI runs this test");
        return;
    };
    let out = scratch("html");
    run(&workspace_root().join("scenarios/three-state-chain.toml"), &out);
    let page = format!("file://{}", out.join("report.html").display());
    let profile = out.join("chromium-profile");
    let common = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--enable-logging=stderr", "--v=0"];
    let dump = pocnet_tests::run_bounded(
        {
            let mut c = Command::new(browser);
            c.args(common).arg(format!("--user-data-dir={}", profile.display())).arg("--dump-dom").arg(&page);
            c
        },
        LIMIT,
    );
    assert!(dump.status.success(), "chromium failed: {}", text(&dump.stderr));
    let dom = text(&dump.stdout);
    for id in ["follow-the-sun", "coverage-heatmap", "latency-cdf", "region-matrix", "chain-timeline"] {
        assert!(dom.contains(&format!("id=\"{id}\"")), "chart {id} missing from the rendered page");
    }
    let report = read_json(&out.join("report.json"));
    let weeks = report["coverage"]["weeks"].as_u64().expect("weeks") as usize;
    let hours: usize = dom
        .split("class=\"cell\" data-hours=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().and_then(|n| n.parse::<usize>().ok()).expect("a bar's hours"))
        .sum();
    assert_eq!(hours, 3 * 168 * weeks, "the heatmap's bars cover every state's every UTC hour once");
    assert!(dom.matches("class=\"cell\"").count() < 3 * 168 * weeks, "runs of hours in one mode are one bar");
    assert!(dom.matches("class=\"cdf\"").count() == 2 && dom.contains("class=\"curve\""));
    let longest =
        report["cases"].as_array().expect("cases").iter().filter_map(|c| c["path"].as_array().map(Vec::len)).max();
    assert_eq!(Some(dom.matches("class=\"link\"").count()), longest, "every link of the longest chain");
    let log = text(&dump.stderr);
    for bad in ["Uncaught", "Failed to load resource", "SyntaxError", "CONSOLE("] {
        assert!(!log.contains(bad), "the page logged `{bad}`:\n{log}");
    }
    // And it paints: a screenshot of the page is a real PNG of some size.
    let shot = out.join("report.png");
    let paint = pocnet_tests::run_bounded(
        {
            let mut c = Command::new(browser);
            c.args(common)
                .arg(format!("--user-data-dir={}", profile.display()))
                .arg("--window-size=1280,2000")
                .arg(format!("--screenshot={}", shot.display()))
                .arg(&page);
            c
        },
        LIMIT,
    );
    assert!(paint.status.success(), "{}", text(&paint.stderr));
    let png = std::fs::read(&shot).expect("screenshot");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 20_000, "screenshot of {} bytes", png.len());
}

#[test]
fn the_evidence_charts_render_in_headless_chromium_with_what_report_json_says() {
    let Some(browser) = pocnet_tests::webdriver::chromium() else {
        assert!(std::env::var_os("CI").is_none(), "CI must have chromium: .ci/run installs it");
        eprintln!("SKIPPED: no chromium on this machine (apt-get install chromium); CI runs this test");
        return;
    };
    let out = scratch("html-evidence");
    let scenario = workspace_root().join("scenarios/hanoi-72-quarter.toml");
    let args =
        ["run", scenario.to_str().expect("utf-8"), "--engine", "inproc", "--out", out.to_str().expect("utf-8"), "-q"];
    let result = pocnet(&args, LIMIT);
    // Exit 1: hanoi-72's emergency threshold is breached there too.
    assert!(result.status.code().is_some_and(|c| c <= 1), "{}", text(&result.stderr));
    let dom = dump_dom(browser, &out);
    let report = read_json(&out.join("report.json"));
    let e = &report["evidence"];
    // The headline says what report.json says.
    let headline = format!("{} of the {} cases whose kind asks for evidence", e["disclosed"], e["cases"]);
    assert!(dom.contains(&headline), "no `{headline}` in the page");
    // One stacked row per kind and one for all kinds; a segment per stage with time in it.
    assert!(dom.contains("id=\"time-went\""));
    let kinds = e["where_the_time_went"]["by_kind"].as_object().expect("by kind").len();
    let segments: usize = std::iter::once(&e["where_the_time_went"]["stages"])
        .chain(e["where_the_time_went"]["by_kind"].as_object().expect("by kind").values())
        .map(|stages| stages.as_array().expect("stages").iter().filter(|s| s["mean_ms"].as_u64() > Some(0)).count())
        .sum();
    assert!(kinds >= 2, "{kinds} kinds disclosed");
    assert_eq!(dom.matches("class=\"stage\"").count(), segments, "one segment per stage with time in it");
    // A case's life, with its hold, for the median disclosed case and the lapsed one.
    let lives = dom.matches("class=\"case-life\"").count();
    let lapsed = e["hold_lapsed"].as_u64().expect("lapsed");
    assert_eq!(lives, 1 + usize::from(lapsed > 0), "case lives drawn");
    assert_eq!(dom.matches("class=\"hold\"").count(), lives, "each drawn case has its hold");
}

#[test]
fn a_large_run_prints_its_totals_and_the_table_only_when_asked() {
    let scenario = workspace_root().join("scenarios/hanoi-72.toml");
    let out = scratch("table");
    let plain = pocnet(
        &["run", scenario.to_str().expect("utf-8"), "--engine", "inproc", "--out", out.to_str().expect("utf-8")],
        LIMIT,
    );
    let stdout = text(&plain.stdout);
    assert!(plain.status.code().is_some_and(|c| c <= 1), "{}", text(&plain.stderr));
    assert!(!stdout.lines().any(|l| l.starts_with("C1 ")), "no per-request table for 1,164 requests:\n{stdout}");
    assert!(stdout.contains("printed with --table") && stdout.contains("cases by outcome ("), "{stdout}");
    let table = pocnet(
        &[
            "run",
            scenario.to_str().expect("utf-8"),
            "--engine",
            "inproc",
            "--out",
            out.to_str().expect("utf-8"),
            "--table",
            "--force",
        ],
        LIMIT,
    );
    assert!(text(&table.stdout).lines().any(|l| l.starts_with("C1 ")), "--table prints it");
}

/// The DOM headless Chromium builds from OUT/report.html.
fn dump_dom(browser: &str, out: &Path) -> String {
    let dump = pocnet_tests::run_bounded(
        {
            let mut c = Command::new(browser);
            c.args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"])
                .arg(format!("--user-data-dir={}", out.join("chromium-profile").display()))
                .arg("--dump-dom")
                .arg(format!("file://{}", out.join("report.html").display()));
            c
        },
        LIMIT,
    );
    assert!(dump.status.success(), "chromium failed: {}", text(&dump.stderr));
    text(&dump.stdout)
}

#[test]
fn the_ping_check_chart_and_table_render_in_headless_chromium_with_what_report_json_says() {
    let Some(browser) = pocnet_tests::webdriver::chromium() else {
        assert!(std::env::var_os("CI").is_none(), "CI must have chromium: .ci/run installs it");
        eprintln!("SKIPPED: no chromium on this machine (apt-get install chromium); CI runs this test");
        return;
    };
    let out = scratch("html-pings");
    let scenario = workspace_root().join("scenarios/ping-check.toml");
    let args =
        ["ping", scenario.to_str().expect("utf-8"), "--engine", "inproc", "--out", out.to_str().expect("utf-8"), "-q"];
    let result = pocnet(&args, LIMIT);
    assert!(result.status.code().is_some_and(|c| c <= 1), "{}", text(&result.stderr));
    let dom = dump_dom(browser, &out);
    let report = read_json(&out.join("report.json"));
    let check = &report["ping_check"];
    // One line per declared pattern pinged, with a point per local hour that had a ping.
    let patterns = check["by_declared_hour"].as_object().expect("by declared hour");
    assert_eq!(dom.matches("class=\"ping-line\"").count(), patterns.len());
    for (declared, hours) in patterns {
        let pinged = hours.as_array().expect("hours").iter().filter(|h| h["sent"].as_u64() > Some(0)).count();
        let line = dom.split(&format!("data-declared=\"{declared}\"")).nth(1).expect("its line");
        let points = line.split("points=\"").nth(1).and_then(|p| p.split('"').next()).expect("points");
        assert_eq!(points.split_whitespace().count(), pinged, "{declared}");
    }
    // The table has a row per pinged state, and the contradicted ones say so.
    let states = check["states"].as_array().expect("states");
    assert_eq!(dom.matches("<tr data-state=").count(), states.len());
    let contradicted = check["contradicted"].as_array().expect("contradicted");
    assert!(!contradicted.is_empty(), "the bundled check names someone");
    for code in contradicted {
        let row = dom.split(&format!("<tr data-state=\"{}\">", code.as_str().expect("code"))).nth(1).expect("row");
        let row = row.split("</tr>").next().expect("row end");
        assert!(row.contains("contradicted:"), "{code}: {row}");
    }
    // Every ping is in the summary line's counts.
    let n = &check["answered"];
    let line = format!(
        "{} pings from VNM: {} answered within 1h, {} within 24h, {} later, {} never;",
        n["sent"], n["within_1h"], n["within_24h"], n["later"], n["never"]
    );
    assert!(dom.contains(&line), "no `{line}` in the page");
    let total: u64 = ["within_1h", "within_24h", "later", "never"].iter().filter_map(|k| n[*k].as_u64()).sum();
    assert_eq!(Some(total), n["sent"].as_u64());
    assert_eq!(check["pings"].as_array().map(Vec::len), n["sent"].as_u64().map(|v| v as usize));
}

#[test]
fn the_forgery_and_stale_register_charts_render_in_headless_chromium_with_what_report_json_says() {
    let Some(browser) = pocnet_tests::webdriver::chromium() else {
        assert!(std::env::var_os("CI").is_none(), "CI must have chromium: .ci/run installs it");
        eprintln!("SKIPPED: no chromium on this machine (apt-get install chromium); CI runs this test");
        return;
    };
    let dom_of = |name: &str| {
        let out = scratch(&format!("html-{name}"));
        let scenario = workspace_root().join(format!("scenarios/{name}.toml"));
        let args = [
            "run",
            scenario.to_str().expect("utf-8"),
            "--engine",
            "inproc",
            "--out",
            out.to_str().expect("utf-8"),
            "-q",
        ];
        let result = pocnet(&args, LIMIT);
        assert!(result.status.code().is_some_and(|c| c <= 1), "{}", text(&result.stderr));
        (dump_dom(browser, &out), read_json(&out.join("report.json")))
    };
    // Forgeries: each policy's bar segments hold the counts report.json gives.
    let (dom, report) = dom_of("forged-emergencies");
    let by = report["forgery"]["by_verification"].as_object().expect("by verification");
    assert!(by.len() >= 2, "{by:?}");
    for (policy, f) in by {
        for class in ["accepted", "caught", "other"] {
            let n = f[class].as_u64().expect("count");
            let drawn = dom
                .split(&format!("class=\"forged-{class}\" data-policy=\"{policy}\" data-n=\""))
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .map(|v| v.parse::<u64>().expect("n"));
            assert_eq!(drawn.unwrap_or(0), n, "{policy} {class}");
        }
    }
    assert!(dom.contains("id=\"verification-cost\""), "the cost of verification is drawn");
    assert_eq!(dom.matches("class=\"with\"").count(), 4);
    // Stale entries: one dot per dead first send among the entries drawn, a bar per span.
    let (dom, report) = dom_of("stale-register");
    let dead = report["register_decay"]["first_sends_dead"].as_u64().expect("dead");
    let rows = dom.matches("class=\"stale\"").count();
    assert!(rows > 0 && rows <= 40, "{rows} stale spans drawn");
    let dots = dom.matches("class=\"dead-send\"").count() as u64;
    assert!(dots > 0 && dots <= dead, "{dots} dots for {dead} dead first sends");
    if rows < 40 {
        assert_eq!(dots, dead, "every entry drawn: every dead first send is a dot");
    }
}
