//! The Kubernetes manifests in deploy/k8s are what `pocnet deploy kubernetes` writes for the
//! smoke scenario (CI validates them, and those of the 71-state register, against the
//! Kubernetes 1.31 schemas).

use std::path::Path;

#[test]
fn the_bundled_manifests_are_the_generated_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let states = pocnet::pki::states_of(&root.join("scenarios/smoke.toml")).expect("smoke");
    let k8s = pocnet::deploy::Kubernetes {
        namespace: "pocnet".into(),
        image: "pocnet:dev".into(),
        scenario: "smoke.toml".into(),
        journal_storage: "64Mi".into(),
    };
    for (name, text) in k8s.files(&states) {
        let path = root.join("deploy/k8s").join(name);
        let bundled = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            bundled == text,
            "{} differs from `pocnet deploy kubernetes --register scenarios/smoke.toml --out deploy/k8s`",
            path.display()
        );
    }
}

#[test]
fn every_state_of_the_hanoi_register_gets_a_node_with_a_journal_volume() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let states = pocnet::pki::states_of(&root.join("scenarios/registers/hanoi-2025.toml")).expect("register");
    assert_eq!(states.len(), 71);
    let k8s = pocnet::deploy::Kubernetes {
        namespace: "pocnet".into(),
        image: "pocnet:dev".into(),
        scenario: "hanoi-72.toml".into(),
        journal_storage: "64Mi".into(),
    };
    let files = k8s.files(&states);
    let nodes = &files.iter().find(|(n, _)| *n == "nodes.yaml").expect("nodes").1;
    assert_eq!(nodes.matches("kind: StatefulSet").count(), 71);
    assert_eq!(nodes.matches("volumeClaimTemplates:").count(), 71);
    for state in &states {
        let name = state.as_str().to_ascii_lowercase();
        assert!(nodes.contains(&format!("\"--journal\", \"/journal/{name}.journal\"")), "{state}");
    }
}
