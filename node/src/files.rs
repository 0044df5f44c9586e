//! Files in and out, safely: inputs only from regular files, read with their size limit
//! applied while reading (a FIFO or `/dev/zero` is refused, never read until memory runs
//! out); outputs written to a temporary file beside the target and renamed over it, so a
//! full disk leaves the old file or none, never half of one. Errors name the path.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{path}: cannot read: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: not a regular file (a {kind})")]
    NotAFile { path: String, kind: &'static str },
    #[error("{path}: more than {max} bytes")]
    TooLarge { path: String, max: u64 },
    #[error("{path}: not UTF-8 text")]
    NotText { path: String },
    #[error("{path}: cannot write: {source}")]
    Write { path: String, source: std::io::Error },
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "directory"
    } else if t.is_fifo() {
        "FIFO"
    } else if t.is_char_device() {
        "character device"
    } else if t.is_block_device() {
        "block device"
    } else if t.is_socket() {
        "socket"
    } else {
        "special file"
    }
}

/// The bytes of `path`, a regular file (symbolic links followed) of at most `max` bytes.
pub fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, FileError> {
    let shown = || path.display().to_string();
    let read = |source| FileError::Read { path: shown(), source };
    let meta = std::fs::metadata(path).map_err(read)?;
    if !meta.file_type().is_file() {
        return Err(FileError::NotAFile { path: shown(), kind: kind_of(&meta) });
    }
    let file = std::fs::File::open(path).map_err(read)?;
    // The limit holds while reading: metadata can lie (a file that grows, /proc).
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes).map_err(read)?;
    if bytes.len() as u64 > max {
        return Err(FileError::TooLarge { path: shown(), max });
    }
    Ok(bytes)
}

/// The text of `path`, a regular UTF-8 file of at most `max` bytes.
pub fn read_text(path: &Path, max: u64) -> Result<String, FileError> {
    String::from_utf8(read_regular(path, max)?).map_err(|_| FileError::NotText { path: path.display().to_string() })
}

fn temporary_beside(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Writes `bytes` to `path` whole or not at all: a temporary file beside it, synced, then
/// renamed over it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_atomic_with_mode(path, bytes, None)
}

/// The same, created with permissions `mode` (0o600 for secrets).
pub fn write_atomic_with_mode(path: &Path, bytes: &[u8], mode: Option<u32>) -> Result<(), FileError> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = temporary_beside(path);
    let fail = |source| FileError::Write { path: path.display().to_string(), source };
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        if let Some(mode) = mode {
            options.mode(mode);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_files_are_refused_without_being_read() {
        let err = read_regular(Path::new("/dev/zero"), 1024).expect_err("a device");
        assert!(err.to_string().contains("not a regular file (a character device)"), "{err}");
        let err = read_regular(Path::new("/"), 1024).expect_err("a directory");
        assert!(err.to_string().contains("directory"), "{err}");
        let dir = std::env::temp_dir().join(format!("pocnet-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let big = dir.join("big");
        std::fs::write(&big, vec![b'x'; 2048]).expect("write");
        assert!(matches!(read_regular(&big, 1024), Err(FileError::TooLarge { .. })));
        write_atomic(&dir.join("out"), b"whole").expect("write");
        assert_eq!(std::fs::read(dir.join("out")).expect("read"), b"whole");
        let leftovers = std::fs::read_dir(&dir)
            .expect("dir")
            .filter(|e| e.as_ref().is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".tmp")));
        assert_eq!(leftovers.count(), 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
