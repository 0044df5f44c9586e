//! The wall clock: scenario time runs at `speed` × real time, for live and rehearsed
//! exercises. Windows are the virtual clock's, started when real time catches up with
//! them, so the report is the one a virtual run gives.
//!
//! An exercise controller pauses and resumes it by lines on standard input: `pause`,
//! `resume`, and `fast` (run the rest as fast as possible). While paused, scenario time
//! stands still, so every deadline (acknowledgement delays, evidence windows, give-ups)
//! keeps its meaning.

use crate::clock::Pacing;
use pocnet_core::SimTime;
use std::io::Write;
use tokio::sync::mpsc;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Pause,
    Resume,
    /// Run the rest as fast as possible.
    Fast,
}

impl Command {
    pub fn parse(line: &str) -> Option<Command> {
        match line.trim() {
            "pause" | "p" => Some(Command::Pause),
            "resume" | "r" => Some(Command::Resume),
            "fast" | "f" | "end" => Some(Command::Fast),
            _ => None,
        }
    }
}

#[derive(Debug)]
pub struct WallClock {
    speed: f64,
    origin_sim: SimTime,
    origin_wall: Instant,
    paused_since: Option<Instant>,
    fast: bool,
    commands: mpsc::Receiver<Command>,
    /// Scenario time reached, for messages.
    reached: SimTime,
}

impl WallClock {
    /// Starts at scenario time `start`, now.
    pub fn new(speed: f64, start: SimTime, commands: mpsc::Receiver<Command>) -> WallClock {
        assert!(speed > 0.0 && speed.is_finite(), "speed must be positive");
        WallClock {
            speed,
            origin_sim: start,
            origin_wall: Instant::now(),
            paused_since: None,
            fast: false,
            commands,
            reached: start,
        }
    }

    fn apply(&mut self, command: Command) {
        match command {
            Command::Pause if self.paused_since.is_none() => {
                self.paused_since = Some(Instant::now());
                say(&format!("paused at scenario time {}", self.reached));
            }
            Command::Resume => {
                if let Some(since) = self.paused_since.take() {
                    // Real time spent paused does not count: shift the origin.
                    self.origin_wall += since.elapsed();
                    say(&format!("resumed at scenario time {}", self.reached));
                }
            }
            Command::Fast => {
                self.fast = true;
                self.paused_since = None;
                say("running the rest as fast as possible");
            }
            Command::Pause => {}
        }
    }

    /// The real instant at which scenario time `t` is due.
    fn due(&self, t: SimTime) -> Instant {
        let ahead_ms = t.0.saturating_sub(self.origin_sim.0).max(0) as f64 / self.speed;
        self.origin_wall + std::time::Duration::from_secs_f64(ahead_ms / 1000.0)
    }
}

fn say(message: &str) {
    let _ = writeln!(std::io::stderr(), "pocnet: {message}");
}

impl Pacing for WallClock {
    async fn reach(&mut self, t: SimTime) -> anyhow::Result<()> {
        loop {
            while let Ok(c) = self.commands.try_recv() {
                self.apply(c);
            }
            if self.fast {
                break;
            }
            if self.paused_since.is_some() {
                match self.commands.recv().await {
                    Some(c) => self.apply(c),
                    None => anyhow::bail!("paused, and the controller went away"),
                }
                continue;
            }
            let due = self.due(t);
            if Instant::now() >= due {
                break;
            }
            tokio::select! {
                () = tokio::time::sleep_until(due) => break,
                c = self.commands.recv() => match c {
                    Some(c) => self.apply(c),
                    // No controller (stdin closed): keep pacing.
                    None => { tokio::time::sleep_until(due).await; break; }
                },
            }
        }
        self.reached = t;
        Ok(())
    }
}

/// Reads controller commands from standard input, one per line.
pub fn stdin_commands() -> mpsc::Receiver<Command> {
    let (tx, rx) = mpsc::channel(16);
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
                None => say(&format!("unknown command `{}`: pause, resume or fast", line.trim())),
            }
        }
    });
    rx
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
        clock.reach(SimTime(120_000)).await.expect("reach");
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
    }
}
