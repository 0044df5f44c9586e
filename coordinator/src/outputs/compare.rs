//! `pocnet compare`'s three forms of one [`Comparison`]: the terminal table,
//! `compare.junit.xml` (one test case per figure, a failure per regression) and
//! `compare.md` (a CI job summary). Each lays out the words the comparison's types make
//! (`Display`); none computes or words a figure itself.

use super::esc;
use crate::report::compare::{Comparison, Row};
use std::fmt::Write;

/// A row's cells: family, figure, base, new, change, verdict (with its rule).
fn cells(r: &Row) -> [String; 6] {
    let shown = |v: &Option<crate::report::compare::Value>| v.as_ref().map_or("-".to_string(), ToString::to_string);
    [
        r.family.to_string(),
        r.metric.clone(),
        shown(&r.base),
        shown(&r.new),
        r.verdict.change().map_or("-".to_string(), ToString::to_string),
        r.verdict.to_string(),
    ]
}

const HEADER: [&str; 6] = ["family", "figure", "base", "new", "change", "verdict (rule)"];

/// The terminal table: the scenarios, the rules, a line per figure, the tally.
pub fn text(c: &Comparison) -> String {
    let rows: Vec<[String; 6]> = c.rows.iter().map(cells).collect();
    let mut width = HEADER.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 6]| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(width).enumerate() {
            let pad = w.saturating_sub(cell.chars().count());
            match i {
                2..=4 => l.push_str(&format!("{}{cell}  ", " ".repeat(pad))),
                5 => l.push_str(cell),
                _ => l.push_str(&format!("{cell}{}  ", " ".repeat(pad))),
            }
        }
        l
    };
    let mut o = String::new();
    let _ = writeln!(o, "{}", c.scenarios);
    let _ = writeln!(o, "rules: {}", c.rules);
    let _ = writeln!(o, "{}", line(HEADER));
    for row in &rows {
        let _ = writeln!(o, "{}", line(row.each_ref().map(String::as_str)));
    }
    let _ = writeln!(o, "{}", c.tally());
    o
}

/// Text for XML: escaped, and without the control characters XML 1.0 forbids (a
/// report's keys are anyone's text).
fn xml(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|ch| if ch.is_control() && !matches!(ch, '\t' | '\n' | '\r') { '\u{fffd}' } else { ch })
        .collect();
    esc(&clean)
}

/// `compare.junit.xml`: the scenarios' identity as a test case, then one per figure: a
/// regression fails, a figure shown but not judged is skipped.
pub fn junit(c: &Comparison) -> String {
    let t = c.tally();
    let tests = c.rows.len() + 1;
    let skipped = c.rows.len() - t.judged + usize::from(c.scenarios.different);
    let failures = t.regressions.len();
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        o,
        "<testsuites name=\"pocnet compare\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\">\n  \
         <testsuite name=\"pocnet.compare\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\">"
    );
    let _ = writeln!(
        o,
        "    <properties>\n      <property name=\"scenarios\" value=\"{}\"/>\n      <property name=\"rules\" \
         value=\"{}\"/>\n      <property name=\"result\" value=\"{}\"/>\n    </properties>",
        xml(&c.scenarios.to_string()),
        xml(&c.rules.to_string()),
        xml(&t.to_string())
    );
    let identity = "the two reports are of the same scenario";
    if c.scenarios.different {
        let note = xml(&c.scenarios.to_string());
        let _ = writeln!(
            o,
            "    <testcase classname=\"pocnet.compare.scenario\" name=\"{identity}\">\n      <skipped \
             message=\"{note}\"/>\n    </testcase>"
        );
    } else {
        let _ = writeln!(o, "    <testcase classname=\"pocnet.compare.scenario\" name=\"{identity}\"/>");
    }
    for r in &c.rows {
        junit_case(&mut o, r);
    }
    o.push_str("  </testsuite>\n</testsuites>\n");
    o
}

fn junit_case(o: &mut String, r: &Row) {
    let [family, metric, base, new, _, verdict] = cells(r).map(|s| xml(&s));
    let name = if metric.is_empty() { format!("the {family} figures") } else { metric };
    let head = format!("    <testcase classname=\"pocnet.compare.{family}\" name=\"{name}\"");
    if r.verdict.is_regression() {
        let _ = writeln!(
            o,
            "{head}>\n      <failure message=\"{verdict}\">{name}: {base} → {new}, {verdict}</failure>\n    </testcase>"
        );
    } else if !r.verdict.is_judged() {
        let _ = writeln!(o, "{head}>\n      <skipped message=\"{verdict}\"/>\n    </testcase>");
    } else {
        let _ = writeln!(o, "{head}>\n      <system-out>{base} → {new}: {verdict}</system-out>\n    </testcase>");
    }
}

/// Markdown text: on one line, pipes escaped (a table cell), `&` and `<` as entities and
/// control characters replaced, so that a report's text (a key holding a tag) is never
/// HTML on a job page; `>` stays as typed (`> 1 pt allowed`).
fn md(s: &str) -> String {
    s.chars()
        .map(|ch| match ch {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '|' => "\\|".to_string(),
            '\n' | '\r' => " ".to_string(),
            ch if ch.is_control() => '\u{fffd}'.to_string(),
            ch => ch.to_string(),
        })
        .collect()
}

fn md_table(o: &mut String, rows: &[&Row]) {
    let _ = writeln!(o, "| {} |", HEADER.join(" | "));
    let _ = writeln!(o, "|{}", "---|".repeat(HEADER.len()));
    for r in rows {
        let cells = cells(r).map(|s| md(&s));
        let _ = writeln!(o, "| {} |", cells.join(" | "));
    }
}

/// `compare.md`: the verdict first, regressions and what was not judged, then every figure
/// (folded).
pub fn markdown(c: &Comparison) -> String {
    let t = c.tally();
    let mut o = String::from("## pocnet compare\n\n");
    let mark = if t.regressions.is_empty() { "✅" } else { "❌" };
    let _ = writeln!(o, "{mark} **{}**\n", md(&t.to_string()));
    let warn = if c.scenarios.different { "⚠️ " } else { "" };
    let _ = writeln!(o, "{warn}{}\n", md(&c.scenarios.to_string()));
    let _ = writeln!(o, "Base `{}`, new `{}`.\n", md(&c.scenarios.base.path), md(&c.scenarios.new.path));
    let _ = writeln!(o, "Rules: {}.\n", md(&c.rules.to_string()));
    if !t.regressions.is_empty() {
        o.push_str("### Regressions\n\n");
        md_table(&mut o, &t.regressions);
        o.push('\n');
    }
    let shown: Vec<&Row> = c.rows.iter().filter(|r| !r.verdict.is_judged()).collect();
    if !shown.is_empty() {
        let _ = writeln!(o, "<details><summary>Shown, not judged ({})</summary>\n", shown.len());
        md_table(&mut o, &shown);
        o.push_str("\n</details>\n\n");
    }
    let _ = writeln!(o, "<details><summary>Every figure ({})</summary>\n", c.rows.len());
    md_table(&mut o, &c.rows.iter().collect::<Vec<_>>());
    o.push_str("\n</details>\n");
    o
}
