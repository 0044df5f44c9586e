//! Every file in tests/malformed/ is a scenario with one mistake. Its first line says
//! where `pocnet check` must point and what it must say: `# expect: LINE: text`.
//! (tests/make-malformed.py writes them from one valid base.)

use std::path::Path;

#[test]
fn every_malformed_scenario_is_rejected_at_the_right_line_with_the_right_words() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed");
    let mut files: Vec<_> = std::fs::read_dir(&dir).expect("tests/malformed").flatten().map(|e| e.path()).collect();
    files.sort();
    assert!(files.len() >= 30, "only {} malformed scenarios", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("read");
        let header = text.lines().next().and_then(|l| l.strip_prefix("# expect: ")).expect("expect header");
        let (line, words) = header.split_once(": ").expect("LINE: text");
        let line: usize = line.parse().expect("line number");
        match pocnet::scenario::load(path, &Default::default()) {
            Ok(_) => failures.push(format!("{}: accepted", path.display())),
            Err(e) => {
                let hit = e.diagnostics.iter().any(|d| {
                    d.line == line
                        && d.message.contains(words)
                        && d.file.ends_with(&*path.file_name().expect("name").to_string_lossy())
                });
                if !hit {
                    failures.push(format!("{}: expected line {line} with `{words}`, got:\n{e}", path.display()));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_base_of_the_malformed_files_is_valid() {
    // The first file with its mistake undone would be the base; instead check that a
    // bundled scenario loads, so a failure above is the mistake and not the harness.
    let smoke = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/smoke.toml");
    assert!(pocnet::scenario::load(&smoke, &Default::default()).is_ok());
}

#[test]
fn one_mistake_gives_exactly_one_error() {
    // Each file holds one mistake: a later check that depends on the field already reported
    // (a roster after a bad zone or shift, an inject naming a state whose entry is
    // refused, the count of contact points) says nothing more.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed");
    let mut files: Vec<_> = std::fs::read_dir(&dir).expect("tests/malformed").flatten().map(|e| e.path()).collect();
    files.sort();
    let mut failures = Vec::new();
    for path in &files {
        if let Err(e) = pocnet::scenario::load(path, &Default::default()) {
            if e.diagnostics.len() != 1 {
                failures.push(format!("{}: {} errors:\n{e}", path.display(), e.diagnostics.len()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
