//! The wall clock: scenario time runs at `speed` × real time, for live and rehearsed
//! exercises. Windows are the virtual clock's, started when real time catches up with
//! them, so the report is the one a virtual run gives.
//!
//! An exercise controller pauses and resumes it by lines on standard input (`pause`,
//! `resume`, `fast`: run the rest as fast as possible, `end`: end the exercise now) or from
//! the exercise dashboard. While paused, scenario time stands still, so every deadline
//! (acknowledgement delays, evidence windows, give-ups) keeps its meaning. A person's
//! action interrupts the wait: it enters the run at the scenario time it came in.

use crate::clock::{Directive, Pacing};
use pocnet_core::SimTime;
use std::io::Write;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use tokio::time::Instant;

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Pause,
    Resume,
    /// Run the rest as fast as possible.
    Fast,
    /// Bring something into the run now (an exercise's actions, injects, its end).
    Directive(Directive),
}

impl Command {
    pub fn parse(line: &str) -> Option<Command> {
        match line.trim() {
            "pause" | "p" => Some(Command::Pause),
            "resume" | "r" => Some(Command::Resume),
            "fast" | "f" => Some(Command::Fast),
            "end" => Some(Command::Directive(Directive::End)),
            _ => None,
        }
    }
}

/// Where the wall clock stands, shared with the exercise console: what scenario time it
/// is now, whether it is paused.
#[derive(Debug, Clone)]
pub struct ClockView {
    pub speed: f64,
    origin_sim: SimTime,
    origin_wall: Instant,
    paused_since: Option<Instant>,
    pub fast: bool,
    /// Scenario time the clock last reached (what "now" is in fast mode).
    pub reached: SimTime,
}

impl ClockView {
    pub fn paused(&self) -> bool {
        self.paused_since.is_some()
    }

    /// Scenario time now: it stands still while paused.
    pub fn now(&self) -> SimTime {
        if self.fast {
            return self.reached;
        }
        let at = self.paused_since.unwrap_or_else(Instant::now);
        let ms = at.saturating_duration_since(self.origin_wall).as_secs_f64() * 1000.0 * self.speed;
        self.origin_sim.plus_ms(ms as u64)
    }

    /// The real instant at which scenario time `t` is due.
    fn due(&self, t: SimTime) -> Instant {
        let ahead_ms = t.0.saturating_sub(self.origin_sim.0).max(0) as f64 / self.speed;
        self.origin_wall + std::time::Duration::from_secs_f64(ahead_ms / 1000.0)
    }
}

pub type SharedClock = Arc<Mutex<ClockView>>;

/// Lags counted one millisecond apart up to this; longer ones in the last count.
pub const DRIFT_SPAN_MS: usize = 60_000;

/// How late the run's windows started against scenario time at `speed` × wall time: for
/// each wait the clock finished, the wall milliseconds between the instant its scenario
/// time was due and the instant the clock handed it on (an engine slower than the clock
/// makes the next wait start late). Counted in a fixed histogram: bounded memory however
/// long the exercise.
#[derive(Debug, Clone)]
pub struct Drift {
    counts: Vec<u64>,
    pub waits: u64,
    pub max_ms: u64,
    pub last_ms: u64,
}

impl Default for Drift {
    fn default() -> Self {
        Drift { counts: vec![0; DRIFT_SPAN_MS + 1], waits: 0, max_ms: 0, last_ms: 0 }
    }
}

impl Drift {
    pub fn record(&mut self, lag: std::time::Duration) {
        let ms = u64::try_from(lag.as_millis()).unwrap_or(u64::MAX);
        let slot = usize::try_from(ms).unwrap_or(usize::MAX).min(DRIFT_SPAN_MS);
        self.counts[slot] += 1;
        self.waits += 1;
        self.max_ms = self.max_ms.max(ms);
        self.last_ms = ms;
    }

    /// The lag (ms) at or under which `per_mille` of the waits were (nearest rank; none: 0).
    pub fn quantile_ms(&self, per_mille: u64) -> u64 {
        let rank = (self.waits * per_mille).div_ceil(1000).max(1);
        let mut seen = 0;
        for (ms, n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return if ms == DRIFT_SPAN_MS { self.max_ms } else { ms as u64 };
            }
        }
        0
    }
}

pub type SharedDrift = Arc<Mutex<Drift>>;

#[derive(Debug)]
pub struct WallClock {
    view: SharedClock,
    commands: mpsc::Receiver<Command>,
    drift: SharedDrift,
}

impl WallClock {
    /// Starts at scenario time `start`, now.
    pub fn new(speed: f64, start: SimTime, commands: mpsc::Receiver<Command>) -> WallClock {
        assert!(speed > 0.0 && speed.is_finite(), "speed must be positive");
        let view = ClockView {
            speed,
            origin_sim: start,
            origin_wall: Instant::now(),
            paused_since: None,
            fast: false,
            reached: start,
        };
        WallClock { view: Arc::new(Mutex::new(view)), commands, drift: SharedDrift::default() }
    }

    /// The lag of the run against the wall clock, measured as it goes.
    pub fn drift(&self) -> SharedDrift {
        self.drift.clone()
    }

    /// Scenario time `t` is now: a resumed run goes live where the dead one had got to
    /// (paused, if it was paused).
    pub fn rebase(&mut self, t: SimTime) {
        self.with(|v| {
            let now = Instant::now();
            v.origin_sim = t;
            v.origin_wall = now;
            v.paused_since = v.paused_since.map(|_| now);
            v.reached = v.reached.max(t);
        });
    }

    /// The clock as the console sees it.
    pub fn view(&self) -> SharedClock {
        self.view.clone()
    }

    fn with<T>(&self, f: impl FnOnce(&mut ClockView) -> T) -> T {
        let mut view = match self.view.lock() {
            Ok(v) => v,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut view)
    }

    /// Applies a command; a directive comes back, stamped with the scenario time now.
    fn apply(&mut self, command: Command) -> Option<(SimTime, Directive)> {
        match command {
            Command::Pause => self.with(|v| {
                if v.paused_since.is_none() {
                    v.paused_since = Some(Instant::now());
                    say(&format!("paused at scenario time {}", v.now()));
                }
            }),
            Command::Resume => self.with(|v| {
                if let Some(since) = v.paused_since.take() {
                    // Real time spent paused does not count: shift the origin.
                    v.origin_wall += since.elapsed();
                    say(&format!("resumed at scenario time {}", v.now()));
                }
            }),
            Command::Fast => self.with(|v| {
                v.fast = true;
                v.paused_since = None;
                say("running the rest as fast as possible");
            }),
            Command::Directive(d) => return Some((self.with(|v| v.now()), d)),
        }
        None
    }
}

fn say(message: &str) {
    let _ = writeln!(std::io::stderr(), "pocnet: {message}");
}

impl Pacing for WallClock {
    async fn reach(&mut self, t: SimTime) -> anyhow::Result<Vec<(SimTime, Directive)>> {
        let mut directives = Vec::new();
        loop {
            while let Ok(c) = self.commands.try_recv() {
                directives.extend(self.apply(c));
            }
            if !directives.is_empty() {
                // They enter first; the caller comes back for `t`.
                return Ok(directives);
            }
            let (fast, paused, due) = self.with(|v| (v.fast, v.paused(), v.due(t)));
            if fast {
                break;
            }
            if paused {
                match self.commands.recv().await {
                    Some(c) => directives.extend(self.apply(c)),
                    None => anyhow::bail!("paused, and the controller went away"),
                }
                continue;
            }
            if Instant::now() >= due {
                break;
            }
            tokio::select! {
                () = tokio::time::sleep_until(due) => break,
                c = self.commands.recv() => match c {
                    Some(c) => directives.extend(self.apply(c)),
                    // No controller (stdin closed): keep pacing.
                    None => { tokio::time::sleep_until(due).await; break; }
                },
            }
        }
        let (fast, due) = self.with(|v| {
            v.reached = v.reached.max(t);
            (v.fast, v.due(t))
        });
        if !fast {
            let lag = Instant::now().saturating_duration_since(due);
            if let Ok(mut d) = self.drift.lock() {
                d.record(lag);
            }
        }
        Ok(directives)
    }
}

/// Commands waiting for the clock (stdin, the console, the dashboard).
pub const COMMANDS_MAX: usize = 256;

/// Reads controller commands from standard input, one per line, into `tx`.
pub fn read_stdin_commands(tx: mpsc::Sender<Command>) {
    tokio::spawn(async move {
        use tokio::io::AsyncBufReadExt;
        let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            match Command::parse(&line) {
                Some(c) => {
                    if tx.send(c).await.is_err() {
                        return;
                    }
                }
                None if line.trim().is_empty() => {}
                None => say(&format!("unknown command `{}`: pause, resume, fast or end", line.trim())),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn scenario_time_runs_at_speed_and_stands_still_while_paused() {
        let (tx, rx) = mpsc::channel(4);
        let start = SimTime(0);
        let mut clock = WallClock::new(60.0, start, rx); // one scenario minute per second
        let t0 = Instant::now();
        assert!(clock.reach(SimTime(120_000)).await.expect("reach").is_empty());
        assert_eq!(t0.elapsed().as_secs(), 2);
        tx.send(Command::Pause).await.expect("send");
        let resume = tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs(10)).await;
            let _ = resume.send(Command::Resume).await;
        });
        clock.reach(SimTime(180_000)).await.expect("reach");
        // 2 s to minute 2, 10 s paused, 1 s more to minute 3.
        assert_eq!(t0.elapsed().as_secs(), 13);
        tx.send(Command::Fast).await.expect("send");
        clock.reach(SimTime(86_400_000)).await.expect("reach");
        assert_eq!(t0.elapsed().as_secs(), 13, "fast does not wait");
        let drift = clock.drift().lock().map(|d| (d.waits, d.max_ms)).ok();
        assert_eq!(drift, Some((2, 0)), "two paced waits, each handed on when due; none counted in fast mode");
    }

    #[test]
    fn drift_quantiles_are_nearest_ranks_of_the_lags_and_long_lags_keep_their_max() {
        let mut d = Drift::default();
        assert_eq!(d.quantile_ms(990), 0, "no wait yet");
        for ms in 1..=100 {
            d.record(std::time::Duration::from_millis(ms));
        }
        assert_eq!((d.quantile_ms(500), d.quantile_ms(990), d.max_ms, d.last_ms), (50, 99, 100, 100));
        d.record(std::time::Duration::from_secs(600));
        assert_eq!((d.quantile_ms(1000), d.max_ms, d.waits), (600_000, 600_000, 101));
    }

    #[tokio::test(start_paused = true)]
    async fn a_directive_interrupts_the_wait_stamped_with_the_scenario_time_it_came_in() {
        let (tx, rx) = mpsc::channel(4);
        let mut clock = WallClock::new(60.0, SimTime(0), rx);
        let sender = tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            let _ = sender.send(Command::Directive(Directive::End)).await;
        });
        let got = clock.reach(SimTime(600_000)).await.expect("reach");
        assert_eq!(got, vec![(SimTime(300_000), Directive::End)], "5 s at 60x is scenario minute 5");
        // Paused: a directive is stamped with the paused time however long the pause.
        tx.send(Command::Pause).await.expect("send");
        let sender = tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            let _ = sender.send(Command::Directive(Directive::End)).await;
        });
        let got = clock.reach(SimTime(600_000)).await.expect("reach");
        assert_eq!(got, vec![(SimTime(300_000), Directive::End)]);
        assert_eq!(clock.view().lock().map(|v| v.now()).ok(), Some(SimTime(300_000)));
    }
}
