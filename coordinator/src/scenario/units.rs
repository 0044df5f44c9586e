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

/// What a delay may be written as, for errors.
const DELAY_FORMS: &str = "`10m` (fixed), `5m..30m` (uniform), `median 10m p90 45m` (log-normal), \
`exponential mean 20m`, `gamma shape 2 mean 20m` or `empirical 5m 12m 40m` (or `empirical file NAME`)";

/// Largest file of durations an `empirical file` reads.
pub const DURATIONS_FILE_BYTES_MAX: u64 = 1 << 20;

/// Parses a delay distribution: `10m` (fixed), `5m..30m` (uniform), `median 10m p90 45m`
/// (log-normal), `exponential mean 20m`, `gamma shape 2 mean 20m`, `empirical 5m 12m 40m`.
/// `empirical file NAME` is refused here: see [`delay_in`].
pub fn delay(text: &str) -> Result<Delay, String> {
    delay_in(text, None)
}

/// Like [`delay`], reading `empirical file NAME` relative to `dir` (the scenario's folder).
pub fn delay_in(text: &str, dir: Option<&std::path::Path>) -> Result<Delay, String> {
    let s = text.trim();
    let d = if let Some(rest) = s.strip_prefix("median ") {
        let (median, p90) = rest
            .split_once(" p90 ")
            .ok_or_else(|| format!("`{text}` is not a delay: expected `median 10m p90 45m`"))?;
        Delay::LogNormal { median_ms: duration_ms(median)?, p90_ms: duration_ms(p90)? }
    } else if let Some(rest) = s.strip_prefix("exponential ") {
        let mean = rest
            .trim()
            .strip_prefix("mean ")
            .ok_or_else(|| format!("`{text}` is not a delay: expected `exponential mean 20m`"))?;
        Delay::Exponential { mean_ms: duration_ms(mean)? }
    } else if let Some(rest) = s.strip_prefix("gamma ") {
        gamma(text, rest)?
    } else if let Some(rest) = s.strip_prefix("empirical ") {
        empirical(text, rest, dir)?
    } else if let Some((a, b)) = s.split_once("..") {
        Delay::Uniform { min_ms: duration_ms(a)?, max_ms: duration_ms(b)? }
    } else {
        Delay::Fixed { ms: duration_ms(s).map_err(|_| format!("`{text}` is not a delay: expected {DELAY_FORMS}"))? }
    };
    d.validate().map_err(|e| format!("`{text}`: {e}"))?;
    Ok(d)
}

/// `gamma shape 2.5 mean 20m`.
fn gamma(text: &str, rest: &str) -> Result<Delay, String> {
    let err = || format!("`{text}` is not a delay: expected `gamma shape 2 mean 20m` (shape a positive number)");
    let (shape, mean) = rest.trim().strip_prefix("shape ").and_then(|r| r.split_once(" mean ")).ok_or_else(err)?;
    let shape: f64 = shape.trim().parse().map_err(|_| err())?;
    Ok(Delay::Gamma { shape, mean_ms: duration_ms(mean)? })
}

/// `empirical 5m 12m 40m` (spaces or commas), or `empirical file NAME`: one duration a
/// line, `#` comments and blank lines skipped.
fn empirical(text: &str, rest: &str, dir: Option<&std::path::Path>) -> Result<Delay, String> {
    let rest = rest.trim();
    if let Some(name) = rest.strip_prefix("file ") {
        let dir = dir.ok_or_else(|| format!("`{text}`: a file of durations is read only from a scenario file"))?;
        return empirical_file(&dir.join(name.trim()));
    }
    let mut samples_ms = Vec::new();
    for word in rest.split([' ', ',']).filter(|w| !w.is_empty()) {
        if samples_ms.len() == pocnet_core::limits::EMPIRICAL_SAMPLES_MAX {
            return Err(format!("`{text}`: more than {} durations", pocnet_core::limits::EMPIRICAL_SAMPLES_MAX));
        }
        samples_ms.push(duration_ms(word)?);
    }
    Ok(Delay::Empirical { samples_ms })
}

/// Reads a file of durations, bounded in size and count; errors name `file:line`.
fn empirical_file(path: &std::path::Path) -> Result<Delay, String> {
    use std::io::Read;
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("{shown}: {e}"))?;
    let mut text = String::new();
    file.take(DURATIONS_FILE_BYTES_MAX + 1).read_to_string(&mut text).map_err(|e| format!("{shown}: {e}"))?;
    if text.len() as u64 > DURATIONS_FILE_BYTES_MAX {
        return Err(format!("{shown}: larger than {DURATIONS_FILE_BYTES_MAX} bytes"));
    }
    let mut samples_ms = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if samples_ms.len() == pocnet_core::limits::EMPIRICAL_SAMPLES_MAX {
            return Err(format!(
                "{shown}:{}: more than {} durations",
                i + 1,
                pocnet_core::limits::EMPIRICAL_SAMPLES_MAX
            ));
        }
        samples_ms.push(duration_ms(line).map_err(|e| format!("{shown}:{}: {e}", i + 1))?);
    }
    Ok(Delay::Empirical { samples_ms })
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
        assert_eq!(delay("exponential mean 20m"), Ok(Delay::Exponential { mean_ms: 1_200_000 }));
        assert_eq!(delay("gamma shape 2.5 mean 1h"), Ok(Delay::Gamma { shape: 2.5, mean_ms: 3_600_000 }));
        assert_eq!(
            delay("empirical 5m, 10m 1h"),
            Ok(Delay::Empirical { samples_ms: vec![300_000, 600_000, 3_600_000] })
        );
        assert!(delay("gamma shape -1 mean 1h").is_err());
        assert!(delay("gamma shape NaN mean 1h").is_err());
        assert!(delay("exponential mean 0s").is_err());
        assert!(delay("empirical ").is_err());
        assert!(delay("empirical file x.txt").is_err());
    }

    #[test]
    fn a_file_of_durations_is_read_with_located_errors() {
        let dir = std::env::temp_dir().join(format!("pocnet-units-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("d.txt"), "# observed\n5m\n\n1h # long\n").expect("write");
        assert_eq!(
            delay_in("empirical file d.txt", Some(&dir)),
            Ok(Delay::Empirical { samples_ms: vec![300_000, 3_600_000] })
        );
        std::fs::write(dir.join("bad.txt"), "5m\n7 minutes\n").expect("write");
        let e = delay_in("empirical file bad.txt", Some(&dir)).expect_err("bad line");
        assert!(e.contains("bad.txt:2:"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
