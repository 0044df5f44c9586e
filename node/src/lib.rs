//! pocnet-node: one state's 24/7 contact point as a process.
//!
//! A thin tokio shell around [`pocnet_core::Agenda`]: QUIC (quinn) with mutual TLS
//! (rustls) to peers and to the coordinator, one `select!` over one input enum. The
//! library half is shared with the coordinator and the tests: certificates ([`pki`]),
//! TLS configuration and peer identity ([`tls`]), frames on QUIC streams ([`framing`]).

pub mod framing;
pub mod journal;
pub mod lossy;
pub mod pki;
pub mod runtime;
pub mod tls;

/// Logs to stderr for both binaries: level from `$POCNET_LOG` (default `warn`), colour only
/// on a terminal.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("POCNET_LOG").unwrap_or_else(|_| "warn".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}
