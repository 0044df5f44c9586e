//! Percentiles, one implementation: HdrHistogram at 3 significant figures (within 0.1% of
//! the exact value), for every figure pocnet reports (latencies in milliseconds, round trips
//! in microseconds).

use hdrhistogram::Histogram;
use serde::Serialize;

#[derive(Debug, Serialize, PartialEq, Eq, Clone, Copy, Default)]
pub struct Percentiles {
    pub count: u64,
    pub p50_ms: u64,
    pub p90_ms: u64,
    pub p95_ms: u64,
    pub p99_ms: u64,
    pub max_ms: u64,
}

/// Largest value recorded: every delay the core can produce, several times over (chains
/// add up); larger values count as this.
const VALUE_MAX: u64 = 16 * pocnet_core::limits::DELAY_MS_MAX;

/// The percentiles of `values` (0 for each when there are none).
pub fn percentiles(values: &[u64]) -> Percentiles {
    let mut h = match Histogram::<u64>::new_with_bounds(1, VALUE_MAX, 3) {
        Ok(h) => h,
        Err(_) => unreachable!("valid bounds and precision"),
    };
    for &v in values {
        h.saturating_record(v);
    }
    let q = |q: f64| if h.is_empty() { 0 } else { h.value_at_quantile(q) };
    Percentiles {
        count: h.len(),
        p50_ms: q(0.50),
        p90_ms: q(0.90),
        p95_ms: q(0.95),
        p99_ms: q(0.99),
        max_ms: if h.is_empty() { 0 } else { h.max() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_known_values() {
        let values: Vec<u64> = (1..=100).map(|v| v * 1000).collect();
        let p = percentiles(&values);
        assert_eq!(p.count, 100);
        // HdrHistogram at 3 significant figures: within 0.1% of the exact value.
        assert!((50_000..=50_050).contains(&p.p50_ms), "p50 {}", p.p50_ms);
        assert!((90_000..=90_090).contains(&p.p90_ms), "p90 {}", p.p90_ms);
        assert!((100_000..=100_100).contains(&p.max_ms), "max {}", p.max_ms);
        assert_eq!(percentiles(&[]).count, 0);
    }
}
