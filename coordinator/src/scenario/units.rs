//! Durations and delay distributions as scenario files write them.

use pocnet_core::Delay;

/// Parses `200ms`, `45s`, `10m`, `2h`, `7d`, `1w`, or sums like `1h30m`.
pub fn duration_ms(text: &str) -> Result<u64, String> {
    let err =
        || format!("`{text}` is not a duration: expected a number and a unit (ms, s, m, h, d, w), like 45m or 1h30m");
    let s = text.trim();
    if s.is_empty() {
        return Err(err());
    }
    let mut total: u64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.find(|ch: char| !ch.is_ascii_digit()).ok_or_else(err)?;
        if digits == 0 {
            return Err(err());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| err())?;
        rest = &rest[digits..];
        let unit_len = rest.find(|ch: char| ch.is_ascii_digit()).unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 7 * 86_400_000,
            _ => return Err(err()),
        };
        rest = &rest[unit_len..];
        total = n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(err)?;
    }
    Ok(total)
}

/// Parses a delay distribution: `10m` (fixed), `5m..30m` (uniform), `median 10m p90 45m`
/// (log-normal).
pub fn delay(text: &str) -> Result<Delay, String> {
    let s = text.trim();
    let d = if let Some(rest) = s.strip_prefix("median ") {
        let (median, p90) = rest
            .split_once(" p90 ")
            .ok_or_else(|| format!("`{text}` is not a delay: expected `median 10m p90 45m`"))?;
        Delay::LogNormal { median_ms: duration_ms(median)?, p90_ms: duration_ms(p90)? }
    } else if let Some((a, b)) = s.split_once("..") {
        Delay::Uniform { min_ms: duration_ms(a)?, max_ms: duration_ms(b)? }
    } else {
        Delay::Fixed {
            ms: duration_ms(s).map_err(|_| {
                format!("`{text}` is not a delay: expected `10m` (fixed), `5m..30m` (uniform) or `median 10m p90 45m` (log-normal)")
            })?,
        }
    };
    d.validate().map_err(|e| format!("`{text}`: {e}"))?;
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_delays_parse() {
        assert_eq!(duration_ms("1h30m"), Ok(5_400_000));
        assert_eq!(duration_ms("200ms"), Ok(200));
        assert!(duration_ms("10 minutes").is_err());
        assert!(duration_ms("").is_err());
        assert_eq!(delay("5m..30m"), Ok(Delay::Uniform { min_ms: 300_000, max_ms: 1_800_000 }));
        assert_eq!(delay("median 10m p90 45m"), Ok(Delay::LogNormal { median_ms: 600_000, p90_ms: 2_700_000 }));
        assert!(delay("median 45m p90 10m").is_err());
    }
}
