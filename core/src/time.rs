//! Scenario time: one UTC clock for the whole run, and its rendering in local time.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A point in scenario time: milliseconds since the Unix epoch, UTC.
///
/// Virtual or scaled wall time alike; the core never looks at a real clock.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SimTime(pub i64);

pub const MS_PER_SECOND: i64 = 1_000;
pub const MS_PER_MINUTE: i64 = 60 * MS_PER_SECOND;
pub const MS_PER_HOUR: i64 = 60 * MS_PER_MINUTE;
pub const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;

/// Weekday names, Monday first: the one table every report, roster and page uses.
pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

impl SimTime {
    pub fn from_timestamp(ts: jiff::Timestamp) -> SimTime {
        SimTime(ts.as_millisecond())
    }

    /// The same instant as a jiff timestamp. Out-of-range instants clamp to jiff's range,
    /// which spans years -9999..=9999 and so every scenario that validates.
    pub fn timestamp(self) -> jiff::Timestamp {
        jiff::Timestamp::from_millisecond(self.0).unwrap_or(if self.0 < 0 {
            jiff::Timestamp::MIN
        } else {
            jiff::Timestamp::MAX
        })
    }

    /// `self + ms`, saturating: delays are bounded by `limits::DELAY_MS_MAX`.
    pub fn plus_ms(self, ms: u64) -> SimTime {
        SimTime(self.0.saturating_add(i64::try_from(ms).unwrap_or(i64::MAX)))
    }

    /// Milliseconds from `earlier` to `self` (0 if `earlier` is later).
    pub fn since(self, earlier: SimTime) -> u64 {
        u64::try_from(self.0.saturating_sub(earlier.0)).unwrap_or(0)
    }

    /// Local wall time in `tz`, for people: `2025-11-03 09:15 Mon +07:00`.
    pub fn local(self, tz: &jiff::tz::TimeZone) -> String {
        let zoned = self.timestamp().to_zoned(tz.clone());
        zoned.strftime("%Y-%m-%d %H:%M %a %:z").to_string()
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // RFC 3339 in UTC, to the second when the milliseconds are zero.
        let ts = self.timestamp();
        if self.0 % MS_PER_SECOND == 0 {
            write!(f, "{}", ts.strftime("%Y-%m-%dT%H:%M:%SZ"))
        } else {
            write!(f, "{}", ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"))
        }
    }
}

/// A duration in milliseconds as people read it: `45s`, `12m`, `3h05m`, `2d04h`.
pub fn format_duration_ms(ms: u64) -> String {
    let ms = i64::try_from(ms).unwrap_or(i64::MAX);
    if ms < MS_PER_SECOND {
        return format!("{ms}ms");
    }
    if ms < MS_PER_MINUTE {
        return format!("{}s", ms / MS_PER_SECOND);
    }
    if ms < MS_PER_HOUR {
        return format!("{}m", ms / MS_PER_MINUTE);
    }
    if ms < MS_PER_DAY {
        return format!("{}h{:02}m", ms / MS_PER_HOUR, (ms % MS_PER_HOUR) / MS_PER_MINUTE);
    }
    format!("{}d{:02}h", ms / MS_PER_DAY, (ms % MS_PER_DAY) / MS_PER_HOUR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(format_duration_ms(500), "500ms");
        assert_eq!(format_duration_ms(45_000), "45s");
        assert_eq!(format_duration_ms(12 * 60_000), "12m");
        assert_eq!(format_duration_ms(3 * 3_600_000 + 5 * 60_000), "3h05m");
        assert_eq!(format_duration_ms(2 * 86_400_000 + 4 * 3_600_000), "2d04h");
    }

    #[test]
    fn local_time_names_the_offset() {
        let tz = crate::tzdb::zone("Asia/Ho_Chi_Minh").expect("bundled tzdb");
        let t = SimTime(1_762_128_000_000); // 2025-11-03T00:00:00Z
        assert_eq!(t.local(&tz), "2025-11-03 07:00 Mon +07:00");
        assert_eq!(t.to_string(), "2025-11-03T00:00:00Z");
    }
}
