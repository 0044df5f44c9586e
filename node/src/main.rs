//! `pocnet-node`: one state's 24/7 contact point. Normally started by `pocnet run`.

use clap::Parser;
use pocnet_core::StateCode;
use pocnet_node::runtime::{run, NodeArgs};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// One state's 24/7 point of contact in a pocnet mesh.
///
/// Connects to the coordinator over QUIC with mutual TLS, receives its roster, profile,
/// injects and the register of contact points, then runs the windows the coordinator's
/// clock grants, exchanging messages with other contact points over QUIC. Normally
/// started by `pocnet run`; run it by hand to host a contact point elsewhere.
///
/// Exit codes: 0 after the coordinator ends (or stops) the run, 1 on any error (printed to
/// stderr, and sent to the coordinator with its cause).
#[derive(Parser, Debug)]
#[command(name = "pocnet-node", version)]
struct Cli {
    /// ISO 3166 alpha-3 code of the state this node is the contact point of (VNM).
    #[arg(long, value_parser = parse_state)]
    state: StateCode,
    /// Coordinator's QUIC address (host:port).
    #[arg(long)]
    coordinator: SocketAddr,
    /// Address to listen on for other contact points; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// PEM certificate naming this state (`<iso3>.state.pocnet`), issued by the network CA.
    #[arg(long)]
    cert: PathBuf,
    /// PEM private key of the certificate.
    #[arg(long)]
    key: PathBuf,
    /// PEM certificate of the network's CA.
    #[arg(long)]
    ca: PathBuf,
    /// Journal file: accepted messages and completed windows, replayed after a restart so
    /// that a node killed at any moment loses nothing.
    #[arg(long)]
    journal: Option<PathBuf>,
    /// Drop this share of outgoing UDP datagrams beneath QUIC, in [0, 1): a transport test
    /// that makes QUIC recover for real. Scenario time, and so the report, do not change.
    #[arg(long, default_value_t = 0.0, value_parser = parse_loss)]
    udp_loss: f64,
    /// Delay every outgoing UDP datagram by this many milliseconds beneath QUIC.
    #[arg(long, default_value_t = 0)]
    udp_delay_ms: u64,
    /// Batches one peer may send per second (and in one burst); more are refused.
    #[arg(long, default_value_t = pocnet_node::runtime::PEER_BATCHES_PER_SECOND)]
    peer_batches_per_second: u32,
}

fn parse_loss(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..1.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a share in [0, 1)")),
    }
}

fn parse_state(s: &str) -> Result<StateCode, String> {
    StateCode::parse(s).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    pocnet_node::init_logging();
    // A current-thread runtime: measured faster than multi-thread for one node (design.md).
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            pocnet_node::say!("pocnet-node: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let args = NodeArgs {
        state: cli.state,
        coordinator: cli.coordinator,
        listen: cli.listen,
        cert: cli.cert,
        key: cli.key,
        ca: cli.ca,
        journal: cli.journal,
        udp_loss: cli.udp_loss,
        udp_delay: std::time::Duration::from_millis(cli.udp_delay_ms),
        peer_batches_per_second: cli.peer_batches_per_second,
    };
    let state = args.state;
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_stop() => {
            pocnet_node::say!("pocnet-node {state}: stopped by the coordinator");
            ExitCode::SUCCESS
        }
        Err(e) => {
            pocnet_node::say!("pocnet-node {state}: error: {e}");
            ExitCode::FAILURE
        }
    }
}
