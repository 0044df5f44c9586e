//! ARCHITECTURE.md's rule on imports, checked: no cycle of imports between the files of a
//! crate, except between a folder's `mod.rs` (its face: declarations, re-exports and the
//! state its children share) and its own direct children. A file's imports are every path
//! it names from `crate::`, `super::` or `self::` (in `use` lines and in code), resolved to
//! the file that defines the module it reaches.

use pocnet_tests::workspace_root;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const CRATES: [&str; 4] = ["core", "node", "coordinator", "tests"];

/// Every module of a crate: its path (`["scenario", "validate"]`) and its file.
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).expect("under src");
            let mut parts: Vec<String> =
                rel.iter().map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                parts.pop();
            }
            // `main.rs` beside `lib.rs` is a crate of its own (the binary): keep it apart.
            if rel == Path::new("main.rs") {
                parts = vec!["<main>".into()];
            }
            out.insert(parts, path);
        }
    }
    out
}

/// The paths a file names after `crate::`, `super::` or `self::`, outside comments and
/// string literals, as module paths relative to the crate root.
fn named_paths(text: &str, here: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find(['c', 's']) {
            let tail = &rest[at..];
            let before = rest[..at].chars().last();
            rest = &rest[at + 1..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '"') {
                continue;
            }
            let (mut base, tail) = if let Some(t) = tail.strip_prefix("crate::") {
                (Vec::new(), t)
            } else if let Some(t) = tail.strip_prefix("super::") {
                (here[..here.len().saturating_sub(1)].to_vec(), t)
            } else if let Some(t) = tail.strip_prefix("self::") {
                (here.to_vec(), t)
            } else {
                continue;
            };
            let mut tail = tail;
            while let Some(t) = tail.strip_prefix("super::") {
                base.pop();
                tail = t;
            }
            let words: Vec<String> = tail
                .split("::")
                .map(|w| w.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>())
                .take_while(|w| !w.is_empty())
                .collect();
            base.extend(words);
            out.push(base);
        }
    }
    out
}

/// The file a path reaches: its longest prefix that is a module.
fn file_of<'m>(path: &[String], modules: &'m BTreeMap<Vec<String>, PathBuf>) -> Option<&'m PathBuf> {
    (0..=path.len()).rev().find_map(|n| modules.get(&path[..n]))
}

/// Whether the edge `a -> b` is between a folder's face and its own direct child.
fn face_and_child(a: &[String], b: &[String]) -> bool {
    let child_of = |c: &[String], p: &[String]| c.len() == p.len() + 1 && c.starts_with(p);
    child_of(a, b) || child_of(b, a)
}

/// Cycles (strongly connected sets of more than one file) of a crate's import graph.
fn cycles(krate: &str) -> Vec<Vec<String>> {
    let src = workspace_root().join(krate).join("src");
    let modules = modules(&src);
    let mut edges: BTreeMap<&Vec<String>, BTreeSet<&Vec<String>>> = BTreeMap::new();
    for (module, file) in &modules {
        let text = std::fs::read_to_string(file).expect("read");
        for named in named_paths(&text, module) {
            let Some(target) = file_of(&named, &modules) else { continue };
            let to = modules.iter().find(|(_, f)| *f == target).map(|(m, _)| m).expect("module");
            if to != module && !face_and_child(module, to) && module.first().is_none_or(|m| m != "<main>") {
                edges.entry(module).or_default().insert(to);
            }
        }
    }
    strongly_connected(&modules.keys().collect::<Vec<_>>(), &edges)
        .into_iter()
        .filter(|set| set.len() > 1)
        .map(|set| set.iter().map(|m| if m.is_empty() { "<root>".into() } else { m.join("::") }).collect())
        .collect()
}

/// Tarjan's strongly connected components.
fn strongly_connected<'a>(
    nodes: &[&'a Vec<String>],
    edges: &BTreeMap<&'a Vec<String>, BTreeSet<&'a Vec<String>>>,
) -> Vec<Vec<&'a Vec<String>>> {
    struct State<'a> {
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on_stack: BTreeSet<&'a Vec<String>>,
        out: Vec<Vec<&'a Vec<String>>>,
    }
    fn visit<'a>(v: &'a Vec<String>, e: &BTreeMap<&'a Vec<String>, BTreeSet<&'a Vec<String>>>, s: &mut State<'a>) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in e.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(w, e, s);
                let lw = s.low[w];
                s.low.entry(v).and_modify(|l| *l = (*l).min(lw));
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                s.low.entry(v).and_modify(|l| *l = (*l).min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut set = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                set.push(w);
                if w == v {
                    break;
                }
            }
            s.out.push(set);
        }
    }
    let mut s = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in nodes {
        if !s.index.contains_key(*v) {
            visit(v, edges, &mut s);
        }
    }
    s.out
}

#[test]
fn no_file_imports_in_a_cycle_beyond_a_folders_face_and_its_children() {
    let mut found = Vec::new();
    for krate in CRATES {
        for cycle in cycles(krate) {
            found.push(format!("{krate}: {}", cycle.join(" <-> ")));
        }
    }
    assert!(found.is_empty(), "import cycles between files:\n{}", found.join("\n"));
}

#[test]
fn the_check_sees_a_cycle_when_there_is_one() {
    let a = vec!["a".to_string()];
    let b = vec!["b".to_string()];
    let paths = named_paths("use crate::b::Thing; // crate::c\nlet x = \"crate::d\";", &a);
    assert_eq!(paths, vec![vec!["b".to_string(), "Thing".to_string()]]);
    let edges: BTreeMap<&Vec<String>, BTreeSet<&Vec<String>>> =
        [(&a, [&b].into_iter().collect()), (&b, [&a].into_iter().collect())].into_iter().collect();
    let sets = strongly_connected(&[&a, &b], &edges);
    assert!(sets.iter().any(|s| s.len() == 2), "{sets:?}");
    assert!(face_and_child(&["x".into()], &["x".into(), "y".into()]));
    assert!(!face_and_child(&["x".into()], &["x".into(), "y".into(), "z".into()]));
}

/// Every `.rs` file of the workspace's crates (not `target/`, not the fuzz workspace).
fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() && !matches!(name.as_str(), "target" | "fuzz" | ".git") {
            rust_files(&path, found);
        } else if name.ends_with(".rs") {
            found.push(path);
        }
    }
}

/// No function is over 70 lines: clippy's `too_many_lines` holds everywhere, and no
/// `#[allow(clippy::too_many_lines)]` sets it aside (ARCHITECTURE.md, "Functions of at most
/// 70 lines").
#[test]
fn no_function_is_allowed_over_seventy_lines() {
    let mut files = Vec::new();
    for krate in ["core", "node", "coordinator", "tests"] {
        rust_files(&workspace_root().join(krate), &mut files);
    }
    let mut allowed = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a source file");
        for (i, line) in text.lines().enumerate() {
            if line.trim() == "#[allow(clippy::too_many_lines)]" {
                allowed.push(format!("{}:{}", file.display(), i + 1));
            }
        }
    }
    assert!(allowed.is_empty(), "long functions allowed: {allowed:#?}");
}
