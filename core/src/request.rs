//! What one state asks another: request kinds, the Art. 42 fields, and injects.

use crate::limits;
use crate::state::StateCode;
use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The kinds of assistance a 24/7 point of contact gives (Art. 41(3) of the UN Convention).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// Expedited preservation of stored data (Art. 42).
    Preservation,
    /// Partial disclosure of preserved traffic data (Art. 43).
    TrafficDisclosure,
    TechnicalAdvice,
    Evidence,
    LocateSuspect,
    /// Data to avert an emergency.
    Emergency,
    /// A communication check: a test message a person at the desk answers; nothing to
    /// execute. Pings are the scenario's `[ping_check]`, not cases.
    Ping,
}

impl RequestKind {
    pub const ALL: [RequestKind; 7] = [
        RequestKind::Preservation,
        RequestKind::TrafficDisclosure,
        RequestKind::TechnicalAdvice,
        RequestKind::Evidence,
        RequestKind::LocateSuspect,
        RequestKind::Emergency,
        RequestKind::Ping,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            RequestKind::Preservation => "preservation",
            RequestKind::TrafficDisclosure => "traffic_disclosure",
            RequestKind::TechnicalAdvice => "technical_advice",
            RequestKind::Evidence => "evidence",
            RequestKind::LocateSuspect => "locate_suspect",
            RequestKind::Emergency => "emergency",
            RequestKind::Ping => "ping",
        }
    }

    pub fn parse(s: &str) -> Option<RequestKind> {
        RequestKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether executing it secures stored data (preserves it, discloses preserved traffic
    /// data, produces evidence): executed before the data is deleted, it ends `preserved`.
    /// Advice, locating a suspect and an emergency's answer preserve nothing: executed in
    /// time they end `fulfilled`, whatever the scenario says of retention.
    pub fn secures_stored_data(&self) -> bool {
        match self {
            RequestKind::Preservation | RequestKind::TrafficDisclosure | RequestKind::Evidence => true,
            RequestKind::TechnicalAdvice | RequestKind::LocateSuspect | RequestKind::Emergency | RequestKind::Ping => {
                false
            }
        }
    }
}

impl fmt::Display for RequestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Identifies a request for the whole run: the case (one per inject) and the link in the
/// case's chain (0 for the inject itself).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RequestId {
    pub case: u32,
    pub link: u16,
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.link == 0 {
            write!(f, "C{}", self.case)
        } else {
            write!(f, "C{}.{}", self.case, self.link)
        }
    }
}

/// Text that is not a request id as [`RequestId`]'s `Display` writes it (its first 16
/// characters, to be repeated in a message).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a request id (C12, C12.1)")]
pub struct RequestIdError(pub String);

impl std::str::FromStr for RequestId {
    type Err = RequestIdError;

    /// `C12` (case 12, the inject) or `C12.1` (its first Art. 43 link), surrounding
    /// blanks ignored: the one parser of what `Display` writes.
    fn from_str(s: &str) -> Result<RequestId, RequestIdError> {
        let err = || RequestIdError(s.chars().take(16).collect());
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        let rest = s.trim().strip_prefix('C').ok_or_else(err)?;
        let (case, link) = rest.split_once('.').unwrap_or((rest, "0"));
        if !digits(case) || !digits(link) {
            return Err(err());
        }
        Ok(RequestId { case: case.parse().map_err(|_| err())?, link: link.parse().map_err(|_| err())? })
    }
}

/// What the requested contact point answers about a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    /// Executed; for an Art. 43 chain, the state whose provider the traffic data reveals.
    /// `lost`: classes of data already gone (a partial preservation).
    Fulfilled {
        reveals: Option<StateCode>,
        lost: Vec<DataClass>,
    },
    /// The provider had deleted the data before preservation was executed.
    TooLate,
    Refused {
        ground: String,
    },
    /// Interim: handed to the central authority; a final response follows.
    Forwarded,
    /// Refused: the receiver's verification could not confirm the requesting authority.
    Unverified,
}

/// The contents a preservation request must carry (Art. 42(2); Budapest Art. 29(2)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Art42 {
    /// (a) the authority seeking preservation.
    pub authority: String,
    /// (b) the offence and a brief summary of the facts.
    pub offence: String,
    /// (c) the stored data to preserve and its relationship to the offence.
    pub data: String,
    /// (d) what is known of the custodian or the location of the computer system.
    pub custodian: String,
    /// (e) why preservation is necessary.
    pub necessity: String,
    /// (f) that a request for mutual legal assistance will follow.
    pub mla_to_follow: bool,
    /// (g) whether the request must stay confidential (no notice to the user).
    pub confidential: bool,
}

impl Art42 {
    /// The one constructor: a request from `from`'s contact point about data held in `to`.
    /// Every field a scenario, a generated case, a ping or a person at the console leaves
    /// out takes its default here, once:
    /// - `authority`: `"{from} 24/7 point of contact"`;
    /// - `offence`: `"unauthorised access to a computer system"`;
    /// - `data`: `"subscriber and traffic data of the account used"`;
    /// - `custodian`: `"a service provider in {to}"`;
    /// - `necessity`: `"the provider deletes logs after a short retention"`;
    /// - `mla_to_follow`: `true`; `confidential`: `true`.
    ///
    /// There is no `Default`: the authority and the custodian name the two parties.
    pub fn new(from: StateCode, to: StateCode) -> Art42 {
        Art42 {
            authority: format!("{from} 24/7 point of contact"),
            offence: "unauthorised access to a computer system".into(),
            data: "subscriber and traffic data of the account used".into(),
            custodian: format!("a service provider in {to}"),
            necessity: "the provider deletes logs after a short retention".into(),
            mla_to_follow: true,
            confidential: true,
        }
    }

    /// Longest free-text field, for limit checks.
    pub fn longest_field_bytes(&self) -> usize {
        [&self.authority, &self.offence, &self.data, &self.custodian, &self.necessity]
            .iter()
            .map(|s| s.len())
            .max()
            .unwrap_or(0)
    }

    pub fn within_limits(&self) -> bool {
        self.longest_field_bytes() <= limits::TEXT_FIELD_BYTES_MAX
    }
}

/// A field of something a person typed (or a file gave) beyond its limit in
/// [`crate::limits`]: which field, how large it was, and the limit.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error("{field}: {bytes} bytes, longer than the {max} bytes it may hold")]
    TooLong { field: &'static str, bytes: usize, max: usize },
    #[error("{field}: {count} entries, more than the {max} it may hold")]
    TooMany { field: &'static str, count: usize, max: usize },
}

impl LimitError {
    /// The field beyond its limit.
    pub fn field(&self) -> &'static str {
        match self {
            LimitError::TooLong { field, .. } | LimitError::TooMany { field, .. } => field,
        }
    }

    /// The limit it is beyond (bytes or entries).
    pub fn max(&self) -> usize {
        match self {
            LimitError::TooLong { max, .. } | LimitError::TooMany { max, .. } => *max,
        }
    }
}

/// `Ok` when `text` holds at most `max` bytes.
pub fn check_len(field: &'static str, text: &str, max: usize) -> Result<(), LimitError> {
    if text.len() > max {
        return Err(LimitError::TooLong { field, bytes: text.len(), max });
    }
    Ok(())
}

impl Art42 {
    /// Every free-text field against [`limits::TEXT_FIELD_BYTES_MAX`], naming the first one
    /// beyond it.
    pub fn check_limits(&self) -> Result<(), LimitError> {
        let max = limits::TEXT_FIELD_BYTES_MAX;
        check_len("authority", &self.authority, max)?;
        check_len("offence", &self.offence, max)?;
        check_len("data", &self.data, max)?;
        check_len("custodian", &self.custodian, max)?;
        check_len("necessity", &self.necessity, max)
    }
}

impl Inject {
    /// The one constructor: at `at`, `from`'s investigators need `to` to act (`kind`).
    /// Everything else takes its default here, once:
    /// - `id`: case 0, link 0 (the scenario's loader numbers injects in time order, the
    ///   clock numbers a person's);
    /// - `language`: `"en"`;
    /// - `details`: [`Art42::new`]`(from, to)`;
    /// - `evidence_deleted_at`, `data_created_at`: `None` (no evidence window);
    /// - `chain`, `data`: empty (no Art. 43 chain, no classes of data);
    /// - `forged`: `false`;
    /// - `provider`: `None` (the data's holder is not named: only the 24/7 road).
    ///
    /// There is no `Default`: an inject names its parties, its kind and its time.
    pub fn new(at: SimTime, from: StateCode, to: StateCode, kind: RequestKind) -> Inject {
        Inject {
            id: RequestId { case: 0, link: 0 },
            at,
            from,
            to,
            kind,
            language: "en".into(),
            details: Art42::new(from, to),
            evidence_deleted_at: None,
            chain: Vec::new(),
            data: Vec::new(),
            data_created_at: None,
            forged: false,
            provider: None,
        }
    }

    /// Everything this inject carries onto the wire against its limit: what a receiver's
    /// `Envelope::check` would refuse is refused here, where the input enters.
    pub fn check_limits(&self) -> Result<(), LimitError> {
        check_len("language", &self.language, limits::LANGUAGE_BYTES_MAX)?;
        self.details.check_limits()?;
        if self.chain.len() > limits::CHAIN_LINKS_MAX {
            return Err(LimitError::TooMany { field: "chain", count: self.chain.len(), max: limits::CHAIN_LINKS_MAX });
        }
        if self.data.len() > limits::DATA_CLASSES_MAX {
            return Err(LimitError::TooMany { field: "data", count: self.data.len(), max: limits::DATA_CLASSES_MAX });
        }
        Ok(())
    }
}

/// The custodian of an Art. 43 chain's next link: a provider in `next`, which the traffic
/// data `by` preserved revealed. One wording, for the request and for people.
pub fn revealed_custodian(next: StateCode, by: StateCode) -> String {
    format!("a service provider in {next}, revealed by the traffic data {by} preserved")
}

/// A scenario event: at `at`, state `from`'s investigators need `to` to act.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Inject {
    pub id: RequestId,
    pub at: SimTime,
    pub from: StateCode,
    pub to: StateCode,
    pub kind: RequestKind,
    /// BCP 47 language tag of the request text (`en`, `fr`).
    pub language: String,
    pub details: Art42,
    /// When the provider deletes the data, whatever its class: preservation after this is
    /// too late. Overrides the holding states' retention.
    pub evidence_deleted_at: Option<SimTime>,
    /// Art. 43: the states whose providers preserving this data reveals, in order. The
    /// requester sends each a new preservation request when the previous link reveals it.
    pub chain: Vec<StateCode>,
    /// Classes of data asked for (each holding state's retention gives their deletion).
    pub data: Vec<DataClass>,
    /// When the data was created: the inject's time minus the data's age.
    pub data_created_at: Option<SimTime>,
    /// Sent over the genuine channel by someone with no authority (a compromised mailbox):
    /// only the receiver's verification can tell.
    pub forged: bool,
    /// The provider that holds the data (its `road::ProviderIndex` in the network's roads), when named:
    /// where an agreement covers it, the requester may order it directly.
    pub provider: Option<u8>,
}

/// A class of stored data a request asks for. Each has its own retention in the holding
/// state.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DataClass {
    /// Who holds an account: name, address, payment.
    Subscriber,
    /// Traffic data: IP logs, connection records.
    Traffic,
    /// Stored content: messages, files.
    Content,
    /// Data held by a cloud service, often elsewhere.
    Cloud,
    /// The data a request names without a class (a per-inject `retention` or deletion time).
    Stored,
}

impl DataClass {
    /// The classes a scenario may name (`Stored` is implied, never named).
    pub const NAMED: [DataClass; 4] = [DataClass::Subscriber, DataClass::Traffic, DataClass::Content, DataClass::Cloud];

    pub fn as_str(&self) -> &'static str {
        match self {
            DataClass::Subscriber => "subscriber",
            DataClass::Traffic => "traffic",
            DataClass::Content => "content",
            DataClass::Cloud => "cloud",
            DataClass::Stored => "stored",
        }
    }

    pub fn parse(s: &str) -> Option<DataClass> {
        DataClass::NAMED.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for DataClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::{RequestId, RequestIdError};

    #[test]
    fn request_ids_parse_as_display_writes_them() {
        for id in
            [RequestId { case: 12, link: 0 }, RequestId { case: 3, link: 2 }, RequestId { case: u32::MAX, link: 1 }]
        {
            assert_eq!(id.to_string().parse::<RequestId>(), Ok(id));
        }
        assert_eq!(" C7 ".parse::<RequestId>(), Ok(RequestId { case: 7, link: 0 }));
    }

    #[test]
    fn malformed_request_ids_are_refused_with_the_text() {
        for bad in ["12", "C", "C1.x", "C1.", "C.1", "c12", "C+1", "C1.2.3", "P3", "C99999999999", "C1.70000"] {
            assert_eq!(bad.parse::<RequestId>(), Err(RequestIdError(bad.to_string())), "{bad}");
        }
        let long = format!("C{}", "9".repeat(40));
        let said = long.parse::<RequestId>().map_err(|e| e.to_string());
        assert_eq!(said, Err("`C999999999999999` is not a request id (C12, C12.1)".to_string()));
    }
}
