//! The after-action review of a tabletop exercise, in the spirit of HSEEP's after-action
//! report: the objectives and how they were met (ratings P, S, M, U), each inject with
//! what was expected and what happened when, the times of the people who played next to
//! those of the simulated contact points, and the gaps the run shows.
//!
//! A projection of the run's ledger, like every other output: nothing here is judged by a
//! person. Evaluators add their observations to the Markdown afterwards.

use crate::analysis::percentiles::percentiles;
use crate::ledger::play::{Escalation, PlayerStep};
use crate::ledger::{Outcome, Request};
use crate::outputs::esc;
use crate::report::Account;
use crate::scenario::{Exercise, ExpectedAction, Objective};
use pocnet_core::time::format_duration_ms as dur;
use pocnet_core::{ActionName, RequestId, SimTime, StateCode};
use std::fmt::Write;

/// Why a player took an action, as typed at the console (the evaluators' decision log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rationale {
    pub state: StateCode,
    pub id: RequestId,
    pub action: ActionName,
    pub text: String,
}

/// The name of the objective that rates the injects' expected actions.
pub const EXPECTED_ACTIONS_OBJECTIVE: &str = "Take the actions the injects expect";

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
    /// Each expected action judged: done as expected, or why not.
    pub performed: Vec<String>,
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
fn happened(a: &Account<'_>, r: &Request, play: &Play<'_>) -> String {
    if r.receiver_played {
        return played_happened(a, r, play);
    }
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

/// What the run knows of the people's play: their steps, the escalations, the rationales.
struct Play<'a> {
    steps: &'a [PlayerStep],
    escalations: &'a [Escalation],
    rationales: &'a [Rationale],
}

impl Play<'_> {
    /// The steps taken at `r`'s receiver on `r`, in order.
    fn on<'s>(&'s self, r: &'s Request) -> impl Iterator<Item = &'s PlayerStep> + 's {
        self.steps.iter().filter(move |s| s.id == r.id && s.state == r.to)
    }

    /// The rationale typed for `step`: the `n`th of its kind goes with the `n`th step.
    fn rationale(&self, step: &PlayerStep) -> Option<&str> {
        let same = |s: &PlayerStep| (s.state, s.id, s.action) == (step.state, step.id, step.action);
        let nth = self.steps.iter().take_while(|s| !std::ptr::eq(*s, step)).filter(|s| same(s)).count();
        self.rationales
            .iter()
            .filter(|x| (x.state, x.id, x.action) == (step.state, step.id, step.action))
            .nth(nth)
            .map(|x| x.text.as_str())
    }

    /// An escalation that fired before the player's first step on `r` (none taken: any).
    fn escalated_first(&self, r: &Request) -> Option<&Escalation> {
        let first = self.on(r).map(|s| s.at).next();
        self.escalations.iter().find(|e| e.id == r.id && e.from == r.from && first.is_none_or(|f| e.at < f))
    }
}

/// A played request: each step the player took, in their local time, with its rationale.
fn played_happened(a: &Account<'_>, r: &Request, play: &Play<'_>) -> String {
    let clock = |t: SimTime| a.zones.format(r.to, t, "%H:%M:%S %Z");
    let arrived = r.step.delivered.map(|(t, _)| t);
    let mut lines = Vec::new();
    match arrived {
        Some(t) => lines.push(format!("reached {} {}", r.to, clock(t))),
        None => lines.push(format!("never reached {}", r.to)),
    }
    for step in play.on(r) {
        let after = arrived.map(|t| format!(", {} after it arrived", dur(step.at.since(t)))).unwrap_or_default();
        let mut line = match &step.refused {
            None => format!("{} {}{after}", step.action, clock(step.at)),
            Some(why) => format!("tried to {} {}: refused ({why})", step.action, clock(step.at)),
        };
        if let Some(ground) = &step.ground {
            let _ = write!(line, " on the ground \"{ground}\"");
        }
        if let Some(text) = play.rationale(step) {
            let _ = write!(line, " (rationale: \"{text}\")");
        }
        lines.push(line);
    }
    if play.on(r).next().is_none() {
        lines.push("no action by the player".into());
    }
    for e in play.escalations.iter().filter(|e| e.id == r.id && e.from == r.from) {
        lines.push(format!("{} escalated {}", r.from, clock(e.at)));
    }
    lines.push(format!("outcome {}: {}", r.outcome.as_str(), r.reason));
    lines.join("; ")
}

/// One expected action against what the player did: `Ok` with how, or `Err` with why not.
fn judge(e: &ExpectedAction, case: u32, requests: &[Request], play: &Play<'_>) -> Result<String, String> {
    let what = match e.within_ms {
        Some(ms) => format!("{} by {} within {}", e.action, e.by, dur(ms)),
        None => format!("{} by {}", e.action, e.by),
    };
    let Some(r) = requests.iter().find(|r| r.id.case == case && r.to == e.by) else {
        return Err(format!("{what}: C{case} never reached {}", e.by));
    };
    let Some(arrived) = r.step.delivered.map(|(t, _)| t) else {
        return Err(format!("{what}: {} never reached {}", r.id, e.by));
    };
    let fits = |s: &&PlayerStep| {
        let same = s.action == e.action || (e.action == ActionName::Acknowledge && s.acknowledges());
        let ground = match (&e.ground, &s.ground) {
            (Some(want), Some(got)) => got.to_lowercase().contains(&want.to_lowercase()),
            (Some(_), None) => false,
            (None, _) => true,
        };
        s.refused.is_none() && same && ground
    };
    match play.on(r).find(fits) {
        None => Err(format!("{what} on {}: not done", r.id)),
        Some(s) => {
            let took = s.at.since(arrived);
            match e.within_ms {
                Some(ms) if took > ms => Err(format!("{what} on {}: done {} after it arrived", r.id, dur(took))),
                _ => Ok(format!("{what} on {}: done {} after it arrived", r.id, dur(took))),
            }
        }
    }
}

/// The injects' expected actions as one objective: each is met when done in time.
fn expected_objective(exercise: &Exercise, requests: &[Request], play: &Play<'_>) -> Option<ObjectiveResult> {
    let mut judged = 0;
    let mut missed = Vec::new();
    for (case, actions) in &exercise.expected_actions {
        for e in actions {
            judged += 1;
            if let Err(why) = judge(e, *case, requests, play) {
                missed.push(why);
            }
        }
    }
    let met = judged - missed.len();
    (judged > 0).then(|| ObjectiveResult {
        name: EXPECTED_ACTIONS_OBJECTIVE.into(),
        measure: "each inject's `expect_actions`, done by the player named, in time".into(),
        judged,
        met,
        rating: Rating::of(met, judged),
        missed,
    })
}

fn inject_line(a: &Account<'_>, exercise: &Exercise, r: &Request, play: &Play<'_>) -> InjectLine {
    let first = r.id.link == 0;
    let expected = exercise.expectations.get(&r.id.case).filter(|_| first).cloned().unwrap_or_else(|| {
        let deadline = r
            .evidence
            .deleted_at
            .map(|d| format!(", executed before the provider deletes the data ({})", a.zones.local(r.to, d)))
            .unwrap_or_default();
        format!("{} acknowledges within {}{deadline}", r.to, dur(a.scenario.ack_sla_ms))
    });
    let performed = exercise
        .expected_actions
        .get(&r.id.case)
        .into_iter()
        .flatten()
        .filter(|e| e.by == r.to)
        .map(|e| match judge(e, r.id.case, &a.ledger.requests, play) {
            Ok(how) => format!("yes: {how}"),
            Err(why) => format!("no: {why}"),
        })
        .collect();
    InjectLine {
        id: r.id.to_string(),
        scheduled: format!("{} ({} at {})", r.scheduled, a.zones.local(r.to, r.scheduled), r.to),
        from: r.from,
        to: r.to,
        kind: r.kind.to_string().replace('_', " "),
        played: exercise.players.contains(&r.to),
        expected,
        performed,
        happened: happened(a, r, play),
    }
}

/// People against simulated contact points, then each player.
fn timings(exercise: &Exercise, requests: &[Request]) -> Vec<TimingRow> {
    let played = |s: StateCode| exercise.players.contains(&s);
    let by_people: Vec<&Request> = requests.iter().filter(|r| played(r.to)).collect();
    let by_machines: Vec<&Request> = requests.iter().filter(|r| !played(r.to)).collect();
    let mut timings =
        vec![timing("played by people".into(), &by_people), timing("simulated contact points".into(), &by_machines)];
    for p in &exercise.players {
        let rs: Vec<&Request> = requests.iter().filter(|r| r.to == *p).collect();
        timings.push(timing(format!("{p} (person)"), &rs));
    }
    timings
}

/// The gaps each played request shows: left open (not with the central authority, its
/// expected actions not all done), evidence lost, a late acknowledgement, an escalation
/// that came before the player acted.
fn request_gaps(a: &Account<'_>, exercise: &Exercise, play: &Play<'_>) -> Vec<String> {
    let sla = a.scenario.ack_sla_ms;
    let mut gaps = Vec::new();
    for r in a.ledger.requests.iter().filter(|r| exercise.players.contains(&r.to)) {
        match r.outcome {
            Outcome::Unfinished if still_open(exercise, r, play) => {
                gaps.push(format!("{} to {} was still open when the exercise ended.", r.id, r.to))
            }
            Outcome::EvidenceLost => gaps.push(format!(
                "{} to {}: executed after the provider had deleted the data (evidence lost).",
                r.id, r.to
            )),
            _ => {}
        }
        if r.time_to_acknowledge_ms().is_some_and(|t| t > sla) {
            gaps.push(format!("{} to {}: acknowledged later than the {} SLA.", r.id, r.to, dur(sla)));
        }
        if let Some(e) = play.escalated_first(r) {
            gaps.push(format!(
                "{} to {}: the requester had to escalate ({}) before the player acted.",
                r.id,
                r.to,
                a.zones.format(r.to, e.at, "%H:%M:%S %Z")
            ));
        }
    }
    gaps
}

/// The review of `exercise` from its run's account; `rationales`: what the players typed
/// beside their actions (none for a scripted run).
pub fn review(a: &Account<'_>, exercise: &Exercise, rationales: &[Rationale]) -> AfterAction {
    let scenario = a.scenario;
    let requests = &a.ledger.requests;
    let play = Play { steps: &a.ledger.player_steps, escalations: &a.ledger.escalations, rationales };
    let mut objectives: Vec<ObjectiveResult> = exercise.objectives.iter().map(|o| objective(o, requests)).collect();
    objectives.extend(expected_objective(exercise, requests, &play));
    let injects = requests.iter().map(|r| inject_line(a, exercise, r, &play)).collect();

    let timings = timings(exercise, requests);

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
    gaps.extend(request_gaps(a, exercise, &play));
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

/// A played request left open at the end is a gap unless it is with the central authority
/// or the player did every action the inject expected of them.
fn still_open(exercise: &Exercise, r: &Request, play: &Play<'_>) -> bool {
    if r.step.forwarded.is_some() {
        return false;
    }
    let expected: Vec<&ExpectedAction> =
        exercise.expected_actions.get(&r.id.case).into_iter().flatten().filter(|e| e.by == r.to).collect();
    expected.is_empty() || expected.iter().any(|e| judge(e, r.id.case, std::slice::from_ref(r), play).is_err())
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
    /// The report's three tables: objectives, injects, people against simulated desks.
    fn tables(&self) -> [Table; 3] {
        [self.objectives_table(), self.injects_table(), self.timings_table()]
    }

    /// Each objective, its measure and its rating.
    fn objectives_table(&self) -> Table {
        Table {
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
        }
    }

    /// Each inject: the action expected and what happened.
    fn injects_table(&self) -> Table {
        Table {
            id: "injects",
            title: "Injects: expected action and what happened",
            headers: &["request", "scheduled", "from → to", "kind", "expected", "performed", "what happened"],
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
                        if i.performed.is_empty() { "-".into() } else { i.performed.join("; ") },
                        i.happened.clone(),
                    ]
                })
                .collect(),
            marks: Vec::new(),
        }
    }

    /// How people and simulated contact points acknowledged and fulfilled.
    fn timings_table(&self) -> Table {
        Table {
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
        }
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

/// The review page's style: readable on screen, and on paper each section on its own
/// page, rows never split, table headers repeated.
const PAGE_CSS: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;color:#111}\
table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}th,td{border:1px solid #bbb;padding:.3em .5em;vertical-align:top}\
th{background:#eee;text-align:left}td.ok{background:#e3f4e3}td.bad{background:#fbe3e3}td.note{background:#f4f0dc}\
@page{size:A4 landscape;margin:12mm}\
@media print{body{margin:0;max-width:none;font-size:10pt}.noprint{display:none}\
section h3{break-before:page}section h3:first-of-type{break-before:auto}\
tr{break-inside:avoid}thead{display:table-header-group}ul{break-inside:avoid-page}}";

impl AfterAction {
    /// The review as a page of its own (`after-action.html`, the console's `/review`),
    /// made to print: `after-action.pdf` is this page printed.
    pub fn page(&self) -> String {
        format!(
            "<!doctype html><html lang=en><meta charset=utf-8><link rel=icon href=\"data:,\">\
             <title>After-action report: {name}</title><style>{PAGE_CSS}</style>\
             <h1>After-action report: {name}</h1><p class=noprint><button onclick=\"print()\">Print</button></p>{body}</html>\n",
            name = esc(&self.name),
            body = self.html()
        )
    }
}

/// Chromium's names on the systems pocnet runs on.
const CHROMIUMS: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];
/// How long printing the review may take.
const PRINT_TIMEOUT_S: u64 = 60;

/// Prints `html` (a file) to `pdf` through headless Chromium; `Err` says why not
/// (none installed, or it failed).
pub fn print_pdf(html: &std::path::Path, pdf: &std::path::Path) -> Result<&'static str, String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = CHROMIUMS.iter().find(|name| std::env::split_paths(&path).any(|dir| dir.join(name).is_file()));
    let Some(chromium) = found else {
        return Err(format!("no headless Chromium found ({} on PATH)", CHROMIUMS.join(", ")));
    };
    let html = std::fs::canonicalize(html).map_err(|e| format!("{}: {e}", html.display()))?;
    let status = std::process::Command::new("timeout")
        .arg(PRINT_TIMEOUT_S.to_string())
        .arg(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer"])
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("{chromium}: {e}"))?;
    match (status.success(), pdf.is_file()) {
        (true, true) => Ok(chromium),
        _ => Err(format!("{chromium} did not print the review ({status})")),
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
