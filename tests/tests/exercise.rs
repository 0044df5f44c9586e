//! Tabletop exercises in a real browser: `pocnet run --clock wall` on the bundled one-hour
//! exercise (real node processes, real QUIC), its operator console and dashboard driven in
//! headless Chromium through chromedriver. People's clicks must come out in the report
//! with their times, a wrong token must get nothing, and a pause must not count.
//!
//! Set POCNET_SCREENSHOTS=DIR to keep PNGs of the console and the dashboard (how the
//! pictures in docs/ are made).

use pocnet_tests::api::{agent, get, post, token};
use pocnet_tests::webdriver::{self, Browser, Element};
use pocnet_tests::{binaries, read_json, scratch, text, workspace_root};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Scenario seconds per real second: the hour lasts three minutes, and the tests end it
/// from the dashboard well before.
const SPEED: f64 = 20.0;
const PAGE: Duration = Duration::from_secs(30);

struct Exercise {
    child: Child,
    out: PathBuf,
    url: String,
    control: String,
    players: serde_json::Map<String, Value>,
}

impl Drop for Exercise {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Exercise {
    fn start(name: &str) -> Exercise {
        Exercise::start_with(name, &["--linger", "0s"])
    }

    fn start_with(name: &str, options: &[&str]) -> Exercise {
        let out = scratch(name);
        let scenario = workspace_root().join("scenarios/tabletop-hour.toml");
        let child = Command::new(&binaries().pocnet)
            .args(["run", "--clock", "wall", "--speed", &SPEED.to_string(), "--engine", "mesh", "-q"])
            .arg("--console-listen")
            .arg("127.0.0.1:0")
            .arg("--out")
            .arg(&out)
            .arg("--node-bin")
            .arg(&binaries().node)
            .args(options)
            .arg(&scenario)
            .stdin(Stdio::piped())
            .stdout(std::fs::File::create(out.join("stdout.txt")).expect("stdout file"))
            .stderr(std::fs::File::create(out.join("stderr.txt")).expect("stderr file"))
            .spawn()
            .expect("start pocnet");
        let links = out.join("console.json");
        let deadline = Instant::now() + Duration::from_secs(60);
        while !links.exists() {
            assert!(Instant::now() < deadline, "no console.json: {}", log(&out));
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(50));
        let v = read_json(&links);
        Exercise {
            child,
            url: v["url"].as_str().expect("url").to_string(),
            control: v["control"].as_str().expect("control").to_string(),
            players: v["players"].as_object().expect("players").clone(),
            out,
        }
    }

    fn player(&self, state: &str) -> String {
        self.players[state].as_str().expect("player link").to_string()
    }

    /// Waits for the run to end by itself (bounded) and returns its exit code.
    fn wait(&mut self, limit: Duration) -> Option<i32> {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "the exercise did not end: {}", log(&self.out));
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn log(out: &Path) -> String {
    std::fs::read(out.join("stderr.txt")).map(|b| text(&b)).unwrap_or_default()
}

fn browser_or_skip(profile: &Path) -> Option<Browser> {
    match webdriver::available() {
        Some((browser, driver)) => Some(Browser::start(browser, driver, profile)),
        None => {
            assert!(std::env::var_os("CI").is_none(), "CI must have chromium and chromedriver: .ci/run installs them");
            eprintln!("SKIPPED: no chromium/chromedriver here (apt-get install chromium chromium-driver)");
            None
        }
    }
}

fn status_is(want: &'static str) -> impl Fn(&Browser, &Element) -> bool {
    move |b, e| b.attribute(e, "data-status").as_deref() == Some(want)
}

fn screenshot(b: &Browser, name: &str) {
    if let Some(dir) = std::env::var_os("POCNET_SCREENSHOTS") {
        let dir = PathBuf::from(dir);
        let _ = std::fs::create_dir_all(&dir);
        b.screenshot(&dir.join(name));
    }
}

fn click(b: &Browser, css: &str) {
    let e = b.wait_for(css, PAGE, |_, _| true);
    b.click(&e);
}

/// France's officer opens the console with her token; Nigeria's preservation request
/// (C1, at 08:32 scenario time) arrives with its Art. 42 fields and its deadline.
fn france_acknowledges_c1(b: &Browser, ex: &Exercise) -> Instant {
    b.goto(&ex.player("FRA"));
    let card = b.wait_for("#req-C1", PAGE, status_is("new"));
    let shown = b.text(&card);
    assert!(shown.contains("a webmail provider in Roubaix"), "Art. 42 (d) custodian shown: {shown}");
    assert!(shown.contains("2025-11-05 12:32 Wed +01:00"), "evidence deadline in Paris time: {shown}");
    assert!(shown.contains("+01:00") && shown.contains("(2025-11-05 09:32 Wed +01:00 at the other end)"), "{shown}");
    screenshot(b, "console.png");

    click(b, "#req-C1 button[data-action=\"acknowledge\"]");
    let acked = Instant::now();
    b.wait_for("#req-C1", PAGE, status_is("acknowledged"));
    acked
}

/// The controller pauses: scenario time stands still however long the pause.
/// Returns how long it was paused.
fn the_controller_pauses(b: &Browser, ex: &Exercise) -> Duration {
    let control_token = token(&ex.control);
    let clock = || get(&format!("{}/api/control", ex.url), &control_token).1["clock"].clone();
    b.goto(&ex.control);
    click(b, "#pause");
    b.wait_for("#run-state", PAGE, |b, e| b.text(e) == "paused");
    let paused_confirmed = Instant::now();
    let t0 = clock()["now_ms"].as_i64().expect("now");
    std::thread::sleep(Duration::from_secs(3));
    let t1 = clock()["now_ms"].as_i64().expect("now");
    assert_eq!(t0, t1, "scenario time moved while paused");
    click(b, "#resume");
    let resumed = Instant::now();
    b.wait_for("#run-state", PAGE, |b, e| b.text(e) == "running");
    resumed.duration_since(paused_confirmed)
}

/// Back at the console: fulfil. Then send Viet Nam a request of her own.
fn france_fulfils_and_asks_viet_nam(b: &Browser, ex: &Exercise) -> Instant {
    b.goto(&ex.player("FRA"));
    click(b, "#req-C1 button[data-action=\"fulfil\"]");
    let fulfilled = Instant::now();
    b.wait_for("#req-C1", PAGE, status_is("fulfilled"));
    click(b, "#nr-to option[value=\"VNM\"]");
    click(b, "#nr-kind option[value=\"preservation\"]");
    let offence = b.wait_for("#nr-offence", PAGE, |_, _| true);
    b.type_into(&offence, "phishing kit hosted in Hanoi");
    click(b, "#nr-send");
    b.wait_for("#message", PAGE, |b, e| b.text(e).starts_with("done"));
    fulfilled
}

/// Viet Nam's officer sees it arrive from France, and acknowledges it.
/// Returns the request's id.
fn viet_nam_acknowledges_it(b: &Browser, ex: &Exercise) -> String {
    b.goto(&ex.player("VNM"));
    let from_france = b.wait_for("#inbox article", PAGE, |b, e| b.text(e).contains("phishing kit hosted in Hanoi"));
    let id = b.attribute(&from_france, "id").expect("card id").trim_start_matches("req-").to_string();
    click(b, &format!("#req-{} button[data-action=\"acknowledge\"]", id.replace('.', "\\.")));
    b.wait_for(&format!("#req-{}", id.replace('.', "\\.")), PAGE, status_is("acknowledged"));
    id
}

/// The dashboard: who is staffed, pending per state; an ad-hoc inject; then the end.
fn the_controller_injects_and_ends(b: &Browser, ex: &mut Exercise) {
    b.goto(&ex.control);
    let fra = b.wait_for("#state-FRA", PAGE, |_, _| true);
    assert_eq!(b.attribute(&fra, "data-mode").as_deref(), Some("staffed"), "Paris at 09:40 on a Wednesday");
    let bra = b.wait_for("#state-BRA", PAGE, |_, _| true);
    assert_eq!(b.attribute(&bra, "data-mode").as_deref(), Some("on call"), "Sao Paulo before 08:00");
    click(b, "#in-from option[value=\"EGY\"]");
    click(b, "#in-to option[value=\"FRA\"]");
    click(b, "#in-kind option[value=\"emergency\"]");
    click(b, "#in-send");
    b.wait_for("#message", PAGE, |b, e| b.text(e).contains("EGY asks FRA"));
    b.wait_for("#feed", PAGE, |b, e| b.text(e).contains("delivered from EGY"));
    screenshot(b, "dashboard.png");
    let severe = b.severe_log();
    assert!(severe.is_empty(), "the pages logged errors: {severe:?}");
    click(b, "#end");
    b.accept_alert();
    assert_eq!(ex.wait(Duration::from_secs(60)), Some(0), "{}", log(&ex.out));
}

/// The report times the people's steps like any other, in scenario time.
fn the_report_times_the_people(ex: &Exercise, acked: Instant, fulfilled: Instant, paused_for: Duration, id: &str) {
    let report = read_json(&ex.out.join("report.json"));
    let requests = report["requests"].as_array().expect("requests");
    let c1 = requests.iter().find(|r| r["id"] == "C1").expect("C1");
    assert_eq!(c1["receiver_played"], true);
    assert_eq!(c1["outcome"], "preserved", "{c1}");
    let ack_ms = c1["time_to_acknowledge_ms"].as_i64().expect("acknowledged");
    let fulfil_ms = c1["time_to_fulfil_ms"].as_i64().expect("fulfilled");
    assert!(ack_ms > 0);
    // Between the two clicks the pause (at least `paused_for` of real time) did not count:
    // the scenario time between them is at most the unpaused real time at SPEED, plus
    // a margin for page loads and the clock's window (lookahead 250 ms).
    let real = fulfilled.duration_since(acked);
    let unpaused = real.saturating_sub(paused_for).as_secs_f64();
    let scenario_between = (fulfil_ms - ack_ms) as f64 / 1000.0;
    assert!(
        scenario_between <= unpaused * SPEED + 20.0,
        "{scenario_between:.0} s of scenario time between the clicks; real {real:?} of which paused {paused_for:?}"
    );
    assert!(
        scenario_between < real.as_secs_f64() * SPEED - paused_for.as_secs_f64() * SPEED * 0.5,
        "the pause counted"
    );
    let theirs = requests.iter().find(|r| r["id"] == id).expect("France's own request");
    assert_eq!((theirs["from"].as_str(), theirs["to"].as_str()), (Some("FRA"), Some("VNM")));
    assert!(theirs["time_to_acknowledge_ms"].as_i64().is_some(), "VNM's person acknowledged it: {theirs}");
    let adhoc =
        report["cases"].as_array().expect("cases").iter().any(|c| c["from"] == "EGY" && c["kind"] == "emergency");
    assert!(adhoc, "the ad-hoc inject is a case of its own");
    assert_eq!(report["totals"]["injects"], 10, "8 scripted, one from France's console, one ad-hoc");
}

/// The after-action review and the page name who played and time their steps in local time.
fn the_review_shows_the_people(ex: &Exercise) {
    let review = std::fs::read_to_string(ex.out.join("after-action.md")).expect("after-action.md");
    assert!(review.contains("## Objectives") && review.contains("| played by people |"), "{review}");
    let c1_line = review.lines().find(|l| l.starts_with("| C1 ")).expect("C1 in the review");
    assert!(c1_line.contains("NGA → FRA (person)") && c1_line.contains("; acknowledge 09:"), "{c1_line}");
    assert!(c1_line.contains("CET, "), "France's steps in Paris time: {c1_line}");
    assert!(review.contains("FRA acknowledges within 15 minutes"), "the inject's expected action");
    let html = std::fs::read_to_string(ex.out.join("report.html")).expect("report.html");
    assert!(html.contains("id=\"after-action\"") && html.contains("id=\"human-vs-simulated\""));
}

#[test]
fn two_players_act_in_the_console_and_the_report_times_them_with_the_pause_left_out() {
    let mut ex = Exercise::start("exercise-console");
    let Some(b) = browser_or_skip(&ex.out.join("chromium-profile")) else { return };
    let acked = france_acknowledges_c1(&b, &ex);
    let paused_for = the_controller_pauses(&b, &ex);
    let fulfilled = france_fulfils_and_asks_viet_nam(&b, &ex);
    let id = viet_nam_acknowledges_it(&b, &ex);
    the_controller_injects_and_ends(&b, &mut ex);
    the_report_times_the_people(&ex, acked, fulfilled, paused_for, &id);
    the_review_shows_the_people(&ex);
}

#[test]
fn a_wrong_token_is_refused_and_a_player_cannot_control_the_exercise() {
    let mut ex = Exercise::start("exercise-tokens");
    let player = token(&ex.player("FRA"));
    let control = token(&ex.control);
    let wrong = "0".repeat(32);

    assert_eq!(get(&format!("{}/api/console", ex.url), &wrong).0, 403);
    assert_eq!(get(&format!("{}/api/console", ex.url), &control).0, 403, "the controller is not a player");
    assert_eq!(get(&format!("{}/api/control", ex.url), &player).0, 403, "a player cannot see the dashboard");
    let (code, body) = post(&format!("{}/api/control/end", ex.url), &player, serde_json::json!({}));
    assert_eq!(code, 403, "{body}");
    let (code, _) = post(
        &format!("{}/api/console/action", ex.url),
        &wrong,
        serde_json::json!({ "id": "C1", "action": "acknowledge" }),
    );
    assert_eq!(code, 403);
    let (code, body) = get(&format!("{}/api/console", ex.url), &player);
    assert_eq!(code, 200);
    assert_eq!(body["state"], "FRA");
    // A player acts only on what is in its own inbox.
    let (code, _) = post(
        &format!("{}/api/console/action", ex.url),
        &player,
        serde_json::json!({ "id": "C3", "action": "acknowledge" }),
    );
    assert_eq!(code, 404, "C3 goes to Viet Nam, not France");
    // A malformed request id, or an action the table does not name, is refused as invalid,
    // naming the field, before anything reaches the run.
    for (body, field, says) in [
        (serde_json::json!({ "id": "P3", "action": "acknowledge" }), "id", "`P3` is not a request id"),
        (serde_json::json!({ "id": "C1.x", "action": "fulfil" }), "id", "`C1.x` is not a request id"),
        (serde_json::json!({ "id": "C1", "action": "acknowlege" }), "action", "unknown action `acknowlege`"),
    ] {
        let (code, said) = post(&format!("{}/api/console/action", ex.url), &player, body);
        assert_eq!((code, refusal_of(&said).0, refusal_of(&said).1), (400, "invalid", field), "{said}");
        assert!(said["error"].as_str().is_some_and(|e| e.contains(says)), "{said}");
    }

    if let Some(b) = browser_or_skip(&ex.out.join("chromium-profile")) {
        b.goto(&format!("{}/console?token={wrong}", ex.url));
        let refused = b.wait_for("#refused", PAGE, |_, _| true);
        assert_eq!(b.text(&refused), "Access refused");
        assert!(b.find("#inbox").is_none(), "nothing of the console is served");
        b.goto(&format!("{}/control?token={player}", ex.url));
        b.wait_for("#refused", PAGE, |_, _| true);
    }
    // Still running: the player's attempt to end it did nothing. The controller ends it.
    assert!(ex.child.try_wait().expect("try_wait").is_none(), "{}", log(&ex.out));
    let (code, _) = post(&format!("{}/api/control/end", ex.url), &control, serde_json::json!({}));
    assert_eq!(code, 202);
    assert_eq!(ex.wait(Duration::from_secs(60)), Some(0), "{}", log(&ex.out));
    let report = read_json(&ex.out.join("report.json"));
    assert_eq!(report["totals"]["unfinished"], report["totals"]["injects"], "ended before anyone answered anything");
}

fn refusal_of(body: &Value) -> (&str, &str, u64) {
    (body["refusal"].as_str().unwrap_or(""), body["field"].as_str().unwrap_or(""), body["limit"].as_u64().unwrap_or(0))
}

#[test]
fn text_beyond_its_limit_is_refused_at_the_console_naming_the_field_and_the_mesh_exercise_goes_on() {
    let mut ex = Exercise::start("exercise-limits");
    let player = token(&ex.player("FRA"));
    let control = token(&ex.control);
    let request = |language: &str, offence: &str| serde_json::json!({ "to": "VNM", "kind": "preservation", "language": language, "offence": offence });
    // 40 bytes of language: once refused by FRA's peer, restarting FRA until the run died.
    let (code, body) = post(&format!("{}/api/console/request", ex.url), &player, request(&"x".repeat(40), ""));
    assert_eq!((code, refusal_of(&body)), (400, ("too_long", "language", 35)), "{body}");
    let (code, body) = post(&format!("{}/api/console/request", ex.url), &player, request("fr", &"x".repeat(2049)));
    assert_eq!((code, refusal_of(&body)), (400, ("too_long", "offence", 2048)), "{body}");
    // The controller's ad-hoc inject is checked the same way.
    let mut inject = request(&"x".repeat(40), "");
    inject["from"] = "FRA".into();
    let (code, body) = post(&format!("{}/api/control/inject", ex.url), &control, inject);
    assert_eq!((code, refusal_of(&body)), (400, ("too_long", "language", 35)), "{body}");
    let (code, body) = post(
        &format!("{}/api/console/request", ex.url),
        &player,
        serde_json::json!({ "to": "X".repeat(5000), "kind": "preservation" }),
    );
    assert_eq!((code, refusal_of(&body).0, refusal_of(&body).1), (400, "invalid", "to"), "{body}");
    assert!(body["error"].as_str().is_some_and(|e| e.len() < 200), "a refusal echoes a long value cut short: {body}");
    // Within the limits, it goes in; the run goes on and ends cleanly.
    let (code, body) = post(&format!("{}/api/console/request", ex.url), &player, request("fr", "fraud"));
    assert_eq!(code, 202, "{body}");
    std::thread::sleep(Duration::from_secs(2));
    assert!(ex.child.try_wait().expect("try_wait").is_none(), "{}", log(&ex.out));
    let (code, _) = post(&format!("{}/api/control/end", ex.url), &control, serde_json::json!({}));
    assert_eq!(code, 202);
    assert_eq!(ex.wait(Duration::from_secs(60)), Some(0), "{}", log(&ex.out));
    let transport = read_json(&ex.out.join("transport.json"));
    assert_eq!(transport["restarts"].as_array().map(Vec::len), Some(0), "{transport}");
    assert!(ex.out.join("report.json").is_file());
}

#[test]
fn a_players_flood_of_requests_is_rate_limited_and_the_console_poll_stays_bounded() {
    let mut ex = Exercise::start("exercise-flood");
    let player = token(&ex.player("FRA"));
    let control = token(&ex.control);
    let started = Instant::now();
    let (mut accepted, mut limited) = (0u64, 0u64);
    let agent = agent();
    for _ in 0..300 {
        let mut r = agent
            .post(&format!("{}/api/console/request", ex.url))
            .header("Authorization", &format!("Bearer {player}"))
            .send_json(serde_json::json!({ "to": "VNM", "kind": "preservation" }))
            .expect("POST");
        match r.status().as_u16() {
            202 => accepted += 1,
            429 => {
                limited += 1;
                assert!(r.headers().get("retry-after").is_some(), "a 429 says when to try again");
                let body: Value = r.body_mut().read_json().expect("json");
                assert_eq!(body["refusal"], "rate_limited", "{body}");
            }
            other => panic!("unexpected status {other}"),
        }
    }
    // 20 at once, then 2 a second: 300 in a few seconds get a few dozen at most.
    let bound = 20 + 2 * started.elapsed().as_secs() + 2;
    assert!(accepted <= bound && accepted >= 20, "{accepted} accepted within {:?}", started.elapsed());
    assert_eq!(accepted + limited, 300);
    // The controller's token has its own bucket: the flood does not lock it out.
    let (code, body) = post(
        &format!("{}/api/control/inject", ex.url),
        &control,
        serde_json::json!({ "from": "VNM", "to": "FRA", "kind": "emergency" }),
    );
    assert_eq!(code, 202, "{body}");
    std::thread::sleep(Duration::from_secs(2));
    let (code, state) = get(&format!("{}/api/console", ex.url), &player);
    assert_eq!(code, 200);
    let sent = state["sent"].as_array().expect("sent").len() as u64;
    assert!(sent <= 200 && state["sent_total"].as_u64().is_some_and(|t| t >= sent), "{}", state["sent_total"]);
    assert!(ex.child.try_wait().expect("try_wait").is_none(), "{}", log(&ex.out));
    let (code, _) = post(&format!("{}/api/control/end", ex.url), &control, serde_json::json!({}));
    assert_eq!(code, 202);
    assert_eq!(ex.wait(Duration::from_secs(60)), Some(0), "{}", log(&ex.out));
}

/// Polls `url` with `token` until `ok` holds on its JSON (bounded).
fn poll(url: &str, token: &str, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + PAGE;
    loop {
        let (code, body) = get(url, token);
        if code == 200 && ok(&body) {
            return body;
        }
        assert!(Instant::now() < deadline, "{what}: {body}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_console_answers_at_once_logs_decisions_and_stays_up_with_the_review_after_the_end() {
    use std::io::Write;
    let mut ex = Exercise::start_with("exercise-linger", &["--linger", "10m"]);
    let fra = token(&ex.player("FRA"));
    let control = token(&ex.control);
    let console = format!("{}/api/console", ex.url);
    let action = format!("{}/api/console/action", ex.url);
    let has_c1 = |v: &Value, status: &str| {
        v["inbox"].as_array().is_some_and(|a| a.iter().any(|r| r["id"] == "C1" && r["status"] == status))
    };
    poll(&console, &fra, "C1 reaches France", |v| has_c1(v, "new"));
    // A rationale beyond its limit is refused, naming the field.
    let long = "x".repeat(501);
    let (code, body) =
        post(&action, &fra, serde_json::json!({ "id": "C1", "action": "acknowledge", "rationale": long }));
    assert_eq!((code, body["field"].as_str()), (400, Some("rationale")), "{body}");
    let why = "a bank's funds are moving: acknowledge before reading further";
    let (code, body) =
        post(&action, &fra, serde_json::json!({ "id": "C1", "action": "acknowledge", "rationale": why }));
    assert_eq!(code, 202, "{body}");
    poll(&console, &fra, "C1 acknowledged", |v| has_c1(v, "acknowledged"));
    // The same again: refused in the answer, with the contact point's typed reason.
    let (code, body) = post(&action, &fra, serde_json::json!({ "id": "C1", "action": "acknowledge" }));
    assert_eq!((code, body["refusal"].as_str()), (409, Some("already_acknowledged")), "{body}");
    // A pause typed on standard input is in the control log, as the dashboard's are.
    let stdin = ex.child.stdin.as_mut().expect("stdin");
    stdin.write_all(b"pause\n").expect("pause");
    let dashboard = format!("{}/api/control", ex.url);
    let logged = |v: &Value, line: &str| v["log"].as_array().is_some_and(|l| l.iter().any(|x| x["what"] == line));
    poll(&dashboard, &control, "the typed pause in the log", |v| logged(v, "the controller (standard input): pause"));
    stdin.write_all(b"resume\n").expect("resume");
    poll(&dashboard, &control, "the typed resume in the log", |v| logged(v, "the controller (standard input): resume"));
    poll(&dashboard, &control, "the rationale in the log", |v| {
        logged(v, &format!("FRA (person): acknowledge C1, because: {why}"))
    });
    let (code, _) = post(&format!("{}/api/control/end", ex.url), &control, serde_json::json!({}));
    assert_eq!(code, 202);
    poll(&dashboard, &control, "the run finished", |v| v["clock"]["finished"] == true);
    // Ended, and still up: the review is served to players and the controller.
    assert!(ex.child.try_wait().expect("try_wait").is_none(), "closed at the end: {}", log(&ex.out));
    let mut r = agent().get(&format!("{}/review?token={fra}", ex.url)).call().expect("review");
    assert_eq!(r.status().as_u16(), 200);
    let review = r.body_mut().read_to_string().expect("review page");
    assert!(review.contains(&format!("(rationale: &quot;{why}&quot;)")), "the decision beside the action");
    assert!(review.contains("@media print") && review.contains("break-before:page"), "a page made to print");
    assert!(log(&ex.out).contains("the console stays up for 10m"), "{}", log(&ex.out));
    if let Some(b) = browser_or_skip(&ex.out.join("chromium-profile")) {
        b.goto(&ex.player("FRA"));
        let banner = b.wait_for("#banner", PAGE, |b, e| b.text(e).contains("has ended"));
        assert!(b.text(&banner).contains("after-action review"), "{}", b.text(&banner));
        screenshot(&b, "console-ended.png");
        b.goto(&ex.control);
        b.wait_for("#ended", PAGE, |b, e| b.text(e).contains("stays up until you close it"));
        b.wait_for("#close", PAGE, |b, e| b.attribute(e, "hidden").is_none());
        screenshot(&b, "dashboard-ended.png");
        click(&b, "#review");
        b.wait_for("#objectives", PAGE, |_, _| true);
        screenshot(&b, "review.png");
        let pdf = std::fs::read(ex.out.join("after-action.pdf")).expect("after-action.pdf, Chromium being here");
        assert!(pdf.starts_with(b"%PDF"), "a PDF");
        assert!(b.severe_log().is_empty(), "the pages logged errors: {:?}", b.severe_log());
    } else {
        assert!(log(&ex.out).contains("after-action.pdf not written"), "{}", log(&ex.out));
    }
    assert!(ex.out.join("after-action.html").is_file());
    // Enter on standard input closes it.
    let stdin = ex.child.stdin.as_mut().expect("stdin");
    stdin.write_all(b"\n").expect("enter");
    assert_eq!(ex.wait(Duration::from_secs(30)), Some(0), "{}", log(&ex.out));
}
