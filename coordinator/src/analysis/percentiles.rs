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

/// Quantiles (each in [0, 1]) of signed values, exact (nearest rank, as HdrHistogram
/// reads its buckets): for margins, one per MLA request, where a shifted histogram's 0.1%
/// of a year would blur days.
pub fn signed_quantiles(values: &[i64], quantiles: &[f64]) -> Vec<i64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    quantiles
        .iter()
        .map(|q| {
            if sorted.is_empty() {
                return 0;
            }
            let rank = (q.clamp(0.0, 1.0) * sorted.len() as f64).ceil() as usize;
            sorted[rank.clamp(1, sorted.len()) - 1]
        })
        .collect()
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

    #[test]
    fn signed_quantiles_of_known_values() {
        // -50 days to +49 days, one value a day.
        let day = 86_400_000_i64;
        let values: Vec<i64> = (-50..50).map(|d| d * day).collect();
        let q = signed_quantiles(&values, &[0.05, 0.5]);
        // Nearest rank: the 5th of 100 values and the 50th.
        assert_eq!(q, vec![-46 * day, -day]);
        assert_eq!(signed_quantiles(&[], &[0.5]), vec![0]);
    }
}
