//! pocnet-node: one state's 24/7 contact point as a process.
//!
//! A thin tokio shell around [`pocnet_core::Agenda`]: QUIC (quinn) with mutual TLS
//! (rustls) to peers and to the coordinator, one loop over one input enum. The library
//! half is shared with the coordinator and the tests.
//!
//! - [`runtime`]: one node's life, composed of the rest;
//! - [`node`]: the loop (windows, batches, the journal's use); [`input`]: what it takes
//!   in and how a node stops (typed failures);
//! - [`control`]: the node's side of the coordinator protocol;
//! - [`serve`]: accepting peers (identity, limits) and reading their batches;
//!   [`acceptance`]: what a batch's bytes earn, without I/O (also fuzzed);
//! - [`deliver`]: sending batches (cut by bytes, back-off on typed rejections);
//! - [`journal`]: what survives a kill; [`refusals`]: what was refused, counted;
//! - [`files`]: inputs only from regular files, outputs written whole (both binaries);
//! - [`tls`], [`pki`]: certificates and identities; [`framing`]: frames on streams;
//!   [`lossy`]: a UDP socket that loses, delays and cuts beneath QUIC.

pub mod acceptance;
pub mod control;
pub mod deliver;
pub mod files;
pub mod framing;
pub mod input;
pub mod journal;
pub mod lossy;
pub mod node;
pub mod pki;
pub mod refusals;
pub mod runtime;
pub mod serve;
pub mod tls;

/// Standard error that never panics: a full disk or a closed pipe loses the line, not the
/// process (tracing-subscriber and `eprintln!` panic when stderr fails).
#[derive(Debug, Clone, Copy, Default)]
pub struct QuietStderr;

impl std::io::Write for QuietStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = std::io::stderr().write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = std::io::stderr().flush();
        Ok(())
    }
}

/// Writes a line to standard error, never panicking (see [`QuietStderr`]).
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!($crate::QuietStderr, $($arg)*);
    }};
}

/// Logs to stderr for both binaries: level from `$POCNET_LOG` (default `warn`), colour only
/// on a terminal; a log line that cannot be written is dropped, never a panic.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("POCNET_LOG").unwrap_or_else(|_| "warn".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| QuietStderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}
