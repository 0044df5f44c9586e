//! `pocnet bench`: the figures that decide how pocnet can be used, measured in one run so
//! that ratios hold on a noisy machine. Prints; never fails on a time.

use crate::analysis::percentiles::percentiles;
use crate::clock::run_virtual;
use crate::engine::inproc::InProcess;
use crate::engine::mesh::{Mesh, MeshOptions};
use crate::scenario::{self, Scenario};
use anyhow::Context;
use pocnet_core::time::MS_PER_DAY;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub node_bin: PathBuf,
    pub out: PathBuf,
    /// Small sizes only: proves the benchmark works (CI), not a measurement.
    pub quick: bool,
    /// The bundled hanoi-72 scenario.
    pub hanoi: PathBuf,
}

/// One engine run of one scenario.
#[derive(Debug, Clone)]
pub struct EngineFigures {
    pub startup: Duration,
    pub clock: Duration,
    pub windows: u64,
    /// In process only: the windows the same run takes when every input has a window of
    /// its own (`WindowRule::EveryInput`, the rule before quiet inputs were skipped).
    pub windows_every_input: Option<u64>,
    pub events: usize,
    pub requests: usize,
    pub scenario_span_ms: i64,
    pub idle_rss_kib: Vec<u64>,
    pub batch_rtt_us: Vec<u64>,
}

impl EngineFigures {
    /// The figures of one clock run; building its report also checks its accounting.
    fn of_run(
        s: &Scenario,
        run: &crate::clock::ClockRun,
        startup: Duration,
        clock: Duration,
        idle_rss_kib: Vec<u64>,
        batch_rtt_us: Vec<u64>,
    ) -> anyhow::Result<EngineFigures> {
        let a = crate::run::account(s, run)?;
        Ok(EngineFigures {
            startup,
            clock,
            windows: run.windows,
            windows_every_input: None,
            events: run.events.len(),
            requests: a.ledger.totals.requests,
            scenario_span_ms: run.last_input.map_or(0, |t| t.0 - s.start.0),
            idle_rss_kib,
            batch_rtt_us,
        })
    }

    pub fn wall(&self) -> Duration {
        self.startup + self.clock
    }
    /// Windows per request: what the first lever (fewer windows) moves.
    fn windows_per_request(&self) -> f64 {
        self.windows as f64 / self.requests.max(1) as f64
    }
    /// Clock time per window, in µs: what the second lever (fewer hops a window) moves.
    fn wall_us_per_window(&self) -> f64 {
        self.clock.as_secs_f64() * 1e6 / self.windows.max(1) as f64
    }
    fn windows_per_s(&self) -> f64 {
        self.windows as f64 / self.clock.as_secs_f64().max(1e-9)
    }
    fn events_per_s(&self) -> f64 {
        self.events as f64 / self.clock.as_secs_f64().max(1e-9)
    }
    fn speedup(&self) -> f64 {
        self.scenario_span_ms as f64 / 1000.0 / self.wall().as_secs_f64().max(1e-9)
    }
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub async fn inproc(s: &Scenario) -> anyhow::Result<EngineFigures> {
    let started = Instant::now();
    let (mut engine, next) = InProcess::new(s)?;
    let startup = started.elapsed();
    let clock_started = Instant::now();
    let run = run_virtual(&mut engine, next, s.network.lookahead_ms(), crate::run::exercise_state(s)).await?;
    let clock = clock_started.elapsed();
    let mut figures = EngineFigures::of_run(s, &run, startup, clock, vec![], vec![])?;
    // The same run giving every input a window: the windows skipping quiet inputs saves.
    let (mut every, next) = InProcess::with_rule(s, pocnet_core::WindowRule::EveryInput)?;
    let old = run_virtual(&mut every, next, s.network.lookahead_ms(), crate::run::exercise_state(s)).await?;
    figures.windows_every_input = Some(old.windows);
    Ok(figures)
}

pub async fn mesh(s: &Scenario, options: &BenchOptions, name: &str) -> anyhow::Result<EngineFigures> {
    let started = Instant::now();
    let mesh_options = MeshOptions {
        node_bin: options.node_bin.clone(),
        run_dir: options.out.join(name),
        udp_loss: 0.0,
        udp_delay: Duration::ZERO,
        attach: None,
        stop: Default::default(),
    };
    let (mut mesh, next) = Mesh::start(s, &mesh_options).await?;
    let startup = started.elapsed();
    // Idle: registered, set up, nothing granted yet.
    let idle_rss_kib: Vec<u64> = mesh.node_pids().into_iter().filter_map(rss_kib).collect();
    let clock_started = Instant::now();
    let run = run_virtual(&mut mesh, next, s.network.lookahead_ms(), crate::run::exercise_state(s)).await?;
    let clock = clock_started.elapsed();
    let transport = mesh.finish().await?;
    let rtt = transport.nodes.values().flat_map(|n| n.batch_rtt_us.iter().copied()).collect();
    EngineFigures::of_run(s, &run, startup, clock, idle_rss_kib, rtt)
}

/// A synthetic register of `states` contact points spread over the world's time zones,
/// with about `requests` generated requests over `days`.
pub fn synthetic(states: usize, days: u64, requests: usize, seed: u64) -> anyhow::Result<Scenario> {
    const ZONES: [(&str, &str); 24] = [
        ("Pacific/Auckland", "Asia-Pacific"),
        ("Australia/Sydney", "Asia-Pacific"),
        ("Asia/Tokyo", "Asia-Pacific"),
        ("Asia/Shanghai", "Asia-Pacific"),
        ("Asia/Ho_Chi_Minh", "Asia-Pacific"),
        ("Asia/Dhaka", "Asia-Pacific"),
        ("Asia/Kolkata", "Asia-Pacific"),
        ("Asia/Karachi", "Asia-Pacific"),
        ("Asia/Dubai", "Asia-Pacific"),
        ("Asia/Riyadh", "Asia-Pacific"),
        ("Africa/Nairobi", "Africa"),
        ("Africa/Cairo", "Africa"),
        ("Africa/Johannesburg", "Africa"),
        ("Africa/Lagos", "Africa"),
        ("Africa/Casablanca", "Africa"),
        ("Europe/Moscow", "EU/Europe"),
        ("Europe/Athens", "EU/Europe"),
        ("Europe/Paris", "EU/Europe"),
        ("Europe/London", "EU/Europe"),
        ("Atlantic/Azores", "EU/Europe"),
        ("America/Sao_Paulo", "Latin America & Caribbean"),
        ("America/New_York", "Latin America & Caribbean"),
        ("America/Mexico_City", "Latin America & Caribbean"),
        ("Pacific/Honolulu", "Asia-Pacific"),
    ];
    let mut t = String::new();
    let _ = write!(
        t,
        "[scenario]\nname = \"synthetic-{states}\"\nseed = {seed}\nstart = \"2025-11-03T00:00:00Z\"\nend = \"{}\"\n\n\
         [profiles.p]\nacknowledge = {{ staffed = \"median 20m p90 1h\", on_call = \"median 2h p90 8h\" }}\n\
         fulfil = {{ staffed = \"median 4h p90 12h\", on_call = \"median 8h p90 1d\" }}\n\
         resend_after = \"12h\"\nresends_max = 3\ngive_up_after = \"7d\"\n",
        pocnet_core::SimTime(1_762_128_000_000 + days as i64 * MS_PER_DAY)
    );
    for i in 0..states {
        let code: String =
            [(i / 676) as u8, (i / 26 % 26) as u8, (i % 26) as u8].iter().map(|c| (b'A' + c) as char).collect();
        let (tz, region) = ZONES[i % ZONES.len()];
        let roster = if i % 7 == 0 { "staffed-24-7" } else { "office-hours-on-call" };
        let _ = write!(
            t,
            "\n[[states]]\ncode = \"{code}\"\nname = \"State {code}\"\nregion = \"{region}\"\ntz = \"{tz}\"\nroster = \"{roster}\"\nprofile = \"p\"\n"
        );
    }
    let rate = requests as f64 / states as f64 / days as f64;
    let _ = write!(
        t,
        "\n[[generate]]\nrate_per_day = {rate:.4}\ndiurnal = \"office\"\nkinds = {{ preservation = 0.6, emergency = 0.1, traffic_disclosure = 0.3 }}\nretention = \"2d..10d\"\n"
    );
    scenario::parse("synthetic.toml", &t).map_err(|e| anyhow::anyhow!("synthetic scenario: {e}"))
}

/// Round trips of a raw quinn echo between this process and a child `pocnet bench-echo`
/// process on 127.0.0.1: one bidirectional stream per round trip, like a mesh batch.
pub async fn raw_quinn_rtt_us(pocnet_bin: &Path, payload: usize, round_trips: usize) -> anyhow::Result<Vec<u64>> {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(pocnet_bin)
        .arg("bench-echo")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("start the echo server")?;
    let stdout = child.stdout.take().context("echo stdout")?;
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let first =
        tokio::time::timeout(Duration::from_secs(10), lines.next_line()).await.context("echo server start")??;
    let first = first.context("echo server said nothing")?;
    let (addr, cert_pem) = first.split_once(' ').context("echo server line")?;
    let addr: std::net::SocketAddr = addr.parse()?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(cert_pem.replace("\\n", "\n").as_bytes()) {
        roots.add(cert?)?;
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_root_certificates(roots)
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"echo".to_vec()];
    let client = quinn::ClientConfig::new(std::sync::Arc::new(quinn::crypto::rustls::QuicClientConfig::try_from(tls)?));
    let mut endpoint = quinn::Endpoint::client("127.0.0.1:0".parse()?)?;
    endpoint.set_default_client_config(client);
    let conn = endpoint.connect(addr, "echo.pocnet")?.await?;
    let data = vec![7u8; payload];
    let mut out = Vec::with_capacity(round_trips);
    for _ in 0..round_trips {
        let started = Instant::now();
        let (mut send, mut recv) = conn.open_bi().await?;
        send.write_all(&data).await?;
        send.finish()?;
        let back = recv.read_to_end(payload * 2).await?;
        anyhow::ensure!(back.len() == payload, "echo returned {} bytes", back.len());
        out.push(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX));
    }
    conn.close(0u32.into(), b"done");
    endpoint.wait_idle().await;
    let _ = child.kill().await;
    Ok(out)
}

/// The echo server half: prints `ADDR CERT_PEM` (newlines escaped) and echoes every stream.
pub async fn echo_server() -> anyhow::Result<()> {
    let cert = rcgen_self_signed()?;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let chain: Vec<_> =
        rustls::pki_types::pem::PemObject::pem_slice_iter(cert.0.as_bytes()).collect::<Result<_, _>>()?;
    let key = rustls::pki_types::pem::PemObject::from_pem_slice(cert.1.as_bytes())?;
    let mut tls = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    tls.alpn_protocols = vec![b"echo".to_vec()];
    let server =
        quinn::ServerConfig::with_crypto(std::sync::Arc::new(quinn::crypto::rustls::QuicServerConfig::try_from(tls)?));
    let endpoint = quinn::Endpoint::server(server, "127.0.0.1:0".parse()?)?;
    println!("{} {}", endpoint.local_addr()?, cert.0.replace('\n', "\\n"));
    while let Some(incoming) = endpoint.accept().await {
        tokio::spawn(async move {
            let Ok(conn) = incoming.await else { return };
            while let Ok((mut send, mut recv)) = conn.accept_bi().await {
                tokio::spawn(async move {
                    if let Ok(data) = recv.read_to_end(1 << 20).await {
                        let _ = send.write_all(&data).await;
                        let _ = send.finish();
                    }
                });
            }
        });
    }
    Ok(())
}

/// A self-signed certificate for `echo.pocnet`, which the client trusts directly.
fn rcgen_self_signed() -> anyhow::Result<(String, String)> {
    let key = rcgen::KeyPair::generate()?;
    let cert = rcgen::CertificateParams::new(vec!["echo.pocnet".to_string()])?.self_signed(&key)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// One engine run, as `bench.json` has it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunFigures {
    pub engine: &'static str,
    pub startup_s: f64,
    pub clock_s: f64,
    pub wall_s: f64,
    pub windows: u64,
    /// Windows per request (windows / requests).
    pub windows_per_request: f64,
    /// In process only: windows and windows per request when every input takes a window
    /// of its own (the clock's rule before quiet inputs were skipped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub windows_every_input: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub windows_per_request_every_input: Option<f64>,
    /// Clock time per window, µs (clock_s / windows).
    pub wall_us_per_window: f64,
    pub windows_per_s: f64,
    pub events_per_s: f64,
    pub speedup: f64,
    pub requests: usize,
    /// Mesh only: the windows per second as a share of the round-trip limit (one control
    /// round trip per window: 1 / the raw echo's median).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_of_rtt_limit: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_rss_mib_median: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_rss_mib_max: Option<f64>,
}

/// Everything `pocnet bench` prints, for comparing across commits (`bench.json` in
/// `--out`; written after each section, so a failure keeps what was measured).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct BenchReport {
    pub schema: &'static str,
    pub mode: &'static str,
    pub cpus: usize,
    /// The commit it was built from, when known (`POCNET_COMMIT` or `git rev-parse`).
    pub commit: Option<String>,
    pub raw_echo_rtt_us: Option<RttFigures>,
    /// Windows per second one control round trip per window allows: 1e6 / raw p50 µs.
    pub rtt_limit_windows_per_s: Option<f64>,
    pub hanoi: Vec<RunFigures>,
    pub mesh_over_inproc_wall: Option<f64>,
    pub sweep_runs_per_s: Option<f64>,
    /// The bundled robust sweep (staffing-hanoi-robust.toml): variant-runs a minute under
    /// its assumptions' draws, and its whole run's minutes at that pace.
    pub robust_sweep_runs_per_min: Option<f64>,
    pub robust_sweep_minutes: Option<f64>,
    pub mesh_batch_rtt_us: Option<RttFigures>,
    /// Mesh batch p99 over the raw echo's p99 (target: at most 3).
    pub mesh_batch_p99_over_raw_p99: Option<f64>,
    pub scaling: Vec<ScalingFigures>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct RttFigures {
    pub count: u64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

impl RttFigures {
    fn of(values: &[u64]) -> RttFigures {
        let p = percentiles(values);
        RttFigures { count: p.count, p50_us: p.p50_ms, p90_us: p.p90_ms, p99_us: p.p99_ms, max_us: p.max_ms }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ScalingFigures {
    pub states: usize,
    pub days: u64,
    pub requests_asked: usize,
    pub runs: Vec<RunFigures>,
}

fn round(x: f64, places: i32) -> f64 {
    let k = 10f64.powi(places);
    (x * k).round() / k
}

impl RunFigures {
    fn of(engine: &'static str, f: &EngineFigures, limit: Option<f64>) -> RunFigures {
        let rss = (!f.idle_rss_kib.is_empty()).then(|| percentiles(&f.idle_rss_kib));
        RunFigures {
            engine,
            startup_s: round(f.startup.as_secs_f64(), 3),
            clock_s: round(f.clock.as_secs_f64(), 3),
            wall_s: round(f.wall().as_secs_f64(), 3),
            windows: f.windows,
            windows_per_request: round(f.windows_per_request(), 3),
            windows_every_input: f.windows_every_input,
            windows_per_request_every_input: f
                .windows_every_input
                .map(|w| round(w as f64 / f.requests.max(1) as f64, 3)),
            wall_us_per_window: round(f.wall_us_per_window(), 1),
            windows_per_s: round(f.windows_per_s(), 1),
            events_per_s: round(f.events_per_s(), 1),
            speedup: round(f.speedup(), 1),
            requests: f.requests,
            share_of_rtt_limit: limit.filter(|_| engine == "mesh").map(|l| round(f.windows_per_s() / l, 3)),
            idle_rss_mib_median: rss.as_ref().map(|p| round(p.p50_ms as f64 / 1024.0, 2)),
            idle_rss_mib_max: rss.as_ref().map(|p| round(p.max_ms as f64 / 1024.0, 2)),
        }
    }
}

fn line(o: &mut String, name: &str, f: &EngineFigures, limit: Option<f64>) {
    let share = match limit {
        Some(l) if name.ends_with("mesh") => {
            format!("  {:>5.1}% of the round-trip limit", 100.0 * f.windows_per_s() / l)
        }
        _ => String::new(),
    };
    let every = match f.windows_every_input {
        Some(w) => format!(", {w} giving every input a window"),
        None => String::new(),
    };
    let _ = writeln!(
        o,
        "  {name:<28} start-up {:>7.3}s  clock {:>7.3}s  wall {:>7.3}s  {:>9.0} windows/s  {:>10.0} events/s  speed-up {:>9.0}x  ({} windows, {} requests){share}",
        f.startup.as_secs_f64(),
        f.clock.as_secs_f64(),
        f.wall().as_secs_f64(),
        f.windows_per_s(),
        f.events_per_s(),
        f.speedup(),
        f.windows,
        f.requests
    );
    let _ = writeln!(
        o,
        "  {:<28} {:.2} windows a request{every}; {:.1} us of clock a window",
        "",
        f.windows_per_request(),
        f.wall_us_per_window()
    );
}

fn commit() -> Option<String> {
    if let Ok(c) = std::env::var("POCNET_COMMIT") {
        return Some(c);
    }
    let out = std::process::Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string()).filter(|c| !c.is_empty())
}

/// Writes `bench.json` whole (a failure keeps the last whole file).
fn save(options: &BenchOptions, report: &BenchReport) -> anyhow::Result<()> {
    std::fs::create_dir_all(&options.out).with_context(|| format!("{}", options.out.display()))?;
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    let path = options.out.join("bench.json");
    pocnet_node::files::write_atomic(&path, text.as_bytes()).with_context(|| format!("{}", path.display()))?;
    Ok(())
}

/// Runs every measurement, handing each finished section to `emit` as it goes, so that a
/// long run shows progress and a failure keeps what was measured before it; writes
/// `bench.json` into `--out` after each section.
pub async fn run(options: &BenchOptions, pocnet_bin: &Path, emit: &mut dyn FnMut(&str)) -> anyhow::Result<()> {
    let mut o = String::new();
    let mut flush = |o: &mut String| {
        emit(o);
        o.clear();
    };
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let mode = if options.quick { "quick" } else { "full" };
    let mut report = BenchReport { schema: "pocnet-bench/1", mode, cpus, commit: commit(), ..BenchReport::default() };
    let _ = writeln!(o, "pocnet bench ({mode} mode, {cpus} CPUs)");
    let (raw, limit) = round_trip_limit(options, pocnet_bin, &mut report, &mut o).await?;
    flush(&mut o);
    let hanoi = scenario::load(&options.hanoi, &scenario::Overrides::default()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let h_mesh = hanoi_week(&hanoi, options, limit, &mut report, &mut o).await?;
    flush(&mut o);
    sweep_rate(&hanoi, options, cpus, &mut report, &mut o)?;
    flush(&mut o);
    mesh_round_trip(&raw, &h_mesh, options, &mut report, &mut o)?;
    scaling(options, limit, &mut report, &mut o, &mut flush).await?;
    let _ = writeln!(o, "\nwrote {}", options.out.join("bench.json").display());
    flush(&mut o);
    Ok(())
}

/// The limit first: one control round trip per window, between two processes. Returns the
/// round trips measured and the windows per second they allow.
async fn round_trip_limit(
    options: &BenchOptions,
    pocnet_bin: &Path,
    report: &mut BenchReport,
    o: &mut String,
) -> anyhow::Result<(Vec<u64>, f64)> {
    let raw = raw_quinn_rtt_us(pocnet_bin, 400, if options.quick { 200 } else { 5000 }).await?;
    let r = percentiles(&raw);
    let limit = 1e6 / r.p50_ms.max(1) as f64;
    report.raw_echo_rtt_us = Some(RttFigures::of(&raw));
    report.rtt_limit_windows_per_s = Some(round(limit, 1));
    let _ = writeln!(
        o,
        "\nround-trip limit: raw quinn echo p50 {} us, p99 {} us ({} round trips): at most {limit:.0} windows/s",
        r.p50_ms,
        r.p99_ms,
        raw.len()
    );
    save(options, report)?;
    Ok((raw, limit))
}

/// hanoi-72's week on both engines: wall times, the mesh's overhead, idle node memory.
async fn hanoi_week(
    hanoi: &Scenario,
    options: &BenchOptions,
    limit: f64,
    report: &mut BenchReport,
    o: &mut String,
) -> anyhow::Result<EngineFigures> {
    let _ = writeln!(o, "\nhanoi-72: {} contact points, one week", hanoi.states.len());
    let h_in = inproc(hanoi).await?;
    let h_mesh = mesh(hanoi, options, "hanoi").await?;
    line(o, "in-process", &h_in, Some(limit));
    line(o, "mesh", &h_mesh, Some(limit));
    let over = h_mesh.wall().as_secs_f64() / h_in.wall().as_secs_f64().max(1e-9);
    let _ = writeln!(o, "  mesh / in-process wall: {over:.1}x");
    let rss = percentiles(&h_mesh.idle_rss_kib);
    let _ = writeln!(
        o,
        "  idle node RSS: median {:.1} MiB, max {:.1} MiB ({} nodes)",
        rss.p50_ms as f64 / 1024.0,
        rss.max_ms as f64 / 1024.0,
        rss.count
    );
    report.hanoi = vec![RunFigures::of("in-process", &h_in, Some(limit)), RunFigures::of("mesh", &h_mesh, Some(limit))];
    report.mesh_over_inproc_wall = Some(round(over, 2));
    save(options, report)?;
    Ok(h_mesh)
}

/// Sweeps: hanoi-72's week as variant runs on every core (the sweep's own runner).
fn sweep_rate(
    hanoi: &Scenario,
    options: &BenchOptions,
    cpus: usize,
    report: &mut BenchReport,
    o: &mut String,
) -> anyhow::Result<()> {
    let variants = if options.quick { 8 } else { 4 * cpus.max(1) * 8 };
    let started = Instant::now();
    let counted: anyhow::Result<Vec<crate::sweep::variants::RunCount>> = {
        use rayon::prelude::*;
        (0..variants as u64)
            .into_par_iter()
            .map(|i| {
                crate::sweep::variants::run_once(
                    hanoi,
                    &[],
                    hanoi.seed.wrapping_add(i),
                    crate::sweep::file::Measure::Saved,
                )
            })
            .collect()
    };
    counted?;
    let per_second = variants as f64 / started.elapsed().as_secs_f64().max(1e-9);
    let _ = writeln!(
        o,
        "  sweep: {variants} variant runs of the week in {:.2}s on {cpus} cores: {per_second:.1} a second, {:.0} a minute",
        started.elapsed().as_secs_f64(),
        per_second * 60.0
    );
    report.sweep_runs_per_s = Some(round(per_second, 2));
    save(options, report)?;
    robust_sweep(options, variants, report, o)
}

/// The mesh's batch round trip against the raw echo's, on the same loopback.
fn mesh_round_trip(
    raw: &[u64],
    h_mesh: &EngineFigures,
    options: &BenchOptions,
    report: &mut BenchReport,
    o: &mut String,
) -> anyhow::Result<()> {
    let r = percentiles(raw);
    let mesh_rtt = &h_mesh.batch_rtt_us;
    let m = percentiles(mesh_rtt);
    let (m50, m99, r50, r99) = (m.p50_ms, m.p99_ms, r.p50_ms, r.p99_ms);
    let _ = writeln!(o, "\nround trip on 127.0.0.1 (one stream per round trip)");
    let _ = writeln!(o, "  raw quinn echo, 400 B      p50 {r50:>6} us  p99 {r99:>6} us  ({} round trips)", raw.len());
    let _ = writeln!(o, "  mesh batch, write->queued  p50 {m50:>6} us  p99 {m99:>6} us  ({} batches)", mesh_rtt.len());
    let p99_ratio = m99 as f64 / r99.max(1) as f64;
    let _ = writeln!(o, "  mesh / raw: p50 {:.2}x, p99 {p99_ratio:.2}x", m50 as f64 / r50.max(1) as f64);
    report.mesh_batch_rtt_us = Some(RttFigures::of(mesh_rtt));
    report.mesh_batch_p99_over_raw_p99 = Some(round(p99_ratio, 2));
    save(options, report)
}

/// Synthetic registers of growing size on both engines, each size shown as it finishes.
async fn scaling(
    options: &BenchOptions,
    limit: f64,
    report: &mut BenchReport,
    o: &mut String,
    flush: &mut dyn FnMut(&mut String),
) -> anyhow::Result<()> {
    let sizes: Vec<(usize, u64, usize)> = if options.quick {
        vec![(3, 7, 300), (40, 7, 1_000)]
    } else {
        vec![(3, 28, 1_000), (71, 28, 1_000), (71, 28, 10_000), (193, 28, 1_000), (193, 28, 10_000), (193, 28, 50_000)]
    };
    let _ = writeln!(o, "\nscaling (synthetic registers, office-hours diurnal load)");
    flush(o);
    for (states, days, requests) in sizes {
        let s = synthetic(states, days, requests, 7)?;
        let i = inproc(&s).await?;
        let m = mesh(&s, options, &format!("synthetic-{states}-{requests}")).await?;
        line(o, &format!("{states} states {requests} req, inproc"), &i, Some(limit));
        line(o, &format!("{states} states {requests} req, mesh"), &m, Some(limit));
        if !m.idle_rss_kib.is_empty() {
            let median = percentiles(&m.idle_rss_kib).p50_ms;
            let _ = writeln!(o, "  {:<28} idle node RSS median {:.1} MiB", "", median as f64 / 1024.0);
        }
        report.scaling.push(ScalingFigures {
            states,
            days,
            requests_asked: requests,
            runs: vec![RunFigures::of("in-process", &i, Some(limit)), RunFigures::of("mesh", &m, Some(limit))],
        });
        save(options, report)?;
        flush(o);
    }
    Ok(())
}

/// The bundled robust sweep's pace: `n` of its draws' variant runs (draw and single change
/// in turn, its first seed), on every core, and its whole run's minutes at that pace.
fn robust_sweep(options: &BenchOptions, n: usize, report: &mut BenchReport, o: &mut String) -> anyhow::Result<()> {
    use rayon::prelude::*;
    let file = options.hanoi.with_file_name("sweeps").join("staffing-hanoi-robust.toml");
    let sweep = crate::sweep::file::load(&file).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (_, bases) = crate::sweep::drawn_bases(&sweep);
    let started = Instant::now();
    let counted: anyhow::Result<Vec<crate::sweep::variants::RunCount>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let single = &sweep.singles[i % sweep.singles.len()].change;
            crate::sweep::variants::run_once(&bases[i % bases.len()], &[single], sweep.seeds[0], sweep.measure)
        })
        .collect();
    counted?;
    let per_minute = n as f64 / started.elapsed().as_secs_f64().max(1e-9) * 60.0;
    let minutes = crate::sweep::runs_planned(&sweep) as f64 / per_minute;
    let _ = writeln!(
        o,
        "  robust sweep ({} draws): {per_minute:.0} variant-runs a minute; its {} runs in {minutes:.1} min",
        sweep.robust.draws,
        crate::sweep::runs_planned(&sweep)
    );
    report.robust_sweep_runs_per_min = Some(round(per_minute, 1));
    report.robust_sweep_minutes = Some(round(minutes, 2));
    save(options, report)
}
