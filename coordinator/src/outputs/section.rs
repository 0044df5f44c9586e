//! Each section of a run's outputs as one value, worded once: its title, the sentence a
//! reader needs first (the headline), the sentences, tables and notes that follow, the
//! clause the totals line gives it, and what the page says where its chart has nothing to
//! draw. summary.md, report.html and the console render these values and word no figure
//! themselves: the page shows every part and every column, the brief outputs (summary.md,
//! the console) the sentences and the tables' brief columns; a table the page shows in a
//! fuller form of its own is shown by one or the other alone ([`Shown`]). The page adds its
//! charts, drawn from the same figures and laid out among the section's parts, each table
//! found by its id. The totals line is [`totals_line`], from the sections' clauses.

use crate::analysis::pings::{Measured, PingFigures, PINGS_TO_JUDGE};
use crate::ledger::{Outcome, Request};
use crate::report::Account;
use pocnet_core::time::format_duration_ms as dur;
use pocnet_core::RequestId;
use std::fmt;

/// One section of a run's outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub title: &'static str,
    /// The sentence a reader needs first.
    pub headline: Option<Sentence>,
    /// The headline is the run's: said first and stressed, in every output.
    pub leads: bool,
    /// What follows the headline, in order.
    pub body: Vec<Part>,
    /// The section as a clause of the totals line (the console's first line), when the
    /// run has something to say there.
    pub clause: Option<String>,
    /// What the page says in place of its chart when the chart has nothing to draw (the
    /// brief outputs draw no chart, and do not say it).
    pub nothing_drawn: Option<Sentence>,
}

/// A part of a section's body.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// A sentence every output shows.
    Sentence(Sentence),
    /// A table: the page shows every column, the brief outputs the brief ones.
    Table(Table),
    /// A note on what the page's table shows: the page alone shows it.
    Note(Sentence),
    /// A request the page draws a chart of, and the sentence above the chart naming it:
    /// the page alone shows it.
    Caption { request: RequestId, sentence: Sentence },
}

/// A sentence, with the words it stresses, and the id the page gives its paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub id: Option<&'static str>,
    pub runs: Vec<Run>,
}

/// A run of a sentence's text: plain, or stressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    Plain(String),
    Strong(String),
}

/// A table: the id the page gives it, the outputs that show it, its columns and its rows of
/// typed cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub id: Option<&'static str>,
    pub shown: Shown,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

/// The outputs that show a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// The page, every column, and the brief outputs, the brief columns.
    Everywhere,
    /// The page alone (the brief outputs have its figures in a table of their own).
    Page,
    /// The brief outputs alone (the page has its figures in a table or chart of its own).
    Brief,
}

/// A column's header, and whether the brief outputs show it (the page shows them all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub brief: bool,
}

/// A row: its cells, and what it is a row of, which the page gives it as a `data-`
/// attribute (`data-state="VNM"`) for readers and tests to find it by.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub of: Option<(&'static str, String)>,
    pub cells: Vec<Cell>,
}

/// A cell: one report field, worded by its type.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Count(u64),
    /// A share (0 to 1) as a percentage with this many decimals.
    Percent {
        share: f64,
        decimals: usize,
    },
    /// A duration in milliseconds, as people read it (`2h05m`).
    Duration(u64),
    /// Some of a whole: `3 of 5`.
    Of {
        part: u64,
        whole: u64,
    },
    /// No figure: `-`.
    Missing,
    /// Text as code: a scenario's own words (`ack_p90 < 2h`).
    Code(String),
    /// A verdict's words, and whether it is good (`Some(true)`), bad (`Some(false)`) or not
    /// judged (`None`), which the page marks.
    Verdict {
        words: String,
        good: Option<bool>,
    },
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Text(s) => f.write_str(s),
            Cell::Count(n) => write!(f, "{n}"),
            Cell::Percent { share, decimals } => write!(f, "{:.*}%", decimals, share * 100.0),
            Cell::Duration(ms) => f.write_str(&dur(*ms)),
            Cell::Of { part, whole } => write!(f, "{part} of {whole}"),
            Cell::Missing => f.write_str("-"),
            Cell::Code(s) => f.write_str(s),
            Cell::Verdict { words, .. } => f.write_str(words),
        }
    }
}

impl Cell {
    fn count(n: usize) -> Cell {
        Cell::Count(n as u64)
    }

    fn percent(share: f64, decimals: usize) -> Cell {
        Cell::Percent { share, decimals }
    }

    /// The cell in Markdown: code in backticks, a bad verdict stressed.
    fn markdown(&self) -> String {
        match self {
            Cell::Code(s) => format!("`{s}`"),
            Cell::Verdict { words, good: Some(false) } => format!("**{words}**"),
            _ => self.to_string(),
        }
    }

    /// The cell on the page, escaped; code as code, a verdict with its mark's class.
    fn html(&self) -> String {
        let text = super::esc(&self.to_string());
        match self {
            Cell::Code(_) => format!("<td><code>{text}</code></td>"),
            Cell::Verdict { good, .. } => {
                let class = match good {
                    Some(true) => "ok",
                    Some(false) => "bad",
                    None => "",
                };
                format!("<td class=\"{class}\">{text}</td>")
            }
            _ => format!("<td>{text}</td>"),
        }
    }
}

impl Section {
    /// The section in Markdown, from its `## title` (a leading headline is not repeated
    /// here: the summary says it first); its notes are the page's.
    pub fn markdown(&self) -> String {
        let mut o = format!("\n## {}\n", self.title);
        if let Some(h) = self.headline.as_ref().filter(|_| !self.leads) {
            o.push_str(&format!("\n{}\n", h.markdown()));
        }
        for part in &self.body {
            match part {
                Part::Sentence(s) => o.push_str(&format!("\n{}\n", s.markdown())),
                Part::Table(t) if t.shown != Shown::Page => o.push_str(&format!("\n{}", t.markdown())),
                Part::Table(_) | Part::Note(_) | Part::Caption { .. } => {}
            }
        }
        o
    }

    /// The headline as a paragraph of the page (stressed when it leads).
    pub fn headline_html(&self) -> String {
        match &self.headline {
            Some(h) if self.leads => format!("{}<strong>{}</strong></p>", h.open_html(), h.html()),
            Some(h) => format!("{}{}</p>", h.open_html(), h.html()),
            None => String::new(),
        }
    }

    /// The body's sentences as paragraphs of the page.
    pub fn sentences_html(&self) -> String {
        self.body
            .iter()
            .filter_map(|p| match p {
                Part::Sentence(s) => Some(format!("{}{}</p>", s.open_html(), s.html())),
                Part::Table(_) | Part::Note(_) | Part::Caption { .. } => None,
            })
            .collect()
    }

    /// The requests the page draws a chart of, each with its caption as a paragraph.
    pub fn captions(&self) -> impl Iterator<Item = (RequestId, String)> + '_ {
        self.body.iter().filter_map(|p| match p {
            Part::Caption { request, sentence } => {
                Some((*request, format!("{}{}</p>", sentence.open_html(), sentence.html())))
            }
            Part::Sentence(_) | Part::Table(_) | Part::Note(_) => None,
        })
    }

    /// The whole body on the page, in order: sentences, tables with every column, notes.
    pub fn body_html(&self) -> String {
        self.body
            .iter()
            .map(|p| match p {
                Part::Sentence(s) => format!("{}{}</p>", s.open_html(), s.html()),
                Part::Table(t) if t.shown != Shown::Brief => t.html(),
                Part::Table(_) | Part::Caption { .. } => String::new(),
                Part::Note(s) => s.note_html(),
            })
            .collect()
    }

    /// The page's table with this id, every column, and the notes that follow it; nothing
    /// when the section has no such table.
    pub fn table_html(&self, id: &str) -> String {
        let Some(at) = self.body.iter().position(|p| matches!(p, Part::Table(t) if t.id == Some(id))) else {
            return String::new();
        };
        let Part::Table(table) = &self.body[at] else { return String::new() };
        let notes = self.body[at + 1..].iter().map_while(|p| match p {
            Part::Note(s) => Some(s.note_html()),
            Part::Sentence(_) | Part::Table(_) | Part::Caption { .. } => None,
        });
        std::iter::once(table.html()).chain(notes).collect()
    }

    /// What the page says in place of a chart with nothing to draw, as its paragraph.
    pub fn nothing_drawn_html(&self) -> String {
        self.nothing_drawn.as_ref().map_or(String::new(), |s| format!("{}{}</p>", s.open_html(), s.html()))
    }
}

impl Sentence {
    /// `<p>`, with the sentence's id when it has one.
    fn open_html(&self) -> String {
        match self.id {
            Some(id) => format!("<p id=\"{id}\">"),
            None => "<p>".into(),
        }
    }

    /// The sentence as a note of the page.
    fn note_html(&self) -> String {
        format!("<p class=\"note\">{}</p>", self.html())
    }

    fn plain(id: Option<&'static str>, text: String) -> Sentence {
        Sentence { id, runs: vec![Run::Plain(text)] }
    }

    /// The sentence as plain text (the console).
    pub fn text(&self) -> String {
        self.runs
            .iter()
            .map(|r| match r {
                Run::Plain(s) | Run::Strong(s) => s.as_str(),
            })
            .collect()
    }

    /// The sentence in Markdown: stressed runs in `**`.
    pub fn markdown(&self) -> String {
        self.runs
            .iter()
            .map(|r| match r {
                Run::Plain(s) => s.clone(),
                Run::Strong(s) => format!("**{s}**"),
            })
            .collect()
    }

    /// The sentence in HTML, escaped: stressed runs in `<b>`.
    pub fn html(&self) -> String {
        self.runs
            .iter()
            .map(|r| match r {
                Run::Plain(s) => super::esc(s),
                Run::Strong(s) => format!("<b>{}</b>", super::esc(s)),
            })
            .collect()
    }
}

impl Row {
    /// A row of these cells.
    fn of<const N: usize>(cells: [Cell; N]) -> Row {
        Row { of: None, cells: cells.to_vec() }
    }

    /// A row of these cells, the page naming what it is a row of (`data-{what}="{which}"`).
    fn named<const N: usize>(what: &'static str, which: String, cells: [Cell; N]) -> Row {
        Row { of: Some((what, which)), cells: cells.to_vec() }
    }
}

impl Table {
    /// A table every output shows whole.
    fn of<const N: usize>(columns: [&'static str; N], rows: Vec<[Cell; N]>) -> Table {
        Table::with(None, columns.map(|name| (name, true)), rows)
    }

    /// A table with its page id, and its columns each marked brief or not.
    fn with<const N: usize>(
        id: Option<&'static str>,
        columns: [(&'static str, bool); N],
        rows: Vec<[Cell; N]>,
    ) -> Table {
        Table {
            id,
            shown: Shown::Everywhere,
            columns: columns.map(|(name, brief)| Column { name: name.into(), brief }).to_vec(),
            rows: rows.into_iter().map(Row::of).collect(),
        }
    }

    /// A table that one output alone shows, every column.
    fn only<const N: usize>(shown: Shown, id: Option<&'static str>, columns: [String; N], rows: Vec<Row>) -> Table {
        Table { id, shown, columns: columns.map(|name| Column { name, brief: true }).to_vec(), rows }
    }

    /// The table in Markdown, its brief columns, a line each (header, rule, rows).
    pub fn markdown(&self) -> String {
        let brief: Vec<usize> = (0..self.columns.len()).filter(|i| self.columns[*i].brief).collect();
        let line = |cells: Vec<String>| -> String {
            let cells: String =
                cells.iter().map(|c| if c.is_empty() { " |".to_string() } else { format!(" {c} |") }).collect();
            format!("|{cells}\n")
        };
        let mut o = format!(
            "{}|{}\n",
            line(brief.iter().map(|i| self.columns[*i].name.clone()).collect()),
            "---|".repeat(brief.len())
        );
        for row in &self.rows {
            o.push_str(&line(brief.iter().map(|i| row.cells[*i].markdown()).collect()));
        }
        o
    }

    /// The table on the page, every column, escaped.
    pub fn html(&self) -> String {
        let id = self.id.map_or(String::new(), |id| format!(" id=\"{id}\""));
        let head: String = self.columns.iter().map(|c| format!("<th>{}</th>", super::esc(&c.name))).collect();
        let rows: String = self
            .rows
            .iter()
            .map(|row| {
                let of = row
                    .of
                    .as_ref()
                    .map_or(String::new(), |(what, which)| format!(" data-{what}=\"{}\"", super::esc(which)));
                let cells: String = row.cells.iter().map(Cell::html).collect();
                format!("<tr{of}>{cells}</tr>")
            })
            .collect();
        format!("<table{id}><tr>{head}</tr>{rows}</table>")
    }
}

/// The evidence step: the headline (how many cases ended in usable evidence, the biggest
/// cause of the rest), the holds, time to usable evidence and where it went.
pub fn evidence(a: &Account<'_>) -> Option<Section> {
    let e = a.analysis.evidence.as_ref()?;
    let m = &e.hold_margin;
    let signed = super::signed_duration;
    let holds = format!(
        "Preservation holds: {} of {} preserved cases an MLA request was to follow lapsed ({:.1}%). Margin left when the MLA request arrived (hold end minus arrival, {} requests): p5 {}, p50 {}, least {}.",
        e.hold_lapsed,
        e.with_mla,
        e.hold_lapsed_ratio * 100.0,
        m.requests,
        signed(m.p5_ms),
        signed(m.p50_ms),
        signed(m.min_ms)
    );
    let t = &e.time_to_usable_evidence;
    let name = "time to usable evidence";
    let latency = std::iter::once((name.to_string(), &t.overall))
        .chain(t.by_kind.iter().map(|(kind, p)| (format!("{name} · {kind}"), p)))
        .map(|(row, p)| percentile_row(row, p))
        .collect();
    let went = e
        .where_the_time_went
        .stages
        .iter()
        .map(|s| [Cell::Text(s.stage.to_string()), Cell::Duration(s.mean_ms), Cell::percent(s.share, 0)])
        .collect();
    Some(Section {
        title: "Usable evidence",
        headline: evidence_headline(a).map(|h| Sentence::plain(Some("evidence-headline"), h)),
        leads: true,
        body: vec![
            Part::Table(Table {
                shown: Shown::Brief,
                ..Table::of(["", "n", "p50", "p90", "p95", "p99", "max"], latency)
            }),
            Part::Table(evidence_table(e)),
            Part::Sentence(Sentence::plain(None, holds)),
            Part::Table(Table {
                shown: Shown::Brief,
                ..Table::of(["where the time went", "mean per case", "share"], went)
            }),
        ]
        .into_iter()
        .chain(shown_cases(a).into_iter().map(|(what, r)| Part::Caption {
            request: r.id,
            sentence: Sentence::plain(
                None,
                format!("Case {} ({what}): {} to {}, {}: {}.", r.id, r.from, r.to, r.outcome.label(), r.reason),
            ),
        }))
        .collect(),
        clause: None,
        nothing_drawn: (e.where_the_time_went.cases == 0)
            .then(|| Sentence::plain(None, "No case ended in usable evidence.".into())),
    })
}

/// The link whose evidence step decided its case, for the cases whose life the page
/// draws: the disclosed case with the median time to evidence, and the lapsed case with
/// the least margin.
fn shown_cases<'l>(a: &'l Account<'_>) -> Vec<(&'static str, &'l Request)> {
    let link_of = |case: u32, want: fn(&Request) -> bool| {
        a.ledger.requests.iter().filter(|r| r.id.case == case && want(r)).max_by_key(|r| r.outcome_at)
    };
    let mut disclosed: Vec<&crate::ledger::Case> =
        a.ledger.cases.iter().filter(|c| c.outcome == Outcome::Disclosed && c.time_went.is_some()).collect();
    disclosed.sort_by_key(|c| (c.end_to_end_ms(), c.id));
    let mut shown = Vec::new();
    if let Some(c) = disclosed.get(disclosed.len() / 2) {
        if let Some(r) = link_of(c.id.case, |r| r.outcome == Outcome::Disclosed) {
            shown.push(("the median disclosed case", r));
        }
    }
    let lapsed = a
        .ledger
        .requests
        .iter()
        .filter(|r| r.outcome == Outcome::HoldLapsed)
        .min_by_key(|r| (r.hold_margin_ms().unwrap_or(0), r.id));
    if let Some(r) = lapsed {
        shown.push(("the lapsed case that missed by the most", r));
    }
    shown
}

/// The page's table of time to usable evidence: all kinds, then each kind.
fn evidence_table(e: &crate::analysis::evidence::EvidenceFigures) -> Table {
    let t = &e.time_to_usable_evidence;
    let rows = std::iter::once(("all kinds".to_string(), &t.overall))
        .chain(t.by_kind.iter().map(|(kind, p)| (kind.clone(), p)))
        .map(|(name, p)| {
            Row::of([
                Cell::Text(name),
                Cell::Count(p.count),
                Cell::Duration(p.p50_ms),
                Cell::Duration(p.p90_ms),
                Cell::Duration(p.p99_ms),
                Cell::Duration(p.max_ms),
            ])
        })
        .collect();
    let columns = ["time to usable evidence", "n", "p50", "p90", "p99", "max"].map(String::from);
    Table::only(Shown::Page, Some("evidence"), columns, rows)
}

/// A row of percentiles: its name, n, p50, p90, p95, p99, max.
pub fn percentile_row(name: String, p: &crate::report::Percentiles) -> [Cell; 7] {
    [
        Cell::Text(name),
        Cell::Count(p.count),
        Cell::Duration(p.p50_ms),
        Cell::Duration(p.p90_ms),
        Cell::Duration(p.p95_ms),
        Cell::Duration(p.p99_ms),
        Cell::Duration(p.max_ms),
    ]
}

/// The one thing a reader needs first about the evidence step: how many cases ended in
/// usable evidence, and the biggest cause of those that did not.
fn evidence_headline(a: &Account<'_>) -> Option<String> {
    let e = a.analysis.evidence.as_ref()?;
    let kinds: Vec<&str> = a.scenario.evidence_kinds.iter().map(|k| k.as_str()).collect();
    let mut line = format!(
        "{} of the {} cases whose kind asks for evidence ({}) ended in usable evidence ({:.0}%)",
        e.disclosed,
        e.cases,
        kinds.join(", "),
        e.disclosed_ratio * 100.0
    );
    if let Some(cause) = e.not_usable.first() {
        let label = Outcome::ALL.iter().find(|o| o.as_str() == cause.outcome).map_or(cause.outcome, |o| o.label());
        line.push_str(&format!("; the biggest cause of the rest: {label} ({} cases)", cause.cases));
    }
    if e.time_to_usable_evidence.overall.count > 0 {
        let p = &e.time_to_usable_evidence.overall;
        line.push_str(&format!("; time to usable evidence p50 {}, p90 {}", dur(p.p50_ms), dur(p.p90_ms)));
    }
    line.push('.');
    Some(line)
}

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

/// Register decay: first sends to stale entries, how they reached the desk, what it cost.
pub fn decay(a: &Account<'_>) -> Option<Section> {
    let d = a.analysis.decay.as_ref()?;
    let headline = format!(
        "{} of {} first sends ({:.1}%) reached a stale register entry ({} entries stale at the start); {} reached the desk by a fallback channel, {} never did; time lost p50 {}, p90 {}.",
        d.first_sends_dead,
        d.requests,
        d.first_sends_dead_share * 100.0,
        d.stale_at_start,
        d.reached_by_fallback,
        d.never_reached,
        dur(d.time_lost.p50_ms),
        dur(d.time_lost.p90_ms)
    );
    let cost = d.with_current_register.as_ref().map(|c| Sentence {
        id: Some("decay-cost"),
        runs: vec![
            Run::Plain(format!(
                "With every entry current: {} cases succeeded instead of {}; ",
                c.succeeded_with_current_register, c.succeeded
            )),
            Run::Strong(format!("{} lost to stale entries", c.lost_to_stale_entries)),
            Run::Plain(format!(", {} saved by the delay.", c.saved_by_the_delay)),
        ],
    });
    let clause = (d.requests > 0).then(|| {
        let lost =
            d.with_current_register.as_ref().map(|c| format!(", {} cases lost to them", c.lost_to_stale_entries));
        format!("{} of {} first sends to stale entries{}", d.first_sends_dead, d.requests, lost.unwrap_or_default())
    });
    Some(Section {
        title: "Register decay",
        headline: Some(Sentence::plain(Some("decay-summary"), headline)),
        leads: false,
        body: cost.into_iter().map(Part::Sentence).chain([Part::Table(fallbacks(d))]).collect(),
        clause,
        nothing_drawn: Some(Sentence::plain(None, "No entry was stale during the run.".into())),
    })
}

/// The page's table of the fallback channels and the resends each carried.
fn fallbacks(d: &crate::analysis::decay::DecayFigures) -> Table {
    let rows = d
        .fallbacks
        .iter()
        .map(|f| Row::of([Cell::Text(f.name.clone()), Cell::Duration(f.delay_ms), Cell::count(f.resends)]))
        .collect();
    let columns = ["fallback channel", "delay", "resends by it"].map(String::from);
    Table::only(Shown::Page, Some("fallbacks"), columns, rows)
}

/// Forged requests and verification: how the forgeries ended, and what verification cost
/// genuine emergencies.
pub fn forgery(a: &Account<'_>) -> Option<Section> {
    let f = a.analysis.forgery.as_ref()?;
    let r = &f.requests;
    let clause = format!("{} forged requests: {} accepted, {} caught by verification", r.forged, r.accepted, r.caught);
    let headline = format!(
        "{clause}, {} ended otherwise; {} genuine requests verified (p50 {}, p90 {}).",
        r.other,
        f.genuine_verified,
        dur(f.verification_time.p50_ms),
        dur(f.verification_time.p90_ms)
    );
    let without = f.without_verification.as_ref().map(|w| {
        let (with, without) = (&w.genuine_emergency_time_to_fulfil, &w.genuine_emergency_time_to_fulfil_without);
        Sentence::plain(
            Some("forgery-trade-off"),
            format!(
                "Without verification: {} forged cases accepted instead of {}; genuine emergencies fulfilled in p50 {} instead of {} (p90 {} instead of {}); genuine cases lost to verification: {}.",
                w.forged_accepted_without,
                f.forged_cases_accepted,
                dur(without.p50_ms),
                dur(with.p50_ms),
                dur(without.p90_ms),
                dur(with.p90_ms),
                w.genuine_cases_lost
            ),
        )
    });
    let rows = f
        .by_verification
        .iter()
        .map(|(policy, g)| {
            let [forged, accepted, caught, other] = [g.forged, g.accepted, g.caught, g.other].map(Cell::count);
            [Cell::Text(policy.to_string()), forged, accepted, caught, other]
        })
        .collect();
    Some(Section {
        title: "Forged requests and verification",
        headline: Some(Sentence::plain(Some("forgery-summary"), headline)),
        leads: false,
        body: std::iter::once(Part::Table(Table {
            shown: Shown::Brief,
            ..Table::of(["verification", "forged", "accepted", "caught", "other"], rows)
        }))
        .chain(without.map(Part::Sentence))
        .chain(f.without_verification.as_ref().into_iter().flat_map(|w| trade_off(f, w)))
        .collect(),
        clause: Some(clause),
        nothing_drawn: None,
    })
}

/// The page's table of the trade-off, by verification: the forgeries it caught and let
/// through, and what it added to genuine emergencies; and its note.
fn trade_off(
    f: &crate::analysis::forgery::ForgeryFigures,
    w: &crate::analysis::forgery::WithoutVerification,
) -> [Part; 2] {
    let policies: std::collections::BTreeSet<&str> =
        f.by_verification.keys().chain(w.added_by_verification.keys()).copied().collect();
    let rows = policies
        .into_iter()
        .map(|policy| {
            let forged = f.by_verification.get(policy).cloned().unwrap_or_default();
            let added = w.added_by_verification.get(policy);
            let time =
                |ms: fn(&crate::report::Percentiles) -> u64| added.map_or(Cell::Missing, |a| Cell::Duration(ms(a)));
            Row::named(
                "policy",
                policy.to_string(),
                [
                    Cell::Text(policy.to_string()),
                    Cell::count(forged.forged),
                    Cell::count(forged.caught),
                    Cell::count(forged.accepted),
                    Cell::Count(added.map_or(0, |a| a.count)),
                    time(|p| p.p50_ms),
                    time(|p| p.p90_ms),
                ],
            )
        })
        .collect();
    let columns = ["verification", "forged", "caught", "accepted", "genuine emergencies", "time added, p50", "p90"]
        .map(String::from);
    let note = "The trade-off: forgeries each verification caught and let through, and the time it added to genuine emergencies at desks of that verification (against the same run with no desk verifying).";
    [
        Part::Table(Table::only(Shown::Page, Some("verification-trade-off"), columns, rows)),
        Part::Note(Sentence::plain(None, note.into())),
    ]
}

/// The roads to evidence compared on the cases an agreement covered, and each provider's
/// desk against its deadlines.
pub fn roads(a: &Account<'_>) -> Option<Section> {
    let f = a.analysis.roads.as_ref()?;
    let road = |r: &crate::analysis::roads::RoadRow| {
        format!(
            "{} in {} of {} (p50 {}, p90 {})",
            r.road,
            r.usable,
            r.requests,
            dur(r.time_to_evidence.p50_ms),
            dur(r.time_to_evidence.p90_ms)
        )
    };
    let words: Vec<String> = f.roads.iter().map(road).collect();
    let (orders, breaches, unstaffed) = f
        .providers
        .iter()
        .fold((0, 0, 0), |(o, b, u), p| (o + p.orders, b + p.deadline_breaches, u + p.received_unstaffed));
    let headline = format!(
        "On the cases an agreement covered, usable evidence came by {}. Providers missed the deadline on {breaches} of {orders} orders; {unstaffed} arrived while their desk was not staffed.",
        words.join("; by ")
    );
    let mut body = vec![Part::Table(road_table(f)), Part::Table(provider_table(f))];
    if f.reviewed > 0 {
        let w = &f.review_wait;
        let review = format!(
            "The review by the provider's state held {} orders after their data was produced: p50 {}, p90 {}.",
            f.reviewed,
            dur(w.p50_ms),
            dur(w.p90_ms)
        );
        body.push(Part::Sentence(Sentence::plain(Some("roads-review"), review)));
    }
    Some(Section {
        title: "Roads to evidence",
        headline: Some(Sentence::plain(Some("roads-summary"), headline)),
        leads: false,
        body,
        clause: Some(format!("{orders} by direct order")),
        nothing_drawn: None,
    })
}

fn road_table(f: &crate::analysis::roads::RoadFigures) -> Table {
    let rows = f
        .roads
        .iter()
        .map(|r| {
            let p = &r.time_to_evidence;
            [
                Cell::Text(r.road.to_string()),
                Cell::count(r.requests),
                Cell::count(r.usable),
                Cell::Duration(p.p50_ms),
                Cell::Duration(p.p90_ms),
                Cell::count(r.lost),
                Cell::count(r.refused),
                Cell::count(r.other),
            ]
        })
        .collect();
    let columns = [
        ("road", true),
        ("cases", true),
        ("usable evidence", true),
        ("time to evidence p50", true),
        ("p90", true),
        ("data lost", true),
        ("refused", true),
        ("other", false),
    ];
    Table::with(Some("roads"), columns, rows)
}

fn provider_table(f: &crate::analysis::roads::RoadFigures) -> Table {
    let rows = f
        .providers
        .iter()
        .map(|p| {
            [
                Cell::Text(p.provider.clone()),
                Cell::Text(p.home.to_string()),
                Cell::count(p.orders),
                Cell::count(p.deadline_breaches),
                Cell::count(p.received_unstaffed),
                Cell::Duration(p.time_to_answer.p50_ms),
                Cell::Duration(p.time_to_answer.p90_ms),
            ]
        })
        .collect();
    let columns = [
        ("provider", true),
        ("home", true),
        ("orders", true),
        ("deadline missed", true),
        ("arrived unstaffed", true),
        ("answered p50", true),
        ("p90", false),
    ];
    Table::with(Some("providers"), columns, rows)
}

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

/// The run in a sentence, which every output says under the scenario's name: its contact
/// points, cases and requests, seed and start.
pub fn the_run(a: &Account<'_>) -> Sentence {
    let t = &a.ledger.totals;
    let words = format!(
        "{} contact points, {} cases ({} requests), seed {}, from {}.",
        a.scenario.states.len(),
        t.injects,
        t.requests,
        a.scenario.seed,
        a.scenario.start
    );
    Sentence::plain(None, words)
}

/// The windows of the virtual clock the run took, which the page adds to [`the_run`].
pub fn windows(a: &Account<'_>) -> Sentence {
    Sentence::plain(None, format!("{} windows of the virtual clock.", a.ledger.windows))
}

/// How the cases ended: a row per outcome; none without cases (a communication check
/// alone).
pub fn outcomes(a: &Account<'_>) -> Option<Table> {
    (a.ledger.totals.injects > 0).then(|| {
        let rows = a.by_outcome().into_iter().map(|(name, n)| [Cell::Text(name.to_string()), Cell::count(n)]).collect();
        Table::with(Some("outcomes"), [("outcome", true), ("cases", true)], rows)
    })
}

/// The scenario's bounds, each passed or breached: the brief outputs lead with the
/// verdict, the page ends with it.
pub fn thresholds(a: &Account<'_>) -> Option<Section> {
    let judged = &a.analysis.thresholds;
    if judged.is_empty() {
        return None;
    }
    let verdict =
        |passed: bool| Cell::Verdict { words: if passed { "pass" } else { "BREACH" }.into(), good: Some(passed) };
    let measured = |v: &crate::analysis::thresholds::Verdict| Cell::Text(format!("{} (n={})", v.value, v.samples));
    let brief =
        judged.iter().map(|v| Row::of([verdict(v.passed), Cell::Code(v.threshold.clone()), measured(v)])).collect();
    let page =
        judged.iter().map(|v| Row::of([Cell::Code(v.threshold.clone()), measured(v), verdict(v.passed)])).collect();
    Some(Section {
        title: "Thresholds",
        headline: None,
        leads: false,
        body: vec![
            Part::Table(Table::only(Shown::Brief, None, ["", "threshold", "measured"].map(String::from), brief)),
            Part::Table(Table::only(
                Shown::Page,
                Some("thresholds"),
                ["threshold", "measured", ""].map(String::from),
                page,
            )),
        ],
        clause: None,
        nothing_drawn: None,
    })
}

/// The region pairs and receiver hours where it went worst: a table of each in the brief
/// outputs, one of both on the page.
pub fn worst(a: &Account<'_>) -> Option<Section> {
    let o = &a.analysis.outcomes;
    let groups = [("region pair", &o.worst_region_pairs), ("receiver hour", &o.worst_receiver_hours)];
    if groups.iter().all(|(_, spots)| spots.is_empty()) {
        return None;
    }
    let row = |h: &crate::analysis::breakdown::Hotspot| {
        Row::of([
            Cell::Text(h.name.clone()),
            Cell::count(h.requests),
            Cell::count(h.failed),
            h.p90_ack_ms.map_or(Cell::Missing, Cell::Duration),
        ])
    };
    let columns = |group: &str| [group, "requests", "failed", "p90 acknowledge"].map(String::from);
    let brief = groups.iter().filter(|(_, spots)| !spots.is_empty()).map(|(group, spots)| {
        Part::Table(Table::only(Shown::Brief, None, columns(group), spots.iter().map(row).collect()))
    });
    let all = groups.iter().flat_map(|(_, spots)| spots.iter()).map(row).collect();
    Some(Section {
        title: "Where it went worst",
        headline: None,
        leads: false,
        body: brief.chain([Part::Table(Table::only(Shown::Page, Some("worst"), columns("group"), all))]).collect(),
        clause: None,
        nothing_drawn: None,
    })
}

/// The longest chain of the run (most links, then longest), which the page alone draws,
/// link by link, under its caption.
pub fn chain(a: &Account<'_>) -> Option<Section> {
    let case =
        a.ledger.cases.iter().max_by_key(|c| (c.path.len(), c.end_to_end_ms(), std::cmp::Reverse(c.id.to_string())))?;
    let caption = format!(
        "Case {} from {}: {} ({}), {} end to end.",
        case.id,
        case.from,
        case.outcome.as_str(),
        case.reason,
        dur(case.end_to_end_ms())
    );
    Some(Section {
        title: "A chain, link by link",
        headline: None,
        leads: false,
        body: vec![Part::Caption { request: case.id, sentence: Sentence::plain(None, caption) }],
        clause: None,
        nothing_drawn: None,
    })
}

/// The totals line (the console's first): cases by outcome, messages lost to modelled
/// faults, and the clause of each section that has one (pings, forgery, stale entries).
/// `12 cases by outcome (14 requests, chain links included): 10 preserved, 1 evidence lost
/// ... (76 windows, last input ...)`.
pub fn totals_line(a: &Account<'_>) -> String {
    let t = &a.ledger.totals;
    let parts: Vec<String> =
        a.by_outcome().iter().filter(|(_, n)| *n > 0).map(|(what, n)| format!("{n} {what}")).collect();
    let lost: usize = t.lost_messages.values().sum();
    let lost = if lost > 0 {
        let reasons: Vec<String> = t.lost_messages.iter().map(|(why, n)| format!("{n} {why}")).collect();
        format!(
            "; {lost} messages lost to the scenario's modelled faults ({}), requesters resending",
            reasons.join(", ")
        )
    } else {
        String::new()
    };
    let clauses: String = [pings(a), forgery(a), decay(a), roads(a)]
        .into_iter()
        .flatten()
        .filter_map(|s| s.clause)
        .map(|clause| format!("; {clause}"))
        .collect();
    format!(
        "{} cases by outcome ({} requests, chain links included): {}{lost}{clauses} ({} windows, last input {})",
        t.injects,
        t.requests,
        if parts.is_empty() { "none".to_string() } else { parts.join(", ") },
        a.ledger.windows,
        a.ledger.last_input.map(|t| t.to_string()).as_deref().unwrap_or("-")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_shows_every_column_and_the_brief_outputs_the_brief_ones() {
        let table = Table::with(
            Some("t"),
            [("name", true), ("p50", false), ("share", true)],
            vec![[Cell::Text("a&b".into()), Cell::Duration(90 * 60_000), Cell::percent(0.1234, 1)]],
        );
        assert_eq!(table.markdown(), "| name | share |\n|---|---|\n| a&b | 12.3% |\n");
        assert_eq!(
            table.html(),
            "<table id=\"t\"><tr><th>name</th><th>p50</th><th>share</th></tr><tr><td>a&amp;b</td><td>1h30m</td><td>12.3%</td></tr></table>"
        );
    }

    #[test]
    fn a_table_of_one_output_is_that_outputs_alone_and_the_page_finds_it_with_its_notes() {
        let row = |state: &str, verdict| {
            Row::named(
                "state",
                state.into(),
                [Cell::Of { part: 2, whole: 5 }, Cell::Missing, Cell::Verdict { words: "v".into(), good: verdict }],
            )
        };
        let page = Table::only(
            Shown::Page,
            Some("p"),
            ["a".into(), "b".into(), "c".into()],
            vec![row("VNM", Some(false)), row("FRA", None)],
        );
        let brief = Table { shown: Shown::Brief, ..Table::of(["n"], vec![[Cell::Count(7)]]) };
        let section = Section {
            title: "T",
            headline: None,
            leads: false,
            body: vec![
                Part::Table(brief),
                Part::Table(page),
                Part::Note(Sentence::plain(None, "Of the page's table.".into())),
                Part::Caption {
                    request: "C4".parse().expect("an id"),
                    sentence: Sentence::plain(None, "Case C4.".into()),
                },
            ],
            clause: None,
            nothing_drawn: None,
        };
        assert_eq!(section.markdown(), "\n## T\n\n| n |\n|---|\n| 7 |\n");
        let table = "<table id=\"p\"><tr><th>a</th><th>b</th><th>c</th></tr><tr data-state=\"VNM\"><td>2 of 5</td><td>-</td><td class=\"bad\">v</td></tr><tr data-state=\"FRA\"><td>2 of 5</td><td>-</td><td class=\"\">v</td></tr></table><p class=\"note\">Of the page's table.</p>";
        assert_eq!(section.table_html("p"), table);
        assert_eq!(section.body_html(), table);
        assert_eq!(section.table_html("none"), "");
        let captions: Vec<(RequestId, String)> = section.captions().collect();
        assert_eq!(captions, vec![("C4".parse().expect("an id"), "<p>Case C4.</p>".to_string())]);
    }

    #[test]
    fn notes_and_what_no_chart_draws_are_the_pages_alone() {
        let section = Section {
            title: "T",
            headline: None,
            leads: false,
            body: vec![
                Part::Sentence(Sentence::plain(Some("s"), "Said everywhere.".into())),
                Part::Note(Sentence::plain(None, "On the page.".into())),
            ],
            clause: None,
            nothing_drawn: Some(Sentence::plain(None, "Nothing to draw.".into())),
        };
        assert_eq!(section.markdown(), "\n## T\n\nSaid everywhere.\n");
        assert_eq!(section.body_html(), "<p id=\"s\">Said everywhere.</p><p class=\"note\">On the page.</p>");
        assert_eq!(section.nothing_drawn_html(), "<p>Nothing to draw.</p>");
    }
}
