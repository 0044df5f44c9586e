//! `junit.xml`: one test suite, each threshold a test case, plus the accounting check.

use super::esc;
use crate::report::Account;
use std::fmt::Write;

/// JUnit XML: one test suite, each threshold a test case, plus the accounting check.
pub fn junit_xml(a: &Account<'_>) -> String {
    let failures = a.analysis.thresholds.iter().filter(|v| !v.passed).count();
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        o,
        "<testsuites name=\"pocnet\" tests=\"{}\" failures=\"{failures}\">\n  <testsuite name=\"pocnet.{}\" tests=\"{}\" failures=\"{failures}\">",
        a.analysis.thresholds.len() + 1,
        esc(&a.scenario.name),
        a.analysis.thresholds.len() + 1
    );
    let _ = writeln!(
        o,
        "    <testcase classname=\"pocnet.accounting\" name=\"every inject ends in exactly one outcome ({} cases)\"/>",
        a.ledger.totals.injects
    );
    for v in &a.analysis.thresholds {
        let name = esc(&v.threshold);
        if v.passed {
            let _ = writeln!(o, "    <testcase classname=\"pocnet.thresholds\" name=\"{name}\"/>");
        } else {
            let _ = writeln!(
                o,
                "    <testcase classname=\"pocnet.thresholds\" name=\"{name}\">\n      <failure message=\"measured {} (n={})\">{name}: measured {}</failure>\n    </testcase>",
                esc(&v.value),
                v.samples,
                esc(&v.value)
            );
        }
    }
    o.push_str("  </testsuite>\n</testsuites>\n");
    o
}
