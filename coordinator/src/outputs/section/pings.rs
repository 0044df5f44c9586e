//! A communication check's section: how the pings were answered, and each pinged state's
//! declared roster against its answers.

use super::{Cell, Part, Row, Run, Section, Sentence, Shown, Table};
use crate::analysis::pings::{Measured, PingFigures, PINGS_TO_JUDGE};
use crate::report::Account;
use pocnet_core::time::format_duration_ms as dur;

/// A communication check: how the pings were answered, whose declared roster they
/// contradict, and the answers by declared roster.
pub fn pings(a: &Account<'_>) -> Option<Section> {
    let p = a.analysis.pings.as_ref()?;
    let n = &p.answered;
    let headline = format!(
        "{} pings from {}: {} answered within 1h, {} within 24h, {} later, {} never; a person's answer took {} at the median, {} at p90.",
        n.sent,
        p.from,
        n.within_1h,
        n.within_24h,
        n.later,
        n.never,
        dur(p.time_to_answer.p50_ms),
        dur(p.time_to_answer.p90_ms)
    );
    let clause = format!(
        "{} pings: {} answered within 1h, {} never; declared roster contradicted: {}",
        n.sent,
        n.within_1h,
        n.never,
        p.contradicted_line()
    );
    let contradicted = Sentence {
        id: Some("ping-contradicted"),
        runs: vec![
            Run::Plain("Declared roster contradicted: ".into()),
            Run::Strong(p.contradicted_line()),
            Run::Plain(".".into()),
        ],
    };
    let rows = p
        .by_declared
        .iter()
        .map(|(declared, g)| {
            let [sent, h1, h24, later, never] = [g.sent, g.within_1h, g.within_24h, g.later, g.never].map(Cell::count);
            [Cell::Text(declared.to_string()), sent, h1, h24, later, never]
        })
        .collect();
    Some(Section {
        title: "Communication check",
        headline: Some(Sentence::plain(Some("ping-summary"), headline)),
        leads: false,
        body: vec![
            Part::Sentence(contradicted),
            Part::Table(Table {
                shown: Shown::Brief,
                ..Table::of(["declared", "pings", "within 1h", "within 24h", "later", "never"], rows)
            }),
            Part::Table(declared_vs_measured(p)),
            Part::Note(Sentence::plain(None, format!("Each ping that reached the desk is placed in the declared roster's mode when it was sent, and in or out of office hours (08:00-18:00 local on working days). A period with at least {PINGS_TO_JUDGE} pings where fewer than half were answered in time contradicts the declared roster (docs/report.md). A ping that never arrived (a stale register entry, a desk that is down) is not judged."))),
        ],
        clause: Some(clause),
        nothing_drawn: None,
    })
}

/// The page's table of each pinged state: its declared roster, its answers in time by
/// period and what they say of the roster; contradicted states first.
fn declared_vs_measured(p: &PingFigures) -> Table {
    let mut states: Vec<_> = p.states.iter().collect();
    states.sort_by_key(|s| (!matches!(s.measured, Measured::Contradicted { .. }), s.state));
    let in_time = |t: &crate::analysis::pings::InTime| {
        if t.sent == 0 {
            Cell::Missing
        } else {
            Cell::Of { part: t.in_time as u64, whole: t.sent as u64 }
        }
    };
    let rows = states
        .into_iter()
        .map(|s| {
            let (good, words) = match s.measured {
                Measured::Consistent => (Some(true), "consistent".to_string()),
                Measured::NotTested => (None, "not tested".to_string()),
                Measured::Unreachable => (Some(false), "unreachable: no ping reached the desk".to_string()),
                Measured::Contradicted { during, in_time, of } => {
                    (Some(false), format!("contradicted: {} ({in_time} of {of} in time)", during.label()))
                }
            };
            Row::named(
                "state",
                s.state.to_string(),
                [
                    Cell::Text(s.state.to_string()),
                    Cell::Text(s.declared_roster.clone()),
                    in_time(&s.staffed_out_of_office),
                    in_time(&s.staffed_in_office),
                    in_time(&s.on_call),
                    Cell::count(s.answered.within_1h),
                    Cell::count(s.answered.never),
                    Cell::Verdict { words, good },
                ],
            )
        })
        .collect();
    let (staffed, on_call) = (dur(p.staffed_within_ms), dur(p.on_call_within_ms));
    let columns = [
        "state".into(),
        "declared".into(),
        format!("staffed, out of office hours (≤ {staffed})"),
        format!("staffed, in office hours (≤ {staffed})"),
        format!("on call (≤ {on_call})"),
        "within 1h".into(),
        "never".into(),
        "measured".into(),
    ];
    Table::only(Shown::Page, Some("declared-vs-measured"), columns, rows)
}
