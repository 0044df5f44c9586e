//! Each section of a run's outputs as one value, worded once: its title, the sentence a
//! reader needs first (the headline), the sentences that follow, and the tables the brief
//! outputs show. summary.md, report.html and the console render these values and word no
//! figure themselves; the page adds its charts and its fuller tables, drawn from the same
//! figures. The totals line is [`crate::report::Account::totals_line`], one value too.

use crate::report::Account;
use pocnet_core::time::format_duration_ms as dur;

/// One section of a run's outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub title: &'static str,
    /// The sentence a reader needs first.
    pub headline: Option<Sentence>,
    /// The headline is the run's: said first and stressed, in every output.
    pub leads: bool,
    /// What follows the headline, in order. The page shows the sentences, and its own
    /// fuller tables and charts in place of the brief tables.
    pub body: Vec<Part>,
}

/// A part of a section's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Sentence(Sentence),
    Table(Table),
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

/// A table: its header and its rows, every cell already worded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Section {
    /// The section in Markdown, from its `## title` (a leading headline is not repeated
    /// here: the summary says it first).
    pub fn markdown(&self) -> String {
        let mut o = format!("\n## {}\n", self.title);
        if let Some(h) = self.headline.as_ref().filter(|_| !self.leads) {
            o.push_str(&format!("\n{}\n", h.markdown()));
        }
        for part in &self.body {
            match part {
                Part::Sentence(s) => o.push_str(&format!("\n{}\n", s.markdown())),
                Part::Table(t) => o.push_str(&format!("\n{}", t.markdown())),
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
                Part::Table(_) => None,
            })
            .collect()
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

impl Table {
    fn of<const N: usize>(columns: [&str; N], rows: Vec<[String; N]>) -> Table {
        Table { columns: columns.map(String::from).to_vec(), rows: rows.into_iter().map(|r| r.to_vec()).collect() }
    }

    /// The table in Markdown, a line each (header, rule, rows).
    pub fn markdown(&self) -> String {
        let line = |cells: &[String]| -> String {
            let cells: String =
                cells.iter().map(|c| if c.is_empty() { " |".to_string() } else { format!(" {c} |") }).collect();
            format!("|{cells}\n")
        };
        let mut o = format!("{}|{}\n", line(&self.columns), "---|".repeat(self.columns.len()));
        for row in &self.rows {
            o.push_str(&line(row));
        }
        o
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
        .map(|s| [s.stage.to_string(), dur(s.mean_ms), format!("{:.0}%", s.share * 100.0)])
        .collect();
    Some(Section {
        title: "Usable evidence",
        headline: evidence_headline(a).map(|h| Sentence::plain(Some("evidence-headline"), h)),
        leads: true,
        body: vec![
            Part::Table(Table::of(["", "n", "p50", "p90", "p95", "p99", "max"], latency)),
            Part::Sentence(Sentence::plain(None, holds)),
            Part::Table(Table::of(["where the time went", "mean per case", "share"], went)),
        ],
    })
}

/// A row of percentiles: its name, n, p50, p90, p95, p99, max.
pub fn percentile_row(name: String, p: &crate::report::Percentiles) -> [String; 7] {
    [name, p.count.to_string(), dur(p.p50_ms), dur(p.p90_ms), dur(p.p95_ms), dur(p.p99_ms), dur(p.max_ms)]
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
        let label = crate::ledger::Outcome::ALL
            .iter()
            .find(|o| o.as_str() == cause.outcome)
            .map_or(cause.outcome, |o| o.label());
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
            let n = [g.sent, g.within_1h, g.within_24h, g.later, g.never].map(|n| n.to_string());
            [declared.to_string(), n[0].clone(), n[1].clone(), n[2].clone(), n[3].clone(), n[4].clone()]
        })
        .collect();
    Some(Section {
        title: "Communication check",
        headline: Some(Sentence::plain(Some("ping-summary"), headline)),
        leads: false,
        body: vec![
            Part::Sentence(contradicted),
            Part::Table(Table::of(["declared", "pings", "within 1h", "within 24h", "later", "never"], rows)),
        ],
    })
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
    Some(Section {
        title: "Register decay",
        headline: Some(Sentence::plain(Some("decay-summary"), headline)),
        leads: false,
        body: cost.into_iter().map(Part::Sentence).collect(),
    })
}

/// Forged requests and verification: how the forgeries ended, and what verification cost
/// genuine emergencies.
pub fn forgery(a: &Account<'_>) -> Option<Section> {
    let f = a.analysis.forgery.as_ref()?;
    let r = &f.requests;
    let headline = format!(
        "{} forged requests: {} accepted, {} caught by verification, {} ended otherwise; {} genuine requests verified (p50 {}, p90 {}).",
        r.forged,
        r.accepted,
        r.caught,
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
            [
                policy.to_string(),
                g.forged.to_string(),
                g.accepted.to_string(),
                g.caught.to_string(),
                g.other.to_string(),
            ]
        })
        .collect();
    Some(Section {
        title: "Forged requests and verification",
        headline: Some(Sentence::plain(Some("forgery-summary"), headline)),
        leads: false,
        body: std::iter::once(Part::Table(Table::of(["verification", "forged", "accepted", "caught", "other"], rows)))
            .chain(without.map(Part::Sentence))
            .collect(),
    })
}

/// Desks whose officers are counted: utilisation, waiting, the longest queue.
pub fn desks(a: &Account<'_>) -> Option<Section> {
    let desks = &a.analysis.desks;
    if desks.is_empty() {
        return None;
    }
    let rows = desks
        .iter()
        .map(|d| {
            [
                d.state.to_string(),
                d.desk.to_string(),
                d.officers.clone(),
                d.work.to_string(),
                format!("{:.1}%", d.utilisation * 100.0),
                format!("{:.1}%", d.waited_share * 100.0),
                dur(d.waiting_mean_ms),
                dur(d.waiting.p90_ms),
                d.queue_max.to_string(),
            ]
        })
        .collect();
    let columns = [
        "state",
        "desk",
        "officers",
        "work",
        "utilisation",
        "waited at all",
        "mean wait",
        "waiting p90",
        "longest queue",
    ];
    Some(Section {
        title: "Desks",
        headline: Some(Sentence::plain(
            None,
            "Utilisation counts an officer's work only while the desk is open for it.".into(),
        )),
        leads: false,
        body: std::iter::once(Part::Table(Table::of(columns, rows))).chain(overtime(desks)).collect(),
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
            [
                h.hub.to_string(),
                h.taken.to_string(),
                h.executed.to_string(),
                h.handed_back.to_string(),
                dur(h.time_to_acknowledge.p50_ms),
                dur(h.sooner_than_the_member.p50_ms),
            ]
        })
        .collect();
    let columns = ["hub", "taken", "executed", "handed back", "acknowledged p50", "sooner than the member, p50"];
    Some(Section {
        title: "Regional hubs",
        headline: None,
        leads: false,
        body: vec![Part::Table(Table::of(columns, rows))],
    })
}
