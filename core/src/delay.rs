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
    /// Exponential given its mean (memoryless: the time to an event at a constant rate).
    Exponential {
        mean_ms: u64,
    },
    /// Gamma given its shape (k > 0) and mean (scale = mean / k).
    Gamma {
        shape: f64,
        mean_ms: u64,
    },
    /// Observed durations, each drawn with equal chance (a resample of a desk's records).
    Empirical {
        samples_ms: Vec<u64>,
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
    #[error("the mean must be positive")]
    ZeroMean,
    #[error("gamma shape {0} must be a positive number of at most {max}", max = SHAPE_MAX)]
    Shape(String),
    #[error("an empirical distribution needs between 1 and {max} durations, not {0}", max = limits::EMPIRICAL_SAMPLES_MAX)]
    Samples(usize),
}

/// The largest gamma shape accepted (beyond it the distribution is all but fixed).
pub const SHAPE_MAX: f64 = 1.0e6;

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
            Delay::Exponential { mean_ms } => positive_mean(mean_ms)?,
            Delay::Gamma { shape, mean_ms } => {
                if !(shape > 0.0 && shape <= SHAPE_MAX) {
                    return Err(DelayError::Shape(shape.to_string()));
                }
                positive_mean(mean_ms)?
            }
            Delay::Empirical { ref samples_ms } => {
                if samples_ms.is_empty() || samples_ms.len() > limits::EMPIRICAL_SAMPLES_MAX {
                    return Err(DelayError::Samples(samples_ms.len()));
                }
                samples_ms.iter().copied().max().unwrap_or(0)
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
            Delay::Exponential { mean_ms } => match rand_distr::Exp::new(1.0 / mean_ms.max(1) as f64) {
                Ok(d) => clamp_ms(rng.sample(d)),
                Err(_) => mean_ms,
            },
            Delay::Gamma { shape, mean_ms } => match rand_distr::Gamma::new(shape, mean_ms.max(1) as f64 / shape) {
                Ok(d) => clamp_ms(rng.sample(d)),
                Err(_) => mean_ms,
            },
            Delay::Empirical { ref samples_ms } => match samples_ms.len() {
                0 => 0,
                n => samples_ms[rng.random_range(0..n)],
            },
            Delay::Uniform { min_ms, max_ms } => rng.random_range(min_ms..=max_ms.max(min_ms)),
            Delay::LogNormal { median_ms, p90_ms } => {
                let mu = (median_ms.max(1) as f64).ln();
                let sigma = ((p90_ms.max(median_ms).max(1) as f64).ln() - mu) / Z_P90;
                // Box-Muller: two uniforms in (0, 1] give one standard normal.
                let u1: f64 = 1.0 - rng.random::<f64>();
                let u2: f64 = rng.random::<f64>();
                let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                clamp_ms((mu + sigma * z).exp())
            }
        };
        ms.min(limits::DELAY_MS_MAX)
    }
}

/// A mean that must be positive; the longest value validation checks against the limit.
fn positive_mean(mean_ms: u64) -> Result<u64, DelayError> {
    if mean_ms == 0 {
        return Err(DelayError::ZeroMean);
    }
    Ok(mean_ms)
}

/// A drawn duration in milliseconds, rounded, within `[0, DELAY_MS_MAX]`.
fn clamp_ms(x: f64) -> u64 {
    if x.is_finite() {
        x.round().clamp(0.0, limits::DELAY_MS_MAX as f64) as u64
    } else {
        limits::DELAY_MS_MAX
    }
}

impl fmt::Display for Delay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::time::format_duration_ms as d;
        match *self {
            Delay::Fixed { ms } => write!(f, "{}", d(ms)),
            Delay::Uniform { min_ms, max_ms } => write!(f, "{}..{}", d(min_ms), d(max_ms)),
            Delay::LogNormal { median_ms, p90_ms } => write!(f, "median {} p90 {}", d(median_ms), d(p90_ms)),
            Delay::Exponential { mean_ms } => write!(f, "exponential mean {}", d(mean_ms)),
            Delay::Gamma { shape, mean_ms } => write!(f, "gamma shape {shape} mean {}", d(mean_ms)),
            Delay::Empirical { ref samples_ms } => write!(f, "empirical ({} durations)", samples_ms.len()),
        }
    }
}
