//! `pocnet deploy kubernetes`: the manifests of a deployment of any scenario, written
//! rather than copied by hand: a StatefulSet per contact point (its certificate from a
//! Secret, its journal on a volume of its own, so that a pod its kubelet restarts replays
//! it and re-registers), a headless Service for the nodes, a Service and a Job for the
//! coordinator (which attaches to them and runs the scenario), the ConfigMap holding the
//! scenario with its register at the path the scenario names, a claim for the run's
//! outputs, and placeholder Secrets showing their shape. Every option written into a
//! manifest is checked first: nothing typed on the command line becomes YAML syntax.

use crate::scenario::{self, ScenarioError};
use pocnet_core::StateCode;
use pocnet_node::files::FileError;
use std::fmt::Write;
use std::path::Path;

/// What the command line chooses: each checked by [`Kubernetes::new`] before any of it is
/// written into a manifest.
#[derive(Debug, Clone)]
pub struct Options {
    pub namespace: String,
    pub image: String,
    /// Storage for each node's journal.
    pub journal_storage: String,
    /// Storage for the run's outputs (the `pocnet-out` claim).
    pub out_storage: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("--namespace {0:?}: not an RFC 1123 label (1 to 63 lower-case letters, digits and `-`, starting and ending with a letter or digit)")]
    Namespace(String),
    #[error("--image {0:?}: not an image reference (1 to 255 of letters, digits and `._-/:@+`, starting with a letter or digit)")]
    Image(String),
    #[error("--{flag} {value:?}: not a storage quantity like 64Mi or 1Gi")]
    Storage { flag: &'static str, value: String },
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("{scenario}: a ConfigMap cannot hold {what} {name:?} (path parts of letters, digits and `._-`, none starting with `.`, no `..`, and distinct from the scenario and deployment.toml)")]
    Path { scenario: String, what: &'static str, name: String },
    #[error("the ConfigMap would hold {bytes} bytes; Kubernetes keeps at most {CONFIG_MAP_BYTES_MAX}")]
    TooLarge { bytes: usize },
    #[error(transparent)]
    File(#[from] FileError),
    #[error("cannot create {dir}: {source}")]
    CreateDir { dir: String, source: std::io::Error },
}

/// The manifests of a deployment of one scenario: its states, the scenario and the register
/// it names (laid out in the ConfigMap at the path the scenario expects), and the checked
/// options.
#[derive(Debug, Clone)]
pub struct Kubernetes {
    options: Options,
    states: Vec<StateCode>,
    /// The scenario file's name, which is its path in the ConfigMap's volume.
    scenario_name: String,
    scenario_text: String,
    /// The register the scenario names: its path relative to the scenario, and its text.
    register: Option<(String, String)>,
}

/// Port nodes listen on (UDP, QUIC).
const NODE_PORT: u16 = 5000;
/// Port the coordinator listens on (UDP, QUIC).
const COORDINATOR_PORT: u16 = 4433;
/// Where the coordinator's container finds the scenario, its register and deployment.toml.
pub const SCENARIO_MOUNT: &str = "/scenario";
/// Where the coordinator's container writes the run's outputs: the `pocnet-out` claim.
pub const OUT_MOUNT: &str = "/out";
/// The most a ConfigMap holds (etcd's limit on an object).
pub const CONFIG_MAP_BYTES_MAX: usize = 1 << 20;
/// The deployment file's name in the ConfigMap.
const DEPLOYMENT_FILE: &str = "deployment.toml";

/// An RFC 1123 label, as a namespace's name must be.
pub fn namespace(s: &str) -> Result<String, DeployError> {
    let b = s.as_bytes();
    let inner = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-';
    let end = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if (1..=63).contains(&b.len()) && b.iter().all(inner) && end(b.first()) && end(b.last()) {
        Ok(s.to_string())
    } else {
        Err(DeployError::Namespace(s.to_string()))
    }
}

/// A container image reference (`registry:5000/pocnet:dev`, `pocnet@sha256:...`): no
/// whitespace, no control character, nothing YAML would read as syntax.
pub fn image(s: &str) -> Result<String, DeployError> {
    let ok = |c: char| c.is_ascii_alphanumeric() || "._-/:@+".contains(c);
    let first = s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if first && s.len() <= 255 && s.chars().all(ok) {
        Ok(s.to_string())
    } else {
        Err(DeployError::Image(s.to_string()))
    }
}

/// A storage quantity as a claim requests it: digits, then a binary or decimal suffix.
pub fn storage(flag: &'static str, s: &str) -> Result<String, DeployError> {
    let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &s[digits.len()..];
    let suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "k", "M", "G", "T", "P", "E"];
    if (1..=18).contains(&digits.len()) && digits.bytes().all(|c| c.is_ascii_digit()) && suffixes.contains(&suffix) {
        Ok(s.to_string())
    } else {
        Err(DeployError::Storage { flag, value: s.to_string() })
    }
}

/// A path a ConfigMap's item can take below the volume, and the same in the container: parts
/// of letters, digits and `._-`, none empty, none starting with `.` (the kubelet's own
/// `..data` links, `..`).
fn volume_path(path: &str) -> bool {
    path.split('/').all(|part| {
        !part.is_empty()
            && !part.starts_with('.')
            && part.bytes().all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c))
    })
}

impl Kubernetes {
    /// The deployment of the scenario at `path`, with `options` checked.
    pub fn new(path: &Path, options: Options) -> Result<Kubernetes, DeployError> {
        let options = Options {
            namespace: namespace(&options.namespace)?,
            image: image(&options.image)?,
            journal_storage: storage("journal-storage", &options.journal_storage)?,
            out_storage: storage("out-storage", &options.out_storage)?,
        };
        let (loaded, register) = scenario::load_naming_register(path, &scenario::Overrides::default())?;
        let shown = path.display().to_string();
        let bad = |what, name: &str| DeployError::Path { scenario: shown.clone(), what, name: name.to_string() };
        let scenario_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if !volume_path(&scenario_name) || scenario_name.contains('/') || scenario_name == DEPLOYMENT_FILE {
            return Err(bad("the scenario's file name", &scenario_name));
        }
        let register = match register {
            Some(r) if !volume_path(&r) || r == scenario_name || r == DEPLOYMENT_FILE => {
                return Err(bad("the register's path", &r))
            }
            Some(r) => {
                let file = path.parent().unwrap_or(Path::new("")).join(&r);
                let text = pocnet_node::files::read_text(&file, scenario::SCENARIO_BYTES_MAX)?;
                Some((r, text))
            }
            None => None,
        };
        let scenario_text = pocnet_node::files::read_text(path, scenario::SCENARIO_BYTES_MAX)?;
        let states = loaded.states.iter().map(|e| e.code).collect();
        let k8s = Kubernetes { options, states, scenario_name, scenario_text, register };
        let bytes = k8s.config_map_files().iter().map(|(_, _, text)| text.len()).sum();
        if bytes > CONFIG_MAP_BYTES_MAX {
            return Err(DeployError::TooLarge { bytes });
        }
        Ok(k8s)
    }

    /// The states that get a node.
    pub fn states(&self) -> &[StateCode] {
        &self.states
    }

    /// Every file of the deployment, by name, in a stable order.
    pub fn files(&self) -> Vec<(&'static str, String)> {
        vec![
            ("namespace.yaml", self.namespace_yaml()),
            ("services.yaml", self.services_yaml()),
            ("secrets.yaml", self.secrets_yaml()),
            ("nodes.yaml", self.nodes_yaml()),
            ("scenario.yaml", self.config_map_yaml()),
            ("coordinator-job.yaml", self.coordinator_yaml()),
        ]
    }

    /// Writes every file into `dir`; returns their names.
    pub fn write(&self, dir: &Path) -> Result<Vec<String>, DeployError> {
        std::fs::create_dir_all(dir)
            .map_err(|source| DeployError::CreateDir { dir: dir.display().to_string(), source })?;
        let mut written = Vec::new();
        for (name, text) in self.files() {
            pocnet_node::files::write_atomic(&dir.join(name), text.as_bytes())?;
            written.push(name.to_string());
        }
        Ok(written)
    }

    fn header(&self) -> String {
        format!(
            "# Written by `pocnet deploy kubernetes` (namespace {}, image {}).\n",
            self.options.namespace, self.options.image
        )
    }

    fn namespace_yaml(&self) -> String {
        format!("{}apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {}\n", self.header(), self.options.namespace)
    }

    fn services_yaml(&self) -> String {
        let ns = &self.options.namespace;
        format!(
            "{}# Headless: stable DNS names for the node pods; the coordinator gets a Service of its own\n\
             # so that nodes reach it by name.\n\
             apiVersion: v1\nkind: Service\nmetadata:\n  name: pocnet-nodes\n  namespace: {ns}\nspec:\n  clusterIP: None\n  \
             selector:\n    app.kubernetes.io/part-of: pocnet\n    app.kubernetes.io/component: node\n  ports:\n    \
             - name: quic\n      protocol: UDP\n      port: {NODE_PORT}\n---\n\
             apiVersion: v1\nkind: Service\nmetadata:\n  name: pocnet-coordinator\n  namespace: {ns}\nspec:\n  selector:\n    \
             app.kubernetes.io/part-of: pocnet\n    app.kubernetes.io/component: coordinator\n  ports:\n    \
             - name: quic\n      protocol: UDP\n      port: {COORDINATOR_PORT}\n",
            self.header()
        )
    }

    fn secrets_yaml(&self) -> String {
        let states = &self.states;
        let mut o = self.header();
        let names =
            std::iter::once("coordinator".to_string()).chain(states.iter().map(|s| s.as_str().to_ascii_lowercase()));
        for (i, name) in names.enumerate() {
            if i > 0 {
                o.push_str("---\n");
            }
            let _ = write!(
                o,
                "# Placeholder: create the real one with kubectl (see README.md).\n\
                 apiVersion: v1\nkind: Secret\nmetadata:\n  name: pocnet-{name}\n  namespace: {}\ntype: Opaque\nstringData:\n  \
                 cert.pem: \"replace with pki/{name}.pem\"\n  key.pem: \"replace with pki/{name}.key\"\n  ca.pem: \"replace with pki/ca.pem\"\n",
                self.options.namespace
            );
        }
        o
    }

    fn nodes_yaml(&self) -> String {
        let states = &self.states;
        let mut o = self.header();
        o.push_str(
            "# One StatefulSet per contact point: its certificate from its Secret, its journal on a volume\n\
             # of its own. A container that dies is restarted by the kubelet with the same journal: the\n\
             # node replays it, registers again, and the run goes on with nothing lost.\n",
        );
        for (i, state) in states.iter().enumerate() {
            if i > 0 {
                o.push_str("---\n");
            }
            let (code, name) = (state.as_str(), state.as_str().to_ascii_lowercase());
            let _ = write!(
                o,
                "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: pocnet-{name}\n  namespace: {ns}\n  labels:\n    \
                 app.kubernetes.io/part-of: pocnet\n    app.kubernetes.io/component: node\n    pocnet/state: \"{code}\"\nspec:\n  \
                 serviceName: pocnet-nodes\n  replicas: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/part-of: pocnet\n      \
                 pocnet/state: \"{code}\"\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/part-of: pocnet\n        \
                 app.kubernetes.io/component: node\n        pocnet/state: \"{code}\"\n    spec:\n      containers:\n        \
                 - name: node\n          image: {image}\n          \
                 # The coordinator's Service address is resolved by the kubelet into the env.\n          \
                 args: [\"--state\", \"{code}\", \"--coordinator\", \"$(POCNET_COORDINATOR_SERVICE_HOST):{COORDINATOR_PORT}\",\n                 \
                 \"--listen\", \"0.0.0.0:{NODE_PORT}\", \"--journal\", \"/journal/{name}.journal\",\n                 \
                 \"--cert\", \"/pki/cert.pem\", \"--key\", \"/pki/key.pem\", \"--ca\", \"/pki/ca.pem\"]\n          \
                 ports:\n            - name: quic\n              containerPort: {NODE_PORT}\n              protocol: UDP\n          \
                 resources:\n            requests: {{cpu: 50m, memory: 16Mi}}\n            limits: {{memory: 64Mi}}\n          \
                 volumeMounts:\n            - {{name: pki, mountPath: /pki, readOnly: true}}\n            - {{name: journal, mountPath: /journal}}\n      \
                 volumes:\n        - name: pki\n          secret:\n            secretName: pocnet-{name}\n            defaultMode: 0400\n  \
                 volumeClaimTemplates:\n    - metadata:\n        name: journal\n      spec:\n        accessModes: [\"ReadWriteOnce\"]\n        \
                 resources:\n          requests:\n            storage: {storage}\n",
                ns = self.options.namespace,
                image = self.options.image,
                storage = self.options.journal_storage,
            );
        }
        o
    }

    /// The ConfigMap's files: key, path below the volume, text.
    fn config_map_files(&self) -> Vec<(&'static str, &str, String)> {
        let mut files = vec![("scenario.toml", self.scenario_name.as_str(), self.scenario_text.clone())];
        if let Some((path, text)) = &self.register {
            files.push(("register.toml", path.as_str(), text.clone()));
        }
        files.push(("deployment.toml", DEPLOYMENT_FILE, deployment_toml()));
        files
    }

    fn config_map_yaml(&self) -> String {
        let mut o = self.header();
        o.push_str(
            "# The coordinator's files: the scenario, the register it names and the deployment file.\n\
             # The Job lays each at the path the scenario expects (its `items`).\n",
        );
        let _ = write!(
            o,
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pocnet-scenario\n  namespace: {}\n  labels:\n    \
             app.kubernetes.io/part-of: pocnet\n    app.kubernetes.io/component: coordinator\ndata:\n",
            self.options.namespace
        );
        for (key, _, text) in self.config_map_files() {
            let _ = write!(o, "  {key}: {}", yaml_text(&text, 4));
        }
        o
    }

    fn coordinator_yaml(&self) -> String {
        let mut o = self.header();
        let _ = write!(
            o,
            "# The run's outputs (report.json and the rest) go to {OUT_MOUNT} on the claim pocnet-out, which\n\
             # outlives the Job's pod: read them from any pod that mounts the claim.\n\
             apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: pocnet-out\n  namespace: {ns}\n  labels:\n    \
             app.kubernetes.io/part-of: pocnet\n    app.kubernetes.io/component: coordinator\nspec:\n  \
             accessModes: [\"ReadWriteOnce\"]\n  resources:\n    requests:\n      storage: {storage}\n---\n",
            ns = self.options.namespace,
            storage = self.options.out_storage,
        );
        let items: String = self
            .config_map_files()
            .iter()
            .map(|(key, path, _)| format!("              - {{key: {key}, path: {path}}}\n"))
            .collect();
        let _ = write!(
            o,
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: pocnet-run\n  namespace: {ns}\n  labels:\n    \
             app.kubernetes.io/part-of: pocnet\n    app.kubernetes.io/component: coordinator\nspec:\n  backoffLimit: 0\n  template:\n    \
             metadata:\n      labels:\n        app.kubernetes.io/part-of: pocnet\n        app.kubernetes.io/component: coordinator\n    \
             spec:\n      restartPolicy: Never\n      containers:\n        - name: coordinator\n          image: {image}\n          \
             command: [\"/pocnet\"]\n          \
             args: [\"run\", \"{SCENARIO_MOUNT}/{scenario}\", \"--attach\", \"{SCENARIO_MOUNT}/{DEPLOYMENT_FILE}\", \"--out\", \"{OUT_MOUNT}\"]\n          \
             ports:\n            - name: quic\n              containerPort: {COORDINATOR_PORT}\n              protocol: UDP\n          \
             resources:\n            requests: {{cpu: 100m, memory: 32Mi}}\n            limits: {{memory: 256Mi}}\n          \
             volumeMounts:\n            - {{name: pki, mountPath: /pki, readOnly: true}}\n            \
             - {{name: scenario, mountPath: {SCENARIO_MOUNT}, readOnly: true}}\n            \
             - {{name: out, mountPath: {OUT_MOUNT}}}\n      volumes:\n        - name: pki\n          secret:\n            secretName: pocnet-coordinator\n            \
             defaultMode: 0400\n            items:\n              - {{key: cert.pem, path: coordinator.pem}}\n              \
             - {{key: key.pem, path: coordinator.key}}\n              - {{key: ca.pem, path: ca.pem}}\n        - name: scenario\n          \
             configMap:\n            name: pocnet-scenario\n            items:\n{items}        - name: out\n          \
             persistentVolumeClaim:\n            claimName: pocnet-out\n",
            ns = self.options.namespace,
            image = self.options.image,
            scenario = self.scenario_name,
        );
        o
    }
}

/// The coordinator Job's deployment file. Its `pki` is relative to the file, so that it
/// names the Secret's mount however the volumes are laid out: `/scenario/../pki`.
fn deployment_toml() -> String {
    format!(
        "# The coordinator Job's deployment file: where it listens, where its certificate is.\n\
         coordinator = \"0.0.0.0:{COORDINATOR_PORT}\"\npki = \"../pki\"    # relative to this file: {SCENARIO_MOUNT}/../pki, the Secret's /pki\n"
    )
}

/// `text` as a YAML value at `indent` spaces, ending its line: a literal block when the text
/// reads back the same from one, else a double-quoted string with everything but printable
/// ASCII escaped. A file's text can never end the block early or add a key.
fn yaml_text(text: &str, indent: usize) -> String {
    let printable =
        |c: char| c == '\n' || c == '\t' || (c >= ' ' && c != '\u{7f}' && !('\u{80}'..='\u{9f}').contains(&c));
    let odd_breaks = ['\u{85}', '\u{2028}', '\u{2029}', '\u{feff}'];
    let literal = text.ends_with('\n')
        && !text.ends_with("\n\n")
        && !text.starts_with([' ', '\t', '\n'])
        && text.chars().all(|c| printable(c) && !odd_breaks.contains(&c));
    if literal {
        let pad = " ".repeat(indent);
        let mut o = String::from("|\n");
        for line in text.lines() {
            if !line.is_empty() {
                o.push_str(&pad);
                o.push_str(line);
            }
            o.push('\n');
        }
        return o;
    }
    let mut o = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            ' '..='~' => o.push(c),
            c if u32::from(c) <= 0xffff => {
                let _ = write!(o, "\\u{:04x}", u32::from(c));
            }
            c => {
                let _ = write!(o, "\\U{:08x}", u32::from(c));
            }
        }
    }
    o.push_str("\"\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_cannot_leave_its_value() {
        let block = yaml_text("a = 1\n\nkind: Secret\n", 4);
        assert_eq!(block, "|\n    a = 1\n\n    kind: Secret\n");
        let quoted = yaml_text(" x\r\nkind: \"Secret\"\u{2028}\\", 4);
        assert_eq!(quoted, "\" x\\u000d\\nkind: \\\"Secret\\\"\\u2028\\\\\"\n");
        assert!(yaml_text("no newline at the end", 4).starts_with('"'));
    }

    #[test]
    fn options_that_would_inject_yaml_are_refused() {
        assert!(namespace("pocnet").is_ok() && namespace("a-1").is_ok());
        for bad in ["", "-a", "a-", "Pocnet", "a\nkind: Secret", "a b", &"a".repeat(64)] {
            assert!(matches!(namespace(bad), Err(DeployError::Namespace(_))), "{bad:?}");
        }
        assert!(image("registry.example:5000/pocnet:dev").is_ok() && image("pocnet@sha256:ab12").is_ok());
        for bad in ["", "pocnet:dev\n  command: [sh]", "pocnet dev", "{a}", "-x", "a\u{0}"] {
            assert!(matches!(image(bad), Err(DeployError::Image(_))), "{bad:?}");
        }
        assert!(storage("out-storage", "1Gi").is_ok() && storage("out-storage", "500M").is_ok());
        for bad in ["", "Gi", "1 Gi", "1Gi\nx: y", "1Xi"] {
            assert!(storage("out-storage", bad).is_err(), "{bad:?}");
        }
    }
}
