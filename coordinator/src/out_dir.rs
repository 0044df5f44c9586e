//! One run, one folder: a command that writes into `--out` first claims the folder. A
//! folder holding files another run of pocnet wrote (a report, a sweep's files, a node's
//! journals) is refused, unless `--force`, which first removes pocnet's own files there
//! (nothing else); so a report never sits beside the last run's after-action review, logs
//! or journals of states the new scenario lacks.

use std::path::{Path, PathBuf};

/// Files pocnet writes into an output folder.
const FILES: [&str; 19] = [
    "report.json",
    "summary.md",
    "junit.xml",
    "report.html",
    "after-action.md",
    "transport.json",
    "console.json",
    "console-ca.pem",
    "sweep.json",
    "sweep.md",
    "sweep.html",
    "bench.json",
    "fit.toml",
    "fit.json",
    "fit.md",
    "fit.html",
    "validate.json",
    "validate.md",
    "validate.html",
];

/// Folders pocnet writes into an output folder: a mesh run's nodes (`run`: its
/// certificates, journals and logs), a sweep's confirmations on the mesh (`confirm-N`), a
/// benchmark's mesh runs. A `run` folder counts once a run has used it (it holds `pki` or
/// `journal`): logs laid out beforehand (a test's unwritable log) are not a run's.
const FOLDERS: [&str; 3] = ["run", "hanoi", "resume"];
const FOLDER_PREFIXES: [&str; 2] = ["confirm-", "synthetic-"];

/// A sweep shard's file (`sweep-shard-I-of-N.json`).
pub fn is_shard_file(name: &str) -> bool {
    name.strip_prefix("sweep-shard-").and_then(|rest| rest.strip_suffix(".json")).is_some_and(|rest| {
        rest.split_once("-of-").is_some_and(|(i, n)| {
            !i.is_empty() && !n.is_empty() && i.bytes().chain(n.bytes()).all(|b| b.is_ascii_digit())
        })
    })
}

fn is_own(dir: &Path, name: &str, is_dir: bool) -> bool {
    if name == "run" && is_dir {
        ["pki", "journal"].iter().any(|sub| dir.join(name).join(sub).exists())
    } else if is_dir {
        FOLDERS.contains(&name) || FOLDER_PREFIXES.iter().any(|p| name.starts_with(p))
    } else {
        FILES.contains(&name) || is_shard_file(name)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OutDirError {
    #[error("{}: not a folder", .0.display())]
    NotAFolder(PathBuf),
    #[error("{}: a folder where pocnet writes a file: move it away", .0.display())]
    NotAFile(PathBuf),
    #[error("{}: holds another run's files ({}): choose another --out, or --force to remove them first", .dir.display(), .found.join(", "))]
    Occupied { dir: PathBuf, found: Vec<String> },
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Makes `dir` this run's folder: created if missing; refused if it holds pocnet's files
/// other than those `keep` names (a shard beside its sweep's other shards), unless
/// `force`, which removes them first (a symbolic link is removed, never followed).
pub fn claim(dir: &Path, force: bool, keep: impl Fn(&str) -> bool) -> Result<(), OutDirError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| OutDirError::Io { path, source }
    };
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return std::fs::create_dir_all(dir).map_err(io(dir));
        }
        Err(e) => return Err(io(dir)(e)),
        Ok(m) if !std::fs::metadata(dir).map(|m| m.is_dir()).unwrap_or(m.is_dir()) => {
            return Err(OutDirError::NotAFolder(dir.to_path_buf()));
        }
        Ok(_) => {}
    }
    let mut found: Vec<(String, PathBuf, bool)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry.file_type().map_err(io(&entry.path()))?;
        // A folder where pocnet writes a file would fail the run at its very end.
        if kind.is_dir() && FILES.contains(&name.as_str()) {
            return Err(OutDirError::NotAFile(entry.path()));
        }
        if is_own(dir, &name, kind.is_dir()) && !keep(&name) {
            found.push((name, entry.path(), kind.is_dir()));
        }
    }
    found.sort();
    if found.is_empty() {
        return Ok(());
    }
    if !force {
        let found = found.into_iter().map(|(n, _, d)| if d { format!("{n}/") } else { n }).collect();
        return Err(OutDirError::Occupied { dir: dir.to_path_buf(), found });
    }
    for (_, path, is_dir) in found {
        let removed = if is_dir { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        removed.map_err(io(&path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pocnet-out-dir-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        dir
    }

    #[test]
    fn a_folder_with_a_report_is_refused_and_force_removes_only_pocnets_files() {
        let dir = scratch("force");
        std::fs::write(dir.join("report.json"), "{}").expect("write");
        std::fs::write(dir.join("notes.txt"), "mine").expect("write");
        std::fs::create_dir_all(dir.join("run/journal")).expect("run");
        let err = claim(&dir, false, |_| false).expect_err("occupied");
        assert!(err.to_string().contains("report.json, run/"), "{err}");
        claim(&dir, true, |_| false).expect("forced");
        assert!(!dir.join("report.json").exists() && !dir.join("run").exists());
        assert_eq!(std::fs::read_to_string(dir.join("notes.txt")).expect("kept"), "mine");
        claim(&dir, false, |_| false).expect("now free");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn force_removes_a_link_named_as_pocnets_file_never_its_target() {
        let dir = scratch("link");
        let outside = scratch("link-target").join("mine.json");
        std::fs::write(&outside, "the user's").expect("write");
        std::os::unix::fs::symlink(&outside, dir.join("report.json")).expect("link");
        assert!(claim(&dir, false, |_| false).is_err(), "a link named report.json is another run's");
        claim(&dir, true, |_| false).expect("forced");
        assert!(std::fs::symlink_metadata(dir.join("report.json")).is_err(), "the link is gone");
        assert_eq!(std::fs::read_to_string(&outside).expect("target kept"), "the user's");
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(outside.parent().expect("dir"));
    }

    #[test]
    fn shards_may_share_a_folder_and_a_file_is_not_a_folder() {
        let dir = scratch("shards");
        std::fs::write(dir.join("sweep-shard-0-of-3.json"), "{}").expect("write");
        claim(&dir, false, |n| n != "sweep-shard-1-of-3.json" && is_shard_file(n)).expect("another shard is fine");
        std::fs::write(dir.join("sweep-shard-1-of-3.json"), "{}").expect("write");
        assert!(claim(&dir, false, |n| n != "sweep-shard-1-of-3.json" && is_shard_file(n)).is_err());
        assert!(!is_shard_file("sweep-shard--of-3.json") && !is_shard_file("sweep-shard-1-of-x.json"));
        let file = dir.join("report.json");
        std::fs::write(&file, "{}").expect("write");
        assert!(matches!(claim(&file, false, |_| false), Err(OutDirError::NotAFolder(_))));
        // A folder named as a file pocnet writes is refused before the run, forced or not.
        let other = dir.join("other");
        std::fs::create_dir_all(other.join("report.json")).expect("dir");
        assert!(matches!(claim(&other, true, |_| false), Err(OutDirError::NotAFile(_))));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
