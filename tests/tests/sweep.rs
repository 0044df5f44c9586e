//! `pocnet sweep` as users run it: the files written, the answer printed, the best variants
//! confirmed on the mesh (real node processes, QUIC on 127.0.0.1), and shards merged by the
//! command into the same files.

use pocnet_tests::{pocnet, scratch, text, workspace_root};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(240);

#[test]
fn a_sweep_writes_its_files_and_its_best_variants_agree_on_the_mesh() {
    let file = workspace_root().join("coordinator/tests/sweeps/sweep.toml");
    let out = scratch("sweep");
    let run = pocnet(
        &[
            "sweep",
            file.to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
            "--confirm-on-mesh",
            "2",
            "-q",
        ],
        LIMIT,
    );
    let stdout = text(&run.stdout);
    assert!(run.status.success(), "{stdout}\n{}", text(&run.stderr));
    assert!(stdout.contains("VNM: staffed-24-7"), "the answer names the change: {stdout}");
    assert_eq!(stdout.matches("byte-identical").count(), 2, "{stdout}");
    for f in ["sweep.json", "sweep.md", "sweep.html"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("sweep.json")).expect("read")).expect("JSON");
    assert_eq!(json["schema"], "pocnet-sweep/2");
    assert!(text(&run.stderr).contains("runs/s"), "the speed is printed");

    // The same sweep in two shards, merged by the command: the same three files.
    let shards = scratch("sweep-shards");
    for i in ["0/2", "1/2"] {
        let r = pocnet(
            &["sweep", file.to_str().expect("utf-8"), "--out", shards.to_str().expect("utf-8"), "--shard", i, "-q"],
            LIMIT,
        );
        assert!(r.status.success(), "{}", text(&r.stderr));
    }
    let merged = scratch("sweep-merged");
    let r = pocnet(
        &[
            "sweep",
            file.to_str().expect("utf-8"),
            "--out",
            merged.to_str().expect("utf-8"),
            "--merge",
            shards.join("sweep-shard-0-of-2.json").to_str().expect("utf-8"),
            shards.join("sweep-shard-1-of-2.json").to_str().expect("utf-8"),
            "-q",
        ],
        LIMIT,
    );
    assert!(r.status.success(), "{}", text(&r.stderr));
    for f in ["sweep.json", "sweep.md", "sweep.html"] {
        assert_eq!(std::fs::read(out.join(f)).expect("whole"), std::fs::read(merged.join(f)).expect("merged"), "{f}");
    }
    // A shard of something else is refused, naming why (into a folder of its own: `merged`
    // holds the merge's files, which a run without --force refuses, exit 2).
    std::fs::write(shards.join("bad.json"), "{\"schema\": \"nope\"}").expect("write");
    let r = pocnet(
        &[
            "sweep",
            file.to_str().expect("utf-8"),
            "--out",
            scratch("sweep-bad-shard").to_str().expect("utf-8"),
            "--merge",
            shards.join("bad.json").to_str().expect("utf-8"),
            "--force",
        ],
        LIMIT,
    );
    assert_eq!(r.status.code(), Some(3));
    assert!(text(&r.stderr).contains("not a shard file"), "{}", text(&r.stderr));
}

#[test]
fn a_merge_started_before_its_shards_waits_for_them_and_names_one_that_never_comes() {
    let file = workspace_root().join("coordinator/tests/sweeps/sweep.toml");
    let file = file.to_str().expect("utf-8");
    let shards = scratch("sweep-wait-shards");
    let (s0, s1) = (shards.join("sweep-shard-0-of-2.json"), shards.join("sweep-shard-1-of-2.json"));
    let merged = scratch("sweep-wait-merged");
    // The merge starts first, as a merge Job started with the shards' Job does.
    let merge_args: Vec<String> = [
        "sweep",
        file,
        "--out",
        merged.to_str().expect("utf-8"),
        "--merge-wait",
        "2m",
        "-q",
        "--merge",
        s0.to_str().expect("utf-8"),
        s1.to_str().expect("utf-8"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let merge = std::thread::spawn(move || {
        let args: Vec<&str> = merge_args.iter().map(String::as_str).collect();
        pocnet(&args, LIMIT)
    });
    std::thread::sleep(Duration::from_secs(1));
    for i in ["1/2", "0/2"] {
        let r = pocnet(&["sweep", file, "--out", shards.to_str().expect("utf-8"), "--shard", i, "-q"], LIMIT);
        assert!(r.status.success(), "{}", text(&r.stderr));
    }
    let r = merge.join().expect("merge thread");
    assert!(r.status.success(), "{}", text(&r.stderr));
    let whole = scratch("sweep-wait-whole");
    let w = pocnet(&["sweep", file, "--out", whole.to_str().expect("utf-8"), "-q"], LIMIT);
    assert!(w.status.success(), "{}", text(&w.stderr));
    for f in ["sweep.json", "sweep.md", "sweep.html"] {
        assert_eq!(std::fs::read(whole.join(f)).expect("whole"), std::fs::read(merged.join(f)).expect("merged"), "{f}");
    }
    // A shard that never comes: the merge gives up after its wait, naming the file.
    let never = shards.join("sweep-shard-9-of-10.json");
    let r = pocnet(
        &[
            "sweep",
            file,
            "--out",
            scratch("sweep-wait-never").to_str().expect("utf-8"),
            "--merge-wait",
            "1s",
            "--merge",
            s0.to_str().expect("utf-8"),
            never.to_str().expect("utf-8"),
        ],
        LIMIT,
    );
    assert_eq!(r.status.code(), Some(3));
    assert!(text(&r.stderr).contains("sweep-shard-9-of-10.json: not there after waiting"), "{}", text(&r.stderr));
}
