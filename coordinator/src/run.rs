//! One run of a scenario on an engine: clock, report files, console summary.

use crate::clock::{run_to_end, Arrival, AsFastAsPossible, Clock, ClockRun, ExerciseState, Pacing};
use crate::engine::inproc::InProcess;
use crate::engine::mesh::{Mesh, MeshOptions, MeshTransport, StopHandle};
use crate::report::Account;
use crate::scenario::Scenario;
use anyhow::Context;
use pocnet_core::{SimTime, StateCode};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineKind {
    /// One pocnet-node process per state, real QUIC with mutual TLS on 127.0.0.1.
    Mesh,
    /// The same contact-point cores in this process, no network.
    Inproc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClockKind {
    /// Deterministic, as fast as the machine allows.
    Virtual,
    /// Scenario time at --speed × real time; pause/resume/fast on standard input.
    Wall,
}

#[derive(Debug)]
pub struct RunOptions {
    pub clock: ClockKind,
    /// Wall clock only: scenario seconds per real second.
    pub speed: f64,
    pub engine: EngineKind,
    pub out: PathBuf,
    pub node_bin: PathBuf,
    pub quiet: bool,
    /// Print the per-request table whatever the number of requests.
    pub table: bool,
    /// Mesh only: share of UDP datagrams dropped beneath QUIC.
    pub udp_loss: f64,
    /// Mesh only: delay added to every UDP datagram beneath QUIC.
    pub udp_delay: Duration,
    /// Mesh only: drive nodes that already run (`--attach DEPLOYMENT.toml`).
    pub attach: Option<crate::engine::mesh::Attach>,
    /// Lets `main` stop every node if the run is interrupted.
    pub stop: StopHandle,
    /// Wall-clock exercises: where the operator console and dashboard listen.
    pub console_listen: std::net::SocketAddr,
    /// Wall-clock exercises: HTTPS for the console (always beyond loopback).
    pub console_tls: crate::exercise::tls::ConsoleTlsOptions,
    /// Wall-clock exercises: how long the console stays up after the end (the ended
    /// banner, the review) unless the controller closes it.
    pub linger: Duration,
    /// `pocnet run`: the journal that lets `--resume` continue the run, and what a resumed
    /// run replays (see `resume/`). `None` for runs that are not resumable (ping).
    pub kept: Option<crate::resume::Kept>,
}

/// What a run leaves for `main` to show: its account and how long it took.
#[derive(Debug)]
pub struct RunResult<'s> {
    pub account: Account<'s>,
    pub transport: Option<MeshTransport>,
    pub wall: Duration,
}

/// Progress on stderr when it is a terminal (quiet in CI and with --quiet): scenario time
/// reached, windows run, requests ended; and the exercise desk the console pages read.
struct Console {
    /// A progress line on a terminal (indicatif: elapsed time, scenario time reached,
    /// windows, requests ended); `None` in CI, with --quiet, or off a terminal.
    bar: Option<indicatif::ProgressBar>,
    cases: usize,
    requests_ended: usize,
    /// A wall-clock exercise's desk.
    desk: Option<std::sync::Arc<crate::exercise::Desk>>,
    /// A wall-clock run's lag behind scenario time at speed (in `transport.json`).
    drift: Option<crate::clock::wall::SharedDrift>,
}

impl Console {
    fn new(shown: bool, cases: usize) -> Console {
        let bar = shown.then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            let style = indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner());
            bar.set_style(style);
            bar
        });
        Console { bar, cases, requests_ended: 0, desk: None, drift: None }
    }

    fn arrived(&mut self, arrival: &Arrival) {
        if let Some(desk) = &self.desk {
            desk.feed(arrival);
        }
        match arrival {
            Arrival::Window { reached, windows, events } => {
                self.requests_ended += events.iter().filter(|e| e.kind.is_final_at_requester()).count();
                if let Some(bar) = &self.bar {
                    bar.set_message(format!(
                        "scenario time {reached}  windows {windows}  requests ended {} (cases: {})",
                        self.requests_ended, self.cases
                    ));
                    bar.tick();
                }
            }
            Arrival::Directive { at, directive } => {
                let line = format!("pocnet: {at}  {}", directive.describe());
                match &self.bar {
                    Some(bar) => bar.println(line),
                    None if self.desk.is_some() => pocnet_node::say!("{line}"),
                    None => {}
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

pub async fn run<'s>(scenario: &'s Scenario, options: &RunOptions) -> anyhow::Result<RunResult<'s>> {
    let started = Instant::now();
    std::fs::create_dir_all(&options.out).with_context(|| format!("create {}", options.out.display()))?;
    let shown = !options.quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let mut console = Console::new(shown, scenario.injects.len());
    let (clock_run, transport) = match options.engine {
        EngineKind::Inproc => {
            let (mut engine, next) = InProcess::new(scenario)?;
            (clocked(&mut engine, next, scenario, options, &mut console).await?, None)
        }
        EngineKind::Mesh => {
            let mesh_options = MeshOptions {
                node_bin: options.node_bin.clone(),
                run_dir: options.out.join("run"),
                udp_loss: options.udp_loss,
                udp_delay: options.udp_delay,
                attach: options.attach.clone(),
                stop: options.stop.clone(),
            };
            let (mut mesh, next) = Mesh::start(scenario, &mesh_options).await?;
            let clock_run = clocked(&mut mesh, next, scenario, options, &mut console).await?;
            (clock_run, Some(mesh.finish().await?))
        }
    };
    console.finish();
    let account = account(scenario, &clock_run)?;
    let rationales = console.desk.as_ref().map(|d| d.record().rationales.clone()).unwrap_or_default();
    let after_action =
        scenario.exercise.as_ref().map(|e| crate::outputs::after_action::review(&account, e, &rationales));
    write(&options.out.join("report.json"), &account.report().to_json())?;
    write(&options.out.join("summary.md"), &crate::outputs::summary::summary_md(&account))?;
    write(&options.out.join("junit.xml"), &crate::outputs::junit::junit_xml(&account))?;
    write(&options.out.join("report.html"), &crate::outputs::html::report_html(&account, after_action.as_ref()))?;
    if let Some(review) = &after_action {
        write(&options.out.join("after-action.md"), &review.markdown())?;
    }
    if let Some(kept) = &options.kept {
        kept.journal.append(&crate::resume::journal::Record::Finished)?;
    }
    if let Some(t) = &transport {
        let drift = console.drift.as_ref().and_then(|d| d.lock().ok().map(|d| d.clone()));
        write(&options.out.join("transport.json"), &crate::report::transport::transport_json(t, drift.as_ref()))?;
    }
    if let (Some(review), ClockKind::Wall) = (&after_action, options.clock) {
        printable(review, &options.out)?;
    }
    if let Some(desk) = &console.desk {
        {
            let mut record = desk.record();
            record.review_html = after_action.as_ref().map(|r| r.page());
            record.finished = true;
        }
        linger(desk, options.linger).await;
    }
    Ok(RunResult { account, transport, wall: started.elapsed() })
}

/// A live exercise's review to print: `after-action.html`, and `after-action.pdf` when
/// headless Chromium is installed (said either way).
fn printable(review: &crate::outputs::after_action::AfterAction, out: &Path) -> anyhow::Result<()> {
    let html = out.join("after-action.html");
    write(&html, &review.page())?;
    let pdf = out.join("after-action.pdf");
    match crate::outputs::after_action::print_pdf(&html, &pdf) {
        Ok(by) => pocnet_node::say!("pocnet: after-action review printed to {} (by {by})", pdf.display()),
        Err(why) => pocnet_node::say!(
            "pocnet: after-action.pdf not written: {why}; print {} from a browser instead",
            html.display()
        ),
    }
    Ok(())
}

/// Keeps the console up after the end for the review, saying how to close it.
async fn linger(desk: &crate::exercise::Desk, linger: Duration) {
    if linger.is_zero() {
        return;
    }
    pocnet_node::say!(
        "pocnet: the exercise has ended; the console stays up for {} with the after-action review \
         (/review on the links above). Press Enter (or type close), or close it from the dashboard, to stop now.",
        pocnet_core::time::format_duration_ms(linger.as_millis() as u64)
    );
    desk.linger(linger).await;
}

/// The ledger of a clock's run of `scenario` alone, without figures (sweeps count it).
pub fn ledger_of(scenario: &Scenario, clock_run: &ClockRun) -> anyhow::Result<crate::ledger::Ledger> {
    let played: Vec<StateCode> = scenario.exercise.as_ref().map(|e| e.players.to_vec()).unwrap_or_default();
    let run = crate::ledger::Run {
        events: &clock_run.events,
        injects: scenario.injects.iter().chain(&clock_run.added_injects).collect(),
        windows: clock_run.windows,
        last_input: clock_run.last_input,
        exercise_ended: clock_run.exercise_ended,
        played: &played,
    };
    Ok(crate::ledger::build(&run)?)
}

/// The ledger of a clock's run of `scenario` and its figures (thresholds judged).
pub fn account<'s>(scenario: &'s Scenario, clock_run: &ClockRun) -> anyhow::Result<Account<'s>> {
    let mut account = Account::of(scenario, ledger_of(scenario, clock_run)?);
    // What stale entries and verification cost in cases: against the same scenario without
    // them (a run without cases, like a communication check alone, has nothing to lose).
    let cases = !account.ledger.cases.is_empty();
    if let (Some(figures), Some(current), true) =
        (account.analysis.decay.as_mut(), with_current_register(scenario), cases)
    {
        figures.compare(&account.ledger, &in_process_ledger(&current)?);
    }
    if let (Some(figures), Some(plain), true) =
        (account.analysis.forgery.as_mut(), without_verification(scenario), cases)
    {
        figures.compare(scenario, &account.ledger, &in_process_ledger(&plain)?);
    }
    Ok(account)
}

/// The same scenario with no desk verifying anything: what verification's cost is
/// measured against, on the same draws. Not for exercises.
pub fn without_verification(scenario: &Scenario) -> Option<Scenario> {
    if scenario.exercise.is_some() || scenario.states.iter().all(|s| s.profile.verify.is_none()) {
        return None;
    }
    let mut plain = scenario.clone();
    for s in &mut plain.states {
        s.profile.verify = None;
    }
    Some(plain)
}

/// The same scenario with every register entry current (no stale spans): what the
/// register decay figures compare with, on the same draws. Not for exercises (people's
/// actions cannot be replayed on another run).
pub fn with_current_register(scenario: &Scenario) -> Option<Scenario> {
    let decay = scenario.register_decay.as_ref().filter(|_| scenario.exercise.is_none())?;
    let mut current = scenario.clone();
    current.network.faults.truncate(decay.first_fault);
    current.register_decay = None;
    Some(current)
}

/// Runs `scenario` in process to its end, on a thread of its own (callers may be inside a
/// runtime), and returns its ledger.
pub fn in_process_ledger(scenario: &Scenario) -> anyhow::Result<crate::ledger::Ledger> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let (mut engine, next) = InProcess::new(scenario)?;
                let clock =
                    Clock::new(next, scenario.network.lookahead_ms(), AsFastAsPossible, exercise_state(scenario));
                let runtime = tokio::runtime::Builder::new_current_thread().build()?;
                let run = runtime.block_on(run_to_end(&mut engine, clock))?;
                ledger_of(scenario, &run)
            })
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the run with a current register panicked")))
    })
}

/// Runs `engine` to the end under `clock`, showing each arrival on `console`.
async fn drive(
    engine: &mut impl crate::engine::Engine,
    mut clock: Clock<impl Pacing>,
    console: &mut Console,
) -> anyhow::Result<ClockRun> {
    let mut events = Vec::new();
    while let Some(arrival) = clock.next(engine).await? {
        console.arrived(&arrival);
        if let Arrival::Window { events: mut e, .. } = arrival {
            events.append(&mut e);
        }
    }
    Ok(ClockRun { events, ..clock.shape })
}

/// Runs the clock the options ask for: virtual, or paced against the wall clock (with the
/// exercise console when the scenario is an exercise).
async fn clocked(
    engine: &mut impl crate::engine::Engine,
    next: std::collections::BTreeMap<StateCode, Option<SimTime>>,
    scenario: &Scenario,
    options: &RunOptions,
    console: &mut Console,
) -> anyhow::Result<ClockRun> {
    let lookahead = scenario.network.lookahead_ms();
    let exercise = exercise_state(scenario);
    match options.clock {
        ClockKind::Virtual => {
            if scenario.exercise.as_ref().is_some_and(|e| !e.players.is_empty()) {
                pocnet_node::say!(
                    "pocnet: a virtual run has no players: the played contact points take no action \
                     (run with --clock wall for the exercise)"
                );
            }
            drive(engine, Clock::new(next, lookahead, AsFastAsPossible, exercise), console).await
        }
        ClockKind::Wall => {
            let (commands, rx) = tokio::sync::mpsc::channel(crate::clock::wall::COMMANDS_MAX);
            let plan = options.kept.as_ref().map(|k| &k.plan);
            let from = plan.and_then(|p| p.reached).unwrap_or(scenario.start);
            let wall = crate::clock::wall::WallClock::new(options.speed, from, rx);
            console.drift = Some(wall.drift());
            if scenario.exercise.is_none() {
                crate::clock::wall::read_stdin_commands(stdin_intake(options, commands.clone()));
            } else {
                let desk = open_desk(scenario, options, wall.view(), commands.clone()).await?;
                // The desk reads stdin: each directive goes into the control log (and the journal).
                crate::exercise::read_stdin_commands(desk.clone());
                console.desk = Some(desk);
            }
            match &options.kept {
                None => drive(engine, Clock::new(next, lookahead, wall, exercise), console).await,
                Some(kept) => {
                    let pacing = journaled(wall, kept, commands);
                    drive(engine, Clock::new(next, lookahead, pacing, exercise), console).await
                }
            }
        }
    }
}

/// Where standard input's commands go: through the journal when the run keeps one.
fn stdin_intake(
    options: &RunOptions,
    commands: tokio::sync::mpsc::Sender<crate::clock::wall::Command>,
) -> tokio::sync::mpsc::Sender<crate::clock::wall::Command> {
    let Some(kept) = &options.kept else { return commands };
    let journal = kept.journal.clone();
    let (tx, mut rx) = tokio::sync::mpsc::channel(crate::clock::wall::COMMANDS_MAX);
    tokio::spawn(async move {
        while let Some(command) = rx.recv().await {
            if let Err(e) = journal.submit(&commands, command, None).await {
                pocnet_node::say!("pocnet: not taken: {e}");
            }
        }
    });
    tx
}

/// The wall clock, journaled; for a resumed run, the journal's directives first, then
/// live from where the dead run had got to (paused or fast if it was), the commands it
/// had taken in but not yet given the clock first.
fn journaled(
    wall: crate::clock::wall::WallClock,
    kept: &crate::resume::Kept,
    commands: tokio::sync::mpsc::Sender<crate::clock::wall::Command>,
) -> crate::resume::pacing::Journaled<crate::clock::wall::WallClock> {
    use crate::clock::wall::Command;
    let plan = &kept.plan;
    let mut first = Vec::new();
    if plan.fast {
        first.push(Command::Fast);
    } else if plan.paused {
        first.push(Command::Pause);
    }
    first.extend(plan.pending.iter().map(|d| Command::Directive(d.directive())));
    let reached = plan.reached;
    mark_progress(wall.view(), kept.journal.clone());
    let on_live: crate::resume::pacing::OnLive<crate::clock::wall::WallClock> = Box::new(move |wall| {
        if let Some(t) = reached {
            wall.rebase(t);
        }
        for command in first {
            if commands.try_send(command).is_err() {
                tracing::warn!("a command taken in before the coordinator died could not be queued");
            }
        }
    });
    crate::resume::pacing::Journaled::new(wall, kept.journal.clone(), plan.entered.clone(), Some(on_live))
}

/// Journals where the wall clock stands once a second while it moves (also while it
/// waits for the next input): where a resumed run picks up. Ends with the process, or at
/// the first record it cannot write (the next action is refused with the reason).
fn mark_progress(view: crate::clock::wall::SharedClock, journal: std::sync::Arc<crate::resume::journal::Journal>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(crate::resume::pacing::REACHED_EVERY);
        let mut last = None;
        loop {
            tick.tick().await;
            let Ok(at) = view.lock().map(|v| v.now()) else { return };
            if last != Some(at) {
                last = Some(at);
                if journal.append(&crate::resume::journal::Record::Reached { at }).is_err() {
                    return;
                }
            }
        }
    });
}

/// The exercise's desk, its console served and announced; with the tokens of the run
/// being resumed, and commands journaled, when the run keeps a journal.
async fn open_desk(
    scenario: &Scenario,
    options: &RunOptions,
    view: crate::clock::wall::SharedClock,
    commands: tokio::sync::mpsc::Sender<crate::clock::wall::Command>,
) -> anyhow::Result<std::sync::Arc<crate::exercise::Desk>> {
    let mut desk = crate::exercise::Desk::new(scenario, view, commands)?;
    if let Some(kept) = &options.kept {
        desk.journal_into(kept.journal.clone());
        desk.restore_rationales(&kept.plan.rationales);
        if let Some(console) = &kept.header.console {
            desk.reuse_tokens(tokens_of(console)?)?;
        }
    }
    let desk = std::sync::Arc::new(desk);
    let tls = crate::exercise::tls::acceptor(&options.console_tls, options.console_listen, &options.out)?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let addr = crate::exercise::web::serve(desk.clone(), options.console_listen, tls).await?;
    let (host, warning) = crate::exercise::tls::link_host(&options.console_tls, addr);
    if let Some(w) = warning {
        pocnet_node::say!("pocnet: warning: {w}");
    }
    announce(&desk, &format!("{scheme}://{host}:{}", addr.port()), &options.out)?;
    if let Some(kept) = &options.kept {
        let mut header = kept.header.clone();
        header.console = Some(crate::resume::ConsoleHeader {
            listen: addr,
            cert: options.console_tls.cert.as_deref().map(absolute),
            key: options.console_tls.key.as_deref().map(absolute),
            names: options.console_tls.names.clone(),
            tls: options.console_tls.force,
            tokens: desk.tokens().iter().map(|(t, a)| (t.clone(), access_name(a))).collect(),
        });
        crate::resume::write_header(&options.out, &header)?;
    }
    Ok(desk)
}

/// `path` from anywhere (a resumed run may start in another folder).
fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn access_name(access: &crate::exercise::Access) -> String {
    match access {
        crate::exercise::Access::Control => "control".to_string(),
        crate::exercise::Access::Player(state) => state.to_string(),
    }
}

/// The kept tokens, as the desk takes them.
fn tokens_of(console: &crate::resume::ConsoleHeader) -> anyhow::Result<Vec<(String, crate::exercise::Access)>> {
    use crate::exercise::Access;
    console
        .tokens
        .iter()
        .map(|(token, who)| {
            let access = match who.as_str() {
                "control" => Access::Control,
                state => Access::Player(StateCode::parse(state)?),
            };
            Ok((token.clone(), access))
        })
        .collect()
}

/// Where `scenario`'s exercise starts: its injects taken, ending at the scenario's end.
pub fn exercise_state(scenario: &Scenario) -> ExerciseState {
    ExerciseState::new(&scenario.injects, scenario.exercise.as_ref().map(|_| scenario.end))
}

/// Prints the console and dashboard links, each with its access token, and writes them to
/// `console.json` (readable by the owner only) for scripts.
fn announce(desk: &crate::exercise::Desk, base: &str, out: &Path) -> anyhow::Result<()> {
    use crate::exercise::Access;
    if base.starts_with("https:") && out.join("console-ca.pem").is_file() {
        pocnet_node::say!(
            "pocnet: the console's certificate is issued by a CA made for this run: {} (have browsers trust it)",
            out.join("console-ca.pem").display()
        );
    }
    let mut players = serde_json::Map::new();
    let mut control = String::new();
    pocnet_node::say!("pocnet: exercise console at {base} (each link carries its access token; keep them private)");
    for (token, access) in desk.tokens() {
        match access {
            Access::Control => {
                control = format!("{base}/control?token={token}");
                pocnet_node::say!("  exercise control (dashboard): {control}");
            }
            Access::Player(state) => {
                let url = format!("{base}/console?token={token}");
                let name = desk.seats.get(state).map(|s| s.name.as_str()).unwrap_or("");
                pocnet_node::say!("  {state} {name} (player): {url}");
                players.insert(state.to_string(), serde_json::Value::String(url));
            }
        }
    }
    let json = serde_json::json!({ "url": base, "control": control, "players": players });
    let path = out.join("console.json");
    pocnet_node::pki::write_private(&path, &format!("{json:#}\n"))
        .with_context(|| format!("write {}", path.display()))?;
    Ok(())
}

/// Runs `scenario` on the in-process engine under the virtual clock and returns its
/// account (thresholds judged); writes nothing. The fast path for tests and sweeps.
pub async fn simulate(scenario: &Scenario) -> anyhow::Result<Account<'_>> {
    simulate_with(scenario, pocnet_core::WindowRule::default()).await
}

/// [`simulate`] with the agendas under `rule`: the report is the same under every rule,
/// but for its window count.
pub async fn simulate_with(scenario: &Scenario, rule: pocnet_core::WindowRule) -> anyhow::Result<Account<'_>> {
    let (mut engine, next) = InProcess::with_rule(scenario, rule)?;
    let clock = Clock::new(next, scenario.network.lookahead_ms(), AsFastAsPossible, exercise_state(scenario));
    let clock_run = run_to_end(&mut engine, clock).await?;
    account(scenario, &clock_run)
}

/// Writes a report file whole or not at all (a full disk leaves no half file).
fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    pocnet_node::files::write_atomic(path, text.as_bytes())?;
    Ok(())
}
