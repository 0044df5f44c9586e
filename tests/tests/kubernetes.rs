//! The manifests `pocnet deploy kubernetes` writes, run as Kubernetes would run them (issue
//! 27, point 10), without a cluster: each container's own command and arguments, read from
//! the YAML, run with the real binaries, each pod's volumes laid out in a folder of its
//! own exactly as the kubelet mounts them (a ConfigMap's `items` at their `path`s below the
//! `mountPath`, a Secret's keys, a claim as an empty folder), absolute paths in the
//! arguments resolved inside that folder. Kubernetes' `$(VAR)` references are expanded from
//! the Service environment the kubelet gives (the coordinator's Service on 127.0.0.1).
//!
//! Only ports are changed, as every pod here shares one host: nodes listen on 127.0.0.1:0
//! instead of 0.0.0.0:5000, and the coordinator on a free port instead of 4433 (in its
//! laid-out deployment.toml and the nodes' `--coordinator`). The scenario names its
//! register at `registers/three.toml`: the run works only if the ConfigMap lays it there,
//! and writes its report where the manifests mount the outputs' claim.
//!
//! The YAML is read by a real YAML parser (Python's, as `kubernetes-validate` uses it).

use pocnet_tests::{binaries, pocnet, run_bounded, scratch, text, workspace_root};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(120);

/// Every document of every manifest in `dir`, through a YAML parser.
fn manifests(dir: &Path) -> Vec<Value> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("manifests")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let script = "import json, sys, yaml\n\
                  docs = [d for f in sys.argv[1:] for d in yaml.safe_load_all(open(f)) if d]\n\
                  json.dump(docs, sys.stdout)";
    let out = Command::new("python3").arg("-c").arg(script).args(&files).output().expect("python3 with PyYAML");
    assert!(out.status.success(), "the manifests do not parse as YAML: {}", text(&out.stderr));
    serde_json::from_slice::<Vec<Value>>(&out.stdout).expect("JSON")
}

fn of_kind<'m>(docs: &'m [Value], kind: &str) -> Vec<&'m Value> {
    docs.iter().filter(|d| d["kind"] == kind).collect()
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// What `kubectl create secret generic pocnet-NAME --from-file=cert.pem=pki/NAME.pem
/// --from-file=key.pem=pki/NAME.key --from-file=ca.pem=pki/ca.pem` (deploy/k8s/README.md)
/// puts in each Secret the manifests name: the placeholders' keys, the PKI's files.
fn secret_data(docs: &[Value], pki: &Path) -> BTreeMap<String, BTreeMap<String, Vec<u8>>> {
    let mut secrets = BTreeMap::new();
    for secret in of_kind(docs, "Secret") {
        let name = str_of(&secret["metadata"]["name"]);
        let who = name.strip_prefix("pocnet-").expect("pocnet-NAME");
        let keys = secret["stringData"].as_object().expect("stringData");
        let data = keys
            .keys()
            .map(|key| {
                let file = match key.as_str() {
                    "cert.pem" => format!("{who}.pem"),
                    "key.pem" => format!("{who}.key"),
                    "ca.pem" => "ca.pem".to_string(),
                    other => panic!("a key the README does not make: {other}"),
                };
                (key.clone(), std::fs::read(pki.join(file)).expect("PKI file"))
            })
            .collect();
        secrets.insert(name.to_string(), data);
    }
    secrets
}

/// A pod's volumes laid out below `root` as the kubelet mounts them; returns each mount's
/// path in the container and the claims mounted (mount path, claim name).
fn lay_out(
    pod: &Value,
    docs: &[Value],
    secrets: &BTreeMap<String, BTreeMap<String, Vec<u8>>>,
    root: &Path,
) -> Vec<(String, String)> {
    let container = &pod["containers"][0];
    let mut claims = Vec::new();
    for mount in container["volumeMounts"].as_array().expect("volumeMounts") {
        let (name, at) = (str_of(&mount["name"]), str_of(&mount["mountPath"]));
        let dir = root.join(at.trim_start_matches('/'));
        std::fs::create_dir_all(&dir).expect("mount");
        let volume = pod["volumes"].as_array().and_then(|v| v.iter().find(|v| v["name"] == name));
        let Some(volume) = volume else {
            // A volumeClaimTemplate's volume: an empty claim of the pod's own.
            claims.push((at.to_string(), name.to_string()));
            continue;
        };
        let files: Vec<(String, Vec<u8>)> = if let Some(map) = volume.get("configMap") {
            let cm = of_kind(docs, "ConfigMap").into_iter().find(|c| c["metadata"]["name"] == map["name"]);
            let data = &cm.expect("the ConfigMap the volume names")["data"];
            items(map, data.as_object().expect("data").iter().map(|(k, v)| (k.clone(), str_of(v).as_bytes().to_vec())))
        } else if let Some(secret) = volume.get("secret") {
            let data = &secrets[str_of(&secret["secretName"])];
            items(secret, data.iter().map(|(k, v)| (k.clone(), v.clone())))
        } else if let Some(claim) = volume.get("persistentVolumeClaim") {
            let name = str_of(&claim["claimName"]);
            assert!(
                of_kind(docs, "PersistentVolumeClaim").iter().any(|c| c["metadata"]["name"] == name),
                "the claim {name} is among the manifests"
            );
            claims.push((at.to_string(), name.to_string()));
            Vec::new()
        } else {
            panic!("a volume of another kind: {volume}");
        };
        for (path, bytes) in files {
            let file = dir.join(&path);
            std::fs::create_dir_all(file.parent().expect("parent")).expect("subfolder");
            std::fs::write(&file, bytes).expect("file");
        }
    }
    claims
}

/// A volume's files: its `items` (key → path), or every key at its own name.
fn items(volume: &Value, data: impl Iterator<Item = (String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    let data: BTreeMap<String, Vec<u8>> = data.collect();
    match volume.get("items").and_then(Value::as_array) {
        None => data.into_iter().collect(),
        Some(items) => items
            .iter()
            .map(|i| {
                let path = str_of(&i["path"]);
                assert!(!path.starts_with('/') && !path.split('/').any(|p| p == ".."), "{path}");
                (path.to_string(), data.get(str_of(&i["key"])).expect("the item's key is in the data").clone())
            })
            .collect(),
    }
}

/// A container's argument as it runs here: `$(VAR)` expanded, the ports changed, and an
/// absolute path resolved in the pod's folder.
fn remap(arg: &str, root: &Path, env: &BTreeMap<&str, String>, coordinator_port: u16) -> String {
    let mut arg = arg.to_string();
    for (name, value) in env {
        arg = arg.replace(&format!("$({name})"), value);
    }
    if arg == "0.0.0.0:5000" {
        return "127.0.0.1:0".into();
    }
    if let Some(host) = arg.strip_suffix(":4433") {
        return format!("{host}:{coordinator_port}");
    }
    match arg.strip_prefix('/') {
        Some(inside) => root.join(inside).display().to_string(),
        None => arg,
    }
}

/// The container's process, its output to `log` (the coordinator's is taken by the caller).
fn spawn(pod: &Value, root: &Path, env: &BTreeMap<&str, String>, port: u16, log: &Path) -> (Command, Vec<String>) {
    let container = &pod["containers"][0];
    // No `command`: the image's entry point, the node (deploy/Dockerfile).
    let program = match container.get("command").and_then(Value::as_array).map(|c| str_of(&c[0])) {
        None => binaries().node.clone(),
        Some("/pocnet") => binaries().pocnet.clone(),
        Some(other) => panic!("a command the image does not hold: {other}"),
    };
    let args: Vec<String> =
        container["args"].as_array().expect("args").iter().map(|a| remap(str_of(a), root, env, port)).collect();
    let mut cmd = Command::new(program);
    cmd.args(&args).current_dir(root).stdin(Stdio::null());
    cmd.stdout(Stdio::null()).stderr(std::fs::File::create(log).expect("log"));
    (cmd, args)
}

/// smoke.toml split in two: the scenario, naming `registers/three.toml`, and that register.
fn scenario_with_a_register(dir: &Path) -> PathBuf {
    let smoke = std::fs::read_to_string(workspace_root().join("scenarios/smoke.toml")).expect("smoke");
    let (from, to) = (smoke.find("[[states]]").expect("states"), smoke.find("# Monday 3 November").expect("injects"));
    let register = format!(
        "description = \"smoke's three states as a register\"\n\n{}",
        smoke[from..to].replace("[[states]]", "[[contact_points]]")
    );
    let scenario = format!("{}{}", &smoke[..from], &smoke[to..]).replacen(
        "seed = 20251025\n",
        "seed = 20251025\nregister = \"registers/three.toml\"\n",
        1,
    );
    std::fs::create_dir_all(dir.join("registers")).expect("dir");
    std::fs::write(dir.join("registers/three.toml"), register).expect("register");
    std::fs::write(dir.join("three.toml"), scenario).expect("scenario");
    dir.join("three.toml")
}

fn wait_all(nodes: Vec<Child>) {
    let started = Instant::now();
    for mut node in nodes {
        while node.try_wait().expect("wait").is_none() {
            if started.elapsed() > Duration::from_secs(20) {
                let _ = node.kill();
                panic!("a node did not exit after the run");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn the_generated_pods_run_the_scenario_with_its_register_and_keep_the_report_on_the_claim() {
    let dir = scratch("kubernetes");
    let scenario = scenario_with_a_register(&dir.join("src"));
    let (k8s, pki) = (dir.join("k8s"), dir.join("pki"));
    let s = |p: &Path| p.to_str().expect("utf-8").to_string();
    let made = pocnet(&["deploy", "kubernetes", "--scenario", &s(&scenario), "--out", &s(&k8s)], LIMIT);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let init = pocnet(&["pki", "init", &s(&pki), "--register", &s(&scenario)], LIMIT);
    assert!(init.status.success(), "{}", text(&init.stderr));
    let docs = manifests(&k8s);
    let secrets = secret_data(&docs, &pki);
    let port = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let env = BTreeMap::from([("POCNET_COORDINATOR_SERVICE_HOST", "127.0.0.1".to_string())]);

    let job = of_kind(&docs, "Job")[0];
    let job_pod = &job["spec"]["template"]["spec"];
    let job_root = dir.join("pods").join(str_of(&job["metadata"]["name"]));
    let claims = lay_out(job_pod, &docs, &secrets, &job_root);
    // Only the port of the laid-out deployment file changes (the pods share this host).
    let deployment = job_root.join("scenario/deployment.toml");
    let laid = std::fs::read_to_string(&deployment).expect("deployment.toml where the Job reads it");
    assert!(laid.contains("0.0.0.0:4433"), "{laid}");
    std::fs::write(&deployment, laid.replace("0.0.0.0:4433", &format!("0.0.0.0:{port}"))).expect("write");
    assert!(job_root.join("scenario/registers/three.toml").is_file(), "the register beside the scenario");
    // What a flat ConfigMap gave: the scenario without its register cannot run.
    let flat = dir.join("flat");
    std::fs::create_dir_all(&flat).expect("flat");
    std::fs::copy(job_root.join("scenario/three.toml"), flat.join("three.toml")).expect("copy");
    let check = pocnet(&["check", &s(&flat.join("three.toml"))], LIMIT);
    assert_eq!(check.status.code(), Some(2), "a scenario without its register: {}", text(&check.stderr));

    let mut nodes = Vec::new();
    let sets = of_kind(&docs, "StatefulSet");
    assert_eq!(sets.len(), 3);
    for set in sets {
        let root = dir.join("pods").join(format!("{}-0", str_of(&set["metadata"]["name"])));
        let pod = &set["spec"]["template"]["spec"];
        lay_out(pod, &docs, &secrets, &root);
        let (mut cmd, _) = spawn(pod, &root, &env, port, &root.join("node.log"));
        nodes.push(cmd.spawn().expect("pocnet-node"));
    }
    let (cmd, args) = spawn(job_pod, &job_root, &env, port, &dir.join("coordinator.log"));
    let run = run_bounded(cmd, LIMIT);
    assert!(run.status.success(), "the coordinator's Job failed: {}", text(&run.stderr));
    wait_all(nodes);

    // The report is where the manifests say: --out is the mount of the outputs' claim.
    let out_arg = &args[args.iter().position(|a| a == "--out").expect("--out") + 1];
    let (mount, claim) = claims
        .iter()
        .find(|(at, _)| job_root.join(at.trim_start_matches('/')) == Path::new(out_arg))
        .expect("--out is a claim's mount");
    assert_eq!((mount.as_str(), claim.as_str()), ("/out", "pocnet-out"));
    let report = job_root.join("out/report.json");
    let own = dir.join("own");
    let local = pocnet(&["run", &s(&scenario), "--engine", "inproc", "--out", &s(&own), "-q"], LIMIT);
    assert!(local.status.success(), "{}", text(&local.stderr));
    assert_eq!(
        std::fs::read(&report).expect("report.json on the claim"),
        std::fs::read(own.join("report.json")).expect("own"),
        "the pods' run gives the in-process report"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
