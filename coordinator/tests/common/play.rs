//! An exercise without a browser: people's actions scripted as directives at given
//! scenario times, run through the same clock loop the wall clock drives, on the
//! in-process engine.

use pocnet::clock::{run_to_end, Clock, ClockRun, Directive, Pacing};
use pocnet::engine::inproc::InProcess;
use pocnet::report::Account;
use pocnet::scenario::Scenario;
use pocnet_core::{OperatorAction, RequestId, SimTime, StateCode};

pub fn code(s: &str) -> StateCode {
    StateCode::parse(s).expect("code")
}

/// The first link of case `case`.
pub fn id(case: u32) -> RequestId {
    RequestId { case, link: 0 }
}

/// A person at `state`'s console doing `action`.
pub fn operator(state: &str, action: OperatorAction) -> Directive {
    Directive::Operator { state: code(state), action }
}

/// Hands each scripted directive to the clock once scenario time reaches it, as the wall
/// clock does when a person clicks.
pub struct Script(pub Vec<(SimTime, Directive)>);

impl Pacing for Script {
    async fn reach(&mut self, t: SimTime) -> anyhow::Result<Vec<(SimTime, Directive)>> {
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.0).into_iter().partition(|(a, _)| *a <= t);
        self.0 = later;
        Ok(due)
    }
}

/// The bundled exercise's text (scenarios/tabletop-hour.toml).
pub fn tabletop_text() -> String {
    std::fs::read_to_string(super::bundled("tabletop-hour.toml")).expect("the bundled exercise")
}

/// `scenario` played with `script` to its end: the run's account.
pub fn play(scenario: &Scenario, script: Vec<(SimTime, Directive)>) -> Account<'_> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let (mut engine, next) = InProcess::new(scenario).expect("engine");
        let clock =
            Clock::new(next, scenario.network.lookahead_ms(), Script(script), pocnet::run::exercise_state(scenario));
        let run: ClockRun = run_to_end(&mut engine, clock).await.expect("run");
        pocnet::run::account(scenario, &run).expect("accounting")
    })
}
