//! A small W3C WebDriver client for the browser tests: Debian's `chromedriver` driving
//! headless Chromium, over HTTP on loopback. Only what the tests use: open a page, find
//! elements by CSS, click, type, read text and attributes, accept a dialog, screenshot.

use serde_json::{json, Value};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The WebDriver spec's key for an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn runs(program: &str) -> bool {
    Command::new(program).arg("--version").output().map(|o| o.status.success()).unwrap_or(false)
}

/// A Chromium this machine can run, if any.
pub fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"].into_iter().find(|b| runs(b))
}

/// Chromium and chromedriver, if this machine has both.
pub fn available() -> Option<(&'static str, &'static str)> {
    let driver = ["chromedriver", "/usr/lib/chromium/chromedriver"].into_iter().find(|b| runs(b))?;
    Some((chromium()?, driver))
}

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
}

#[derive(Debug, Clone)]
pub struct Element(String);

impl Browser {
    /// Starts chromedriver on a free loopback port and a headless Chromium session.
    pub fn start(browser: &str, driver: &str, profile: &Path) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port for chromedriver");
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = agent
                .get(&format!("{base}/status"))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_json::<Value>().ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not come up on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": { "browser": "ALL" },
            "goog:chromeOptions": {
                "binary": which(browser),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--window-size=1400,1000",
                         format!("--user-data-dir={}", profile.display())],
            }
        }}});
        let mut browser = Browser { driver: child, base, session: String::new(), agent };
        let answer = browser.call("POST", "/session", Some(capabilities));
        browser.session = answer["sessionId"].as_str().expect("a WebDriver session").to_string();
        browser
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = if path == "/session" {
            format!("{}{path}", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let response = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, body) => self.agent.post(&url).send_json(body.unwrap_or(json!({}))),
        };
        let mut response = response.unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        let status = response.status();
        let value: Value = response.body_mut().read_json().unwrap_or(Value::Null);
        assert!(status.is_success(), "WebDriver {method} {path}: {status} {value}");
        value.get("value").cloned().unwrap_or(value)
    }

    pub fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    /// The first element matching `css`, if any.
    pub fn find(&self, css: &str) -> Option<Element> {
        let url = format!("{}/session/{}/element", self.base, self.session);
        let mut response =
            self.agent.post(&url).send_json(json!({ "using": "css selector", "value": css })).expect("find element");
        if !response.status().is_success() {
            return None;
        }
        let v: Value = response.body_mut().read_json().ok()?;
        v["value"][ELEMENT].as_str().map(|id| Element(id.to_string()))
    }

    /// Waits (up to `limit`) for an element matching `css` that satisfies `ok`.
    pub fn wait_for(&self, css: &str, limit: Duration, ok: impl Fn(&Browser, &Element) -> bool) -> Element {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(e) = self.find(css).filter(|e| ok(self, e)) {
                return e;
            }
            assert!(Instant::now() < deadline, "no `{css}` as expected after {limit:?}; page:\n{}", self.source());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn click(&self, e: &Element) {
        self.call("POST", &format!("/element/{}/click", e.0), Some(json!({})));
    }

    pub fn type_into(&self, e: &Element, text: &str) {
        self.call("POST", &format!("/element/{}/value", e.0), Some(json!({ "text": text })));
    }

    pub fn text(&self, e: &Element) -> String {
        self.call("GET", &format!("/element/{}/text", e.0), None).as_str().unwrap_or_default().to_string()
    }

    pub fn attribute(&self, e: &Element, name: &str) -> Option<String> {
        self.call("GET", &format!("/element/{}/attribute/{name}", e.0), None).as_str().map(str::to_string)
    }

    pub fn accept_alert(&self) {
        self.call("POST", "/alert/accept", Some(json!({})));
    }

    pub fn source(&self) -> String {
        self.call("GET", "/source", None).as_str().unwrap_or_default().chars().take(4000).collect()
    }

    /// Messages the page logged at level SEVERE (script errors, failed loads).
    pub fn severe_log(&self) -> Vec<String> {
        let url = format!("{}/session/{}/se/log", self.base, self.session);
        let Ok(mut r) = self.agent.post(&url).send_json(json!({ "type": "browser" })) else { return vec![] };
        let v: Value = r.body_mut().read_json().unwrap_or(Value::Null);
        v["value"]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| e["level"] == "SEVERE")
                    .map(|e| e["message"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A PNG of the viewport.
    pub fn screenshot(&self, path: &Path) {
        let data = self.call("GET", "/screenshot", None);
        let png = base64_decode(data.as_str().unwrap_or_default());
        std::fs::write(path, png).expect("write screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.agent.delete(&format!("{}/session/{}", self.base, self.session)).call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn which(program: &str) -> String {
    if program.contains('/') {
        return program.to_string();
    }
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join(program)).find(|p| p.is_file()))
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| program.to_string())
}

/// Standard base64 (RFC 4648) to bytes; WebDriver screenshots come as base64.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for v in text.bytes().filter_map(value) {
        buffer = (buffer << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}
