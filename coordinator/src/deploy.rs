//! `pocnet deploy kubernetes`: the manifests of a deployment for any register, written
//! rather than copied by hand: a StatefulSet per contact point (its certificate from a
//! Secret, its journal on a volume of its own, so that a pod its kubelet restarts replays
//! it and re-registers), a headless Service for the nodes, a Service and a Job for the
//! coordinator (which attaches to them), and placeholder Secrets showing their shape.

use pocnet_core::StateCode;
use std::fmt::Write;
use std::path::Path;

#[derive(Debug, Clone)]
pub struct Kubernetes {
    pub namespace: String,
    pub image: String,
    /// The scenario file's name in the `pocnet-scenario` ConfigMap.
    pub scenario: String,
    /// Storage for each node's journal.
    pub journal_storage: String,
}

/// Port nodes listen on (UDP, QUIC).
const NODE_PORT: u16 = 5000;
/// Port the coordinator listens on (UDP, QUIC).
const COORDINATOR_PORT: u16 = 4433;

impl Kubernetes {
    /// Every file of the deployment, by name, in a stable order.
    pub fn files(&self, states: &[StateCode]) -> Vec<(&'static str, String)> {
        vec![
            ("namespace.yaml", self.namespace_yaml()),
            ("services.yaml", self.services_yaml()),
            ("secrets.yaml", self.secrets_yaml(states)),
            ("nodes.yaml", self.nodes_yaml(states)),
            ("coordinator-job.yaml", self.coordinator_yaml()),
            ("deployment.toml", self.deployment_toml()),
        ]
    }

    /// Writes every file into `dir`; returns their names.
    pub fn write(&self, dir: &Path, states: &[StateCode]) -> anyhow::Result<Vec<String>> {
        std::fs::create_dir_all(dir)?;
        let mut written = Vec::new();
        for (name, text) in self.files(states) {
            pocnet_node::files::write_atomic(&dir.join(name), text.as_bytes())?;
            written.push(name.to_string());
        }
        Ok(written)
    }

    fn header(&self) -> String {
        format!("# Written by `pocnet deploy kubernetes` (namespace {}, image {}).\n", self.namespace, self.image)
    }

    fn namespace_yaml(&self) -> String {
        format!("{}apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {}\n", self.header(), self.namespace)
    }

    fn services_yaml(&self) -> String {
        let ns = &self.namespace;
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

    fn secrets_yaml(&self, states: &[StateCode]) -> String {
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
                self.namespace
            );
        }
        o
    }

    fn nodes_yaml(&self, states: &[StateCode]) -> String {
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
                ns = self.namespace,
                image = self.image,
                storage = self.journal_storage,
            );
        }
        o
    }

    fn coordinator_yaml(&self) -> String {
        format!(
            "{}apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: pocnet-run\n  namespace: {ns}\n  labels:\n    \
             app.kubernetes.io/part-of: pocnet\n    app.kubernetes.io/component: coordinator\nspec:\n  backoffLimit: 0\n  template:\n    \
             metadata:\n      labels:\n        app.kubernetes.io/part-of: pocnet\n        app.kubernetes.io/component: coordinator\n    \
             spec:\n      restartPolicy: Never\n      containers:\n        - name: coordinator\n          image: {image}\n          \
             command: [\"/pocnet\"]\n          args: [\"run\", \"/scenario/{scenario}\", \"--attach\", \"/scenario/deployment.toml\", \"--out\", \"/out\"]\n          \
             ports:\n            - name: quic\n              containerPort: {COORDINATOR_PORT}\n              protocol: UDP\n          \
             resources:\n            requests: {{cpu: 100m, memory: 32Mi}}\n            limits: {{memory: 256Mi}}\n          \
             volumeMounts:\n            - {{name: pki, mountPath: /pki, readOnly: true}}\n            - {{name: scenario, mountPath: /scenario, readOnly: true}}\n            \
             - {{name: out, mountPath: /out}}\n      volumes:\n        - name: pki\n          secret:\n            secretName: pocnet-coordinator\n            \
             defaultMode: 0400\n            items:\n              - {{key: cert.pem, path: coordinator.pem}}\n              \
             - {{key: key.pem, path: coordinator.key}}\n              - {{key: ca.pem, path: ca.pem}}\n        - name: scenario\n          \
             configMap:\n            name: pocnet-scenario\n        - name: out\n          emptyDir: {{}}\n",
            self.header(),
            ns = self.namespace,
            image = self.image,
            scenario = self.scenario,
        )
    }

    fn deployment_toml(&self) -> String {
        format!(
            "# The coordinator Job's deployment file: where it listens, where its certificate is.\n\
             coordinator = \"0.0.0.0:{COORDINATOR_PORT}\"\npki = \"/pki\"\n"
        )
    }
}
