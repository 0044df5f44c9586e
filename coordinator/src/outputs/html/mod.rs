//! `report.html`: one self-contained page (inline SVG, no script, no network); an
//! exercise's leads with its after-action review. The charts are in [`charts`].

mod charts;
mod decay;
mod desks;
mod evidence;
mod forgery;
mod pings;
mod roads;

use super::esc;
use super::section::{self, Section};
use crate::report::{Account, ASSUMPTIONS};
use charts::{cdfs, chain_timeline, follow_the_sun, heatmap, region_matrix};
use std::fmt::Write;

const CSS: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}\
h1{font-size:1.6em}h2{margin-top:2em;font-size:1.2em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 8px;text-align:right}\
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}.bad{color:#b00;font-weight:bold}\
.ok{color:#070}svg{display:block;margin:.5em 0}.note{color:#666;font-size:.9em}";

/// How the cases ended; nothing without cases (a communication check alone).
fn outcomes(a: &Account<'_>) -> String {
    section::outcomes(a).map_or(String::new(), |t| format!("<h2>Outcomes</h2>{}\n", t.html()))
}

/// A section's title and its whole body.
fn whole(section: &Section) -> String {
    format!("<h2>{}</h2>{}", section.title, section.body_html())
}

/// The requests' sections: latency, region pairs, where it went worst, the longest chain;
/// none of them without a request.
fn cases(a: &Account<'_>) -> String {
    if a.ledger.requests.is_empty() {
        return String::new();
    }
    let mut o = String::from("<h2>Latency from the scheduled time</h2>");
    o.push_str(&cdfs(a));
    o.push_str("<h2>Region pairs</h2>");
    o.push_str(&region_matrix(a));
    if let Some(worst) = section::worst(a) {
        o.push_str(&whole(&worst));
    }
    o.push_str(&chain_timeline(a));
    o
}

/// One self-contained HTML page; an exercise's leads with its after-action report.
pub fn report_html(a: &Account<'_>, after_action: Option<&crate::outputs::after_action::AfterAction>) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>pocnet: {}</title><style>{CSS}</style></head><body>\n",
        esc(&a.scenario.name)
    );
    let _ = writeln!(
        o,
        "<h1>pocnet: {}</h1><p>{}</p><p>{} {}</p><p class=\"note\">{}</p>",
        esc(&a.scenario.name),
        esc(&a.scenario.description),
        section::the_run(a).html(),
        section::windows(a).html(),
        esc(ASSUMPTIONS)
    );
    if let Some(review) = after_action {
        o.push_str(&review.html());
    }
    o.push_str(&evidence::section(a));
    o.push_str(&roads::section(a));
    o.push_str(&pings::section(a));
    o.push_str(&decay::section(a));
    o.push_str(&forgery::section(a));
    o.push_str(&outcomes(a));
    if let Some(thresholds) = section::thresholds(a) {
        let _ = writeln!(o, "{}", whole(&thresholds));
    }
    o.push_str(&desks::section(a));
    o.push_str("<h2>Coverage across time zones (from the rosters)</h2>");
    o.push_str(&follow_the_sun(a));
    o.push_str(&heatmap(a));
    o.push_str(&cases(a));
    o.push_str("</body></html>\n");
    o
}
