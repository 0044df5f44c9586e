//! Every bundled scenario's outputs, byte for byte, against files kept in the repository
//! (tests/golden/<scenario>/): report.json, summary.md, junit.xml, report.html and, for
//! exercises, after-action.md. A refactor keeps them; a change of the model or the report
//! made on purpose rewrites them (`POCNET_WRITE_GOLDEN=1 cargo test -p pocnet-tests --test
//! golden`) and says so in its commit.

use pocnet_tests::{pocnet, scratch, text, workspace_root};
use std::time::Duration;

const SCENARIOS: [&str; 14] = pocnet_tests::BUNDLED_SCENARIOS;
const FILES: [&str; 5] = ["report.json", "summary.md", "junit.xml", "report.html", "after-action.md"];

#[test]
fn every_bundled_scenario_gives_its_golden_outputs() {
    let write = std::env::var_os("POCNET_WRITE_GOLDEN").is_some();
    let dir = scratch("golden");
    let mut differ = Vec::new();
    for name in SCENARIOS {
        let scenario = workspace_root().join(format!("scenarios/{name}.toml"));
        let out = dir.join(name);
        let run = pocnet(
            &[
                "run",
                scenario.to_str().expect("utf-8"),
                "--engine",
                "inproc",
                "-q",
                "--out",
                out.to_str().expect("utf-8"),
            ],
            Duration::from_secs(120),
        );
        assert!(run.status.code().is_some_and(|c| c <= 1), "{name}: {}", text(&run.stderr));
        let golden = workspace_root().join("tests/golden").join(name);
        for file in FILES {
            let got = std::fs::read(out.join(file)).ok();
            let path = golden.join(file);
            if write {
                std::fs::create_dir_all(&golden).expect("golden dir");
                match &got {
                    Some(bytes) => std::fs::write(&path, bytes).expect("write golden"),
                    None => {
                        let _ = std::fs::remove_file(&path);
                    }
                }
                continue;
            }
            let want = std::fs::read(&path).ok();
            if got != want {
                differ.push(format!("{name}/{file}"));
            }
        }
    }
    assert!(differ.is_empty(), "outputs differ from tests/golden/: {differ:?} (see {})", dir.display());
}
