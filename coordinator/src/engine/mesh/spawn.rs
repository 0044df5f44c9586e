//! Starting node processes: what one needs (certificate, journal, log, its address after
//! the first start), the command line, and the guarantee that none outlives the
//! coordinator.

use anyhow::anyhow;
use pocnet_core::request::Inject;
use pocnet_core::{ContactPointConfig, ExerciseInput, SimTime, StateCode};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// What it takes to start (or restart) one node, and what it has been told.
pub struct NodeSpawn {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub journal: PathBuf,
    pub log: PathBuf,
    /// Its address once it has registered: a restart listens there again.
    pub listen: Option<SocketAddr>,
    pub config: ContactPointConfig,
    pub injects: Vec<Inject>,
    /// Exercise inputs sent so far: a restarted node gets them again with its setup.
    pub exercise: Vec<(SimTime, ExerciseInput)>,
    /// Incremented at each (re)start: frames from an earlier life are ignored.
    pub incarnation: u32,
    /// Restarts so far (each may have taken several processes).
    pub restarts: u32,
}

/// How nodes are started: the binary and the transport faults they apply.
#[derive(Debug, Clone)]
pub struct Launcher {
    pub node_bin: PathBuf,
    pub coordinator: SocketAddr,
    pub ca: PathBuf,
    pub udp_loss: f64,
    pub udp_delay: Duration,
}

impl Launcher {
    /// Starts `state`'s node process (on its old address after a restart).
    pub fn start(&self, state: StateCode, spawn: &mut NodeSpawn) -> anyhow::Result<tokio::process::Child> {
        spawn.incarnation += 1;
        let listen = spawn.listen.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 0)));
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&spawn.log)
            .map_err(|e| anyhow!("open {}: {e}", spawn.log.display()))?;
        let mut cmd = tokio::process::Command::new(&self.node_bin);
        cmd.arg("--state")
            .arg(state.as_str())
            .arg("--coordinator")
            .arg(self.coordinator.to_string())
            .arg("--listen")
            .arg(listen.to_string())
            .arg("--cert")
            .arg(&spawn.cert)
            .arg("--key")
            .arg(&spawn.key)
            .arg("--ca")
            .arg(&self.ca)
            .arg("--journal")
            .arg(&spawn.journal)
            .arg("--udp-loss")
            .arg(self.udp_loss.to_string())
            .arg("--udp-delay-ms")
            .arg(self.udp_delay.as_millis().to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log_file))
            .kill_on_drop(true);
        die_with_parent(&mut cmd);
        cmd.spawn().map_err(|e| {
            let hint = if e.kind() == std::io::ErrorKind::NotFound {
                "; build it with `cargo build --release --locked` (it goes beside `pocnet`) or name it with --node-bin"
            } else {
                ""
            };
            anyhow!("cannot start `{}` for {state}: {e}{hint}", self.node_bin.display())
        })
    }
}

/// The last lines of a node's log, for an error message.
pub fn log_tail(log: &Path) -> String {
    // Bounded: a node's log is small, but it is a file anyone could have filled.
    let text = pocnet_node::files::read_text(log, 16 << 20).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(10)..].join("\n    ");
    if tail.is_empty() {
        format!(" (its log {} is empty)", log.display())
    } else {
        format!("\n  last lines of {}:\n    {tail}", log.display())
    }
}

/// Asks the kernel to kill the node if the coordinator dies, however it dies.
fn die_with_parent(cmd: &mut tokio::process::Command) {
    #[cfg(target_os = "linux")]
    #[allow(unsafe_code)]
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cmd;
}

/// Where `pocnet-node` is: `--node-bin`, `$POCNET_NODE_BIN`, beside this executable, or `$PATH`.
pub fn find_node_binary(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("POCNET_NODE_BIN") {
        return PathBuf::from(p);
    }
    if let Ok(exe) = std::env::current_exe() {
        let sibling = exe.with_file_name(format!("pocnet-node{}", std::env::consts::EXE_SUFFIX));
        if sibling.is_file() {
            return sibling;
        }
    }
    PathBuf::from("pocnet-node")
}
