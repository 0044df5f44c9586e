//! A state party, by its ISO 3166 alpha-3 code.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// ISO 3166-1 alpha-3 code of a state party (`VNM`): three ASCII capital letters.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StateCode([u8; 3]);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a state code: expected three capital letters (ISO 3166 alpha-3, like VNM)")]
pub struct StateCodeError(pub String);

impl StateCode {
    pub fn parse(s: &str) -> Result<StateCode, StateCodeError> {
        match s.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_uppercase()) => Ok(StateCode([*a, *b, *c])),
            _ => Err(StateCodeError(s.chars().take(16).collect())),
        }
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII capitals are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// The DNS name a certificate carries for this state: `vnm.state.pocnet`.
    pub fn certificate_name(&self) -> String {
        format!("{}.state.pocnet", self.as_str().to_ascii_lowercase())
    }

    /// Stable 64-bit key for seeding per-state random streams.
    pub fn key(&self) -> u64 {
        u64::from(self.0[0]) << 16 | u64::from(self.0[1]) << 8 | u64::from(self.0[2])
    }
}

impl fmt::Display for StateCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for StateCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for StateCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StateCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        StateCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_three_capitals_make_a_state_code() {
        assert!(StateCode::parse("VNM").is_ok());
        assert!(StateCode::parse("vnm").is_err());
        assert!(StateCode::parse("VN").is_err());
        assert!(StateCode::parse("VNMX").is_err());
        assert!(StateCode::parse("V1M").is_err());
        assert_eq!(StateCode::parse("FRA").map(|c| c.certificate_name()), Ok("fra.state.pocnet".into()));
    }
}
