//! How a contact point behaves: delay distributions by roster mode, refusals, hand-offs.
//!
//! No published per-contact-point response-time data exists: every parameter here is an
//! assumption that a scenario must label as one.

use crate::limits;
use crate::request::RequestKind;
use crate::roster::{Mode, RosterSpec};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A delay distribution, in milliseconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Delay {
    Fixed {
        ms: u64,
    },
    Uniform {
        min_ms: u64,
        max_ms: u64,
    },
    /// Log-normal given its median and 90th percentile (p90 ≥ median).
    LogNormal {
        median_ms: u64,
        p90_ms: u64,
    },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DelayError {
    #[error("uniform range is backwards: min {min_ms} ms > max {max_ms} ms")]
    BackwardsRange { min_ms: u64, max_ms: u64 },
    #[error("log-normal p90 ({p90_ms} ms) is below its median ({median_ms} ms)")]
    P90BelowMedian { median_ms: u64, p90_ms: u64 },
    #[error("log-normal median must be positive")]
    ZeroMedian,
    #[error("delay of {0} ms exceeds the limit of one year")]
    TooLong(u64),
}

/// z-score of the 90th percentile of the standard normal distribution.
const Z_P90: f64 = 1.281_551_565_544_600_5;

impl Delay {
    pub fn validate(&self) -> Result<(), DelayError> {
        let longest = match *self {
            Delay::Fixed { ms } => ms,
            Delay::Uniform { min_ms, max_ms } => {
                if min_ms > max_ms {
                    return Err(DelayError::BackwardsRange { min_ms, max_ms });
                }
                max_ms
            }
            Delay::LogNormal { median_ms, p90_ms } => {
                if median_ms == 0 {
                    return Err(DelayError::ZeroMedian);
                }
                if p90_ms < median_ms {
                    return Err(DelayError::P90BelowMedian { median_ms, p90_ms });
                }
                p90_ms
            }
        };
        if longest > limits::DELAY_MS_MAX {
            return Err(DelayError::TooLong(longest));
        }
        Ok(())
    }

    /// One draw, clamped to `[0, DELAY_MS_MAX]`.
    pub fn sample(&self, rng: &mut impl Rng) -> u64 {
        let ms = match *self {
            Delay::Fixed { ms } => ms,
            Delay::Uniform { min_ms, max_ms } => rng.random_range(min_ms..=max_ms.max(min_ms)),
            Delay::LogNormal { median_ms, p90_ms } => {
                let mu = (median_ms.max(1) as f64).ln();
                let sigma = ((p90_ms.max(median_ms).max(1) as f64).ln() - mu) / Z_P90;
                // Box-Muller: two uniforms in (0, 1] give one standard normal.
                let u1: f64 = 1.0 - rng.random::<f64>();
                let u2: f64 = rng.random::<f64>();
                let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                let x = (mu + sigma * z).exp();
                if x.is_finite() {
                    x.round().clamp(0.0, limits::DELAY_MS_MAX as f64) as u64
                } else {
                    limits::DELAY_MS_MAX
                }
            }
        };
        ms.min(limits::DELAY_MS_MAX)
    }
}

impl fmt::Display for Delay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::time::format_duration_ms as d;
        match *self {
            Delay::Fixed { ms } => write!(f, "{}", d(ms)),
            Delay::Uniform { min_ms, max_ms } => write!(f, "{}..{}", d(min_ms), d(max_ms)),
            Delay::LogNormal { median_ms, p90_ms } => write!(f, "median {} p90 {}", d(median_ms), d(p90_ms)),
        }
    }
}

/// One delay per roster mode in which work can happen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DelaysByMode {
    pub staffed: Delay,
    pub on_call: Delay,
}

impl DelaysByMode {
    /// The distribution for `mode`. A closed contact point does no work; callers wait for
    /// the next opening first, so `Closed` falls back to the staffed delay.
    pub fn for_mode(&self, mode: Mode) -> &Delay {
        match mode {
            Mode::OnCall => &self.on_call,
            Mode::Staffed | Mode::Closed => &self.staffed,
        }
    }
}

/// The central authority a contact point hands some kinds to: office hours, own delay.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CentralAuthority {
    pub roster: RosterSpec,
    pub delay: Delay,
    /// Request kinds the contact point cannot execute itself.
    pub kinds: Vec<RequestKind>,
}

/// The behaviour of one contact point, as receiver and as requester.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// From delivery (or the next opening) to a person's acknowledgement.
    pub acknowledge: DelaysByMode,
    /// From acknowledgement to execution (preservation done, data sent...).
    pub fulfil: DelaysByMode,
    /// Probability of refusing a request (Art. 42 grounds), in [0, 1].
    pub refuse_probability: f64,
    pub refusal_ground: String,
    pub central_authority: Option<CentralAuthority>,
    /// As requester: how long to wait for a final response before giving up.
    pub give_up_after_ms: u64,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProfileError {
    #[error("{field}: {source}")]
    Delay { field: &'static str, source: DelayError },
    #[error("refuse_probability {0} is outside [0, 1]")]
    Probability(f64),
    #[error("refusal_ground is longer than {max} bytes", max = limits::TEXT_FIELD_BYTES_MAX)]
    GroundTooLong,
    #[error("give_up_after must be positive and at most one year")]
    GiveUp,
}

impl Profile {
    pub fn validate(&self) -> Result<(), ProfileError> {
        let delays = [
            ("acknowledge.staffed", &self.acknowledge.staffed),
            ("acknowledge.on_call", &self.acknowledge.on_call),
            ("fulfil.staffed", &self.fulfil.staffed),
            ("fulfil.on_call", &self.fulfil.on_call),
        ];
        for (field, delay) in delays {
            delay.validate().map_err(|source| ProfileError::Delay { field, source })?;
        }
        if let Some(ca) = &self.central_authority {
            ca.delay.validate().map_err(|source| ProfileError::Delay { field: "central_authority.delay", source })?;
        }
        if !(0.0..=1.0).contains(&self.refuse_probability) {
            return Err(ProfileError::Probability(self.refuse_probability));
        }
        if self.refusal_ground.len() > limits::TEXT_FIELD_BYTES_MAX {
            return Err(ProfileError::GroundTooLong);
        }
        if self.give_up_after_ms == 0 || self.give_up_after_ms > limits::DELAY_MS_MAX {
            return Err(ProfileError::GiveUp);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::RequestId;
    use crate::seed::{stream, Purpose};
    use crate::state::StateCode;

    #[test]
    fn lognormal_draws_match_median_and_p90() {
        let d = Delay::LogNormal { median_ms: 600_000, p90_ms: 3_600_000 };
        let vnm = StateCode::parse("VNM").expect("code");
        let mut draws: Vec<u64> = (0..20_000u32)
            .map(|case| d.sample(&mut stream(7, vnm, RequestId { case, link: 0 }, Purpose::AcknowledgeDelay)))
            .collect();
        draws.sort_unstable();
        let median = draws[draws.len() / 2] as f64;
        let p90 = draws[draws.len() * 9 / 10] as f64;
        assert!((median / 600_000.0 - 1.0).abs() < 0.05, "median {median}");
        assert!((p90 / 3_600_000.0 - 1.0).abs() < 0.07, "p90 {p90}");
    }

    #[test]
    fn draws_are_reproducible_from_the_seed() {
        let d = Delay::LogNormal { median_ms: 600_000, p90_ms: 3_600_000 };
        let fra = StateCode::parse("FRA").expect("code");
        let draw = |seed| d.sample(&mut stream(seed, fra, RequestId { case: 3, link: 0 }, Purpose::FulfilDelay));
        assert_eq!(draw(42), draw(42));
        assert_ne!(draw(42), draw(43));
    }

    #[test]
    fn invalid_distributions_are_rejected() {
        assert!(Delay::Uniform { min_ms: 10, max_ms: 5 }.validate().is_err());
        assert!(Delay::LogNormal { median_ms: 10, p90_ms: 5 }.validate().is_err());
        assert!(Delay::Fixed { ms: limits::DELAY_MS_MAX + 1 }.validate().is_err());
    }
}
