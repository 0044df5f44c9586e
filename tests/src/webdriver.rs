//! The browser tests' WebDriver session: Debian's `chromedriver` driving headless
//! Chromium on loopback, through fantoccini (a maintained W3C WebDriver client). The
//! tests are synchronous; [`Browser`] runs fantoccini's calls on a runtime of its own.

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::Locator;
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

/// Every WebDriver call is bounded: a stuck browser fails the test, it does not hang it.
const CALL_LIMIT: Duration = Duration::from_secs(60);

pub struct Browser {
    driver: Child,
    client: Option<fantoccini::Client>,
    runtime: tokio::runtime::Runtime,
}

#[derive(Debug, Clone)]
pub struct Element(fantoccini::elements::Element);

/// Chromium's log of the page (`console.error`, failed loads): not in the W3C protocol,
/// so fantoccini sends it as a command of our own.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "type": "browser" }).to_string()))
    }
}

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
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        let capabilities = json!({
            "browserName": "chrome",
            "goog:loggingPrefs": { "browser": "ALL" },
            "goog:chromeOptions": {
                "binary": which(browser),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--window-size=1400,1000",
                         format!("--user-data-dir={}", profile.display())],
            }
        });
        let Value::Object(capabilities) = capabilities else { unreachable!("an object") };
        let mut session = Browser { driver: child, client: None, runtime };
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        // chromedriver takes a moment to listen: try until it answers.
        let client = loop {
            let mut builder = fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
            builder.capabilities(capabilities.clone());
            let connecting = builder.connect(&url);
            match session.bounded(connecting) {
                Some(Ok(client)) => break client,
                Some(Err(_)) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
                Some(Err(e)) => panic!("no WebDriver session from chromedriver on port {port}: {e}"),
                None => panic!("chromedriver on port {port} did not answer within {CALL_LIMIT:?}"),
            }
        };
        session.client = Some(client);
        session
    }

    fn client(&self) -> &fantoccini::Client {
        self.client.as_ref().expect("a session")
    }

    /// Runs `call` to its end within [`CALL_LIMIT`]; `None` if it took longer.
    fn bounded<F: std::future::Future>(&self, call: F) -> Option<F::Output> {
        self.runtime.block_on(async { tokio::time::timeout(CALL_LIMIT, call).await.ok() })
    }

    /// Runs one WebDriver call that must succeed.
    fn call<T, E: std::fmt::Display>(&self, what: &str, call: impl std::future::Future<Output = Result<T, E>>) -> T {
        match self.bounded(call) {
            Some(Ok(value)) => value,
            Some(Err(e)) => panic!("WebDriver {what}: {e}"),
            None => panic!("WebDriver {what}: no answer within {CALL_LIMIT:?}"),
        }
    }

    pub fn goto(&self, url: &str) {
        self.call("goto", self.client().goto(url));
    }

    /// The first element matching `css`, if any.
    pub fn find(&self, css: &str) -> Option<Element> {
        match self.bounded(self.client().find(Locator::Css(css))) {
            Some(Ok(e)) => Some(Element(e)),
            Some(Err(e)) if e.is_no_such_element() => None,
            Some(Err(e)) => panic!("WebDriver find `{css}`: {e}"),
            None => panic!("WebDriver find `{css}`: no answer within {CALL_LIMIT:?}"),
        }
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
        self.call("click", e.0.click());
    }

    pub fn type_into(&self, e: &Element, text: &str) {
        self.call("send keys", e.0.send_keys(text));
    }

    /// The element's text; empty if the page replaced it meanwhile.
    pub fn text(&self, e: &Element) -> String {
        self.bounded(e.0.text()).and_then(Result::ok).unwrap_or_default()
    }

    /// An attribute of the element; `None` if it has none or the page replaced it meanwhile.
    pub fn attribute(&self, e: &Element, name: &str) -> Option<String> {
        self.bounded(e.0.attr(name)).and_then(Result::ok).flatten()
    }

    pub fn accept_alert(&self) {
        self.call("accept alert", self.client().accept_alert());
    }

    pub fn source(&self) -> String {
        self.call("source", self.client().source()).chars().take(4000).collect()
    }

    /// Messages the page logged at level SEVERE (script errors, failed loads).
    pub fn severe_log(&self) -> Vec<String> {
        let log = self.call("browser log", self.client().issue_cmd(BrowserLog));
        log.as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| e["level"] == "SEVERE")
                    .map(|e| e["message"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The value `script` (a function body) returns, run in the page.
    pub fn execute(&self, script: &str) -> Value {
        self.call("execute", self.client().execute(script, vec![]))
    }

    /// A PNG of the viewport.
    pub fn screenshot(&self, path: &Path) {
        let png = self.call("screenshot", self.client().screenshot());
        std::fs::write(path, png).expect("write screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            let _ =
                self.runtime.block_on(async { tokio::time::timeout(Duration::from_secs(10), client.close()).await });
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
