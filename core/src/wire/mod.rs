//! Everything that crosses a process boundary, and the frame codec that carries it.
//!
//! - [`peer`]: node to node (batches of envelopes and their answers);
//! - [`control`]: coordinator and node (setup, grants, window reports).
//!
//! A frame is `[u32 BE length][u16 BE protocol version][postcard body]`, where `length`
//! counts the version and body. The length is checked against [`FRAME_BYTES_MAX`] before
//! a byte of the body is read, and the version before the body is decoded.
//!
//! [`PROTOCOL_VERSION`] names the shape of every type in both protocols (and of a node's
//! journal records): `core/tests/fuzz_frames.rs` keeps golden frames of every kind for
//! every version, and fails when a type changes without a new version.

pub mod control;
pub mod peer;

pub use crate::limits::{FRAME_BYTES_MAX, FRAME_HEADER_BYTES};
pub use control::*;
pub use peer::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Bumped on any change to a type of [`peer`], [`control`] or a node's journal.
pub const PROTOCOL_VERSION: u16 = 8;
/// ALPN protocol name on every QUIC connection.
pub const ALPN: &[u8] = b"pocnet/1";

// ---------------------------------------------------------------- frame codec

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EncodeError {
    #[error("frame of {bytes} bytes exceeds the limit of {max} bytes", max = FRAME_BYTES_MAX)]
    TooLarge { bytes: usize },
    #[error("cannot encode: {0}")]
    Serialize(String),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("frame length {length} exceeds the limit of {max} bytes", max = FRAME_BYTES_MAX)]
    TooLarge { length: usize },
    #[error("frame truncated: {have} of {need} bytes")]
    Truncated { have: usize, need: usize },
    #[error("frame length {length} is too short to hold a protocol version")]
    TooShort { length: usize },
    #[error("protocol version {got} is not supported (this build speaks version {supported})")]
    UnsupportedVersion { got: u16, supported: u16 },
    #[error("malformed body: {reason}")]
    Malformed { reason: String },
    #[error("{trailing} bytes after the end of the message")]
    TrailingBytes { trailing: usize },
}

/// Encodes one frame.
pub fn encode_frame<T: Serialize>(message: &T) -> Result<Vec<u8>, EncodeError> {
    let mut out = vec![0u8; FRAME_HEADER_BYTES];
    out = postcard::to_extend(message, out).map_err(|e| EncodeError::Serialize(e.to_string()))?;
    if out.len() > FRAME_BYTES_MAX {
        return Err(EncodeError::TooLarge { bytes: out.len() });
    }
    let length = u32::try_from(out.len() - 4).map_err(|_| EncodeError::TooLarge { bytes: out.len() })?;
    out[0..4].copy_from_slice(&length.to_be_bytes());
    out[4..6].copy_from_slice(&PROTOCOL_VERSION.to_be_bytes());
    Ok(out)
}

/// Reads a frame header; returns how many body bytes follow it.
pub fn decode_header(header: &[u8; FRAME_HEADER_BYTES]) -> Result<usize, DecodeError> {
    let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
    if length + 4 > FRAME_BYTES_MAX {
        return Err(DecodeError::TooLarge { length });
    }
    if length < 2 {
        return Err(DecodeError::TooShort { length });
    }
    let version = u16::from_be_bytes([header[4], header[5]]);
    if version != PROTOCOL_VERSION {
        return Err(DecodeError::UnsupportedVersion { got: version, supported: PROTOCOL_VERSION });
    }
    Ok(length - 2)
}

/// Decodes a frame body (the bytes after the header), rejecting trailing bytes.
pub fn decode_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, DecodeError> {
    let (value, rest) =
        postcard::take_from_bytes::<T>(body).map_err(|e| DecodeError::Malformed { reason: e.to_string() })?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes { trailing: rest.len() });
    }
    Ok(value)
}

/// Decodes one whole frame from the front of `bytes`; returns it and the bytes it used.
pub fn decode_frame<T: DeserializeOwned>(bytes: &[u8]) -> Result<(T, usize), DecodeError> {
    let header: &[u8; FRAME_HEADER_BYTES] = bytes
        .get(..FRAME_HEADER_BYTES)
        .and_then(|h| h.try_into().ok())
        .ok_or(DecodeError::Truncated { have: bytes.len(), need: FRAME_HEADER_BYTES })?;
    let body_len = decode_header(header)?;
    let end = FRAME_HEADER_BYTES + body_len;
    let body = bytes.get(FRAME_HEADER_BYTES..end).ok_or(DecodeError::Truncated { have: bytes.len(), need: end })?;
    Ok((decode_body(body)?, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::RequestId;
    use crate::state::StateCode;
    use crate::time::SimTime;

    fn sample() -> PeerFrame {
        PeerFrame::Batch {
            from: StateCode::parse("VNM").expect("code"),
            envelopes: vec![Envelope {
                from: StateCode::parse("VNM").expect("code"),
                to: StateCode::parse("FRA").expect("code"),
                seq: 7,
                sent_at: SimTime(1_000),
                deliver_at: SimTime(1_250),
                message: Message::Acknowledgement { id: RequestId { case: 3, link: 0 } },
            }],
        }
    }

    #[test]
    fn frames_round_trip() {
        let bytes = encode_frame(&sample()).expect("encodes");
        let (back, used) = decode_frame::<PeerFrame>(&bytes).expect("decodes");
        assert_eq!(back, sample());
        assert_eq!(used, bytes.len());
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let bytes = encode_frame(&sample()).expect("encodes");
        for cut in 0..bytes.len() {
            assert!(decode_frame::<PeerFrame>(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn oversized_length_is_rejected_before_the_body() {
        let mut header = [0u8; FRAME_HEADER_BYTES];
        header[..4].copy_from_slice(&(2u32 << 20).to_be_bytes());
        assert!(matches!(decode_header(&header), Err(DecodeError::TooLarge { .. })));
    }

    #[test]
    fn future_protocol_version_is_named() {
        let mut bytes = encode_frame(&sample()).expect("encodes");
        bytes[4..6].copy_from_slice(&(PROTOCOL_VERSION + 1).to_be_bytes());
        assert_eq!(
            decode_frame::<PeerFrame>(&bytes).map(|_| ()),
            Err(DecodeError::UnsupportedVersion { got: PROTOCOL_VERSION + 1, supported: PROTOCOL_VERSION })
        );
    }

    #[test]
    fn garbage_bodies_are_malformed() {
        let mut state = 0x1234_5678_u32;
        for len in 0..300usize {
            let mut body = Vec::with_capacity(len);
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                body.push(state as u8);
            }
            let _ = decode_body::<PeerFrame>(&body); // must not panic
            let _ = decode_body::<ToNode>(&body);
        }
    }
}

/// The size bounds of `limits` hold for the largest value of each type the model allows.
#[cfg(test)]
mod size_bounds {
    use super::*;
    use crate::config::ContactPointConfig;
    use crate::desk::{Officers, QueueOrder};
    use crate::event::{Event, EventKind};
    use crate::evidence::{DataClass, HoldRule, MlaPolicy, MlaResult, Notice, Retention};
    use crate::limits::*;
    use crate::network::{Fault, LinkRule, NetworkModel, Side};
    use crate::profile::{CentralAuthority, Delay, DelaysByMode, KindDelays, Profile, RequesterPolicy};
    use crate::request::{Art42, Inject, RequestId, RequestKind, Response};
    use crate::roster::{Mode, RosterSpec, Shift, WorkWeek};
    use crate::state::StateCode;
    use crate::time::SimTime;

    fn code(i: usize) -> StateCode {
        let b = |n: usize| char::from(b'A' + (n % 26) as u8);
        StateCode::parse(&format!("{}{}{}", b(i / 676), b(i / 26), b(i))).expect("code")
    }

    fn text(n: usize) -> String {
        "é".repeat(n / 2)
    }

    fn body_len<T: serde::Serialize>(value: &T) -> usize {
        encode_frame(value).map(|f| f.len() - FRAME_HEADER_BYTES).unwrap_or(usize::MAX)
    }

    fn art42() -> Art42 {
        let t = text(TEXT_FIELD_BYTES_MAX);
        Art42 {
            authority: t.clone(),
            offence: t.clone(),
            data: t.clone(),
            custodian: t.clone(),
            necessity: t,
            mla_to_follow: true,
            confidential: true,
        }
    }

    fn request() -> Request {
        Request {
            id: RequestId { case: u32::MAX, link: u16::MAX },
            kind: RequestKind::TrafficDisclosure,
            language: "x".repeat(LANGUAGE_BYTES_MAX),
            scheduled: SimTime(i64::MIN),
            details: art42(),
            evidence_deleted_at: Some(SimTime(i64::MIN)),
            chain: (0..CHAIN_LINKS_MAX).map(code).collect(),
            data: vec![DataClass::Stored; DATA_CLASSES_MAX],
            data_created_at: Some(SimTime(i64::MIN)),
            forged: true,
        }
    }

    fn envelope() -> Envelope {
        Envelope {
            from: code(1),
            to: code(2),
            seq: u64::MAX,
            sent_at: SimTime(i64::MIN),
            deliver_at: SimTime(i64::MAX),
            message: Message::Request(Box::new(request())),
        }
    }

    fn roster() -> RosterSpec {
        RosterSpec {
            tz: "x".repeat(TZ_NAME_BYTES_MAX),
            workweek: WorkWeek::ALL_DAYS,
            shifts: vec![Shift { start_minute: 1439, end_minute: 1440 }; SHIFTS_PER_DAY_MAX],
            always_staffed: false,
            off_hours: Mode::OnCall,
            holidays: vec!["2025-12-31".parse().expect("date"); HOLIDAYS_MAX],
        }
    }

    fn delay() -> Delay {
        Delay::LogNormal { median_ms: u64::MAX, p90_ms: u64::MAX }
    }

    #[test]
    fn the_largest_envelope_inject_and_event_are_within_their_bounds() {
        assert!(body_len(&envelope()) <= ENVELOPE_BYTES_MAX, "{}", body_len(&envelope()));
        let inject = Inject {
            id: RequestId { case: u32::MAX, link: u16::MAX },
            at: SimTime(i64::MIN),
            from: code(1),
            to: code(2),
            kind: RequestKind::Emergency,
            language: "x".repeat(LANGUAGE_BYTES_MAX),
            details: art42(),
            evidence_deleted_at: Some(SimTime(i64::MIN)),
            chain: (0..CHAIN_LINKS_MAX).map(code).collect(),
            data: vec![DataClass::Stored; DATA_CLASSES_MAX],
            data_created_at: Some(SimTime(i64::MIN)),
            forged: true,
            provider: Some(u8::MAX),
        };
        assert!(body_len(&inject) <= INJECT_BYTES_MAX, "{}", body_len(&inject));
        let event = Event {
            at: SimTime(i64::MIN),
            state: code(1),
            id: RequestId { case: u32::MAX, link: u16::MAX },
            kind: EventKind::LateResponse { response: Response::Refused { ground: text(TEXT_FIELD_BYTES_MAX) } },
        };
        assert!(body_len(&event) <= EVENT_BYTES_MAX, "{}", body_len(&event));
        for kind in [
            EventKind::MlaAnswered { result: MlaResult::Refused { ground: text(TEXT_FIELD_BYTES_MAX) } },
            EventKind::Withdrawn {
                to: code(3),
                notice: Notice::WillNotEnsureAvailability { gone: vec![DataClass::Stored; DATA_CLASSES_MAX] },
            },
            EventKind::LateResponse {
                response: Response::Fulfilled {
                    reveals: Some(code(3)),
                    lost: vec![DataClass::Stored; DATA_CLASSES_MAX],
                },
            },
        ] {
            let e = Event { kind, ..event.clone() };
            assert!(body_len(&e) <= EVENT_BYTES_MAX, "{}", body_len(&e));
        }
        let frame =
            PeerFrame::Batch { from: code(1), envelopes: vec![envelope(); BATCH_BYTES_MAX / ENVELOPE_BYTES_MAX] };
        assert!(body_len(&frame) <= FRAME_BYTES_MAX - FRAME_HEADER_BYTES);
        let events = FromNode::Events(vec![event; EVENT_FRAME_EVENTS_MAX]);
        assert!(body_len(&events) <= FRAME_BYTES_MAX - FRAME_HEADER_BYTES);
    }

    /// A profile with every list at its most and every text at its longest.
    fn largest_profile() -> Profile {
        let by_mode = DelaysByMode { staffed: delay(), on_call: delay() };
        let kinds = RequestKind::ALL
            .iter()
            .map(|k| (*k, KindDelays { acknowledge: Some(by_mode.clone()), fulfil: Some(by_mode.clone()) }))
            .collect();
        Profile {
            acknowledge: by_mode.clone(),
            fulfil: by_mode,
            kinds,
            languages: vec!["x".repeat(LANGUAGE_BYTES_MAX); LANGUAGES_MAX],
            translation: delay(),
            refuse_probability: 0.5,
            refusal_ground: text(TEXT_FIELD_BYTES_MAX),
            central_authority: Some(CentralAuthority {
                roster: roster(),
                delay: delay(),
                kinds: RequestKind::ALL.to_vec(),
                officers: None,
            }),
            requester: RequesterPolicy {
                resend_after_ms: Some(u64::MAX),
                resends_max: u32::MAX,
                escalate_after_ms: Some(u64::MAX),
                give_up_after_ms: u64::MAX,
            },
            on_call_kinds: Some(RequestKind::ALL.to_vec()),
            retention: Retention {
                days: DataClass::NAMED.iter().chain([&DataClass::Stored]).map(|c| (*c, u32::MAX)).collect(),
            },
            hold: HoldRule { days: u32::MAX, renewable: true },
            officers: Some(Officers { staffed: u16::MAX, on_call: u16::MAX }),
            queue_order: QueueOrder::EmergencyThenDeadline,
            translators: Some(Officers { staffed: u16::MAX, on_call: u16::MAX }),
            verify: Some(crate::profile::Verification {
                kinds: RequestKind::ALL.to_vec(),
                how: crate::profile::VerifyHow::Supervisor,
                time: delay(),
                on_call: true,
                catches: 0.5,
            }),
            shift_end: crate::desk::ShiftEnd::HandOver { cost_ms: u64::MAX },
            mla: Some(MlaPolicy {
                kinds: RequestKind::ALL.to_vec(),
                direct_kinds: RequestKind::ALL.to_vec(),
                roster: roster(),
                drafting: delay(),
                translation: delay(),
                transmission: delay(),
                queue: delay(),
                execution: delay(),
                refuse_probability: 0.5,
                refusal_grounds: vec![text(TEXT_FIELD_BYTES_MAX); REFUSAL_GROUNDS_MAX],
                pursue_probability: 0.5,
                confidentiality_notice_probability: 0.5,
                withdraw_on_confidentiality_probability: 0.5,
                officers: Some(Officers { staffed: u16::MAX, on_call: u16::MAX }),
            }),
        }
    }

    /// A network model with every list at its most, over all the states there may be.
    fn largest_network(all: &[StateCode]) -> NetworkModel {
        let region = || Side::Region("x".repeat(NAME_BYTES_MAX));
        NetworkModel {
            link_delay_ms: u64::MAX,
            links: vec![LinkRule { a: region(), b: region(), delay_ms: u64::MAX, loss: 0.5 }; LINK_RULES_MAX],
            faults: vec![
                Fault::Partition {
                    a: all.to_vec(),
                    b: all.to_vec(),
                    from: SimTime(i64::MIN),
                    until: SimTime(i64::MIN)
                };
                FAULTS_MAX
            ],
            regions: all.iter().map(|c| (*c, "x".repeat(NAME_BYTES_MAX))).collect(),
            languages: all.iter().map(|c| (*c, vec!["x".repeat(LANGUAGE_BYTES_MAX); LANGUAGES_MAX])).collect(),
            hubs: vec![
                crate::network::Hub {
                    hub: code(0),
                    members: all.to_vec(),
                    covers: roster(),
                    executes: RequestKind::ALL.to_vec(),
                    officers: Some(Officers { staffed: u16::MAX, on_call: u16::MAX }),
                };
                HUBS_MAX
            ],
            fallbacks: vec![
                crate::network::Fallback { name: "x".repeat(NAME_BYTES_MAX), delay_ms: u64::MAX };
                crate::limits::FALLBACKS_MAX
            ],
            roads: largest_roads(all),
        }
    }

    /// Roads with every list at its most.
    fn largest_roads(all: &[StateCode]) -> crate::road::Roads {
        use crate::road::{Agreement, Instrument, Provider, Review, Roads, Terms};
        let delay = crate::delay::Delay::Fixed { ms: u64::MAX };
        let provider = Provider {
            name: "x".repeat(NAME_BYTES_MAX),
            home: code(0),
            roster: roster(),
            officers: Some(Officers { staffed: u16::MAX, on_call: u16::MAX }),
            work: delay.clone(),
            emergency_work: delay,
            shift_end: crate::desk::ShiftEnd::HandOver { cost_ms: u64::MAX },
        };
        let terms = Terms {
            deadline_ms: u64::MAX,
            emergency_deadline_ms: u64::MAX,
            review: Some(Review { ms: u64::MAX, classes: DataClass::NAMED.to_vec(), refuse_probability: 0.5 }),
            kinds: RequestKind::ALL.to_vec(),
            classes: DataClass::NAMED.to_vec(),
        };
        let agreement = Agreement {
            name: "x".repeat(NAME_BYTES_MAX),
            instrument: Instrument::SecondProtocolArt7,
            parties: all.to_vec(),
            terms,
        };
        Roads {
            providers: vec![provider; crate::limits::ROADS_MAX],
            agreements: vec![agreement; crate::limits::ROADS_MAX],
            direct_share: 0.5,
        }
    }

    #[test]
    fn the_largest_setup_is_within_its_bound() {
        let all: Vec<StateCode> = (0..STATES_MAX).map(code).collect();
        let setup = ToNode::Setup {
            run: RunId([0xff; 16]),
            config: Box::new(ContactPointConfig {
                state: code(1),
                seed: u64::MAX,
                roster: roster(),
                profile: largest_profile(),
                network: largest_network(&all),
                operated: true,
            }),
            register: all
                .iter()
                .map(|c| RegisterEntry {
                    state: *c,
                    name: "x".repeat(NAME_BYTES_MAX),
                    tz: "x".repeat(TZ_NAME_BYTES_MAX),
                    address: "x".repeat(ADDRESS_BYTES_MAX),
                })
                .collect(),
        };
        assert!(body_len(&setup) <= SETUP_BYTES_MAX, "{} > {SETUP_BYTES_MAX}", body_len(&setup));
    }
}
