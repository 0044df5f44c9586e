//! Nothing lost when the coordinator dies: `pocnet run` killed with SIGKILL in the middle
//! of a run, then `pocnet run --resume OUT`, on both engines. The resumed report.json must
//! be byte for byte the one a run without the kill gives with the same actions: for an
//! exercise, a run of the finished journal from the start (every action entering at its
//! waits, nothing killed); for a virtual run, a plain second run.

use pocnet_tests::api::{get, post, token};
use pocnet_tests::{binaries, pocnet, read_json, scratch, text, workspace_root};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Scenario seconds per real second: C1 reaches France 6 s after the start.
const SPEED: &str = "20";
const LIMIT: Duration = Duration::from_secs(240);

fn log(out: &Path, name: &str) -> String {
    std::fs::read(out.with_extension(name)).map(|b| text(&b)).unwrap_or_default()
}

/// `pocnet ARGS` in the background, its output in OUT/NAME.out and OUT/NAME.err.
fn start(args: &[&str], out: &Path, name: &str) -> Child {
    Command::new(&binaries().pocnet)
        .current_dir(workspace_root())
        .args(args)
        .env("POCNET_NODE_BIN", &binaries().node)
        .stdin(Stdio::piped())
        .stdout(std::fs::File::create(out.with_extension(format!("{name}.out"))).expect("stdout file"))
        .stderr(std::fs::File::create(out.with_extension(format!("{name}.err"))).expect("stderr file"))
        .spawn()
        .expect("start pocnet")
}

fn until<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(t) = f() {
            return t;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn wait(child: &mut Child, limit: Duration) -> Option<i32> {
    until("the run to end", limit, || child.try_wait().expect("try_wait")).code()
}

/// The console's links, once console.json holds them.
struct Links {
    url: String,
    control: String,
    fra: String,
}

fn links(out: &Path) -> (Links, Value) {
    let path = out.join("console.json");
    let v = until("console.json", Duration::from_secs(90), || {
        std::fs::read(&path).ok().and_then(|b| serde_json::from_slice::<Value>(&b).ok())
    });
    let l = Links {
        url: v["url"].as_str().expect("url").to_string(),
        control: token(v["control"].as_str().expect("control")),
        fra: token(v["players"]["FRA"].as_str().expect("FRA")),
    };
    (l, v)
}

/// France's card for `id`, once the console shows it with `status`.
fn card_until(l: &Links, id: &str, status: &str) {
    until(&format!("{id} {status} at France's console"), Duration::from_secs(120), || {
        let (code, v) = get(&format!("{}/api/console", l.url), &l.fra);
        let text = v.to_string();
        (code == 200 && text.contains(&format!("\"id\":\"{id}\"")) && text.contains(status)).then_some(())
    });
}

fn act(l: &Links, path: &str, token: &str, body: Value) {
    let (code, v) = post(&format!("{}{path}", l.url), token, body);
    assert_eq!(code, 202, "{path}: {v}");
}

/// Copies a finished run's kept folder into a fresh OUT, its `finished` mark taken off:
/// a run of the same journal from the start, not killed.
fn unkilled_copy(from: &Path, name: &str) -> PathBuf {
    let to = scratch(name);
    std::fs::create_dir_all(to.join("resume/registers")).expect("mkdir");
    for entry in walk(&from.join("resume")) {
        let rel = entry.strip_prefix(from).expect("inside");
        std::fs::create_dir_all(to.join(rel).parent().expect("parent")).expect("mkdir");
        std::fs::copy(&entry, to.join(rel)).expect("copy");
    }
    let journal = to.join("resume/journal.jsonl");
    let kept: Vec<String> = std::fs::read_to_string(&journal)
        .expect("journal")
        .lines()
        .filter(|l| *l != "\"finished\"")
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(kept.len() < std::fs::read_to_string(&journal).expect("journal").lines().count(), "a finished mark");
    std::fs::write(&journal, kept.concat()).expect("write journal");
    to
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        if e.path().is_dir() {
            files.extend(walk(&e.path()));
        } else {
            files.push(e.path());
        }
    }
    files
}

fn exercise_killed_and_resumed(engine: &str) {
    let out = scratch(&format!("resume-exercise-{engine}"));
    let scenario = workspace_root().join("scenarios/tabletop-hour.toml");
    let o = out.display().to_string();
    let s = scenario.display().to_string();
    let args = ["run", &s, "--clock", "wall", "--speed", SPEED, "--engine", engine, "--linger", "0s", "-q"];
    let mut first = start(&[&args[..], &["--console-listen", "127.0.0.1:0", "--out", &o]].concat(), &out, "first");
    let (l, links_before) = links(&out);

    // France acknowledges C1 (with her rationale); the controller pauses and resumes; France sends Viet Nam a
    // request of her own. Then the coordinator is killed.
    card_until(&l, "C1", "\"new\"");
    let because = "the request names the account and the offence; we can act on it";
    act(
        &l,
        "/api/console/action",
        &l.fra,
        serde_json::json!({ "id": "C1", "action": "acknowledge", "rationale": because }),
    );
    act(&l, "/api/control/pause", &l.control, serde_json::json!({}));
    act(&l, "/api/control/resume", &l.control, serde_json::json!({}));
    act(
        &l,
        "/api/console/request",
        &l.fra,
        serde_json::json!({ "to": "VNM", "kind": "preservation", "offence": "phishing" }),
    );
    card_until(&l, "C1", "acknowledged");
    std::thread::sleep(Duration::from_secs(1));
    first.kill().expect("SIGKILL");
    let _ = first.wait();
    assert!(!out.join("report.json").exists(), "killed before the end");
    // Killed mid-write: a last record cut off.
    let journal = out.join("resume/journal.jsonl");
    let mut bytes = std::fs::read(&journal).expect("journal");
    bytes.extend_from_slice(b"{\"received\":{\"direct");
    std::fs::write(&journal, bytes).expect("append a torn record");

    let mut second = start(&["run", "--resume", &o, "-q"], &out, "second");
    let (l, links_after) = links_after_restart(&out, &links_before);
    assert_eq!(links_after, links_before, "players reconnect with the same links and tokens");
    // The replay brings C1 back acknowledged; France fulfils it, the controller injects, ends.
    card_until(&l, "C1", "acknowledged");
    act(&l, "/api/console/action", &l.fra, serde_json::json!({ "id": "C1", "action": "fulfil" }));
    act(&l, "/api/control/inject", &l.control, serde_json::json!({ "from": "EGY", "to": "FRA", "kind": "emergency" }));
    std::thread::sleep(Duration::from_secs(1));
    act(&l, "/api/control/end", &l.control, serde_json::json!({}));
    assert_eq!(wait(&mut second, LIMIT), Some(0), "{}", log(&out, "second.err"));
    let err = log(&out, "second.err");
    assert!(err.contains("journal.jsonl") && err.contains("cut off mid-write and is dropped"), "{err}");
    assert!(err.contains("resuming"), "{err}");

    let resumed = std::fs::read(out.join("report.json")).expect("report.json");
    let report = read_json(&out.join("report.json"));
    let c1 = report["requests"].as_array().expect("requests").iter().find(|r| r["id"] == "C1").cloned();
    let c1 = c1.expect("C1");
    assert_eq!(c1["outcome"], "preserved", "acknowledged before the kill, fulfilled after: {c1}");
    assert_eq!(report["totals"]["injects"], 10, "8 scripted, France's before the kill, the ad-hoc after");

    // The same actions, no kill: the finished journal run from the start in a fresh folder.
    let again = unkilled_copy(&out, &format!("resume-exercise-{engine}-again"));
    let a = again.display().to_string();
    let mut third = start(&["run", "--resume", &a, "-q"], &again, "third");
    assert_eq!(wait(&mut third, LIMIT), Some(0), "{}", log(&again, "third.err"));
    let unkilled = std::fs::read(again.join("report.json")).expect("report.json");
    assert!(resumed == unkilled, "the resumed report differs from the run without the kill");
    // The rationale typed before the kill came back from the journal into the review.
    let review = std::fs::read_to_string(out.join("after-action.md")).expect("after-action.md");
    assert!(review.contains(&format!("(rationale: \"{because}\")")), "{review}");
    let unkilled_review = std::fs::read_to_string(again.join("after-action.md")).expect("after-action.md");
    assert_eq!(review, unkilled_review, "the resumed review differs from the run without the kill");

    // Resuming a finished run says so and changes nothing.
    let o2 = pocnet(&["run", "--resume", &o], LIMIT);
    assert_eq!(o2.status.code(), Some(0));
    assert!(text(&o2.stderr).contains("this run finished"), "{}", text(&o2.stderr));
    assert_eq!(std::fs::read(out.join("report.json")).expect("report"), resumed);
}

/// console.json once the resumed run has written it again (its console answers).
fn links_after_restart(out: &Path, before: &Value) -> (Links, Value) {
    let control = token(before["control"].as_str().expect("control"));
    let url = before["url"].as_str().expect("url").to_string();
    until("the resumed console", Duration::from_secs(90), || {
        (get(&format!("{url}/api/control"), &control).0 == 200).then_some(())
    });
    links(out)
}

#[test]
fn an_in_process_exercise_killed_midway_resumes_to_the_report_of_the_same_actions_without_the_kill() {
    exercise_killed_and_resumed("inproc");
}

#[test]
fn a_mesh_exercise_killed_midway_resumes_to_the_report_of_the_same_actions_without_the_kill() {
    exercise_killed_and_resumed("mesh");
}

fn virtual_killed_and_resumed(engine: &str, scenario: &str, kill_after: Duration) {
    let out = scratch(&format!("resume-virtual-{engine}"));
    let o = out.display().to_string();
    let s = workspace_root().join(scenario).display().to_string();
    // A fast machine may finish (or write its report) before the kill: then try again,
    // killing sooner.
    let mut wait = kill_after;
    loop {
        let _ = std::fs::remove_dir_all(&out);
        let mut first = start(&["run", &s, "--engine", engine, "-q", "--out", &o], &out, "first");
        std::thread::sleep(wait);
        let running = first.try_wait().expect("try_wait").is_none();
        first.kill().expect("SIGKILL");
        let _ = first.wait();
        if running && !out.join("report.json").exists() {
            break;
        }
        assert!(wait > Duration::from_millis(40), "the run ended before every kill: kill sooner");
        wait /= 2;
    }
    let resumed = pocnet(&["run", "--resume", &o, "-q"], LIMIT);
    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed.stderr));

    let fresh = scratch(&format!("resume-virtual-{engine}-fresh"));
    let f = fresh.display().to_string();
    let whole = pocnet(&["run", &s, "--engine", engine, "-q", "--out", &f], LIMIT);
    assert_eq!(whole.status.code(), Some(0), "{}", text(&whole.stderr));
    let (a, b) = (std::fs::read(out.join("report.json")), std::fs::read(fresh.join("report.json")));
    assert!(a.expect("resumed report") == b.expect("fresh report"), "the resumed virtual run's report differs");
}

#[test]
fn a_virtual_mesh_run_killed_midway_resumes_to_the_same_report() {
    virtual_killed_and_resumed("mesh", "scenarios/hanoi-72.toml", Duration::from_secs(3));
}

#[test]
fn a_virtual_in_process_run_killed_midway_resumes_to_the_same_report() {
    // The quarter (months of holds and MLA legs) runs longer in process than the week.
    virtual_killed_and_resumed("inproc", "scenarios/hanoi-72-quarter.toml", Duration::from_millis(500));
}

#[test]
fn resume_of_a_folder_that_is_not_a_run_is_refused_naming_it() {
    let dir = scratch("resume-not-a-run");
    std::fs::write(dir.join("notes.txt"), "mine").expect("write");
    let d = dir.display().to_string();
    let o = pocnet(&["run", "--resume", &d], LIMIT);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains(&d) && err.contains("not a pocnet run's folder"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // With a scenario too: refused by the argument parser.
    let o = pocnet(&["run", "scenarios/smoke.toml", "--resume", &d], LIMIT);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
}

#[test]
fn a_journal_damaged_before_its_last_record_is_a_located_error() {
    let out = scratch("resume-damaged");
    let o = out.display().to_string();
    let ran = pocnet(&["run", "scenarios/smoke.toml", "--engine", "inproc", "-q", "--out", &o], LIMIT);
    assert_eq!(ran.status.code(), Some(0), "{}", text(&ran.stderr));
    let journal = out.join("resume/journal.jsonl");
    assert_eq!(std::fs::read_to_string(&journal).expect("journal"), "\"finished\"\n", "a virtual run journals its end");
    std::fs::write(&journal, "{\"reached\":{\"at\":1}}\nnot json\n\"finished\"\n").expect("write");
    let o2 = pocnet(&["run", "--resume", &o], LIMIT);
    assert_eq!(o2.status.code(), Some(2));
    let err = text(&o2.stderr);
    assert!(err.contains("journal.jsonl:2: not a journal record"), "{err}");
}
