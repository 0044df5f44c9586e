//! Delay distributions: how long a piece of work or a journey takes, drawn from a seeded
//! stream. Every parameter is an assumption a scenario labels as one.

use crate::limits;
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
