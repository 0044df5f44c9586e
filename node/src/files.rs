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
///
/// Every file either binary reads goes through here. The type is checked before the file
/// is opened (a device is never opened) and again on the open file, which is opened
/// without blocking: a FIFO swapped in between is refused too, never waited on.
pub fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, FileError> {
    use std::os::unix::fs::OpenOptionsExt;
    let shown = || path.display().to_string();
    let read = |source| FileError::Read { path: shown(), source };
    let regular = |meta: &std::fs::Metadata| {
        if meta.file_type().is_file() {
            Ok(())
        } else {
            Err(FileError::NotAFile { path: shown(), kind: kind_of(meta) })
        }
    };
    regular(&std::fs::metadata(path).map_err(read)?)?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(read)?;
    regular(&file.metadata().map_err(read)?)?;
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

/// A name beside `path` that no other writer uses: this process's id and a counter.
fn temporary_beside(path: &Path) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

/// Writes `bytes` to `path` whole or not at all: a temporary file beside it, synced, then
/// renamed over it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_atomic_with_mode(path, bytes, None)
}

/// The same, created with permissions `mode` (0o600 for secrets).
///
/// The temporary file is always a new file (`O_CREAT | O_EXCL`: never an existing file,
/// never through a symbolic link planted at its name), so it has exactly `mode` (less the
/// umask), whatever the file it replaces had. The rename replaces `path` itself: a
/// symbolic link at `path` is replaced, its target never written.
pub fn write_atomic_with_mode(path: &Path, bytes: &[u8], mode: Option<u32>) -> Result<(), FileError> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = temporary_beside(path);
    let fail = |source| FileError::Write { path: path.display().to_string(), source };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    if let Some(mode) = mode {
        options.mode(mode);
    }
    let mut file = options.open(&tmp).map_err(fail)?;
    let result = (|| {
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

    #[test]
    fn a_fifo_is_refused_at_once_and_never_waited_on() {
        let dir = std::env::temp_dir().join(format!("pocnet-files-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let fifo = dir.join("fifo");
        let _ = std::fs::remove_file(&fifo);
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
        assert!(made.success());
        let err = read_regular(&fifo, 1024).expect_err("a FIFO with no writer");
        assert!(matches!(err, FileError::NotAFile { kind: "FIFO", .. }), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_secret_replaces_a_loose_file_and_a_symbolic_link_without_following_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("pocnet-files-secret-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let loose = dir.join("loose.key");
        std::fs::write(&loose, "old").expect("write");
        std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        write_atomic_with_mode(&loose, b"secret", Some(0o600)).expect("write");
        let meta = std::fs::metadata(&loose).expect("meta");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let target = dir.join("elsewhere");
        std::fs::write(&target, "untouched").expect("write");
        let link = dir.join("link.key");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        write_atomic_with_mode(&link, b"secret", Some(0o600)).expect("write");
        assert_eq!(std::fs::read(&target).expect("target"), b"untouched");
        let meta = std::fs::symlink_metadata(&link).expect("meta");
        assert!(meta.file_type().is_file(), "the link itself was replaced by a file");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
