//! What people may put into a run from the console and the dashboard: every field they
//! type against its limit (`pocnet_core::limits`), each state's requests and actions
//! against the most one contact point holds in a run, and a rate per access token. Each
//! refusal is typed; `web.rs` answers it with a status and a body naming the field and the
//! limit, and nothing beyond a limit ever reaches the wire.

use super::Access;
use pocnet_core::{limits, ActionRefusal, LimitError, StateCode};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Requests and actions one access token may post in a minute, on average...
pub const POSTS_PER_MINUTE: u32 = 120;
/// ... and at once: a person clicks a few times in a row, never thousands.
pub const POSTS_BURST_MAX: u32 = 20;
/// Requests one state may make in a run, the scenario's included: a restarted node is
/// set up with all of them, and its agenda holds at most this many.
pub const REQUESTS_PER_STATE_MAX: usize = limits::INJECTS_PER_STATE_MAX;
/// Actions one state's player may take in a run: a restarted node is set up with all of
/// them, and its agenda holds at most `EXERCISE_INPUTS_MAX` (the exercise's end is one).
pub const ACTIONS_PER_STATE_MAX: usize = limits::EXERCISE_INPUTS_MAX - 1;
/// Bytes of a refused value echoed back in a refusal.
const ECHO_BYTES_MAX: usize = 64;

/// Why a person's input is refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Refusal {
    /// A field beyond its limit (bytes or entries).
    #[error("{0}")]
    Limit(#[from] LimitError),
    /// A field that does not name what it should (a state, a kind, a request).
    #[error("{field}: {problem}")]
    Invalid { field: &'static str, problem: String },
    /// The state has made as many requests as one contact point may make in a run.
    #[error("{state} has made {max} requests, the most one contact point may make in a run")]
    RequestCap { state: StateCode, max: usize },
    /// The state's player has taken as many actions as one contact point holds in a run.
    #[error("{state}'s player has taken {max} actions, the most one contact point holds in a run")]
    ActionCap { state: StateCode, max: usize },
    /// This token posts faster than a person does.
    #[error(
        "more than {per_minute} requests and actions a minute from one access token: try again in {retry_after_ms} ms"
    )]
    RateLimited { per_minute: u32, retry_after_ms: u64 },
    /// The contact point would refuse the action, as the console already shows.
    #[error("{0}")]
    Action(ActionRefusal),
}

impl Refusal {
    /// A field that does not name what it should; the value is echoed cut short.
    pub fn invalid(field: &'static str, problem: impl Into<String>) -> Refusal {
        Refusal::Invalid { field, problem: problem.into() }
    }

    /// The HTTP status it is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::Limit(_) | Refusal::Invalid { .. } => 400,
            Refusal::RequestCap { .. } | Refusal::ActionCap { .. } | Refusal::Action(_) => 409,
            Refusal::RateLimited { .. } => 429,
        }
    }

    /// The refusal's name, for programs.
    pub fn name(&self) -> &'static str {
        match self {
            Refusal::Limit(LimitError::TooLong { .. }) => "too_long",
            Refusal::Limit(LimitError::TooMany { .. }) => "too_many",
            Refusal::Invalid { .. } => "invalid",
            Refusal::RequestCap { .. } => "request_cap",
            Refusal::ActionCap { .. } => "action_cap",
            Refusal::RateLimited { .. } => "rate_limited",
            Refusal::Action(reason) => action_refusal_name(reason),
        }
    }

    /// The field refused, if one is.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Refusal::Limit(e) => Some(e.field()),
            Refusal::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The limit refused against, if one is.
    pub fn limit(&self) -> Option<u64> {
        let n = match self {
            Refusal::Limit(e) => e.max(),
            Refusal::RequestCap { max, .. } | Refusal::ActionCap { max, .. } => *max,
            Refusal::RateLimited { per_minute, .. } => *per_minute as usize,
            Refusal::Invalid { .. } | Refusal::Action(_) => return None,
        };
        Some(n as u64)
    }

    /// How long to wait before trying again, if waiting helps.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Refusal::RateLimited { retry_after_ms, .. } => Some(Duration::from_millis(*retry_after_ms)),
            _ => None,
        }
    }
}

/// A contact point's refusal of an action, named for programs.
pub fn action_refusal_name(reason: &ActionRefusal) -> &'static str {
    match reason {
        ActionRefusal::Simulated { .. } => "simulated",
        ActionRefusal::NotReceived { .. } => "not_received",
        ActionRefusal::AlreadyAnswered { .. } => "already_answered",
        ActionRefusal::WithCentralAuthority { .. } => "with_central_authority",
        ActionRefusal::TranslationNotReady { .. } => "translation_not_ready",
        ActionRefusal::AlreadyAcknowledged { .. } => "already_acknowledged",
        ActionRefusal::TranslationAlreadyAsked { .. } => "translation_already_asked",
        ActionRefusal::NoCentralAuthority { .. } => "no_central_authority",
    }
}

/// A value as a refusal echoes it: cut to a few bytes.
pub fn echo(value: &str) -> &str {
    limits::truncated(value, ECHO_BYTES_MAX)
}

/// One token's bucket: `POSTS_BURST_MAX` at once, refilled at `POSTS_PER_MINUTE`.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The counts and buckets people's input is admitted against.
#[derive(Debug, Default)]
pub struct Admission {
    buckets: BTreeMap<Access, Bucket>,
    requests: BTreeMap<StateCode, usize>,
    actions: BTreeMap<StateCode, usize>,
}

impl Admission {
    /// Starts from the requests the scenario already makes from each state.
    pub fn new(scenario_requests: impl IntoIterator<Item = StateCode>) -> Admission {
        let mut requests = BTreeMap::new();
        for from in scenario_requests {
            *requests.entry(from).or_default() += 1;
        }
        Admission { requests, ..Admission::default() }
    }

    /// Takes one post from `who`'s bucket, or says how long to wait.
    pub fn post(&mut self, who: Access, now: Instant) -> Result<(), Refusal> {
        let rate = f64::from(POSTS_PER_MINUTE) / 60.0;
        let burst = f64::from(POSTS_BURST_MAX);
        let bucket = self.buckets.entry(who).or_insert(Bucket { tokens: burst, at: now });
        let refill = now.saturating_duration_since(bucket.at).as_secs_f64() * rate;
        bucket.tokens = (bucket.tokens + refill).min(burst);
        bucket.at = now;
        if bucket.tokens < 1.0 {
            let retry_after_ms = ((1.0 - bucket.tokens) / rate * 1000.0).ceil() as u64;
            return Err(Refusal::RateLimited { per_minute: POSTS_PER_MINUTE, retry_after_ms });
        }
        bucket.tokens -= 1.0;
        Ok(())
    }

    /// Counts one more request from `from`, or refuses it beyond the cap.
    pub fn request(&mut self, from: StateCode) -> Result<(), Refusal> {
        let made = self.requests.entry(from).or_default();
        if *made >= REQUESTS_PER_STATE_MAX {
            return Err(Refusal::RequestCap { state: from, max: REQUESTS_PER_STATE_MAX });
        }
        *made += 1;
        Ok(())
    }

    /// Counts one more action by `state`'s player, or refuses it beyond the cap.
    pub fn action(&mut self, state: StateCode) -> Result<(), Refusal> {
        let taken = self.actions.entry(state).or_default();
        if *taken >= ACTIONS_PER_STATE_MAX {
            return Err(Refusal::ActionCap { state, max: ACTIONS_PER_STATE_MAX });
        }
        *taken += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> StateCode {
        StateCode::parse(s).expect("code")
    }

    #[test]
    fn a_burst_is_taken_and_then_the_rate() {
        let mut a = Admission::default();
        let t0 = Instant::now();
        let who = Access::Player(code("FRA"));
        for _ in 0..POSTS_BURST_MAX {
            a.post(who, t0).expect("within the burst");
        }
        let refused = a.post(who, t0).expect_err("beyond the burst");
        assert_eq!(refused.status(), 429);
        assert!(refused.retry_after().is_some_and(|d| d <= Duration::from_secs(1)), "{refused:?}");
        // Another token has its own bucket.
        a.post(Access::Control, t0).expect("the controller's own bucket");
        a.post(who, t0 + Duration::from_secs(1)).expect("refilled after a second");
    }

    #[test]
    fn a_states_requests_stop_at_the_cap_the_scenarios_included() {
        let fra = code("FRA");
        let mut a = Admission::new(std::iter::repeat_n(fra, REQUESTS_PER_STATE_MAX - 1));
        a.request(fra).expect("the last one");
        let refused = a.request(fra).expect_err("beyond the cap");
        assert_eq!(refused, Refusal::RequestCap { state: fra, max: REQUESTS_PER_STATE_MAX });
        assert_eq!((refused.status(), refused.name()), (409, "request_cap"));
        a.request(code("VNM")).expect("another state's count");
    }
}
