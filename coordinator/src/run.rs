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
}

impl Progress for Console {
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
    write(&options.out.join("report.json"), &report.to_json())?;
    write(&options.out.join("summary.md"), &crate::outputs::summary_md(&report))?;
    write(&options.out.join("junit.xml"), &crate::outputs::junit_xml(&report))?;
    write(&options.out.join("report.html"), &crate::outputs::report_html(&report))?;
    if let Some(t) = &transport {
        write(&options.out.join("transport.json"), &transport_json(t))?;
    }
    Ok(RunResult { report, transport, wall: started.elapsed() })
}

/// Runs the clock the options ask for: virtual, or paced against the wall clock.
async fn clocked(
    engine: &mut impl crate::clock::Engine,
    next: std::collections::BTreeMap<pocnet_core::StateCode, Option<SimTime>>,
    scenario: &Scenario,
    options: &RunOptions,
    progress: &mut impl Progress,
) -> anyhow::Result<crate::clock::ClockRun> {
    let lookahead = scenario.network.lookahead_ms();
    match options.clock {
        ClockKind::Virtual => run_virtual(engine, next, lookahead, progress, scenario.exercise_state()).await,
        ClockKind::Wall => {
            let mut wall = crate::wall::WallClock::new(options.speed, scenario.start, crate::wall::stdin_commands());
            crate::clock::run_paced(engine, next, lookahead, progress, &mut wall, scenario.exercise_state()).await
        }
    }
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
