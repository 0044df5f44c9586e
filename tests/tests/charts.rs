//! Charts people can read: every bundled scenario's golden report.html, and a small
//! sweep's sweep.html, loaded in headless Chromium; in every SVG, each text lies inside the
//! SVG's box and over no other text (as Chromium lays them out, with the fonts it has),
//! every chart says how many samples it draws (none with n = 0), no section is empty, and
//! the communication check's page stays small.

use pocnet_tests::webdriver::Browser;
use pocnet_tests::{pocnet, scratch, text, workspace_root};
use std::path::Path;
use std::time::Duration;

/// What the page's SVG texts and sections look like, measured by Chromium: a count of
/// what was measured and a line per fault.
const MEASURE: &str = r#"
const tol = 1, out = { svgs: 0, texts: 0, faults: [] };
const box = r => `[${r.left.toFixed(1)},${r.top.toFixed(1)} ${r.right.toFixed(1)},${r.bottom.toFixed(1)}]`;
for (const svg of document.querySelectorAll('svg')) {
  out.svgs += 1;
  const name = svg.id || svg.getAttribute('class') || `svg ${out.svgs}`;
  const n = Number(svg.getAttribute('data-n'));
  if (!(n > 0)) out.faults.push(`${name}: drawn with data-n=${svg.getAttribute('data-n')}`);
  const s = svg.getBoundingClientRect(), placed = [];
  for (const t of svg.querySelectorAll('text')) {
    const r = t.getBoundingClientRect(), what = t.textContent;
    out.texts += 1;
    if (r.left < s.left - tol || r.right > s.right + tol || r.top < s.top - tol || r.bottom > s.bottom + tol)
      out.faults.push(`${name}: "${what}" ${box(r)} outside the SVG ${box(s)}`);
    for (const [other, q] of placed)
      if (r.left < q.right - tol && q.left < r.right - tol && r.top < q.bottom - tol && q.top < r.bottom - tol)
        out.faults.push(`${name}: "${what}" ${box(r)} over "${other}" ${box(q)}`);
    placed.push([what, r]);
  }
}
for (const h of document.querySelectorAll('h2, h3')) {
  const next = h.nextElementSibling;
  if (!next || /^H[23]$/.test(next.tagName)) out.faults.push(`section "${h.textContent}" is empty`);
}
return out;
"#;

/// The bundled scenarios whose report.html is kept in tests/golden/.
fn golden_pages() -> Vec<std::path::PathBuf> {
    let mut pages: Vec<_> = std::fs::read_dir(workspace_root().join("tests/golden"))
        .expect("tests/golden")
        .map(|e| e.expect("entry").path().join("report.html"))
        .filter(|p| p.is_file())
        .collect();
    pages.sort();
    pages
}

/// Measures one page; returns how many texts it measured.
fn check(browser: &Browser, page: &Path, faults: &mut Vec<String>) -> u64 {
    browser.goto(&format!("file://{}", page.display()));
    let m = browser.execute(MEASURE);
    let svgs = m["svgs"].as_u64().expect("svgs");
    assert!(svgs > 0, "{}: no chart at all", page.display());
    for f in m["faults"].as_array().expect("faults") {
        faults.push(format!("{}: {}", page.display(), f.as_str().unwrap_or_default()));
    }
    m["texts"].as_u64().expect("texts")
}

/// A small sweep's page (the sweep tests' night-cover sweep, in process).
fn sweep_page() -> std::path::PathBuf {
    let file = workspace_root().join("coordinator/tests/sweeps/sweep.toml");
    let out = scratch("charts-sweep");
    let run = pocnet(
        &["sweep", file.to_str().expect("utf-8"), "--out", out.to_str().expect("utf-8"), "-q"],
        Duration::from_secs(240),
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    out.join("sweep.html")
}

#[test]
fn every_chart_keeps_its_text_inside_and_apart_and_no_section_is_empty() {
    let Some((browser, driver)) = pocnet_tests::webdriver::available() else {
        assert!(std::env::var_os("CI").is_none(), "CI must have chromium and chromedriver: .ci/run installs them");
        eprintln!("SKIPPED: no chromium or chromedriver on this machine; CI runs this test");
        return;
    };
    let pages = golden_pages();
    assert!(pages.len() >= 12, "{} golden pages", pages.len());
    let session = Browser::start(browser, driver, &scratch("charts-profile"));
    let mut faults = Vec::new();
    for page in pages.iter().chain([&sweep_page()]) {
        let texts = check(&session, page, &mut faults);
        assert!(texts > 0, "{}: no text measured", page.display());
    }
    assert!(faults.is_empty(), "{} faults:\n{}", faults.len(), faults.join("\n"));
}

#[test]
fn the_communication_check_page_is_small_and_draws_no_case_sections() {
    let page = workspace_root().join("tests/golden/ping-check/report.html");
    let html = std::fs::read_to_string(&page).expect("ping-check's report.html");
    assert!(html.len() < 2_000_000, "ping-check's report.html is {} bytes", html.len());
    assert!(html.contains("id=\"ping-hours\"") && html.contains("id=\"coverage-heatmap\""), "its charts are there");
    // A check without cases draws no case section: no latency, region pairs or chain.
    for absent in ["id=\"latency-cdf\"", "id=\"region-matrix\"", "id=\"chain-timeline\"", "<h2>Outcomes</h2>"] {
        assert!(!html.contains(absent), "{absent} in a run without cases");
    }
    // The heatmap's bars still cover every state's every hour.
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_root().join("tests/golden/ping-check/report.json")).expect("report.json"),
    )
    .expect("JSON");
    let states = report["coverage"]["states"].as_array().expect("states").len();
    let hours = report["coverage"]["staffed_by_utc_hour"].as_array().expect("hours").len();
    let covered: usize = html
        .split("class=\"cell\" data-hours=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().and_then(|n| n.parse::<usize>().ok()).expect("hours of a bar"))
        .sum();
    assert_eq!(covered, states * hours, "{states} states x {hours} hours");
}
