//! Property pass over the scenario parser: any edit of any bundled or malformed scenario
//! either loads or yields diagnostics that point inside the file, never a panic. The corpus
//! is the repository's own scenario files (and tests/scenarios: sections the bundled ones
//! reach only through a register).

use proptest::prelude::*;
use std::path::Path;

fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [root.join("../scenarios"), root.join("tests/malformed"), root.join("tests/scenarios")] {
        for entry in std::fs::read_dir(dir).expect("corpus dir").flatten() {
            let p = entry.path();
            // Scenarios that name a register cannot load from a string: use the others.
            if p.extension().is_some_and(|x| x == "toml") {
                let text = std::fs::read_to_string(&p).expect("read");
                if !text.contains("register =") {
                    files.push(text);
                }
            }
        }
    }
    files.sort();
    files
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn edited_scenarios_never_panic_and_point_inside_the_file(
        pick in any::<usize>(),
        edits in proptest::collection::vec((any::<usize>(), any::<usize>(), 0u8..5, "[ -~]{0,12}"), 1..6),
    ) {
        let corpus = corpus();
        let mut lines: Vec<String> = corpus[pick % corpus.len()].lines().map(str::to_string).collect();
        for (a, b, op, text) in edits {
            if lines.is_empty() { lines.push(String::new()); }
            let (i, j) = (a % lines.len(), b % lines.len());
            match op {
                0 => { lines.remove(i); }                                     // drop a line
                1 => { let l = lines[i].clone(); lines.insert(j, l); }        // duplicate a line elsewhere
                2 => { let at = lines[i].len().min(b % 40); let mut l = lines[i].clone(); if l.is_char_boundary(at) { l.insert_str(at, &text); } lines[i] = l; } // insert text
                3 => lines.swap(i, j),                                        // swap two lines
                _ => { let keep = lines[i].len().min(b % 40); if lines[i].is_char_boundary(keep) { lines[i].truncate(keep); } } // cut a line
            }
        }
        let text = lines.join("\n");
        let line_count = text.lines().count().max(1);
        if let Err(e) = pocnet::scenario::parse("fuzz.toml", &text) {
            prop_assert!(!e.diagnostics.is_empty());
            for d in &e.diagnostics {
                prop_assert!(d.line >= 1 && d.line <= line_count + 1, "line {} of {line_count}: {}", d.line, d.message);
                prop_assert!(d.column >= 1);
            }
        }
    }
}

/// Every input of the coverage-guided fuzzer's corpus (fuzz/corpus/scenario, kept in the
/// repository) loads or gives located diagnostics, never a panic.
#[test]
fn the_fuzz_corpus_replays_without_a_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/scenario");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz/corpus/scenario").flatten() {
        let bytes = std::fs::read(entry.path()).expect("read");
        if let Ok(text) = std::str::from_utf8(&bytes) {
            match pocnet::scenario::parse("fuzz.toml", text) {
                Ok(s) => assert!(s.states.len() >= 2),
                Err(e) => assert!(!e.diagnostics.is_empty(), "{}", entry.path().display()),
            }
        }
        n += 1;
    }
    assert!(n >= 100, "only {n} inputs in {}", dir.display());
}
