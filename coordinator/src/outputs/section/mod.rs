//! Each section of a run's outputs as one value, worded once: its title, the sentence a
//! reader needs first (the headline), the sentences, tables and notes that follow, the
//! clause the totals line gives it, and what the page says where its chart has nothing to
//! draw. summary.md, report.html and the console render these values and word no figure
//! themselves: the page shows every part and every column, the brief outputs (summary.md,
//! the console) the sentences and the tables' brief columns; a table the page shows in a
//! fuller form of its own is shown by one or the other alone ([`Shown`]). The page adds its
//! charts, drawn from the same figures and laid out among the section's parts, each table
//! found by its id. The totals line is [`totals_line`], from the sections' clauses.

mod decay;
mod desks;
mod evidence;
mod forgery;
mod pings;
mod roads;
mod run;

pub use decay::decay;
pub use desks::{desks, hubs};
pub use evidence::{evidence, percentile_row};
pub use forgery::forgery;
pub use pings::pings;
pub use roads::roads;
pub use run::{chain, outcomes, the_run, thresholds, windows, worst};

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
    /// A table, in the outputs its [`Shown`] names: the page shows every column, the brief
    /// outputs the brief ones.
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
