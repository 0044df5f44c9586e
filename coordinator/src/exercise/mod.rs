//! Tabletop exercises: people play some contact points at an operator console while the
//! clock paces the scenario against real time, and a controller watches a dashboard.
//!
//! The [`Desk`] is what the console and the dashboard read and write: the clock's view,
//! every event so far (fed by the run with each [`Arrival`]), and the channel into
//! the wall clock. A person's action goes into that channel as a
//! [`crate::clock::Directive`]; the clock stamps it with the scenario time it came in and
//! the engine queues it at the contact point as an input, so the core times it exactly as
//! it times a simulated step. Nothing here decides an outcome.
//!
//! - [`web`]: the HTTP server (loopback by default), one access token per player and one
//!   for the controller;
//! - [`views`]: requests as a person reads them (status, local times, Art. 42 fields).

pub mod admission;
pub mod import;
pub mod tls;
pub mod views;
pub mod web;

use crate::clock::wall::{Command, SharedClock};
use crate::clock::{Arrival, Directive};
use crate::scenario::Scenario;
use pocnet_core::{Event, Inject, Roster, SimTime, StateCode};
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use tokio::sync::mpsc;

/// Events kept for the console and dashboard; an exercise has far fewer.
pub const DESK_EVENTS_MAX: usize = 200_000;
/// Control-log lines kept for the dashboard.
pub const DESK_LOG_MAX: usize = 10_000;

/// Who an access token lets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// The exercise controller: the dashboard.
    Control,
    /// The person playing this state's contact point: its console.
    Player(StateCode),
}

/// One contact point as the console and dashboard show it.
#[derive(Debug)]
pub struct Seat {
    pub code: StateCode,
    pub name: String,
    pub region: String,
    pub tz: jiff::tz::TimeZone,
    pub tz_name: String,
    pub roster: Roster,
    pub roster_summary: String,
    pub played: bool,
    pub has_central_authority: bool,
    pub languages: Vec<String>,
}

/// What the run has told the desk so far.
#[derive(Debug, Default)]
pub struct Record {
    pub events: Vec<Event>,
    /// Every inject, by case: the scenario's and those added during the run.
    pub injects: BTreeMap<u32, Inject>,
    /// Controller-visible log: (scenario time, what entered).
    pub log: Vec<(SimTime, String)>,
    pub ended: Option<SimTime>,
    /// The run is over and its reports are written.
    pub finished: bool,
    /// What players typed beside their actions, in the order the actions entered.
    pub rationales: Vec<crate::outputs::after_action::Rationale>,
    /// The after-action review as a page, once the reports are written.
    pub review_html: Option<String>,
}

impl Record {
    /// A line of the control log (kept up to [`DESK_LOG_MAX`]).
    pub fn log(&mut self, at: SimTime, line: String) {
        if self.log.len() < DESK_LOG_MAX {
            self.log.push((at, line));
        }
    }
}

#[derive(Debug)]
pub struct Desk {
    pub scenario_name: String,
    pub start: SimTime,
    pub end: SimTime,
    pub seats: BTreeMap<StateCode, Seat>,
    pub clock: SharedClock,
    commands: mpsc::Sender<Command>,
    tokens: Vec<(String, Access)>,
    record: Mutex<Record>,
    /// What people may still put in: rates per token, requests and actions per state.
    admission: Mutex<admission::Admission>,
    /// The controller closed the console after the end (stdin or dashboard).
    closed: tokio::sync::Notify,
    /// The run's journal: every command is recorded there before the clock gets it.
    journal: Option<std::sync::Arc<crate::resume::journal::Journal>>,
}

impl Desk {
    /// A desk for `scenario`, with fresh random tokens for the controller and each player.
    pub fn new(scenario: &Scenario, clock: SharedClock, commands: mpsc::Sender<Command>) -> anyhow::Result<Desk> {
        let mut seats = BTreeMap::new();
        for s in &scenario.states {
            seats.insert(
                s.code,
                Seat {
                    code: s.code,
                    name: s.name.clone(),
                    region: s.region.clone(),
                    tz: pocnet_core::tzdb::zone(&s.tz)?,
                    tz_name: s.tz.clone(),
                    roster: Roster::new(s.roster.clone())?,
                    roster_summary: s.roster_summary.clone(),
                    played: scenario.is_played(s.code),
                    has_central_authority: s.profile.central_authority.is_some(),
                    languages: s.languages.clone(),
                },
            );
        }
        let mut tokens = vec![(random_token()?, Access::Control)];
        for player in scenario.exercise.iter().flat_map(|e| e.players.iter()) {
            tokens.push((random_token()?, Access::Player(*player)));
        }
        let record =
            Record { injects: scenario.injects.iter().map(|i| (i.id.case, i.clone())).collect(), ..Record::default() };
        Ok(Desk {
            scenario_name: scenario.name.clone(),
            start: scenario.start,
            end: scenario.end,
            seats,
            clock,
            commands,
            tokens,
            record: Mutex::new(record),
            admission: Mutex::new(admission::Admission::new(scenario.injects.iter().map(|i| i.from))),
            closed: tokio::sync::Notify::new(),
            journal: None,
        })
    }

    /// Records every command in `journal` before the clock gets it (`pocnet run --resume`).
    pub fn journal_into(&mut self, journal: std::sync::Arc<crate::resume::journal::Journal>) {
        self.journal = Some(journal);
    }

    /// Takes the access tokens of the run being resumed, so that players' links still
    /// work; they must let in the same people as the fresh ones.
    pub fn reuse_tokens(&mut self, tokens: Vec<(String, Access)>) -> anyhow::Result<()> {
        let mut had: Vec<Access> = self.tokens.iter().map(|(_, a)| *a).collect();
        let mut kept: Vec<Access> = tokens.iter().map(|(_, a)| *a).collect();
        had.sort();
        kept.sort();
        anyhow::ensure!(had == kept, "the kept access tokens are not for this exercise's controller and players");
        self.tokens = tokens;
        Ok(())
    }

    /// Who `token` lets in, if anyone. Compares every token in full, in constant time.
    pub fn access(&self, token: &str) -> Option<Access> {
        let mut found = None;
        for (t, access) in &self.tokens {
            let same =
                t.len() == token.len() && t.bytes().zip(token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
            if same {
                found = Some(*access);
            }
        }
        found
    }

    pub fn tokens(&self) -> &[(String, Access)] {
        &self.tokens
    }

    pub fn record(&self) -> MutexGuard<'_, Record> {
        match self.record.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Admits a person's input against the counts and rates (`admission.rs`).
    pub fn admit<T>(
        &self,
        check: impl FnOnce(&mut admission::Admission) -> Result<T, admission::Refusal>,
    ) -> Result<T, admission::Refusal> {
        let mut guard = match self.admission.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        check(&mut guard)
    }

    /// The wall clock as it stands.
    pub fn clock(&self) -> crate::clock::wall::ClockView {
        match self.clock.lock() {
            Ok(v) => v.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Scenario time now, by the wall clock (never past the end of the exercise).
    pub fn now(&self) -> SimTime {
        let end = self.record().ended.unwrap_or(self.end);
        self.clock().now().min(end)
    }

    /// Hands a command to the wall clock. Fails when the run is over.
    pub async fn command(&self, command: Command) -> Result<(), String> {
        self.command_because(command, None).await
    }

    /// Hands a command to the wall clock, journaled with the player's `rationale` for it
    /// (a resumed run's review keeps it). Fails when the run is over.
    pub async fn command_because(&self, command: Command, rationale: Option<&str>) -> Result<(), String> {
        if self.record().finished {
            return Err("the exercise is over".into());
        }
        if let Some(journal) = &self.journal {
            return journal.submit(&self.commands, command, rationale).await;
        }
        self.commands.send(command).await.map_err(|_| "the exercise is over".to_string())
    }
}

impl Desk {
    /// A player's rationale for an action that entered: kept for the after-action review
    /// (at most one per action, as [`admission::ACTIONS_PER_STATE_MAX`] bounds) and logged.
    pub fn rationale(&self, r: crate::outputs::after_action::Rationale) {
        let at = self.now();
        let mut record = self.record();
        record.log(at, format!("{} (person): {} {}, because: {}", r.state, r.action, r.id, r.text));
        record.rationales.push(r);
    }

    /// The rationales of the run being resumed, from its journal, in the order their
    /// actions came in (before any new one).
    pub fn restore_rationales(&mut self, kept: &[(StateCode, pocnet_core::OperatorAction, String)]) {
        let record = self.record.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (state, action, text) in kept {
            let r = crate::outputs::after_action::Rationale {
                state: *state,
                id: action.id(),
                action: action.name(),
                text: text.clone(),
            };
            record.rationales.push(r);
        }
    }

    /// A controller's directive from anywhere (stdin, the dashboard), into the control log
    /// with where it came from, then to the clock.
    pub async fn control(&self, command: Command, what: &str, from: &str) -> Result<(), String> {
        let at = self.now();
        self.command(command).await?;
        self.record().log(at, format!("the controller ({from}): {what}"));
        Ok(())
    }

    /// The run is over: the console stays up for `linger` (the ended banner, the review)
    /// unless the controller closes it first.
    pub async fn linger(&self, linger: std::time::Duration) {
        if linger.is_zero() {
            return;
        }
        let _ = tokio::time::timeout(linger, self.closed.notified()).await;
    }

    /// Ends the lingering after the run (only once it is over).
    pub fn close(&self) -> Result<(), String> {
        if !self.record().finished {
            return Err("the exercise is still running: end it first".into());
        }
        self.closed.notify_one();
        Ok(())
    }
}

/// Reads the controller's commands from standard input (pause, resume, fast, end; after
/// the end, Enter or `close` closes the console), each into the control log.
pub fn read_stdin_commands(desk: std::sync::Arc<Desk>) {
    tokio::spawn(async move {
        use tokio::io::AsyncBufReadExt;
        let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let word = line.trim();
            if desk.record().finished {
                if word.is_empty() || word == "close" {
                    let _ = desk.close();
                }
                continue;
            }
            match Command::parse(word) {
                Some(c) => {
                    if desk.control(c, word, "standard input").await.is_err() {
                        continue;
                    }
                }
                None if word.is_empty() => {}
                None => pocnet_node::say!("pocnet: unknown command `{word}`: pause, resume, fast or end"),
            }
        }
    });
}

/// 128 random bits from the operating system, as hex.
fn random_token() -> anyhow::Result<String> {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| anyhow::anyhow!("cannot read /dev/urandom for access tokens: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

impl Desk {
    /// What the run brought: a window's events, a directive that entered.
    pub fn feed(&self, arrival: &Arrival) {
        let mut record = self.record();
        match arrival {
            Arrival::Window { events, .. } => {
                let room = DESK_EVENTS_MAX.saturating_sub(record.events.len());
                record.events.extend(events.iter().take(room).cloned());
            }
            Arrival::Directive { at, directive } => {
                match directive {
                    Directive::Inject(inject) => {
                        record.injects.insert(inject.id.case, (**inject).clone());
                    }
                    Directive::End => record.ended = Some(*at),
                    Directive::Operator { .. } => {}
                }
                record.log(*at, directive.describe());
            }
        }
    }
}
