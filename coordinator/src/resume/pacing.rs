//! A pacing that journals what its inner pacing hands the clock, and that, on resume,
//! hands back the journal's directives at the same waits before going live.
//!
//! The clock is deterministic: the same scenario and seed make the same sequence of waits
//! (`reach(t)` calls) as long as the same directives enter at the same waits with the same
//! stamps. So a directive is journaled with the number of the wait that returned it, the
//! time that wait was for, and its stamp; a resumed run returns it at that wait, and checks
//! the wait is for the same time (else the journal belongs to another run).

use super::journal::{Journal, Logged, Record};
use crate::clock::{Directive, Pacing};
use pocnet_core::SimTime;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often, in real time, the wall clock's progress is journaled.
pub const REACHED_EVERY: Duration = Duration::from_secs(1);

/// A directive the journal says entered at the `call`-th wait.
#[derive(Debug, Clone)]
pub struct Entered {
    pub call: u64,
    pub wanted: SimTime,
    pub arrived: SimTime,
    pub directive: Logged,
}

/// Called once when the replay is over and the run goes live, with the inner pacing.
pub type OnLive<P> = Box<dyn FnOnce(&mut P) + Send>;

pub struct Journaled<P: Pacing> {
    inner: P,
    journal: Arc<Journal>,
    calls: u64,
    /// Directives still to hand back, in order.
    replay: VecDeque<Entered>,
    /// The last wait the replay covers; live after it.
    replay_until: u64,
    on_live: Option<OnLive<P>>,
    last_mark: Option<Instant>,
}

impl<P: Pacing> Journaled<P> {
    /// Journals `inner`'s directives into `journal`, after handing back `replay` (the
    /// directives of a run being resumed) at their waits.
    pub fn new(inner: P, journal: Arc<Journal>, replay: Vec<Entered>, on_live: Option<OnLive<P>>) -> Self {
        let replay_until = replay.iter().map(|e| e.call).max().unwrap_or(0);
        Journaled { inner, journal, calls: 0, replay: replay.into(), replay_until, on_live, last_mark: None }
    }

    fn replayed(&mut self, t: SimTime) -> anyhow::Result<Vec<(SimTime, Directive)>> {
        let mut out = Vec::new();
        while let Some(e) = self.replay.front().filter(|e| e.call == self.calls) {
            anyhow::ensure!(
                e.wanted == t,
                "{}: the journal does not match this run: its wait {} was for {}, this run's is for {t} \
                 (was the scenario, its register or pocnet changed?)",
                self.journal.path().display(),
                e.call,
                e.wanted
            );
            out.push((e.arrived, e.directive.directive()));
            self.replay.pop_front();
        }
        Ok(out)
    }
}

impl<P: Pacing> Pacing for Journaled<P> {
    async fn reach(&mut self, t: SimTime) -> anyhow::Result<Vec<(SimTime, Directive)>> {
        self.calls += 1;
        if self.calls <= self.replay_until {
            return self.replayed(t);
        }
        if let Some(on_live) = self.on_live.take() {
            on_live(&mut self.inner);
        }
        let got = self.inner.reach(t).await?;
        for (arrived, directive) in &got {
            let record =
                Record::Entered { call: self.calls, wanted: t, arrived: *arrived, directive: Logged::of(directive) };
            self.journal.append(&record)?;
        }
        if got.is_empty() && self.last_mark.is_none_or(|m| m.elapsed() >= REACHED_EVERY) {
            self.last_mark = Some(Instant::now());
            // A hint of where to pick up, not an action: a full journal is told at the
            // next action, which it refuses.
            if let Err(e) = self.journal.append(&Record::Reached { at: t }) {
                tracing::warn!("{e}");
            }
        }
        Ok(got)
    }
}
