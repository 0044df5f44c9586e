//! The virtual clock: conservative synchronous windows over any engine.
//!
//! With `T` the earliest pending input anywhere and `L` the network's lookahead (its
//! smallest link delay), every contact point with inputs before `W = T + L` runs them in
//! its own total order. Nothing produced in the window can be due before `W` (it is sent
//! at `t ≥ T` and travels at least `L`), so the window's outcome does not depend on how
//! the engine schedules or transports it. Then the clock jumps to the next earliest input,
//! skipping empty time. Real time never enters a scenario timestamp.
//!
//! The clock hands back what arrives ([`Arrival`]: a window's events, an exercise's
//! directive) and calls nothing above it; [`wall`] paces the same windows against real
//! time, with pause and resume.

pub mod wall;

use crate::engine::Engine;
use pocnet_core::{Event, ExerciseInput, Inject, OperatorAction, RequestId, SimTime, StateCode};
use std::collections::{BTreeMap, VecDeque};

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

/// What the clock hands back as it moves.
#[derive(Debug)]
pub enum Arrival {
    /// A window ran: the scenario time it started at, windows so far, what it produced.
    Window { reached: SimTime, windows: u64, events: Vec<Event> },
    /// A directive entered the run at scenario time `at` (with its final id and time).
    Directive { at: SimTime, directive: Directive },
}

/// When a window may start in real time. The virtual clock never waits; the wall clock
/// ([`wall`]) waits until real time has caught up with scenario time.
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
/// the exercise ends (if the run is one).
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

/// What a whole run of the clock gives: every event, and the run's shape.
#[derive(Debug, Default)]
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

/// The clock of one run, window by window.
pub struct Clock<P: Pacing> {
    next: BTreeMap<StateCode, Option<SimTime>>,
    lookahead_ms: u64,
    pacing: P,
    exercise: ExerciseState,
    /// Nothing may enter before the end of the last window granted.
    floor: SimTime,
    arrived: VecDeque<Arrival>,
    started: bool,
    /// The run's shape so far (its events stay with whoever reads the arrivals).
    pub shape: ClockRun,
}

impl<P: Pacing> Clock<P> {
    /// A clock over contact points whose first inputs are `next`.
    pub fn new(
        next: BTreeMap<StateCode, Option<SimTime>>,
        lookahead_ms: u64,
        pacing: P,
        exercise: ExerciseState,
    ) -> Self {
        assert!(lookahead_ms > 0, "the virtual clock needs a positive lookahead");
        // An exercise ends at its scenario's end, or earlier by the controller.
        let shape = ClockRun { exercise_ended: exercise.ends_at, ..ClockRun::default() };
        Clock {
            next,
            lookahead_ms,
            pacing,
            exercise,
            floor: SimTime(i64::MIN),
            arrived: VecDeque::new(),
            started: false,
            shape,
        }
    }

    /// The next thing that arrives, or `None` when no contact point has an input left.
    pub async fn next(&mut self, engine: &mut impl Engine) -> anyhow::Result<Option<Arrival>> {
        if !self.started {
            self.started = true;
            if let Some(end) = self.exercise.ends_at {
                self.end_everywhere(engine, end).await?;
            }
        }
        loop {
            if let Some(arrival) = self.arrived.pop_front() {
                return Ok(Some(arrival));
            }
            let Some(earliest) = self.next.values().flatten().min().copied() else { return Ok(None) };
            let directives = self.pacing.reach(earliest).await?;
            if directives.is_empty() {
                return self.window(engine, earliest).await.map(Some);
            }
            for (arrived, directive) in directives {
                let at = arrived.max(self.floor);
                if self.shape.exercise_ended.is_some_and(|e| at >= e) {
                    tracing::warn!("the exercise is over: {directive:?} at {at} comes too late and is not taken");
                    continue;
                }
                let entered = self.enter(engine, at, directive).await?;
                self.arrived.push_back(Arrival::Directive { at, directive: entered });
            }
        }
    }

    /// Runs one window starting at `earliest`.
    async fn window(&mut self, engine: &mut impl Engine, earliest: SimTime) -> anyhow::Result<Arrival> {
        engine.before_window(earliest).await?;
        let until = earliest.plus_ms(self.lookahead_ms);
        let granted: Vec<StateCode> =
            self.next.iter().filter(|(_, n)| n.is_some_and(|n| n < until)).map(|(s, _)| *s).collect();
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
            self.next.insert(r.state, r.done.next_event);
        }
        let mut events = Vec::new();
        for r in reports {
            for (to, at) in &r.done.sent {
                anyhow::ensure!(
                    *at >= until,
                    "{} sent a message due at {at}, inside the window ending {until}",
                    r.state
                );
                self.wake(*to, *at).map_err(|e| anyhow::anyhow!("{} sent to an unknown state: {e}", r.state))?;
            }
            events.extend(r.events);
        }
        self.shape.windows += 1;
        self.floor = until;
        self.shape.last_input = Some(earliest);
        anyhow::ensure!(self.shape.windows <= WINDOWS_MAX, "more than {WINDOWS_MAX} windows: runaway scenario");
        Ok(Arrival::Window { reached: earliest, windows: self.shape.windows, events })
    }

    /// `state` has an input at `at`: its next event is no later.
    fn wake(&mut self, state: StateCode, at: SimTime) -> anyhow::Result<()> {
        let slot = self.next.get_mut(&state).ok_or_else(|| anyhow::anyhow!("{state} is not in the register"))?;
        *slot = Some(slot.map_or(at, |t| t.min(at)));
        Ok(())
    }

    /// Ends the exercise at `at` at every contact point.
    async fn end_everywhere(&mut self, engine: &mut impl Engine, at: SimTime) -> anyhow::Result<()> {
        for state in self.next.keys().copied().collect::<Vec<_>>() {
            engine.exercise_input(state, at, ExerciseInput::End).await?;
            self.wake(state, at)?;
        }
        Ok(())
    }

    /// Brings a directive into the run at `at` (before the exercise's end): an input at the
    /// contact points it concerns. Returns it as it entered (an inject with its id).
    async fn enter(
        &mut self,
        engine: &mut impl Engine,
        at: SimTime,
        directive: Directive,
    ) -> anyhow::Result<Directive> {
        Ok(match directive {
            Directive::Operator { state, action } => {
                engine.exercise_input(state, at, ExerciseInput::Operator(action.clone())).await?;
                self.wake(state, at)?;
                Directive::Operator { state, action }
            }
            Directive::Inject(mut inject) => {
                inject.id = RequestId { case: self.exercise.next_case, link: 0 };
                self.exercise.next_case = self.exercise.next_case.saturating_add(1);
                if let Some(deleted) = inject.evidence_deleted_at {
                    // Retention counts from when the request is made.
                    inject.evidence_deleted_at = Some(at.plus_ms(deleted.since(inject.at)));
                }
                inject.at = at;
                engine.add_inject((*inject).clone()).await?;
                self.wake(inject.from, at)?;
                self.shape.added_injects.push((*inject).clone());
                Directive::Inject(inject)
            }
            Directive::End => {
                self.end_everywhere(engine, at).await?;
                self.shape.exercise_ended = Some(at);
                Directive::End
            }
        })
    }
}

/// Runs `engine` under `clock` to the end, keeping every event (tests, sweeps, benches).
pub async fn run_to_end(engine: &mut impl Engine, mut clock: Clock<impl Pacing>) -> anyhow::Result<ClockRun> {
    let mut events = Vec::new();
    while let Some(arrival) = clock.next(engine).await? {
        if let Arrival::Window { events: mut e, .. } = arrival {
            events.append(&mut e);
        }
    }
    Ok(ClockRun { events, ..clock.shape })
}

/// Runs `engine` under the virtual clock to the end.
pub async fn run_virtual(
    engine: &mut impl Engine,
    next: BTreeMap<StateCode, Option<SimTime>>,
    lookahead_ms: u64,
    exercise: ExerciseState,
) -> anyhow::Result<ClockRun> {
    run_to_end(engine, Clock::new(next, lookahead_ms, AsFastAsPossible, exercise)).await
}
