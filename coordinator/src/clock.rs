//! The virtual clock: conservative synchronous windows over any engine.
//!
//! With `T` the earliest pending input anywhere and `L` the network's lookahead (its
//! smallest link delay), every contact point with inputs before `W = T + L` runs them in
//! its own total order. Nothing produced in the window can be due before `W` (it is sent
//! at `t ≥ T` and travels at least `L`), so the window's outcome does not depend on how
//! the engine schedules or transports it. Then the clock jumps to the next earliest input,
//! skipping empty time. Real time never enters a scenario timestamp.

use pocnet_core::wire::WindowDone;
use pocnet_core::{Event, SimTime, StateCode};
use std::collections::BTreeMap;

/// Windows one run may take before the clock declares a runaway scenario.
pub const WINDOWS_MAX: u64 = 50_000_000;

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
}

/// Receives progress as the clock moves: scenario time reached, windows run, requests
/// that reached a final state at their requester.
pub trait Progress {
    fn window(&mut self, reached: SimTime, windows: u64, requests_ended: usize);
}

impl Progress for () {
    fn window(&mut self, _: SimTime, _: u64, _: usize) {}
}

#[derive(Debug)]
pub struct ClockRun {
    pub events: Vec<Event>,
    pub windows: u64,
    /// The time of the last input run.
    pub last_input: Option<SimTime>,
}

/// When a window may start in real time. The virtual clock never waits; the wall clock
/// (`crate::wall`) waits until real time has caught up with scenario time.
#[allow(async_fn_in_trait)]
pub trait Pacing {
    async fn reach(&mut self, t: SimTime) -> anyhow::Result<()>;
}

/// The virtual clock: as fast as the machine allows.
#[derive(Debug, Default)]
pub struct AsFastAsPossible;

impl Pacing for AsFastAsPossible {
    async fn reach(&mut self, _t: SimTime) -> anyhow::Result<()> {
        Ok(())
    }
}

/// Runs `engine` under the virtual clock until no contact point has an input left.
pub async fn run_virtual(
    engine: &mut impl Engine,
    next: BTreeMap<StateCode, Option<SimTime>>,
    lookahead_ms: u64,
    progress: &mut impl Progress,
) -> anyhow::Result<ClockRun> {
    run_paced(engine, next, lookahead_ms, progress, &mut AsFastAsPossible).await
}

/// Runs `engine` until no contact point has an input left, each window starting when
/// `pacing` allows. The windows, and so the report, are the same whatever the pacing.
pub async fn run_paced(
    engine: &mut impl Engine,
    mut next: BTreeMap<StateCode, Option<SimTime>>,
    lookahead_ms: u64,
    progress: &mut impl Progress,
    pacing: &mut impl Pacing,
) -> anyhow::Result<ClockRun> {
    assert!(lookahead_ms > 0, "the virtual clock needs a positive lookahead");
    let mut run = ClockRun { events: Vec::new(), windows: 0, last_input: None };
    let mut ended = 0usize;
    while let Some(earliest) = next.values().flatten().min().copied() {
        pacing.reach(earliest).await?;
        engine.before_window(earliest).await?;
        let until = earliest.plus_ms(lookahead_ms);
        let granted: Vec<StateCode> =
            next.iter().filter(|(_, n)| n.is_some_and(|n| n < until)).map(|(s, _)| *s).collect();
        let reports = engine.grant(until, &granted).await?;
        anyhow::ensure!(
            reports.len() == granted.len(),
            "engine answered {} of {} grants",
            reports.len(),
            granted.len()
        );
        // Own next events first, then what others sent: a receiver's own report may
        // predate a message that reached it in this window.
        for r in &reports {
            if let Some(t) = r.done.next_event {
                anyhow::ensure!(t >= until, "{} reports an input at {t}, inside the window ending {until}", r.state);
            }
            next.insert(r.state, r.done.next_event);
        }
        for r in reports {
            for (to, at) in &r.done.sent {
                anyhow::ensure!(
                    *at >= until,
                    "{} sent a message due at {at}, inside the window ending {until}",
                    r.state
                );
                let slot = next.get_mut(to).ok_or_else(|| anyhow::anyhow!("{} sent to unknown state {to}", r.state))?;
                *slot = Some(slot.map_or(*at, |t| t.min(*at)));
            }
            ended += r.events.iter().filter(|e| e.kind.is_final_at_requester()).count();
            run.events.extend(r.events);
        }
        run.windows += 1;
        run.last_input = Some(earliest);
        anyhow::ensure!(run.windows <= WINDOWS_MAX, "more than {WINDOWS_MAX} windows: runaway scenario");
        progress.window(earliest, run.windows, ended);
    }
    Ok(run)
}
