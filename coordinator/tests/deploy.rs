//! The Kubernetes manifests in deploy/k8s are what `pocnet deploy kubernetes` writes for the
//! smoke scenario (CI validates them, and those of hanoi-72 with its 71-state register,
//! against the Kubernetes 1.31 schemas). `tests/tests/kubernetes.rs` runs the containers
//! they describe.

mod common;

use pocnet::deploy::{DeployError, Kubernetes, Options};
use std::path::Path;

fn options() -> Options {
    Options {
        namespace: "pocnet".into(),
        image: "pocnet:dev".into(),
        journal_storage: "64Mi".into(),
        out_storage: "1Gi".into(),
    }
}

#[test]
fn the_bundled_manifests_are_the_generated_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let k8s = Kubernetes::new(&root.join("scenarios/smoke.toml"), options()).expect("smoke");
    let mut names = Vec::new();
    for (name, text) in k8s.files() {
        let path = root.join("deploy/k8s").join(name);
        let bundled = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            bundled == text,
            "{} differs from `pocnet deploy kubernetes --scenario scenarios/smoke.toml --out deploy/k8s`",
            path.display()
        );
        names.push(name.to_string());
    }
    // Nothing else in deploy/k8s claims to be generated.
    for entry in std::fs::read_dir(root.join("deploy/k8s")).expect("deploy/k8s") {
        let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
        assert!(names.contains(&name) || name == "README.md" || name == "sweep", "deploy/k8s/{name} is not written");
    }
}

#[test]
fn every_state_of_the_hanoi_register_gets_a_node_and_the_register_lies_where_the_scenario_reads_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let k8s = Kubernetes::new(&root.join("scenarios/hanoi-72.toml"), options()).expect("hanoi-72");
    assert_eq!(k8s.states().len(), 71);
    let files = k8s.files();
    let file = |name: &str| files.iter().find(|(n, _)| *n == name).map(|(_, t)| t.as_str()).expect(name);
    let nodes = file("nodes.yaml");
    assert_eq!(nodes.matches("kind: StatefulSet").count(), 71);
    assert_eq!(nodes.matches("volumeClaimTemplates:").count(), 71);
    for state in k8s.states() {
        let name = state.as_str().to_ascii_lowercase();
        assert!(nodes.contains(&format!("\"--journal\", \"/journal/{name}.journal\"")), "{state}");
    }
    let job = file("coordinator-job.yaml");
    assert!(job.contains("\"run\", \"/scenario/hanoi-72.toml\""), "{job}");
    assert!(job.contains("{key: register.toml, path: registers/hanoi-2025.toml}"), "{job}");
    assert!(job.contains("kind: PersistentVolumeClaim") && job.contains("claimName: pocnet-out"), "{job}");
}

#[test]
fn a_register_outside_the_scenarios_folder_is_refused() {
    let dir = std::env::temp_dir().join(format!("pocnet-deploy-outside-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("s")).expect("dir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::copy(root.join("scenarios/registers/hanoi-2025.toml"), dir.join("hanoi-2025.toml")).expect("copy");
    let hanoi = std::fs::read_to_string(root.join("scenarios/hanoi-72.toml")).expect("hanoi");
    let outside = hanoi.replace("register = \"registers/hanoi-2025.toml\"", "register = \"../hanoi-2025.toml\"");
    std::fs::write(dir.join("s/h.toml"), outside).expect("write");
    let err = Kubernetes::new(&dir.join("s/h.toml"), options()).expect_err("`..` in the register's path");
    assert!(matches!(&err, DeployError::Path { name, .. } if name == "../hanoi-2025.toml"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_namespace_or_an_image_carrying_yaml_is_refused_before_anything_is_written() {
    let dir = common::scratch("deploy-inject");
    let smoke = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/smoke.toml");
    let out = dir.join("k8s");
    let (smoke, out_arg) = (smoke.to_str().expect("utf-8"), out.to_str().expect("utf-8"));
    for (flag, value, says) in [
        ("--namespace", "pocnet\nkind: Secret", "not an RFC 1123 label"),
        ("--namespace", "Pocnet", "not an RFC 1123 label"),
        ("--image", "pocnet:dev\n          command: [\"/bin/sh\"]", "not an image reference"),
        ("--image", "pocnet dev", "not an image reference"),
        ("--out-storage", "1Gi\n  x: y", "not a storage quantity"),
    ] {
        let args = ["deploy", "kubernetes", "--scenario", smoke, "--out", out_arg, flag, value];
        let run = common::pocnet(&args, std::time::Duration::from_secs(30));
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{flag} {value:?}: {err}");
        assert!(err.contains(flag) && err.contains(says), "{err}");
        assert!(!out.exists(), "{flag} {value:?}: nothing written");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
