//! Every output says what report.json says: for every bundled scenario, the numbers in
//! stdout's lines, summary.md and report.html's sentences and tables are parsed (or the
//! sentence is formatted from report.json and found) and checked against report.json.

use pocnet_core::time::format_duration_ms;
use pocnet_tests::{flat, read_json, run_in_process, text, workspace_root};
use serde_json::Value;

const SCENARIOS: [&str; 14] = pocnet_tests::BUNDLED_SCENARIOS;

/// Outcome labels as outputs print them, and their report.json keys.
const LABELS: [(&str, &str); 12] = [
    ("MLA not pursued", "mla_not_pursued"),
    ("MLA refused", "mla_refused"),
    ("evidence lost", "evidence_lost"),
    ("hold lapsed", "hold_lapsed"),
    ("fulfilled", "fulfilled"),
    ("preserved", "preserved"),
    ("disclosed", "disclosed"),
    ("refused", "refused"),
    ("withdrawn", "withdrawn"),
    ("expired", "expired"),
    ("undeliverable", "undeliverable"),
    ("unfinished", "unfinished"),
];

struct Outputs {
    report: Value,
    stdout: String,
    summary: String,
    /// report.html's text, tags out, entities read, whitespace as single spaces.
    html: String,
}

fn outputs(name: &str) -> Outputs {
    let scenario = workspace_root().join(format!("scenarios/{name}.toml"));
    let (run, out) = run_in_process(&scenario, &[], &format!("agree-{name}"));
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    Outputs {
        report: read_json(&out.join("report.json")),
        stdout: text(&run.stdout),
        summary: std::fs::read_to_string(out.join("summary.md")).expect("summary.md"),
        html: html_text(&html),
    }
}

fn html_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&");
    flat(&out)
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

fn key_of(label: &str) -> &'static str {
    LABELS.iter().find(|(l, _)| *l == label).unwrap_or_else(|| panic!("unknown outcome label `{label}`")).1
}

/// `12 fulfilled, 3 evidence lost` → checked against `totals`; every outcome with cases named.
fn check_outcome_list(what: &str, list: &str, totals: &Value) {
    let mut named = 0;
    for part in list.split(", ") {
        let (count, label) = part.split_once(' ').unwrap_or_else(|| panic!("{what}: `{part}`"));
        let count: u64 = count.parse().unwrap_or_else(|_| panic!("{what}: `{part}`"));
        assert_eq!(count, n(&totals[key_of(label)]), "{what}: {label}");
        named += count;
    }
    assert_eq!(named, n(&totals["injects"]), "{what}: the outcomes add up to the cases");
}

fn check_stdout(name: &str, o: &Outputs) {
    let (r, t) = (&o.report, &o.report["totals"]);
    let pings = r["ping_check"]["answered"]["sent"].as_u64().unwrap_or(0);
    let header = format!("{} contact points, {} cases, {pings} pings", r["scenario"]["contact_points"], t["injects"]);
    assert!(o.stdout.contains(&header), "{name}: stdout lacks `{header}`:\n{}", o.stdout);
    let totals_line = o.stdout.lines().find(|l| l.contains(" cases by outcome (")).expect("totals line");
    let (count, rest) = totals_line.split_once(" cases by outcome (").expect("cases");
    assert_eq!(count.parse::<u64>().ok(), t["injects"].as_u64(), "{name}: cases");
    let (requests, rest) = rest.split_once(" requests, chain links included): ").expect("requests");
    assert_eq!(requests.parse::<u64>().ok(), t["requests"].as_u64(), "{name}: requests");
    let list = rest.split(['(', ';']).next().expect("list").trim();
    if list != "none" {
        check_outcome_list(&format!("{name} stdout"), list, t);
    }
    let lost: u64 = t["lost_messages"].as_object().map_or(0, |m| m.values().map(n).sum());
    if lost > 0 {
        assert!(totals_line.contains(&format!("; {lost} messages lost to the scenario's modelled faults (")), "{name}");
    }
    for (metric, table) in r["latency"].as_object().expect("latency") {
        let p = &table["overall"];
        let line = o.stdout.lines().find(|l| l.starts_with(metric.as_str())).expect("latency line");
        if n(&p["count"]) == 0 {
            assert!(line.contains("n=0"), "{name}: {line}");
            continue;
        }
        let want = format!("n={} p50 {}", p["count"], format_duration_ms(n(&p["p50_ms"])));
        assert_eq!(flat(line).split(" p90").next(), Some(format!("{metric} {want}").as_str()), "{name}");
    }
    for v in r["thresholds"].as_array().expect("thresholds") {
        let want = format!("(measured {}, n={})", v["value"].as_str().unwrap_or(&v["value"].to_string()), v["samples"]);
        assert!(o.stdout.contains(&want), "{name}: stdout lacks `{want}`");
    }
}

fn check_summary(name: &str, o: &Outputs) {
    let (r, t) = (&o.report, &o.report["totals"]);
    let head = format!(
        "{} contact points, {} cases ({} requests)",
        r["scenario"]["contact_points"], t["injects"], t["requests"]
    );
    assert!(o.summary.contains(&head) && o.html.contains(&head), "{name}: `{head}`");
    let rows: Vec<String> = o
        .summary
        .lines()
        .skip_while(|l| !l.starts_with("| outcome | cases |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            format!("{} {}", cells[1], cells[0])
        })
        .collect();
    if n(&t["injects"]) > 0 {
        check_outcome_list(&format!("{name} summary.md"), &rows.join(", "), t);
    }
    for (metric, table) in r["latency"].as_object().expect("latency") {
        let p = &table["overall"];
        if n(&p["count"]) == 0 {
            continue;
        }
        let d = |k: &str| format_duration_ms(n(&p[k]));
        let row = format!(
            "| {metric} | {} | {} | {} | {} | {} | {} |",
            p["count"],
            d("p50_ms"),
            d("p90_ms"),
            d("p95_ms"),
            d("p99_ms"),
            d("max_ms")
        );
        assert!(o.summary.contains(&row), "{name}: summary.md lacks `{row}`");
    }
}

fn check_sections(name: &str, o: &Outputs) {
    let r = &o.report;
    let all = |what: &str, want: &str, outputs: &[&str]| {
        for text in outputs {
            assert!(flat(text).contains(want), "{name}: {what} `{want}` missing");
        }
    };
    if let Some(e) = r.get("evidence") {
        let want = format!("{} of the {} cases whose kind asks for evidence", e["disclosed"], e["cases"]);
        all("evidence headline", &want, &[&o.stdout, &o.summary, &o.html]);
        let pct = format!("ended in usable evidence ({:.0}%)", e["disclosed_ratio"].as_f64().expect("ratio") * 100.0);
        all("evidence share", &pct, &[&o.stdout, &o.summary, &o.html]);
    }
    if let Some(d) = r.get("register_decay") {
        let share = d["first_sends_dead_share"].as_f64().expect("share") * 100.0;
        let want = format!(
            "{} of {} first sends ({share:.1}%) reached a stale register entry",
            d["first_sends_dead"], d["requests"]
        );
        all("stale entries", &want, &[&o.summary, &o.html]);
        all(
            "stale entries",
            &format!("{} of {} first sends to stale entries", d["first_sends_dead"], d["requests"]),
            &[&o.stdout],
        );
        let lost = format!("{} lost to stale entries", d["with_current_register"]["lost_to_stale_entries"]);
        all("cases lost", &lost, &[&o.summary, &o.html]);
    }
    if let Some(p) = r.get("ping_check") {
        let a = &p["answered"];
        let want = format!("{} pings: {} answered within 1h, {} never", a["sent"], a["within_1h"], a["never"]);
        all("pings", &want, &[&o.stdout]);
        let want = format!(
            "{} answered within 1h, {} within 24h, {} later, {} never",
            a["within_1h"], a["within_24h"], a["later"], a["never"]
        );
        all("pings", &want, &[&o.summary]);
    }
    if let Some(f) = r.get("forgery") {
        let q = &f["requests"];
        let want = format!(
            "{} forged requests: {} accepted, {} caught by verification",
            q["forged"], q["accepted"], q["caught"]
        );
        all("forgeries", &want, &[&o.stdout, &o.summary]);
    }
}

#[test]
fn every_output_of_every_bundled_scenario_says_what_report_json_says() {
    for name in SCENARIOS {
        let o = outputs(name);
        check_stdout(name, &o);
        check_summary(name, &o);
        check_sections(name, &o);
    }
}
