//! `pocnet`: run scenarios of the 24/7 contact-point network and report on them.

use clap::{Parser, Subcommand};
use pocnet::run::{run, ClockKind, EngineKind, RunOptions};
use pocnet::scenario;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Prints to stdout; a closed pipe (`pocnet ... | head`) ends the process quietly, as
/// other Unix tools do, instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write;
        if let Err(e) = write!(std::io::stdout(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

macro_rules! outln {
    ($($arg:tt)*) => {{
        out!($($arg)*);
        out!("\n");
    }};
}

/// Writes a line to standard error without ever panicking (a full disk, a closed pipe).
use pocnet_node::say;

mod commands;
use commands::{compare, parse_slack, parse_tolerance, sweep, CompareOptions};

/// Exit codes, documented in `--help` and the README.
/// Runs of more requests print their totals only, unless asked for the table.
const TABLE_REQUESTS_MAX: usize = 50;
const EXIT_OK: u8 = 0;
const EXIT_THRESHOLD: u8 = 1;
const EXIT_INVALID: u8 = 2;
const EXIT_FAILED: u8 = 3;
const EXIT_INTERRUPTED: u8 = 130;

/// Simulate the 24/7 network of points of contact of the UN Convention against Cybercrime.
///
/// Each state's contact point runs as its own process (`pocnet-node`) in a QUIC mesh with
/// mutual TLS; the coordinator replays a scenario's injects under a deterministic virtual
/// clock and reports how fast requests were acknowledged and fulfilled, in scenario time
/// and in each side's local time.
///
/// Exit codes: 0 success; 1 a threshold of the scenario was breached (or, for compare, a
/// regression); 2 invalid scenario, report or arguments; 3 the run failed (a node failed, accounting did not add up); 130
/// interrupted (every node is stopped first).
#[derive(Parser, Debug)]
#[command(name = "pocnet", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum PkiCommand {
    /// Make a CA, and a certificate and key for the coordinator and each state of FILE.
    ///
    /// Refuses a DIR that already holds keys or certificates (*.key, *.pem: a node host's
    /// folder, an earlier CA) unless --force.
    Init {
        /// Directory to write (ca.pem, ca.key, coordinator.*, <iso3>.pem/.key).
        dir: PathBuf,
        /// A register or scenario file naming the states.
        #[arg(long)]
        register: PathBuf,
        /// Validity of the certificates, in days (1 to 3650).
        #[arg(long, default_value_t = 365, value_parser = parse_days)]
        days: u32,
        /// Write into a DIR that already holds keys or certificates, replacing them (every
        /// certificate must then be given out again).
        #[arg(long)]
        force: bool,
    },
    /// Issue or renew one certificate with DIR's CA: a state code, or `coordinator`.
    Issue {
        dir: PathBuf,
        who: String,
        /// Validity of the certificate, in days (1 to 3650).
        #[arg(long, default_value_t = 365, value_parser = parse_days)]
        days: u32,
    },
}

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// Injects from a CSV sheet, columns found by their headers (row 1): time, from, to,
    /// kind, then any of language, authority, offence, data, custodian, necessity,
    /// mla_to_follow, confidential, retention, chain, expect, expected action. Times in
    /// UTC (2025-11-05T08:32:00Z), a state's or zone's local time (2025-11-05 09:32 FRA,
    /// 2025-11-05 09:32 Europe/Paris) or from the start (+32m, T+00:32). Each bad cell is
    /// reported as file:row:column and nothing is written (exit 2).
    Injects {
        /// The sheet, saved as CSV (UTF-8).
        file: PathBuf,
        /// Write the TOML here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The scenario the injects are for: its states (checked), their time zones
        /// (local times) and its start (times from the start).
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// The exercise's start, for times from the start, when no --scenario gives it.
        #[arg(long)]
        start: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum DeployCommand {
    /// Write Kubernetes manifests to run SCENARIO on nodes of their own: a StatefulSet per
    /// contact point with its journal on a volume of its own, the Services, the coordinator's
    /// Job, the ConfigMap with the scenario and the register it names (laid out at the path
    /// the scenario expects), a claim for the run's outputs (mounted at /out), placeholder
    /// Secrets. Validate them with kubernetes-validate.
    Kubernetes {
        /// The scenario the coordinator's Job runs; each of its states gets a node.
        #[arg(long)]
        scenario: PathBuf,
        /// Directory to write the manifests into.
        #[arg(long)]
        out: PathBuf,
        /// The container image (deploy/build-image.sh builds pocnet:dev): letters, digits
        /// and `._-/:@+`.
        #[arg(long, default_value = "pocnet:dev", value_parser = parse_image)]
        image: String,
        /// The namespace: an RFC 1123 label (lower-case letters, digits, `-`).
        #[arg(long, default_value = "pocnet", value_parser = parse_namespace)]
        namespace: String,
        /// Storage requested for each node's journal volume.
        #[arg(long, default_value = "64Mi")]
        journal_storage: String,
        /// Storage requested for the run's outputs (the claim pocnet-out).
        #[arg(long, default_value = "1Gi")]
        out_storage: String,
    },
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario and write report.json (and transport.json for the mesh) into --out.
    ///
    /// The same scenario and seed give a byte-identical report.json on either engine.
    /// An exercise scenario (with `[exercise]`) under `--clock wall` also serves the
    /// operator console for each player and the controller's dashboard (links with access
    /// tokens are printed at start) and writes after-action.md; see docs/exercises.md.
    Run {
        /// Scenario file (TOML), e.g. scenarios/smoke.toml.
        #[arg(required_unless_present = "resume")]
        scenario: Option<PathBuf>,
        /// Continue the run whose coordinator died (killed, a reboot, a full disk) in this
        /// folder: its scenario, seed and options are read from OUT/resume/, the run starts
        /// over from the scenario's start, every action and directive of its journal enters
        /// at the scenario time it entered before, then it goes on live where it stopped;
        /// players' links and tokens stay the same. The report is the one an uninterrupted
        /// run with the same actions gives. A finished run is left alone (exit 0). Only
        /// --node-bin and --quiet may be given with it. See docs/exercises.md.
        #[arg(long, value_name = "OUT", conflicts_with_all = [
            "scenario", "engine", "clock", "speed", "out", "force", "seed", "table", "udp_loss",
            "udp_delay_ms", "attach", "console_listen", "console_cert", "console_key",
            "console_name", "console_tls",
        ])]
        resume: Option<PathBuf>,
        /// Which engine runs the contact points.
        #[arg(long, value_enum, default_value = "mesh")]
        engine: EngineKind,
        /// Which clock drives scenario time. The report is the same under either.
        #[arg(long, value_enum, default_value = "virtual")]
        clock: ClockKind,
        /// Wall clock: scenario seconds per real second (1 for a live exercise, 60 for a
        /// rehearsal). Type `pause`, `resume`, `fast` or `end` on standard input to control
        /// it (or use the exercise dashboard).
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// Directory for report.json, transport.json and the run's certificates and node logs.
        #[arg(long, default_value = "pocnet-out")]
        out: PathBuf,
        /// Use --out even if it holds another run's files: pocnet's own files there are
        /// removed first (nothing else). Without it such a folder is refused (exit 2).
        #[arg(long)]
        force: bool,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// The pocnet-node binary (default: $POCNET_NODE_BIN, else beside pocnet, else $PATH).
        #[arg(long)]
        node_bin: Option<PathBuf>,
        /// Print only the totals, not the per-request table; no progress line.
        #[arg(long, short)]
        quiet: bool,
        /// Print the per-request table however many requests the run makes (by default
        /// only for runs of at most 50 requests; report.json has every one).
        #[arg(long)]
        table: bool,
        /// Mesh only: every node drops this share of its UDP datagrams beneath QUIC, in
        /// [0, 1), so that QUIC's loss recovery runs for real. The report does not change
        /// (scenario time never depends on the transport); transport.json shows the cost.
        #[arg(long, default_value_t = 0.0)]
        udp_loss: f64,
        /// Mesh only: every node delays its UDP datagrams by this many milliseconds
        /// beneath QUIC. The report does not change.
        #[arg(long, default_value_t = 0)]
        udp_delay_ms: u64,
        /// Drive nodes that already run, anywhere, instead of starting them: a deployment
        /// file with `coordinator = "HOST:PORT"` (where nodes connect) and `pki = "DIR"`
        /// (from `pocnet pki init`). See docs/deployment.md.
        #[arg(long)]
        attach: Option<PathBuf>,
        /// Wall clock, exercise scenarios: where the operator console and the exercise
        /// dashboard listen. Loopback by default; each player and the controller get a
        /// link with an access token, printed at start and written to OUT/console.json.
        #[arg(long, default_value = "127.0.0.1:8750")]
        console_listen: std::net::SocketAddr,
        /// The console's TLS certificate (PEM). Beyond loopback the console is always
        /// served over HTTPS: with this certificate, or with one issued for the run by a CA
        /// made for it (OUT/console-ca.pem, for the players' browsers to trust).
        #[arg(long, requires = "console_key")]
        console_cert: Option<PathBuf>,
        /// The private key of --console-cert (PEM).
        #[arg(long, requires = "console_cert")]
        console_key: Option<PathBuf>,
        /// A name players reach the console by (DNS name or address), for the issued
        /// certificate; repeat for several.
        #[arg(long)]
        console_name: Vec<String>,
        /// Serve the console over HTTPS on loopback too.
        #[arg(long)]
        console_tls: bool,
        /// Also write every request as its receiving desk saw it to this CSV file (id,
        /// kind, from, to, received, received_local, acknowledged, executed, outcome, mode):
        /// the format `pocnet fit` and `pocnet validate` read (docs/records.md).
        #[arg(long)]
        records: Option<PathBuf>,
        /// Wall clock, exercises: how long the console stays up after the end, showing
        /// the ended banner and the after-action review (`0s`: close at once). Enter (or
        /// `close`) on standard input, or the dashboard's Close, ends it early.
        #[arg(long, default_value = "30m", value_parser = parse_linger)]
        linger: std::time::Duration,
    },
    /// Run a communication check: test messages to every contact point of a scenario,
    /// expecting a person's answer; name the states whose answers contradict the roster
    /// the register declares (declared 24/7, nobody at night).
    ///
    /// Uses the scenario's contact points, rosters, profiles, network and `[practice]`,
    /// and its `[ping_check]` if it has one (else: the first contact point pings every
    /// other 6 times at random moments over a week); the scenario's cases are not run.
    /// Writes the same files as `run` (report.json's ping_check section). See
    /// docs/scenarios.md.
    Ping {
        /// Scenario file (TOML), e.g. scenarios/ping-check.toml or scenarios/hanoi-72.toml.
        scenario: PathBuf,
        /// The state that sends the pings.
        #[arg(long)]
        from: Option<String>,
        /// Pings to each contact point (1 to 50).
        #[arg(long)]
        per_state: Option<u32>,
        /// The period the pings are spread over, like 14d.
        #[arg(long, value_parser = parse_ms)]
        over: Option<u64>,
        /// One ping to each contact point, all at the check's start (not with --per-state
        /// or --over).
        #[arg(long, conflicts_with_all = ["per_state", "over"])]
        at_once: bool,
        #[arg(long, value_enum, default_value = "mesh")]
        engine: EngineKind,
        /// Directory for report.json and the run's files.
        #[arg(long, default_value = "pocnet-ping")]
        out: PathBuf,
        /// Use --out even if it holds another run's files: pocnet's own files there are
        /// removed first (nothing else). Without it such a folder is refused (exit 2).
        #[arg(long)]
        force: bool,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// The pocnet-node binary (default: $POCNET_NODE_BIN, else beside pocnet, else $PATH).
        #[arg(long)]
        node_bin: Option<PathBuf>,
        /// Print only the totals.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Make and renew certificates for a deployment (nodes on their own hosts).
    Pki {
        #[command(subcommand)]
        command: PkiCommand,
    },
    /// Write the files of a deployment (Kubernetes manifests) for any register.
    Deploy {
        #[command(subcommand)]
        command: DeployCommand,
    },
    /// Check scenario, sweep and register files and report every problem with
    /// file:line:column.
    ///
    /// Each file is checked as what it is: a sweep file (it has `[sweep]`) with its base
    /// scenario and its options, a register (`[[contact_points]]` and no `[scenario]`) with
    /// its entries and profiles, else a scenario with its register. Exit 2 if any is
    /// invalid. One mistake gives one error: a field already reported is not reported
    /// again by a check that depends on it; a misspelt key, zone, state, roster or profile
    /// gets the nearest known name ("did you mean").
    Check {
        /// Scenario, sweep or register files (TOML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Fit the model to one desk's records: arrivals by local hour and weekday, time to
    /// acknowledge by roster mode, work time by kind (exponential, gamma, log-normal; best by
    /// AIC, 95% intervals, bootstrap Kolmogorov-Smirnov test). Writes fit.toml (a profile
    /// and a [[generate]] block to paste into a scenario), fit.json, fit.md and fit.html
    /// into --out. See docs/records.md.
    Fit {
        /// The records file (CSV, the format `pocnet run --records` writes).
        records: PathBuf,
        /// The desk whose records to fit (its ISO 3166 alpha-3 code, the `to` column).
        #[arg(long)]
        state: String,
        /// The desk's time zone, where the records have no `received_local` column.
        #[arg(long)]
        tz: Option<String>,
        /// Directory for fit.toml, fit.json, fit.md and fit.html.
        #[arg(long, default_value = "pocnet-fit")]
        out: PathBuf,
        /// Bootstrap resamples per goodness-of-fit test.
        #[arg(long, default_value_t = 199)]
        resamples: usize,
        /// Use --out even if it holds another run's files (pocnet's own are removed first).
        #[arg(long)]
        force: bool,
    },
    /// Check a scenario against one desk's records: runs it on several seeds (in process)
    /// and compares the desk's time to acknowledge (overall, by roster mode, by local hour),
    /// work time by kind and outcomes with the records. Exit 0 when every figure is inside
    /// the run-to-run noise, 1 when one is not (naming the parameter most likely at fault);
    /// the chance of failing a true scenario is held at 5% over all figures (Holm). Writes
    /// validate.json, validate.md and validate.html into --out. See docs/records.md.
    Validate {
        scenario: PathBuf,
        /// The records file (CSV, the format `pocnet run --records` writes).
        records: PathBuf,
        /// The desk to compare (its ISO 3166 alpha-3 code).
        #[arg(long)]
        state: String,
        /// Seeds to run: the scenario's seed and the next ones (at least 2).
        #[arg(long, default_value_t = 10)]
        seeds: u64,
        /// Monte Carlo samples per figure.
        #[arg(long, default_value_t = 999)]
        draws: usize,
        /// Directory for validate.json, validate.md and validate.html.
        #[arg(long, default_value = "pocnet-validate")]
        out: PathBuf,
        /// Use --out even if it holds another run's files (pocnet's own are removed first).
        #[arg(long)]
        force: bool,
    },
    /// Bring a spreadsheet in: `pocnet import injects SHEET.csv` turns an exercise's
    /// master scenario event list into scenario TOML `[[injects]]` (see docs/exercises.md).
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// Print the JSON Schema of scenario files (for editors; `check` also validates meaning).
    ///
    /// Derived from the parser's own types, so it accepts what the parser accepts in shape;
    /// docs/scenario.schema.json and docs/register.schema.json are its output.
    Schema {
        /// The schema of register files (scenarios/registers/*.toml) instead.
        #[arg(long)]
        register: bool,
    },
    /// Measure speed: virtual-clock throughput on both engines against the round-trip
    /// limit (one control round trip per window, measured first with a raw quinn echo),
    /// mesh start-up, idle node memory, mesh round trips, and scaling to 193 states.
    ///
    /// Prints figures and writes them all to OUT/bench.json (to compare commits); never
    /// fails on a time. --quick runs small sizes (seconds), to prove the benchmark works;
    /// the full run takes about three minutes. See docs/performance.md.
    Bench {
        /// Small sizes only.
        #[arg(long)]
        quick: bool,
        /// Where bench.json goes, and the benchmark's runs put certificates and node logs.
        #[arg(long, default_value = "pocnet-bench")]
        out: PathBuf,
        /// Use --out even if it holds another run's files: pocnet's own files there are
        /// removed first (nothing else). Without it such a folder is refused (exit 2).
        #[arg(long)]
        force: bool,
        /// The hanoi-72 scenario file.
        #[arg(long, default_value = "scenarios/hanoi-72.toml")]
        hanoi: PathBuf,
        /// The pocnet-node binary (default: $POCNET_NODE_BIN, else beside pocnet, else $PATH).
        #[arg(long)]
        node_bin: Option<PathBuf>,
    },
    /// Which staffing change saves the most evidence per staffed hour: run a sweep.
    ///
    /// A sweep file names a base scenario, the changes to try (per state, region or all:
    /// roster type, hours, officers, translators; regional hubs), what to count (default: cases whose
    /// evidence was saved) and how many seeds. Every variant runs on the in-process engine
    /// on all cores, on the same seeds as the base (common random numbers); single changes
    /// are ranked by evidence saved per added staffed hour with 95% paired intervals, the
    /// best are combined, and the Pareto frontier is drawn. Writes sweep.json, sweep.md and
    /// sweep.html into --out. See docs/sweeps.md.
    Sweep {
        /// Sweep file (TOML), e.g. scenarios/sweeps/staffing-hanoi.toml.
        file: PathBuf,
        /// Directory for sweep.json, sweep.md, sweep.html (or a shard's file).
        #[arg(long, default_value = "pocnet-sweep")]
        out: PathBuf,
        /// Use --out even if it holds another run's files: pocnet's own files there are
        /// removed first (nothing else). Without it such a folder is refused (exit 2).
        #[arg(long)]
        force: bool,
        /// Run only shard I of N of the first stage (every N-th variant) and write
        /// sweep-shard-I-of-N.json; merge the shards' files with --merge.
        #[arg(long, value_parser = pocnet::sweep::command::parse_shard)]
        shard: Option<(usize, usize)>,
        /// Shard files to merge: writes exactly what a whole run writes.
        #[arg(long, num_args = 1..)]
        merge: Vec<PathBuf>,
        /// With --merge: wait up to this long (like 30m or 2h) for shard files that are not
        /// there yet, as when the merge starts alongside the shards (they appear whole).
        #[arg(long, value_parser = parse_wait, requires = "merge")]
        merge_wait: Option<std::time::Duration>,
        /// Rerun the N best variants on the mesh (first seed) and check their report.json
        /// is byte-identical to the in-process one; exit 3 if not.
        #[arg(long, default_value_t = 0)]
        confirm_on_mesh: usize,
        /// The pocnet-node binary, for --confirm-on-mesh.
        #[arg(long)]
        node_bin: Option<PathBuf>,
        /// No progress bar.
        #[arg(short, long)]
        quiet: bool,
    },
    /// (Used by `bench`.) A raw quinn echo server on 127.0.0.1.
    #[command(hide = true)]
    BenchEcho,
    /// Compare two report.json files of the same scenario; exit 1 if NEW regressed beyond
    /// the tolerance, 2 on invalid input or reports of different scenarios.
    ///
    /// Compares every family of figures the two reports have: latency percentiles
    /// (overall, and p90 by kind), success ratios (overall, by kind, by region), the
    /// share acknowledged within the SLA, the scenario's thresholds, staffed shares, and
    /// where the scenario has them the evidence step, desks, hubs, the communication check,
    /// stale register entries and forgeries. A family of one report only is listed as
    /// such. A duration regresses when it grows by more than --tolerance (percent of the
    /// base) plus --slack; a count by more than --tolerance; a ratio when it moves the
    /// wrong way by more than --ratio-tolerance (absolute: 0.01 is one percentage point);
    /// a threshold when it passed and now fails. Each line prints its rule. A percentile of
    /// fewer than --min-samples values, in either report, is shown, marked and not judged.
    ///
    /// Each report carries its scenario's hash (scenario.hash): reports of different
    /// scenarios are refused unless --allow-different, and then every output says so. A
    /// report lacking a figure of a family it has is refused (exit 2), as is anything but
    /// a regular file of at most 256 MiB. With --out DIR, also writes
    /// DIR/compare.junit.xml (a test case per figure, a failure per regression) and
    /// DIR/compare.md (a summary for a CI job page). See docs/ci.md.
    Compare {
        /// The baseline report.json.
        base: PathBuf,
        /// The report.json to judge against it.
        new: PathBuf,
        /// Relative tolerance on durations and counts, in percent (finite, at least 0).
        #[arg(long, default_value = "10", value_parser = parse_tolerance)]
        tolerance: f64,
        /// Absolute slack on durations, added to --tolerance: a duration like 1m.
        #[arg(long, default_value = "1m", value_parser = parse_slack)]
        slack: u64,
        /// Absolute tolerance on ratios (0.01 = one percentage point; finite, at least 0).
        #[arg(long, default_value = "0.01", value_parser = parse_tolerance)]
        ratio_tolerance: f64,
        /// A percentile of fewer values than this, in either report, is shown and not judged.
        #[arg(long, default_value_t = 20)]
        min_samples: u64,
        /// Compare reports of different scenarios (their scenario.hash differs) instead of
        /// refusing them; every output then says they differ.
        #[arg(long)]
        allow_different: bool,
        /// Also write DIR/compare.junit.xml and DIR/compare.md.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    pocnet_node::init_logging();
    match cli.command {
        Command::Check { files } => ExitCode::from(check(&files)),
        Command::Compare { base, new, tolerance, slack, ratio_tolerance, min_samples, allow_different, out } => {
            ExitCode::from(compare(&CompareOptions {
                base,
                new,
                tolerance,
                slack_ms: slack,
                ratio_tolerance,
                min_samples,
                allow_different,
                out,
            }))
        }
        Command::Bench { quick, out, hanoi, node_bin, force } => {
            if let Err(code) = claim(&out, force, |_| false) {
                return code;
            }
            let options = pocnet::bench::BenchOptions {
                node_bin: pocnet::engine::mesh::find_node_binary(node_bin.as_deref()),
                out,
                quick,
                hanoi,
            };
            ExitCode::from(bench(&options))
        }
        command @ Command::Sweep { .. } => ExitCode::from(sweep_arm(command)),
        Command::BenchEcho => ExitCode::from(bench_echo()),
        Command::Import { what: ImportCommand::Injects { file, out, scenario, start } } => {
            ExitCode::from(import_injects(&file, out.as_deref(), scenario.as_deref(), start.as_deref()))
        }
        Command::Schema { register } => {
            let schema =
                if register { pocnet::scenario::register_schema() } else { pocnet::scenario::scenario_schema() };
            out!("{schema}");
            ExitCode::from(EXIT_OK)
        }
        Command::Deploy {
            command: DeployCommand::Kubernetes { scenario, out, image, namespace, journal_storage, out_storage },
        } => {
            let options = pocnet::deploy::Options { namespace, image, journal_storage, out_storage };
            deploy_kubernetes(&scenario, &out, options)
        }
        Command::Pki { command } => ExitCode::from(pki(command)),
        command @ Command::Ping { .. } => ping_arm(command),
        command @ Command::Run { .. } => run_arm(command),
        Command::Fit { records, state, tz, out, resamples, force } => {
            if let Err(code) = claim(&out, force, |_| false) {
                return code;
            }
            ExitCode::from(commands::fit(&records, &state, tz.as_deref(), &out, resamples))
        }
        Command::Validate { scenario, records, state, seeds, draws, out, force } => {
            if let Err(code) = claim(&out, force, |_| false) {
                return code;
            }
            let options = commands::ValidateOptions {
                scenario: &scenario,
                records: &records,
                state: &state,
                seeds,
                draws,
                out: &out,
            };
            ExitCode::from(commands::validate(&options))
        }
    }
}

/// `pocnet sweep`: the command line's options as the sweep takes them.
fn sweep_arm(command: Command) -> u8 {
    let Command::Sweep { file, out, shard, merge, merge_wait, confirm_on_mesh, node_bin, quiet, force } = command
    else {
        unreachable!("main hands only `sweep` here")
    };
    let options = pocnet::sweep::command::SweepOptions {
        file,
        out,
        force,
        shard,
        merge,
        merge_wait,
        confirm_on_mesh,
        node_bin: pocnet::engine::mesh::find_node_binary(node_bin.as_deref()),
        progress: !quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("CI").is_none(),
    };
    sweep(&options)
}

/// `pocnet bench-echo`: serve the echo peer of the bench until killed.
fn bench_echo() -> u8 {
    match current_thread().map(|rt| rt.block_on(pocnet::bench::echo_server())) {
        Ok(Ok(())) => EXIT_OK,
        Ok(Err(e)) | Err(e) => {
            say!("pocnet bench-echo: {e:#}");
            EXIT_FAILED
        }
    }
}

/// `pocnet deploy kubernetes`: write the manifests for the scenario's contact points.
fn deploy_kubernetes(scenario: &Path, out: &Path, options: pocnet::deploy::Options) -> ExitCode {
    let k8s = match pocnet::deploy::Kubernetes::new(scenario, options) {
        Ok(k) => k,
        Err(e) => {
            say!("pocnet deploy: {e}");
            return ExitCode::from(EXIT_INVALID);
        }
    };
    match k8s.write(out) {
        Ok(files) => {
            outln!(
                "wrote {} files for {} contact points into {}: {}",
                files.len(),
                k8s.states().len(),
                out.display(),
                files.join(" ")
            );
            ExitCode::from(EXIT_OK)
        }
        Err(e) => {
            say!("pocnet deploy: {e}");
            ExitCode::from(EXIT_FAILED)
        }
    }
}

/// `pocnet pki init|issue`.
fn pki(command: PkiCommand) -> u8 {
    let result = match command {
        PkiCommand::Init { dir, register, days, force } => pocnet::pki::init(&dir, &register, days, force),
        PkiCommand::Issue { dir, who, days } => pocnet::pki::issue(&dir, &who, days),
    };
    match result {
        Ok(files) => {
            outln!("wrote {} files: {}", files.len(), files.join(" "));
            EXIT_OK
        }
        Err(e) => {
            say!("pocnet pki: {e}");
            EXIT_INVALID
        }
    }
}

/// `pocnet ping`: the scenario cut down to its ping check, run on the virtual clock.
fn ping_arm(command: Command) -> ExitCode {
    let Command::Ping { scenario, from, per_state, over, at_once, engine, out, seed, node_bin, quiet, force } = command
    else {
        unreachable!("main hands only `ping` here")
    };
    let mut scenario = match scenario::load(&scenario, &scenario::Overrides { seed }) {
        Ok(s) => s,
        Err(e) => {
            say!("{e}");
            return ExitCode::from(EXIT_INVALID);
        }
    };
    let from = match from.map(|f| pocnet_core::StateCode::parse(&f)).transpose() {
        Ok(f) => f,
        Err(e) => {
            say!("pocnet ping: --from: {e}");
            return ExitCode::from(EXIT_INVALID);
        }
    };
    let only = scenario::PingOnly { from, per_state, over_ms: over, at_once };
    if let Err(e) = scenario::ping_only(&mut scenario, &only) {
        say!("pocnet ping: {e}");
        return ExitCode::from(EXIT_INVALID);
    }
    if let Err(code) = claim(&out, force, |_| false) {
        return code;
    }
    let options = RunOptions {
        clock: ClockKind::Virtual,
        speed: 1.0,
        engine,
        out,
        node_bin: pocnet::engine::mesh::find_node_binary(node_bin.as_deref()),
        quiet,
        table: false,
        udp_loss: 0.0,
        udp_delay: std::time::Duration::ZERO,
        attach: None,
        console_listen: ([127, 0, 0, 1], 8750).into(),
        console_tls: Default::default(),
        linger: std::time::Duration::ZERO,
        stop: Default::default(),
        kept: None,
    };
    ExitCode::from(run_command(&scenario, &options, None))
}

/// `pocnet run`: resume a run, or check the flags, load the scenario, keep what a resume
/// needs and run it.
fn run_arm(command: Command) -> ExitCode {
    let Command::Run {
        scenario,
        engine,
        clock,
        speed,
        out,
        seed,
        node_bin,
        quiet,
        table,
        udp_loss,
        udp_delay_ms,
        attach,
        console_listen,
        console_cert,
        console_key,
        console_name,
        console_tls,
        linger,
        force,
        records,
        resume,
    } = command
    else {
        unreachable!("main hands only `run` here")
    };
    let node_bin = pocnet::engine::mesh::find_node_binary(node_bin.as_deref());
    if let Some(out) = resume {
        return ExitCode::from(resume_command(&out, node_bin, quiet));
    }
    let Some(scenario_path) = scenario else {
        say!("pocnet run: a scenario file, or --resume OUT");
        return ExitCode::from(EXIT_INVALID);
    };
    let attach = match run_flags(attach, speed, udp_loss) {
        Ok(attach) => attach,
        Err(code) => return code,
    };
    let (scenario, register) = match load_run_scenario(&scenario_path, seed) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if let Err(code) = claim(&out, force, |_| false) {
        return code;
    }
    let console_tls = pocnet::exercise::tls::ConsoleTlsOptions {
        cert: console_cert,
        key: console_key,
        force: console_tls,
        names: console_name,
    };
    let options = RunOptions {
        clock,
        speed,
        engine,
        out,
        node_bin,
        quiet,
        table,
        udp_loss,
        udp_delay: std::time::Duration::from_millis(udp_delay_ms),
        attach,
        console_listen,
        console_tls,
        linger,
        stop: Default::default(),
        kept: None,
    };
    ExitCode::from(run_keeping(&scenario_path, register.as_deref(), &scenario, options, records.as_deref()))
}

/// `pocnet run`'s scenario, loaded with the `--seed` override, and the register it names.
fn load_run_scenario(path: &Path, seed: Option<u64>) -> Result<(scenario::Scenario, Option<String>), ExitCode> {
    scenario::load_naming_register(path, &scenario::Overrides { seed }).map_err(|e| {
        say!("{e}");
        ExitCode::from(EXIT_INVALID)
    })
}

/// Keeps what `--resume` needs in OUT, then runs; a run that cannot be kept still runs, with
/// a warning.
fn run_keeping(
    scenario_path: &Path,
    register: Option<&str>,
    scenario: &scenario::Scenario,
    options: RunOptions,
    records: Option<&Path>,
) -> u8 {
    match commands::resume::keep(scenario_path, register, scenario.seed, &options) {
        Ok(kept) => run_command(scenario, &RunOptions { kept: Some(kept), ..options }, records),
        Err(e) => {
            // The run itself can go on; only `--resume` would not find what it needs.
            say!("pocnet: warning: this run cannot be resumed if its coordinator dies: {e:#}");
            run_command(scenario, &options, records)
        }
    }
}

/// `pocnet run`'s flags checked before the scenario is read, in this order: `--attach`
/// (loaded), `--speed`, `--udp-loss`.
fn run_flags(
    attach: Option<PathBuf>,
    speed: f64,
    udp_loss: f64,
) -> Result<Option<pocnet::engine::mesh::Attach>, ExitCode> {
    let attach = match attach.map(|p| pocnet::engine::mesh::Attach::load(&p)) {
        None => None,
        Some(Ok(a)) => Some(a),
        Some(Err(e)) => {
            say!("pocnet: --attach: {e:#}");
            return Err(ExitCode::from(EXIT_INVALID));
        }
    };
    if !(speed > 0.0 && speed.is_finite()) {
        say!("pocnet: --speed {speed} must be a positive number");
        return Err(ExitCode::from(EXIT_INVALID));
    }
    if !(0.0..1.0).contains(&udp_loss) {
        say!("pocnet: --udp-loss {udp_loss} is not a share in [0, 1)");
        return Err(ExitCode::from(EXIT_INVALID));
    }
    Ok(attach)
}

/// `--linger`: a duration as scenarios write them (`30m`, `2h`, `0s`), at most a day.
fn parse_linger(s: &str) -> Result<std::time::Duration, String> {
    let ms = if s.trim() == "0" { 0 } else { scenario::duration_ms(s).map_err(|e| e.to_string())? };
    if ms > 86_400_000 {
        return Err(format!("{s} is more than a day"));
    }
    Ok(std::time::Duration::from_millis(ms))
}

/// `pocnet run --resume OUT`.
fn resume_command(out: &std::path::Path, node_bin: PathBuf, quiet: bool) -> u8 {
    match commands::resume::resumed(out, node_bin, quiet) {
        Ok(commands::resume::Resumed::Finished) => {
            say!("pocnet: {}: this run finished (its reports are there): nothing to resume", out.display());
            EXIT_OK
        }
        Ok(commands::resume::Resumed::Run(scenario, options)) => run_command(&scenario, &options, None),
        Err(e) => {
            say!("pocnet run --resume: {e:#}");
            EXIT_INVALID
        }
    }
}

/// Claims `--out` for this run (see `out_dir`): exit 2 when it holds another run's files.
fn claim(out: &std::path::Path, force: bool, keep: impl Fn(&str) -> bool) -> Result<(), ExitCode> {
    pocnet::out_dir::claim(out, force, keep).map_err(|e| {
        say!("pocnet: --out {e}");
        ExitCode::from(EXIT_INVALID)
    })
}

/// A duration like `14d`, in milliseconds.
fn parse_ms(s: &str) -> Result<u64, String> {
    scenario::duration_ms(s).map_err(|e| e.to_string())
}

/// `--days` of `pki`: 1 to 3650.
fn parse_days(s: &str) -> Result<u32, String> {
    let days: u64 = s.parse().map_err(|_| format!("`{s}` is not a number of days"))?;
    pocnet::pki::days(days).map_err(|e| e.to_string())
}

/// `--namespace` of `deploy kubernetes`: an RFC 1123 label.
fn parse_namespace(s: &str) -> Result<String, String> {
    pocnet::deploy::namespace(s).map_err(|e| e.to_string())
}

/// `--image` of `deploy kubernetes`.
fn parse_image(s: &str) -> Result<String, String> {
    pocnet::deploy::image(s).map_err(|e| e.to_string())
}

/// A duration like `30m` or `2h`, for `--merge-wait`.
fn parse_wait(s: &str) -> Result<std::time::Duration, String> {
    scenario::duration_ms(s).map(std::time::Duration::from_millis).map_err(|e| e.to_string())
}

fn current_thread() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

fn bench(options: &pocnet::bench::BenchOptions) -> u8 {
    let exe = std::env::current_exe().unwrap_or_else(|_| "pocnet".into());
    let mut emit = |text: &str| out!("{text}");
    let result = current_thread().and_then(|rt| {
        rt.block_on(async {
            tokio::select! {
                r = pocnet::bench::run(options, &exe, &mut emit) => Some(r),
                () = interrupted() => None,
            }
        })
        .ok_or_else(|| anyhow::anyhow!("interrupted"))
        .and_then(|r| r)
    });
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => {
            say!("pocnet bench: {e:#}");
            EXIT_FAILED
        }
    }
}

/// Checks each file as what it is: a scenario, a sweep file (with its base scenario) or a
/// register of contact points.
/// `pocnet import injects`: the sheet's injects as TOML, on standard output or in `out`.
fn import_injects(file: &Path, out: Option<&Path>, scenario: Option<&Path>, start: Option<&str>) -> u8 {
    use pocnet::exercise::import::{import_injects, ImportOptions};
    let mut options = ImportOptions::default();
    if let Some(path) = scenario {
        match scenario::load(path, &scenario::Overrides::default()) {
            Ok(s) => {
                options.start = Some(s.start);
                options.states = Some(s.states.iter().map(|st| st.code).collect());
                for st in &s.states {
                    if let Ok(tz) = pocnet_core::tzdb::zone(&st.tz) {
                        options.zones.insert(st.code, tz);
                    }
                }
            }
            Err(e) => {
                say!("{e}");
                return EXIT_INVALID;
            }
        }
    }
    if let Some(text) = start {
        match text.parse::<jiff::Timestamp>() {
            Ok(ts) => options.start = Some(pocnet_core::SimTime::from_timestamp(ts)),
            Err(_) => {
                say!("pocnet: --start `{text}` is not a UTC time like 2025-11-05T08:30:00Z");
                return EXIT_INVALID;
            }
        }
    }
    match import_injects(file, &options) {
        Ok(imported) => {
            for note in &imported.notes {
                say!("pocnet: {}: {note}", file.display());
            }
            match out {
                None => outln!("{}", imported.toml.trim_end()),
                Some(path) => {
                    if let Err(e) = std::fs::write(path, &imported.toml) {
                        say!("pocnet: {}: {e}", path.display());
                        return EXIT_FAILED;
                    }
                    say!("pocnet: {} injects written to {}", imported.injects, path.display());
                }
            }
            EXIT_OK
        }
        Err(e) => {
            say!("{e}");
            EXIT_INVALID
        }
    }
}

fn check(files: &[PathBuf]) -> u8 {
    let mut code = EXIT_OK;
    for file in files {
        let verdict = match scenario::file_kind(file) {
            scenario::FileKind::Scenario => scenario::load(file, &scenario::Overrides::default()).map(|s| {
                let pings = s.injects.iter().filter(|i| i.kind == pocnet_core::RequestKind::Ping).count();
                format!("{} contact points, {} cases, {pings} pings", s.states.len(), s.injects.len() - pings)
            }),
            scenario::FileKind::Sweep => pocnet::sweep::file::load(file)
                .map(|s| format!("sweep: {} changes over base {}", s.singles.len(), s.base_file)),
            scenario::FileKind::Register => scenario::check_register(file).map(|r| {
                let mut text = format!("register: {} contact points, {} profiles", r.contact_points, r.profiles);
                if !r.to_define.is_empty() {
                    text += &format!("; a scenario including them defines {}", r.to_define.join(", "));
                }
                text
            }),
        };
        match verdict {
            Ok(what) => outln!("{}: ok ({what})", file.display()),
            Err(e) => {
                say!("{e}");
                code = EXIT_INVALID;
            }
        }
    }
    code
}

fn run_command(scenario: &scenario::Scenario, options: &RunOptions, records: Option<&std::path::Path>) -> u8 {
    // One thread: the coordinator mostly waits on nodes, and the kernel's parent-death
    // signal for the nodes is tied to the thread that spawned them.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            say!("pocnet: cannot start the runtime: {e}");
            return EXIT_FAILED;
        }
    };
    let outcome = runtime.block_on(async {
        let told = tokio::select! {
            result = run(scenario, options) => return Some(result),
            () = interrupted() => options.stop.stop().await,
        };
        // The run's future is dropped here: it kills every node this coordinator started.
        let attached = if options.attach.is_some() { " (attached: told to stop)" } else { "" };
        say!("pocnet: interrupted; stopping {told} node(s){attached}");
        None
    });
    // Dropping the run above killed every node process (kill_on_drop); the runtime's
    // shutdown reaps them. Bounded: the wall clock's reader of standard input may still
    // be blocked on a terminal that never closes.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    match outcome {
        None => EXIT_INTERRUPTED,
        Some(Err(e)) => {
            say!("pocnet: run failed: {e:#}");
            EXIT_FAILED
        }
        Some(Ok(result)) => {
            let engine = match options.engine {
                EngineKind::Mesh => "mesh",
                EngineKind::Inproc => "inproc",
            };
            outln!(
                "pocnet: {} — {} contact points, {} cases, {} pings, seed {}, engine {engine}, {:.2}s wall",
                scenario.name,
                scenario.states.len(),
                result.account.ledger.totals.injects,
                result.account.ledger.pings.len(),
                scenario.seed,
                result.wall.as_secs_f64()
            );
            let requests = result.account.ledger.totals.requests;
            let totals_only = options.quiet || (!options.table && requests > TABLE_REQUESTS_MAX);
            let table = pocnet::outputs::table::table(&result.account, totals_only);
            if totals_only {
                if !options.quiet {
                    outln!("({requests} requests: the per-request table is in report.json, or printed with --table)");
                }
                outln!("{}", table.trim());
            } else {
                out!("{table}");
            }
            if let Some(t) = &result.transport {
                outln!("mesh start-up {} ms; see transport.json for QUIC round trips", t.startup.as_millis());
            }
            outln!("wrote {}", options.out.join("report.json").display());
            if let Some(path) = records {
                if let Err(code) = commands::write_records(scenario, &result.account.ledger, path) {
                    return code;
                }
            }
            let breached: Vec<&str> =
                result.account.analysis.thresholds.iter().filter(|v| !v.passed).map(|v| v.threshold.as_str()).collect();
            if breached.is_empty() {
                EXIT_OK
            } else {
                say!("pocnet: {} threshold(s) breached: {}", breached.len(), breached.join("; "));
                EXIT_THRESHOLD
            }
        }
    }
}

async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
