//! Counted desks and regional hubs.

use super::{Cell, Part, Section, Sentence, Table};
use crate::report::Account;
use pocnet_core::time::format_duration_ms as dur;

/// Desks whose officers are counted: utilisation, waiting and working, the longest queue.
pub fn desks(a: &Account<'_>) -> Option<Section> {
    let desks = &a.analysis.desks;
    if desks.is_empty() {
        return None;
    }
    let rows = desks
        .iter()
        .map(|d| {
            [
                Cell::Text(d.state.to_string()),
                Cell::Text(d.desk.to_string()),
                Cell::Text(d.officers.clone()),
                Cell::count(d.work),
                Cell::percent(d.utilisation, 1),
                Cell::percent(d.waited_share, 1),
                Cell::Duration(d.waiting_mean_ms),
                Cell::Duration(d.waiting.p50_ms),
                Cell::Duration(d.waiting.p90_ms),
                Cell::Duration(d.working.p50_ms),
                Cell::count(d.queue_max),
            ]
        })
        .collect();
    let columns = [
        ("state", true),
        ("desk", true),
        ("officers", true),
        ("work", true),
        ("utilisation", true),
        ("waited at all", true),
        ("mean wait", true),
        ("waiting p50", false),
        ("waiting p90", true),
        ("working p50", false),
        ("longest queue", true),
    ];
    Some(Section {
        title: "Desks",
        headline: Some(Sentence::plain(
            None,
            "Utilisation counts an officer's work only while the desk is open for it.".into(),
        )),
        leads: false,
        body: std::iter::once(Part::Table(Table::with(Some("desks"), columns, rows))).chain(overtime(desks)).collect(),
        clause: None,
        nothing_drawn: desks
            .iter()
            .all(|d| d.queue_max == 0)
            .then(|| Sentence::plain(None, "No work ever waited for an officer.".into())),
    })
}

/// Overtime at the desks whose profile finishes work past the shift's end
/// (`shift_end = "overtime"`): a staffing cost, said only where the policy is set.
fn overtime(desks: &[crate::analysis::desks::DeskFigures]) -> Option<Part> {
    let worked: Vec<String> =
        desks.iter().filter_map(|d| d.overtime_ms.map(|ms| format!("{} {} {}", d.state, d.desk, dur(ms)))).collect();
    (!worked.is_empty()).then(|| {
        Part::Sentence(Sentence::plain(
            Some("desks-overtime"),
            format!("Overtime (work finished past a shift's end): {}.", worked.join(", ")),
        ))
    })
}

/// Regional hubs: what each took, executed and handed back, and how much sooner.
pub fn hubs(a: &Account<'_>) -> Option<Section> {
    let hubs = &a.analysis.hubs;
    if hubs.is_empty() {
        return None;
    }
    let rows = hubs
        .iter()
        .map(|h| {
            let members: Vec<&str> = h.members.iter().map(|m| m.as_str()).collect();
            [
                Cell::Text(h.hub.to_string()),
                Cell::Text(members.join(" ")),
                Cell::count(h.taken),
                Cell::count(h.executed),
                Cell::count(h.handed_back),
                Cell::Duration(h.time_to_acknowledge.p50_ms),
                Cell::Duration(h.sooner_than_the_member.p50_ms),
            ]
        })
        .collect();
    let columns = [
        ("hub", true),
        ("members", false),
        ("taken", true),
        ("executed", true),
        ("handed back", true),
        ("acknowledged p50", true),
        ("sooner than the member, p50", true),
    ];
    let note = "Requests that came while a member's desk was not staffed and its hub covered. Sooner: the member's next staffed opening after delivery, minus the hub's acknowledgement.";
    Some(Section {
        title: "Regional hubs",
        headline: None,
        leads: false,
        body: vec![
            Part::Table(Table::with(Some("hubs"), columns, rows)),
            Part::Note(Sentence::plain(None, note.into())),
        ],
        clause: None,
        nothing_drawn: None,
    })
}
