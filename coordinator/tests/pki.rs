//! `pocnet pki` on a host's folder, over loose and linked key files, and with validities
//! no certificate can carry (issue 27, point 9). Each attack runs the real binary on real
//! files.

mod common;

use common::{pocnet, scratch};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

fn smoke() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/smoke.toml").display().to_string()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).expect("meta").permissions().mode() & 0o777
}

fn init(dir: &Path, extra: &[&str]) -> Output {
    pocnet(&[&["pki", "init", s(dir), "--register", &smoke()], extra].concat(), LIMIT)
}

#[test]
fn init_refuses_a_node_hosts_folder_and_leaves_it_as_it_was() {
    let dir = scratch("pki-host");
    let issuer = dir.join("issuer");
    let made = init(&issuer, &[]);
    assert!(made.status.success(), "{}", stderr(&made));
    // A node host's folder, as docs/deployment.md tells hosts to keep it.
    let host = dir.join("vnm-host");
    std::fs::create_dir(&host).expect("host");
    for name in ["ca.pem", "vnm.pem", "vnm.key"] {
        std::fs::copy(issuer.join(name), host.join(name)).expect("copy");
    }
    let before: Vec<Vec<u8>> = ["ca.pem", "vnm.pem", "vnm.key"].map(|n| std::fs::read(host.join(n)).expect(n)).into();
    let out = init(&host, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("{} already holds pocnet keys or certificates", host.display())), "{err}");
    assert!(err.contains("ca.pem, vnm.key, vnm.pem") && err.contains("--force"), "{err}");
    let after: Vec<Vec<u8>> = ["ca.pem", "vnm.pem", "vnm.key"].map(|n| std::fs::read(host.join(n)).expect(n)).into();
    assert_eq!(before, after, "nothing replaced");
    assert!(!host.join("ca.key").exists() && !host.join("fra.key").exists(), "nothing added");
    // Asked for, it replaces them.
    let forced = init(&host, &["--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_ne!(std::fs::read(host.join("vnm.key")).expect("key"), before[2]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_rewritten_key_is_a_new_private_file_and_a_symbolic_link_is_replaced_not_followed() {
    let dir = scratch("pki-keys");
    let pki = dir.join("pki");
    let made = init(&pki, &[]);
    assert!(made.status.success(), "{}", stderr(&made));
    std::fs::set_permissions(pki.join("vnm.key"), std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let elsewhere = dir.join("elsewhere");
    std::fs::write(&elsewhere, "not a key").expect("write");
    std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    std::fs::remove_file(pki.join("fra.key")).expect("rm");
    std::os::unix::fs::symlink(&elsewhere, pki.join("fra.key")).expect("symlink");
    for who in ["VNM", "FRA"] {
        let out = pocnet(&["pki", "issue", s(&pki), who, "--days", "30"], LIMIT);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert_eq!(mode(&pki.join("vnm.key")), 0o600, "a key rewritten over a 0666 file");
    assert_eq!(std::fs::read_to_string(&elsewhere).expect("elsewhere"), "not a key", "the link's target untouched");
    // The CA's key as a link, replaced by `init --force`.
    std::fs::remove_file(pki.join("ca.key")).expect("rm");
    std::os::unix::fs::symlink(&elsewhere, pki.join("ca.key")).expect("symlink");
    let forced = init(&pki, &["--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(std::fs::read_to_string(&elsewhere).expect("elsewhere"), "not a key", "the links' target untouched");
    assert_eq!(mode(&elsewhere), 0o644);
    for key in ["ca.key", "fra.key", "vnm.key", "bra.key", "coordinator.key"] {
        let meta = std::fs::symlink_metadata(pki.join(key)).expect(key);
        assert!(meta.file_type().is_file(), "{key} is a file of its own, not a link");
        assert_eq!(mode(&pki.join(key)), 0o600, "{key}");
        assert!(std::fs::read_to_string(pki.join(key)).expect(key).contains("PRIVATE KEY"), "{key}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&pki)
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn days_out_of_range_are_refused_at_parsing_without_a_panic() {
    let dir = scratch("pki-days");
    let pki = dir.join("pki");
    for days in ["4294967295", "0", "3651", "-1", "99999999999"] {
        let out = init(&pki, &[&format!("--days={days}")]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "--days {days}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(err.contains("--days") && (err.contains("1 to 3650") || err.contains("not a number")), "{err}");
        assert!(!pki.exists(), "--days {days}: nothing written");
    }
    let ok = init(&pki, &["--days", "3650"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let out = pocnet(&["pki", "issue", s(&pki), "VNM", "--days", "4294967295"], LIMIT);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked") && stderr(&out).contains("1 to 3650"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}
