//! What the behaviour tests share: a scenario run in process, its ledger and report.json,
//! and the instants and requests they are timed by hand against.
#![allow(dead_code)]

use pocnet::ledger::{Ledger, Request};
use pocnet::scenario;
use pocnet_core::{RequestId, SimTime};

/// A UTC instant, RFC 3339.
pub fn at(s: &str) -> SimTime {
    SimTime::from_timestamp(s.parse().expect("time"))
}

/// The scenario `text` run in process: its ledger and its report.json.
pub fn run(text: &str) -> (Ledger, serde_json::Value) {
    let s = scenario::parse("test.toml", text).unwrap_or_else(|e| panic!("{e}"));
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let a = runtime.block_on(pocnet::run::simulate(&s)).expect("run");
    let json = serde_json::from_str(&a.report().to_json()).expect("JSON");
    (a.ledger, json)
}

/// The first link of case `case`.
pub fn request(l: &Ledger, case: u32) -> &Request {
    l.requests.iter().find(|r| r.id == RequestId { case, link: 0 }).expect("request")
}
