//! The after-action review of a tabletop exercise, in the spirit of HSEEP's after-action
//! report: the objectives and how they were met (ratings P, S, M, U), each inject with
//! what was expected and what happened when, the times of the people who played next to
//! those of the simulated contact points, and the gaps the run shows.
//!
//! A projection of the run's ledger, like every other output: nothing here is judged by a
//! person. Evaluators add their observations to the Markdown afterwards.

use crate::analysis::percentiles::percentiles;
use crate::ledger::{Outcome, Request};
use crate::outputs::esc;
use crate::report::Account;
use crate::scenario::{Exercise, Objective};
use pocnet_core::time::format_duration_ms as dur;
use pocnet_core::StateCode;
use std::fmt::Write;

/// HSEEP's performance ratings for an objective.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rating {
    /// Performed without challenges: every judged request met the measure.
    P,
    /// Performed with some challenges: at least three in four met it.
    S,
    /// Performed with major challenges: some met it.
    M,
    /// Unable to be performed: none met it.
    U,
    /// No request fell under the objective in this run.
    NotExercised,
}

impl Rating {
    pub fn label(&self) -> &'static str {
        match self {
            Rating::P => "P: performed without challenges",
            Rating::S => "S: performed with some challenges",
            Rating::M => "M: performed with major challenges",
            Rating::U => "U: unable to be performed",
            Rating::NotExercised => "not exercised",
        }
    }

    fn of(met: usize, judged: usize) -> Rating {
        match (met, judged) {
            (_, 0) => Rating::NotExercised,
            (m, j) if m == j => Rating::P,
            (m, j) if m * 4 >= j * 3 => Rating::S,
            (0, _) => Rating::U,
            _ => Rating::M,
        }
    }
}

#[derive(Debug)]
pub struct ObjectiveResult {
    pub name: String,
    pub measure: String,
    pub judged: usize,
    pub met: usize,
    pub rating: Rating,
    /// Requests that missed the measure, with why.
    pub missed: Vec<String>,
}

#[derive(Debug)]
pub struct InjectLine {
    pub id: String,
    pub scheduled: String,
    pub from: StateCode,
    pub to: StateCode,
    pub kind: String,
    pub played: bool,
    pub expected: String,
    pub happened: String,
}

#[derive(Debug)]
pub struct TimingRow {
    pub who: String,
    pub received: usize,
    pub acknowledged: usize,
    pub ack_p50: Option<u64>,
    pub ack_p90: Option<u64>,
    pub fulfil_p50: Option<u64>,
    pub succeeded: usize,
}

#[derive(Debug)]
pub struct AfterAction {
    pub name: String,
    pub window: String,
    pub ended: String,
    pub players: Vec<String>,
    pub objectives: Vec<ObjectiveResult>,
    pub injects: Vec<InjectLine>,
    pub timings: Vec<TimingRow>,
    pub strengths: Vec<String>,
    pub gaps: Vec<String>,
}

fn judged<'r>(o: &Objective, requests: &'r [Request]) -> Vec<&'r Request> {
    requests.iter().filter(|r| o.states.contains(&r.to)).filter(|r| o.kind.is_none_or(|k| k == r.kind)).collect()
}

fn objective(o: &Objective, requests: &[Request]) -> ObjectiveResult {
    let mut measure = Vec::new();
    if let Some(ms) = o.acknowledge_within_ms {
        measure.push(format!("acknowledged within {}", dur(ms)));
    }
    if let Some(ms) = o.fulfil_within_ms {
        measure.push(format!("fulfilled within {}", dur(ms)));
    }
    let scope = format!(
        "{} requests to {}",
        o.kind.map(|k| k.to_string().replace('_', " ")).unwrap_or_else(|| "all".into()),
        o.states.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")
    );
    let rs = judged(o, requests);
    let mut missed = Vec::new();
    for r in &rs {
        let mut why = Vec::new();
        if let Some(limit) = o.acknowledge_within_ms {
            match r.time_to_acknowledge_ms() {
                Some(t) if t <= limit => {}
                Some(t) => why.push(format!("acknowledged after {}", dur(t))),
                None => why.push("never acknowledged".to_string()),
            }
        }
        if let Some(limit) = o.fulfil_within_ms {
            match r.time_to_fulfil_ms() {
                Some(t) if t <= limit => {}
                Some(t) => why.push(format!("fulfilled after {}", dur(t))),
                None => why.push(format!("not fulfilled ({})", r.outcome.as_str())),
            }
        }
        if !why.is_empty() {
            missed.push(format!("{} from {}: {}", r.id, r.from, why.join(", ")));
        }
    }
    let met = rs.len() - missed.len();
    ObjectiveResult {
        name: o.name.clone(),
        measure: format!("{scope}, {}", measure.join(" and ")),
        judged: rs.len(),
        met,
        rating: Rating::of(met, rs.len()),
        missed,
    }
}

fn timing(who: String, rs: &[&Request]) -> TimingRow {
    let acks: Vec<u64> = rs.iter().filter_map(|r| r.time_to_acknowledge_ms()).collect();
    let fulfils: Vec<u64> = rs.iter().filter_map(|r| r.time_to_fulfil_ms()).collect();
    let p = |v: &[u64]| (!v.is_empty()).then(|| percentiles(v));
    let (a, f) = (p(&acks), p(&fulfils));
    TimingRow {
        who,
        received: rs.len(),
        acknowledged: acks.len(),
        ack_p50: a.as_ref().map(|p| p.p50_ms),
        ack_p90: a.as_ref().map(|p| p.p90_ms),
        fulfil_p50: f.as_ref().map(|p| p.p50_ms),
        succeeded: rs.iter().filter(|r| r.outcome.is_success()).count(),
    }
}

/// What happened to one request, in a line.
fn happened(a: &Account<'_>, r: &Request) -> String {
    let local = |t| a.zones.local(r.to, t);
    let mut steps = Vec::new();
    match (r.step.acknowledged, r.time_to_acknowledge_ms()) {
        (Some((at, _)), Some(t)) => steps.push(format!("acknowledged {} ({} after the request)", local(at), dur(t))),
        _ => steps.push("never acknowledged".into()),
    }
    if let Some(t) = r.step.forwarded {
        steps.push(format!("handed to the central authority {}", local(t)));
    }
    if let Some(t) = r.step.executed {
        steps.push(format!("executed {}", local(t)));
    }
    steps.push(format!("outcome {}: {}", r.outcome.as_str(), r.reason));
    steps.join("; ")
}

pub fn review(a: &Account<'_>, exercise: &Exercise) -> AfterAction {
    let scenario = a.scenario;
    let requests = &a.ledger.requests;
    let played = |s: StateCode| exercise.players.contains(&s);
    let objectives: Vec<ObjectiveResult> = exercise.objectives.iter().map(|o| objective(o, requests)).collect();
    let sla = scenario.ack_sla_ms;
    let injects = requests
        .iter()
        .map(|r| {
            let expected =
                exercise.expectations.get(&r.id.case).filter(|_| r.id.link == 0).cloned().unwrap_or_else(|| {
                    let deadline = r
                        .evidence
                        .deleted_at
                        .map(|d| {
                            format!(", executed before the provider deletes the data ({})", a.zones.local(r.to, d))
                        })
                        .unwrap_or_default();
                    format!("{} acknowledges within {}{deadline}", r.to, dur(sla))
                });
            InjectLine {
                id: r.id.to_string(),
                scheduled: format!("{} ({} at {})", r.scheduled, a.zones.local(r.to, r.scheduled), r.to),
                from: r.from,
                to: r.to,
                kind: r.kind.to_string().replace('_', " "),
                played: played(r.to),
                expected,
                happened: happened(a, r),
            }
        })
        .collect();
    let by_people: Vec<&Request> = requests.iter().filter(|r| played(r.to)).collect();
    let by_machines: Vec<&Request> = requests.iter().filter(|r| !played(r.to)).collect();
    let mut timings =
        vec![timing("played by people".into(), &by_people), timing("simulated contact points".into(), &by_machines)];
    for p in &exercise.players {
        let rs: Vec<&Request> = requests.iter().filter(|r| r.to == *p).collect();
        timings.push(timing(format!("{p} (person)"), &rs));
    }

    let mut strengths = Vec::new();
    let mut gaps = Vec::new();
    for o in &objectives {
        match o.rating {
            Rating::P => strengths.push(format!("Objective met in every case: {} ({}).", o.name, o.measure)),
            Rating::NotExercised => {
                gaps.push(format!("Objective not exercised: {} (no request fell under it).", o.name))
            }
            _ => gaps.push(format!(
                "Objective {} ({}/{} met): {}. Missed: {}.",
                o.name,
                o.met,
                o.judged,
                o.rating.label(),
                o.missed.join("; ")
            )),
        }
    }
    for r in requests.iter().filter(|r| played(r.to)) {
        match r.outcome {
            Outcome::Unfinished => gaps.push(format!("{} to {} was still open when the exercise ended.", r.id, r.to)),
            Outcome::EvidenceLost => gaps.push(format!(
                "{} to {}: executed after the provider had deleted the data (evidence lost).",
                r.id, r.to
            )),
            _ => {}
        }
        if r.time_to_acknowledge_ms().is_some_and(|t| t > sla) {
            gaps.push(format!("{} to {}: acknowledged later than the {} SLA.", r.id, r.to, dur(sla)));
        }
        if r.step.escalated {
            gaps.push(format!("{} to {}: the requester had to escalate.", r.id, r.to));
        }
    }
    let rejected: Vec<String> =
        a.ledger.refused_actions.iter().map(|r| format!("{} {}: {}: {}", r.state, r.id, r.action, r.reason)).collect();
    if !rejected.is_empty() {
        gaps.push(format!(
            "The console refused {} action(s), a sign of unclear procedure: {}.",
            rejected.len(),
            rejected.join("; ")
        ));
    }
    let (people, machines) = (&timings[0], &timings[1]);
    if let (Some(h), Some(m)) = (people.ack_p50, machines.ack_p50) {
        let line =
            format!("Median time to acknowledge: people {} against simulated contact points {}.", dur(h), dur(m));
        if h <= m {
            strengths.push(line);
        } else {
            gaps.push(line);
        }
    }
    let ended = a.ledger.exercise_ended.map(|t| t.to_string()).unwrap_or_else(|| scenario.end.to_string());
    AfterAction {
        name: scenario.name.clone(),
        window: format!("{} to {}", scenario.start, scenario.end),
        ended,
        players: exercise
            .players
            .iter()
            .map(|p| format!("{p} {}", scenario.state(*p).map(|s| s.name.as_str()).unwrap_or("")))
            .collect(),
        objectives,
        injects,
        timings,
        strengths,
        gaps,
    }
}

fn opt(ms: Option<u64>) -> String {
    ms.map(dur).unwrap_or_else(|| "-".into())
}

/// A table of the review, rendered as Markdown or HTML from the same rows. `marks` gives
/// each row's class for its last cell in HTML (`ok`, `bad`, `note`), if any.
struct Table {
    id: &'static str,
    title: &'static str,
    headers: &'static [&'static str],
    rows: Vec<Vec<String>>,
    marks: Vec<Option<&'static str>>,
}

impl Table {
    fn markdown(&self, o: &mut String) {
        let _ = writeln!(o, "\n## {}\n", self.title);
        let _ = writeln!(o, "| {} |", self.headers.join(" | "));
        let _ = writeln!(o, "|{}", "---|".repeat(self.headers.len()));
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(|c| c.replace('|', "\\|").replace('\n', " ")).collect();
            let _ = writeln!(o, "| {} |", cells.join(" | "));
        }
    }

    fn html(&self, o: &mut String) {
        let _ = write!(o, "<h3>{}</h3><table id=\"{}\"><tr>", esc(self.title), self.id);
        for h in self.headers {
            let _ = write!(o, "<th>{}</th>", esc(h));
        }
        o.push_str("</tr>");
        for (i, row) in self.rows.iter().enumerate() {
            o.push_str("<tr>");
            let last = row.len().saturating_sub(1);
            for (j, c) in row.iter().enumerate() {
                match self.marks.get(i).copied().flatten().filter(|_| j == last) {
                    Some(class) => {
                        let _ = write!(o, "<td class=\"{class}\">{}</td>", esc(c));
                    }
                    None => {
                        let _ = write!(o, "<td style=\"text-align:left\">{}</td>", esc(c));
                    }
                }
            }
            o.push_str("</tr>");
        }
        o.push_str("</table>");
    }
}

impl AfterAction {
    fn tables(&self) -> [Table; 3] {
        let objectives = Table {
            id: "objectives",
            title: "Objectives",
            headers: &["objective", "measure", "met", "rating"],
            rows: self
                .objectives
                .iter()
                .map(|ob| {
                    vec![
                        ob.name.clone(),
                        ob.measure.clone(),
                        format!("{}/{}", ob.met, ob.judged),
                        ob.rating.label().to_string(),
                    ]
                })
                .collect(),
            marks: self
                .objectives
                .iter()
                .map(|ob| match ob.rating {
                    Rating::P => Some("ok"),
                    Rating::NotExercised => Some("note"),
                    _ => Some("bad"),
                })
                .collect(),
        };
        let injects = Table {
            id: "injects",
            title: "Injects: expected action and what happened",
            headers: &["request", "scheduled", "from → to", "kind", "expected", "what happened"],
            rows: self
                .injects
                .iter()
                .map(|i| {
                    let who = if i.played { format!("{} (person)", i.to) } else { i.to.to_string() };
                    vec![
                        i.id.clone(),
                        i.scheduled.clone(),
                        format!("{} → {who}", i.from),
                        i.kind.clone(),
                        i.expected.clone(),
                        i.happened.clone(),
                    ]
                })
                .collect(),
            marks: Vec::new(),
        };
        let timings = Table {
            id: "human-vs-simulated",
            title: "People and simulated contact points",
            headers: &[
                "who",
                "requests received",
                "acknowledged",
                "median to acknowledge",
                "p90 to acknowledge",
                "median to fulfil",
                "executed in time",
            ],
            rows: self
                .timings
                .iter()
                .map(|t| {
                    vec![
                        t.who.clone(),
                        t.received.to_string(),
                        t.acknowledged.to_string(),
                        opt(t.ack_p50),
                        opt(t.ack_p90),
                        opt(t.fulfil_p50),
                        t.succeeded.to_string(),
                    ]
                })
                .collect(),
            marks: Vec::new(),
        };
        [objectives, injects, timings]
    }

    /// Strengths and gaps, each with a line for an empty list.
    fn findings(&self) -> [(&'static str, &'static str, &[String]); 2] {
        [("Strengths", "strengths", &self.strengths), ("Gaps and areas for improvement", "gaps", &self.gaps)]
    }

    pub fn markdown(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "# After-action report: {}\n", self.name);
        let _ = writeln!(o, "- Exercise window: {}", self.window);
        let _ = writeln!(o, "- Ended: {}", self.ended);
        let _ = writeln!(o, "- Played by people: {}", self.players.join(", "));
        let _ = writeln!(o, "- Every other contact point was simulated by pocnet from its roster and profile.");
        for table in self.tables() {
            table.markdown(&mut o);
        }
        for (title, _, items) in self.findings() {
            let _ = writeln!(o, "\n## {title}\n");
            for item in items {
                let _ = writeln!(o, "- {item}");
            }
            if items.is_empty() {
                let _ = writeln!(o, "- None shown by the measures.");
            }
        }
        let _ = writeln!(
            o,
            "\n## Lessons and improvement plan\n\n_For the evaluators: observations from the room, root causes, and for each gap the corrective action, its owner and its date._"
        );
        o
    }

    /// The same, as a section of `report.html`.
    pub fn html(&self) -> String {
        let mut o = String::new();
        let _ = write!(
            o,
            "<section id=\"after-action\"><h2>After-action report</h2><p>Exercise window {}; ended {}. Played by people: <b>{}</b>; every other contact point simulated.</p>",
            esc(&self.window),
            esc(&self.ended),
            esc(&self.players.join(", "))
        );
        for table in self.tables() {
            table.html(&mut o);
        }
        for (title, id, items) in self.findings() {
            let _ = write!(o, "<h3>{}</h3><ul id=\"{id}\">", esc(title));
            for item in items {
                let _ = write!(o, "<li>{}</li>", esc(item));
            }
            if items.is_empty() {
                o.push_str("<li>None shown by the measures.</li>");
            }
            o.push_str("</ul>");
        }
        o.push_str("</section>\n");
        o
    }
}

#[cfg(test)]
mod tests {
    use super::Rating;

    #[test]
    fn ratings_follow_the_share_met() {
        assert_eq!(Rating::of(4, 4), Rating::P);
        assert_eq!(Rating::of(3, 4), Rating::S);
        assert_eq!(Rating::of(1, 4), Rating::M);
        assert_eq!(Rating::of(0, 4), Rating::U);
        assert_eq!(Rating::of(0, 0), Rating::NotExercised);
    }
}
