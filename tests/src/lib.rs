//! Support for the end-to-end tests: the real binaries, scratch directories, processes.
//!
//! The binaries are built once per test process with the same cargo profile as the tests
//! (`cargo test` builds only the test harnesses of other packages, not their binaries).

pub mod api;
pub mod webdriver;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Every bundled scenario (scenarios/NAME.toml) whose outputs are kept in tests/golden/.
pub const BUNDLED_SCENARIOS: [&str; 14] = [
    "smoke",
    "hanoi-72",
    "hanoi-72-new-year",
    "hanoi-72-quarter",
    "three-state-chain",
    "follow-the-sun",
    "follow-the-sun-hubs",
    "dst-week",
    "partition",
    "tabletop-hour",
    "ping-check",
    "stale-register",
    "forged-emergencies",
    "eu-e-evidence",
];

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

pub struct Binaries {
    pub pocnet: PathBuf,
    pub node: PathBuf,
}

/// Builds `pocnet` and `pocnet-node` (once) and returns their paths.
pub fn binaries() -> &'static Binaries {
    static BINARIES: OnceLock<Binaries> = OnceLock::new();
    BINARIES.get_or_init(|| {
        // The test executable lives in <target>/<profile>/deps/.
        let exe = std::env::current_exe().expect("test executable path");
        let profile_dir = exe.parent().and_then(Path::parent).expect("target profile directory").to_path_buf();
        let target_dir = profile_dir.parent().expect("target directory").to_path_buf();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        // The whole workspace, so that features resolve as for `cargo test --workspace` and
        // nothing is rebuilt (building two packages alone resolves differently).
        build.current_dir(workspace_root()).args(["build", "--locked", "--workspace", "--bins"]);
        build.arg("--target-dir").arg(&target_dir);
        // Cargo sets CARGO_* variables for the test process; build scripts (ring's, cc's)
        // track the environment, so passing them on would rebuild half the tree.
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            if (key.starts_with("CARGO_") && key != "CARGO_HOME") || key == "OUT_DIR" || key == "RUSTC_BOOTSTRAP" {
                build.env_remove(&*key);
            }
        }
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            build.arg("--release");
        }
        let status = build.status().expect("run cargo build");
        assert!(status.success(), "cargo build of the binaries failed");
        Binaries { pocnet: profile_dir.join("pocnet"), node: profile_dir.join("pocnet-node") }
    })
}

/// A fresh, empty scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("pocnet-test-{}-{n}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch directory");
    dir
}

/// Runs `pocnet` with `args`, killed if it takes longer than `limit`.
pub fn pocnet(args: &[&str], limit: Duration) -> Output {
    let mut cmd = Command::new(&binaries().pocnet);
    cmd.current_dir(workspace_root()).args(args).env("POCNET_NODE_BIN", &binaries().node);
    run_bounded(cmd, limit)
}

pub fn run_bounded(mut cmd: Command, limit: Duration) -> Output {
    use std::io::Read;
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    // Drain both pipes while waiting: a child that writes more than a pipe holds would
    // otherwise block forever.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let err = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let (stdout, stderr) = (out.join().unwrap_or_default(), err.join().unwrap_or_default());
            panic!(
                "{cmd:?} did not finish within {limit:?}\nstdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&stdout),
                String::from_utf8_lossy(&stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output { status, stdout: out.join().unwrap_or_default(), stderr: err.join().unwrap_or_default() }
}

/// Live `pocnet-node` processes whose command line mentions `marker` (a run directory).
pub fn node_processes(marker: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else { return pids };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else { continue };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains("pocnet-node") && cmdline.contains(marker) {
            pids.push(pid);
        }
    }
    pids
}

pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

/// Whitespace as single spaces: output wrapped to a page and the output itself compare alike.
pub fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `pocnet run SCENARIO --engine inproc` with `extra` arguments into a fresh scratch folder
/// (`OUT`): the run, which must exit 0 or 1 (a breached threshold), and `OUT`.
pub fn run_in_process(scenario: &Path, extra: &[&str], tag: &str) -> (Output, PathBuf) {
    let out = scratch(tag).join("out");
    let path = scenario.to_str().expect("utf-8");
    let args = [&["run", path, "--engine", "inproc", "--out", out.to_str().expect("utf-8")], extra].concat();
    let run = pocnet(&args, Duration::from_secs(300));
    assert!(run.status.code().is_some_and(|c| c <= 1), "{}: {}", scenario.display(), text(&run.stderr));
    (run, out)
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Adds a standalone node's arguments to `cmd`: its state, its coordinator, and its
/// certificate, key and CA from a `pocnet pki init` directory.
pub fn standalone_node_args<'c>(cmd: &'c mut Command, state: &str, coordinator: &str, pki: &Path) -> &'c mut Command {
    let name = state.to_ascii_lowercase();
    cmd.args(["--state", state, "--coordinator", coordinator])
        .arg("--cert")
        .arg(pki.join(format!("{name}.pem")))
        .arg("--key")
        .arg(pki.join(format!("{name}.key")))
        .arg("--ca")
        .arg(pki.join("ca.pem"))
}

/// `pocnet run SCENARIO --attach DEPLOYMENT --out OUT -q`.
pub fn run_attached(scenario: &Path, deployment: &Path, out: &Path, limit: Duration) -> Output {
    let utf8 = |p: &Path| p.to_str().expect("utf-8 path").to_string();
    pocnet(&["run", &utf8(scenario), "--attach", &utf8(deployment), "--out", &utf8(out), "-q"], limit)
}
