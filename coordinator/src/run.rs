//! One run of a scenario on an engine: clock, report files, console summary.

use crate::clock::{run_virtual, Progress};
use crate::inproc::InProcess;
use crate::mesh::{Mesh, MeshOptions, MeshTransport};
use crate::report::{self, Report};
use crate::scenario::Scenario;
use anyhow::Context;
use pocnet_core::SimTime;
use std::io::{IsTerminal, Write};
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
    /// Mesh only: share of UDP datagrams dropped beneath QUIC.
    pub udp_loss: f64,
    /// Mesh only: delay added to every UDP datagram beneath QUIC.
    pub udp_delay: Duration,
    /// Mesh only: drive nodes that already run (`--attach DEPLOYMENT.toml`).
    pub attach: Option<crate::mesh::Attach>,
    /// Wall-clock exercises: where the operator console and dashboard listen.
    pub console_listen: std::net::SocketAddr,
}

#[derive(Debug)]
pub struct RunResult {
    pub report: Report,
    pub transport: Option<MeshTransport>,
    pub wall: Duration,
}

/// Progress on stderr when it is a terminal (quiet in CI and with --quiet): scenario time
/// reached, windows run, requests ended.
struct Console {
    enabled: bool,
    last: Instant,
    cases: usize,
    /// A wall-clock exercise's desk, which the console pages read.
    desk: Option<std::sync::Arc<crate::exercise::Desk>>,
}

impl Progress for Console {
    fn events(&mut self, events: &[pocnet_core::Event]) {
        if let Some(desk) = self.desk.as_mut() {
            desk.events(events);
        }
    }

    fn directive(&mut self, at: SimTime, directive: &crate::clock::Directive) {
        if let Some(desk) = self.desk.as_mut() {
            desk.directive(at, directive);
        }
        if self.enabled || self.desk.is_some() {
            let what = directive.describe();
            eprintln!("\rpocnet: {at}  {what}");
        }
    }

    fn window(&mut self, reached: SimTime, windows: u64, requests_ended: usize) {
        if self.enabled && self.last.elapsed() > Duration::from_millis(200) {
            self.last = Instant::now();
            eprint!(
                "\r  scenario time {reached}  windows {windows}  requests ended {requests_ended} (cases: {})   ",
                self.cases
            );
            let _ = std::io::stderr().flush();
        }
    }
}

pub async fn run(scenario: &Scenario, options: &RunOptions) -> anyhow::Result<RunResult> {
    let started = Instant::now();
    std::fs::create_dir_all(&options.out).with_context(|| format!("create {}", options.out.display()))?;
    let mut console = Console {
        enabled: !options.quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none(),
        last: Instant::now(),
        cases: scenario.injects.len(),
        desk: None,
    };
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
            };
            let (mut mesh, next) = Mesh::start(scenario, &mesh_options).await?;
            let clock_run = clocked(&mut mesh, next, scenario, options, &mut console).await?;
            (clock_run, Some(mesh.finish().await?))
        }
    };
    if console.enabled {
        eprint!("\r{:80}\r", "");
    }
    let mut report = report::build(scenario, &clock_run)?;
    report.thresholds = crate::thresholds::evaluate(scenario, &report);
    let after_action =
        scenario.exercise.as_ref().map(|e| crate::after_action::review(scenario, e, &report, &clock_run));
    write(&options.out.join("report.json"), &report.to_json())?;
    write(&options.out.join("summary.md"), &crate::outputs::summary_md(&report))?;
    write(&options.out.join("junit.xml"), &crate::outputs::junit_xml(&report))?;
    write(&options.out.join("report.html"), &crate::outputs::report_html(&report, after_action.as_ref()))?;
    if let Some(review) = &after_action {
        write(&options.out.join("after-action.md"), &review.markdown())?;
    }
    if let Some(desk) = &console.desk {
        desk.record().finished = true;
    }
    if let Some(t) = &transport {
        write(&options.out.join("transport.json"), &transport_json(t))?;
    }
    Ok(RunResult { report, transport, wall: started.elapsed() })
}

/// Runs the clock the options ask for: virtual, or paced against the wall clock (with the
/// exercise console when the scenario is an exercise).
async fn clocked(
    engine: &mut impl crate::clock::Engine,
    next: std::collections::BTreeMap<pocnet_core::StateCode, Option<SimTime>>,
    scenario: &Scenario,
    options: &RunOptions,
    progress: &mut Console,
) -> anyhow::Result<crate::clock::ClockRun> {
    let lookahead = scenario.network.lookahead_ms();
    match options.clock {
        ClockKind::Virtual => {
            if scenario.exercise.as_ref().is_some_and(|e| !e.players.is_empty()) {
                eprintln!(
                    "pocnet: a virtual run has no players: the played contact points take no action \
                     (run with --clock wall for the exercise)"
                );
            }
            run_virtual(engine, next, lookahead, progress, scenario.exercise_state()).await
        }
        ClockKind::Wall => {
            let (commands, rx) = tokio::sync::mpsc::channel(crate::wall::COMMANDS_MAX);
            crate::wall::read_stdin_commands(commands.clone());
            let mut wall = crate::wall::WallClock::new(options.speed, scenario.start, rx);
            if scenario.exercise.is_some() {
                let desk = std::sync::Arc::new(crate::exercise::Desk::new(scenario, wall.view(), commands)?);
                let addr = crate::exercise::web::serve(desk.clone(), options.console_listen).await?;
                announce(&desk, addr, &options.out)?;
                progress.desk = Some(desk);
            }
            crate::clock::run_paced(engine, next, lookahead, progress, &mut wall, scenario.exercise_state()).await
        }
    }
}

/// Prints the console and dashboard links, each with its access token, and writes them to
/// `console.json` (readable by the owner only) for scripts.
fn announce(desk: &crate::exercise::Desk, addr: std::net::SocketAddr, out: &Path) -> anyhow::Result<()> {
    use crate::exercise::Access;
    let base = format!("http://{addr}");
    let mut players = serde_json::Map::new();
    let mut control = String::new();
    eprintln!("pocnet: exercise console at {base} (each link carries its access token; keep them private)");
    for (token, access) in desk.tokens() {
        match access {
            Access::Control => {
                control = format!("{base}/control?token={token}");
                eprintln!("  exercise control (dashboard): {control}");
            }
            Access::Player(state) => {
                let url = format!("{base}/console?token={token}");
                let name = desk.seats.get(state).map(|s| s.name.as_str()).unwrap_or("");
                eprintln!("  {state} {name} (player): {url}");
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

/// Runs `scenario` on the in-process engine and returns its report (thresholds judged);
/// writes nothing. The fast path for tests and sweeps.
pub async fn simulate(scenario: &Scenario) -> anyhow::Result<Report> {
    let (mut engine, next) = InProcess::new(scenario)?;
    let clock_run =
        run_virtual(&mut engine, next, scenario.network.lookahead_ms(), &mut (), scenario.exercise_state()).await?;
    let mut report = report::build(scenario, &clock_run)?;
    report.thresholds = crate::thresholds::evaluate(scenario, &report);
    Ok(report)
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("write {}", path.display()))
}

/// Real-time transport figures of a mesh run: batch round trips, bytes, losses, refusals.
pub fn transport_json(t: &MeshTransport) -> String {
    let mut rtts: Vec<u64> = t.nodes.values().flat_map(|n| n.batch_rtt_us.iter().copied()).collect();
    rtts.sort_unstable();
    let pct = |q: f64| rtts.get(((rtts.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0);
    let peers: Vec<serde_json::Value> = t
        .nodes
        .iter()
        .flat_map(|(node, stats)| {
            stats.peers.iter().map(move |p| {
                serde_json::json!({
                    "from": node, "to": p.peer, "quic_rtt_us": p.rtt_us,
                    "udp_tx_bytes": p.udp_tx_bytes, "udp_rx_bytes": p.udp_rx_bytes,
                    "sent_packets": p.sent_packets, "lost_packets": p.lost_packets,
                })
            })
        })
        .collect();
    let refused: Vec<String> = t
        .refused
        .iter()
        .cloned()
        .chain(t.nodes.iter().flat_map(|(n, s)| s.rejected.iter().map(move |r| format!("{n}: {r}"))))
        .collect();
    let value = serde_json::json!({
        "schema": "pocnet-transport/1",
        "startup_ms": t.startup.as_millis() as u64,
        "batch_round_trips": rtts.len(),
        "batch_rtt_us": { "p50": pct(0.5), "p99": pct(0.99), "max": rtts.last().copied().unwrap_or(0) },
        "udp_tx_bytes": t.nodes.values().flat_map(|n| n.peers.iter().map(|p| p.udp_tx_bytes)).sum::<u64>(),
        "lost_packets": t.nodes.values().flat_map(|n| n.peers.iter().map(|p| p.lost_packets)).sum::<u64>(),
        // Both ends of a connection report it: count each pair once.
        "connections": t
            .nodes
            .iter()
            .flat_map(|(node, stats)| stats.peers.iter().map(move |p| if *node < p.peer { (*node, p.peer) } else { (p.peer, *node) }))
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        "peers": peers,
        "refused": refused,
        // Nodes that died and were restarted; their journals kept every accepted message.
        "clock_offsets_ms": t.clock_offsets_ms,
        "cuts": t.cuts.iter().map(|(a, b, at, lasted)| serde_json::json!({
            "a": a, "b": b, "at": at.to_string(), "lasted_ms": lasted.as_millis() as u64,
        })).collect::<Vec<_>>(),
        "restarts": t.restarts.iter().map(|r| serde_json::json!({
            "state": r.state, "at": r.at.to_string(), "why": r.why, "took_ms": r.took.as_millis() as u64,
        })).collect::<Vec<_>>(),
    });
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
    s.push('\n');
    s
}
