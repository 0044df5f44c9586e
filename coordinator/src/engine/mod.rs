//! Engines run windows of virtual time on the contact points: in this process
//! ([`inproc`]) or in one node process per state over real QUIC ([`mesh`]). The clock
//! (crate::clock) drives either through the [`Engine`] trait; engines know nothing of the
//! clock, the report or the exercise.

pub mod inproc;
pub mod mesh;

use pocnet_core::wire::WindowDone;
use pocnet_core::{Event, ExerciseInput, Inject, SimTime, StateCode};

/// What a contact point reported for one window.
#[derive(Debug)]
pub struct WindowReport {
    pub state: StateCode,
    pub done: WindowDone,
    pub events: Vec<Event>,
}

/// An engine runs windows on its contact points: in this process or in node processes.
#[allow(async_fn_in_trait)]
pub trait Engine {
    /// Called before each window with its earliest input time: where engine-level faults
    /// (a node process killed at a scenario time) happen. Nothing by default.
    async fn before_window(&mut self, _earliest: SimTime) -> anyhow::Result<()> {
        Ok(())
    }

    /// Grants `until` to `states` (each has an input before it) and returns their reports
    /// once every message they produced is queued at its receiver.
    async fn grant(&mut self, until: SimTime, states: &[StateCode]) -> anyhow::Result<Vec<WindowReport>>;

    /// Queues an exercise input at `state` to run at `at`, which is never before the end
    /// of the last window granted.
    async fn exercise_input(&mut self, state: StateCode, at: SimTime, input: ExerciseInput) -> anyhow::Result<()>;

    /// Adds an inject during the run (an exercise's ad-hoc inject, a player's new request);
    /// its time is never before the end of the last window granted.
    async fn add_inject(&mut self, inject: Inject) -> anyhow::Result<()>;
}
