//! A communication check's pings: test messages, not cases. Each ends in one named
//! ending (answered within an hour, within a day, later, or never) with its reason.

use super::reason::Reason;
use super::Request;
use pocnet_core::{RequestId, SimTime, StateCode};

const HOUR_MS: u64 = 3_600_000;
const DAY_MS: u64 = 24 * HOUR_MS;

/// How a ping ended: the pinging desk's wait for a person's answer (the acknowledgement
/// reaching it), from the time the ping was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PingEnding {
    WithinHour,
    WithinDay,
    /// Answered, after a day.
    Later,
    /// No answer reached the pinging desk.
    Never,
}

impl PingEnding {
    pub const ALL: [PingEnding; 4] =
        [PingEnding::WithinHour, PingEnding::WithinDay, PingEnding::Later, PingEnding::Never];

    pub fn as_str(&self) -> &'static str {
        match self {
            PingEnding::WithinHour => "within_1h",
            PingEnding::WithinDay => "within_24h",
            PingEnding::Later => "later",
            PingEnding::Never => "never",
        }
    }

    /// The ending of a ping answered `waited_ms` after it was sent (`None`: never).
    pub fn of(waited_ms: Option<u64>) -> PingEnding {
        match waited_ms {
            None => PingEnding::Never,
            Some(ms) if ms <= HOUR_MS => PingEnding::WithinHour,
            Some(ms) if ms <= DAY_MS => PingEnding::WithinDay,
            Some(_) => PingEnding::Later,
        }
    }
}

/// One ping, everything the run says of it.
#[derive(Debug, Clone)]
pub struct Ping {
    pub id: RequestId,
    pub from: StateCode,
    pub to: StateCode,
    pub sent: SimTime,
    /// When a person's answer reached the pinging desk.
    pub answered: Option<SimTime>,
    /// The ping reached the receiving desk.
    pub reached_desk: bool,
    /// The regional hub that answered for the receiver.
    pub hub: Option<StateCode>,
    pub ending: PingEnding,
    /// Why a ping never answered was not: expired, undeliverable, unfinished, not made.
    pub reason: Reason,
}

impl Ping {
    /// A ping from its request record: answered when an acknowledgement or the response
    /// reached the pinging desk, even after it stopped waiting (then `later`, and its
    /// reason says it expired).
    pub fn of(r: &Request, heard: Option<SimTime>) -> Ping {
        let answered = heard;
        Ping {
            id: r.id,
            from: r.from,
            to: r.to,
            sent: r.scheduled,
            answered,
            reached_desk: r.step.reached_desk,
            hub: r.hub.map(|h| h.by),
            ending: PingEnding::of(answered.map(|t| t.since(r.scheduled))),
            reason: r.reason.clone(),
        }
    }

    /// A ping the exercise ended before.
    pub fn not_made(id: RequestId, from: StateCode, to: StateCode, sent: SimTime, ended_at: SimTime) -> Ping {
        Ping {
            id,
            from,
            to,
            sent,
            answered: None,
            reached_desk: false,
            hub: None,
            ending: PingEnding::Never,
            reason: Reason::NotMade { ended_at },
        }
    }

    pub fn waited_ms(&self) -> Option<u64> {
        self.answered.map(|t| t.since(self.sent))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endings_at_their_edges() {
        assert_eq!(PingEnding::of(None), PingEnding::Never);
        assert_eq!(PingEnding::of(Some(0)), PingEnding::WithinHour);
        assert_eq!(PingEnding::of(Some(HOUR_MS)), PingEnding::WithinHour);
        assert_eq!(PingEnding::of(Some(HOUR_MS + 1)), PingEnding::WithinDay);
        assert_eq!(PingEnding::of(Some(DAY_MS)), PingEnding::WithinDay);
        assert_eq!(PingEnding::of(Some(DAY_MS + 1)), PingEnding::Later);
    }
}
