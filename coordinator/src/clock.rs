//! The virtual clock: conservative synchronous windows over any engine.
//!
//! With `T` the earliest pending input anywhere and `L` the network's lookahead (its
//! smallest link delay), every contact point with inputs before `W = T + L` runs them in
//! its own total order. Nothing produced in the window can be due before `W` (it is sent
//! at `t ≥ T` and travels at least `L`), so the window's outcome does not depend on how
//! the engine schedules or transports it. Then the clock jumps to the next earliest input,
//! skipping empty time. Real time never enters a scenario timestamp.

use crate::engine::Engine;
use pocnet_core::{Event, ExerciseInput, Inject, OperatorAction, RequestId, SimTime, StateCode};
use std::collections::BTreeMap;

/// Windows one run may take before the clock declares a runaway scenario.
pub const WINDOWS_MAX: u64 = 50_000_000;

/// Something the exercise controller or a player does while the clock runs. It enters the
/// contact points as an input stamped with the scenario time at which it arrived.
#[derive(Debug, Clone, PartialEq)]
pub enum Directive {
    /// A person playing `state` acts on a request it received.
    Operator { state: StateCode, action: OperatorAction },
    /// A new request now: a player's own, or the controller's ad-hoc inject. Its id and
    /// time are set by the clock when it enters.
    Inject(Box<Inject>),
    /// End the exercise now: every open request ends unfinished.
    End,
}

impl Directive {
    /// One line for the console and the control log.
    pub fn describe(&self) -> String {
        match self {
            Directive::Operator { state, action } => format!("{state} (person): {} {}", action.name(), action.id()),
            Directive::Inject(i) => format!("new request {}: {} asks {} for {}", i.id, i.from, i.to, i.kind),
            Directive::End => "the exercise ends".to_string(),
        }
    }
}

/// Receives progress as the clock moves: scenario time reached, windows run, requests
/// that reached a final state at their requester.
pub trait Progress {
    fn window(&mut self, reached: SimTime, windows: u64, requests_ended: usize);

    /// What a window (or an exercise input) produced, as it happens.
    fn events(&mut self, _events: &[Event]) {}

    /// An exercise directive entered the run at scenario time `at` (with its final id).
    fn directive(&mut self, _at: SimTime, _directive: &Directive) {}
}

impl Progress for () {
    fn window(&mut self, _: SimTime, _: u64, _: usize) {}
}

#[derive(Debug)]
pub struct ClockRun {
    pub events: Vec<Event>,
    /// Injects added while the clock ran (exercises), in the order they entered.
    pub added_injects: Vec<Inject>,
    /// Exercises: when the exercise ended.
    pub exercise_ended: Option<SimTime>,
    pub windows: u64,
    /// The time of the last input run.
    pub last_input: Option<SimTime>,
}

/// When a window may start in real time. The virtual clock never waits; the wall clock
/// (`crate::wall`) waits until real time has caught up with scenario time.
#[allow(async_fn_in_trait)]
pub trait Pacing {
    /// Waits until scenario time `t` may run. Returns early, with the directives that came
    /// in meanwhile and the scenario time each came in at, when an exercise needs them to
    /// enter before `t`; an empty list means `t` was reached.
    async fn reach(&mut self, t: SimTime) -> anyhow::Result<Vec<(SimTime, Directive)>>;
}

/// The virtual clock: as fast as the machine allows.
#[derive(Debug, Default)]
pub struct AsFastAsPossible;

impl Pacing for AsFastAsPossible {
    async fn reach(&mut self, _t: SimTime) -> anyhow::Result<Vec<(SimTime, Directive)>> {
        Ok(Vec::new())
    }
}

/// Where a run's exercise stands: the case number the next added inject takes, and when
/// the last window ended (nothing may enter before it).
#[derive(Debug)]
pub struct ExerciseState {
    pub next_case: u32,
    pub ends_at: Option<SimTime>,
}

impl ExerciseState {
    pub fn new(injects: &[Inject], ends_at: Option<SimTime>) -> ExerciseState {
        let next_case = injects.iter().map(|i| i.id.case).max().unwrap_or(0).saturating_add(1);
        ExerciseState { next_case, ends_at }
    }
}

/// Runs `engine` under the virtual clock until no contact point has an input left.
pub async fn run_virtual(
    engine: &mut impl Engine,
    next: BTreeMap<StateCode, Option<SimTime>>,
    lookahead_ms: u64,
    progress: &mut impl Progress,
    exercise: ExerciseState,
) -> anyhow::Result<ClockRun> {
    run_paced(engine, next, lookahead_ms, progress, &mut AsFastAsPossible, exercise).await
}

/// `state` has an input at `at`: its next event is no later.
fn wake(next: &mut BTreeMap<StateCode, Option<SimTime>>, state: StateCode, at: SimTime) -> anyhow::Result<()> {
    let slot = next.get_mut(&state).ok_or_else(|| anyhow::anyhow!("{state} is not in the register"))?;
    *slot = Some(slot.map_or(at, |t| t.min(at)));
    Ok(())
}

/// Ends the exercise at `at` at every contact point.
async fn end_everywhere(
    engine: &mut impl Engine,
    next: &mut BTreeMap<StateCode, Option<SimTime>>,
    at: SimTime,
) -> anyhow::Result<()> {
    for state in next.keys().copied().collect::<Vec<_>>() {
        engine.exercise_input(state, at, ExerciseInput::End).await?;
        wake(next, state, at)?;
    }
    Ok(())
}

/// Brings a directive into the run at `at` (before the exercise's end): an input at the
/// contact points it concerns.
async fn enter(
    engine: &mut impl Engine,
    next: &mut BTreeMap<StateCode, Option<SimTime>>,
    run: &mut ClockRun,
    exercise: &mut ExerciseState,
    at: SimTime,
    directive: Directive,
    progress: &mut impl Progress,
) -> anyhow::Result<()> {
    let entered = match directive {
        Directive::Operator { state, action } => {
            engine.exercise_input(state, at, ExerciseInput::Operator(action.clone())).await?;
            wake(next, state, at)?;
            Directive::Operator { state, action }
        }
        Directive::Inject(mut inject) => {
            inject.id = RequestId { case: exercise.next_case, link: 0 };
            exercise.next_case = exercise.next_case.saturating_add(1);
            if let Some(deleted) = inject.evidence_deleted_at {
                // Retention counts from when the request is made.
                inject.evidence_deleted_at = Some(at.plus_ms(deleted.since(inject.at)));
            }
            inject.at = at;
            engine.add_inject((*inject).clone()).await?;
            wake(next, inject.from, at)?;
            run.added_injects.push((*inject).clone());
            Directive::Inject(inject)
        }
        Directive::End => {
            end_everywhere(engine, next, at).await?;
            run.exercise_ended = Some(at);
            Directive::End
        }
    };
    progress.directive(at, &entered);
    Ok(())
}

/// Runs `engine` until no contact point has an input left, each window starting when
/// `pacing` allows. The windows, and so the report, are the same whatever the pacing.
pub async fn run_paced(
    engine: &mut impl Engine,
    mut next: BTreeMap<StateCode, Option<SimTime>>,
    lookahead_ms: u64,
    progress: &mut impl Progress,
    pacing: &mut impl Pacing,
    mut exercise: ExerciseState,
) -> anyhow::Result<ClockRun> {
    assert!(lookahead_ms > 0, "the virtual clock needs a positive lookahead");
    // An exercise ends at its scenario's end, or earlier by the controller.
    let mut run = ClockRun {
        events: Vec::new(),
        added_injects: Vec::new(),
        exercise_ended: exercise.ends_at,
        windows: 0,
        last_input: None,
    };
    let mut ended = 0usize;
    // Nothing may enter before the end of the last window granted.
    let mut floor = SimTime(i64::MIN);
    if let Some(end) = exercise.ends_at {
        end_everywhere(engine, &mut next, end).await?;
    }
    while let Some(earliest) = next.values().flatten().min().copied() {
        let directives = pacing.reach(earliest).await?;
        if !directives.is_empty() {
            for (arrived, directive) in directives {
                let at = arrived.max(floor);
                if run.exercise_ended.is_some_and(|e| at >= e) {
                    tracing::warn!("the exercise is over: {directive:?} at {at} comes too late and is not taken");
                    continue;
                }
                enter(engine, &mut next, &mut run, &mut exercise, at, directive, progress).await?;
            }
            continue;
        }
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
                wake(&mut next, *to, *at).map_err(|e| anyhow::anyhow!("{} sent to an unknown state: {e}", r.state))?;
            }
            ended += r.events.iter().filter(|e| e.kind.is_final_at_requester()).count();
            progress.events(&r.events);
            run.events.extend(r.events);
        }
        run.windows += 1;
        floor = until;
        run.last_input = Some(earliest);
        anyhow::ensure!(run.windows <= WINDOWS_MAX, "more than {WINDOWS_MAX} windows: runaway scenario");
        progress.window(earliest, run.windows, ended);
    }
    Ok(run)
}
