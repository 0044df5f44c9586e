//! The exercise's HTTP API as the tests call it: one client, GET and POST with a bearer
//! token, and the token in a player's or the controller's link.

use serde_json::Value;
use std::time::Duration;

/// A client whose HTTP statuses are answers, not errors, and whose calls end within 10 s.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// GET `url` with the bearer `token`: the status and the JSON body (null when the body is
/// not JSON); status 0 when nothing answered (the server is not up yet, or was killed).
pub fn get(url: &str, token: &str) -> (u16, Value) {
    match agent().get(url).header("Authorization", &format!("Bearer {token}")).call() {
        Ok(mut r) => (r.status().as_u16(), r.body_mut().read_json().unwrap_or(Value::Null)),
        Err(_) => (0, Value::Null),
    }
}

/// POST `body` as JSON to `url` with the bearer `token`: the status and the JSON body;
/// the test fails when nothing answers.
pub fn post(url: &str, token: &str, body: Value) -> (u16, Value) {
    let mut r = agent().post(url).header("Authorization", &format!("Bearer {token}")).send_json(body).expect("POST");
    (r.status().as_u16(), r.body_mut().read_json().unwrap_or(Value::Null))
}

/// The access token in a console or dashboard link (`...?token=T`).
pub fn token(link: &str) -> String {
    link.split("token=").nth(1).expect("token in link").to_string()
}
