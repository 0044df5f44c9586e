//! Everything that crosses a process boundary, and the frame codec that carries it.
//!
//! A frame is `[u32 BE length][u16 BE protocol version][postcard body]`, where `length`
//! counts the version and body. The length is checked against [`FRAME_BYTES_MAX`] before
//! a byte of the body is read, and the version before the body is decoded.

use crate::contact_point::ContactPointConfig;
use crate::event::Event;
use crate::limits::FRAME_BYTES_MAX;
use crate::request::{Art42, Inject, RequestId, RequestKind};
use crate::state::StateCode;
use crate::time::SimTime;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Bumped on any change to the types below.
pub const PROTOCOL_VERSION: u16 = 2;
/// Bytes before the body: length (4) and version (2).
pub const FRAME_HEADER_BYTES: usize = 6;
/// ALPN protocol name on every QUIC connection.
pub const ALPN: &[u8] = b"pocnet/1";

// ---------------------------------------------------------------- contact point to contact point

/// One message between contact points, stamped with scenario times.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub from: StateCode,
    pub to: StateCode,
    /// Per-sender sequence number: `(from, seq)` identifies the message for duplicate drops.
    pub seq: u64,
    pub sent_at: SimTime,
    /// `sent_at` + link delay; the receiver handles it at exactly this time.
    pub deliver_at: SimTime,
    pub message: Message,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Message {
    Request(Request),
    /// The receiving node has the request (automatic, at delivery): the requester stops
    /// resending. Not a person's acknowledgement.
    Receipt {
        id: RequestId,
    },
    /// A person at the receiving contact point has seen the request.
    Acknowledgement {
        id: RequestId,
    },
    Response {
        id: RequestId,
        response: Response,
    },
    /// The requester calls the receiver's duty officer about a request not yet answered.
    Escalation {
        id: RequestId,
    },
}

/// A request as sent by the requesting contact point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub id: RequestId,
    pub kind: RequestKind,
    pub language: String,
    /// When the investigators needed it (the inject time): latencies count from here.
    pub scheduled: SimTime,
    pub details: Art42,
    pub evidence_deleted_at: Option<SimTime>,
    /// States still to be revealed along the chain after this link (Art. 43).
    pub chain: Vec<StateCode>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    /// Executed; for an Art. 43 chain, the state whose provider the traffic data reveals.
    Fulfilled {
        reveals: Option<StateCode>,
    },
    /// The provider had deleted the data before preservation was executed.
    TooLate,
    Refused {
        ground: String,
    },
    /// Interim: handed to the central authority; a final response follows.
    Forwarded,
}

/// Frames on a node-to-node stream: the sender writes `Batch`, the receiver answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum PeerFrame {
    Batch {
        from: StateCode,
        envelopes: Vec<Envelope>,
    },
    /// Every envelope of the batch is queued at the receiver.
    Accepted {
        count: u32,
    },
    Rejected {
        reason: String,
    },
}

// ---------------------------------------------------------------- coordinator and nodes

/// One entry of the register of contact points, as the coordinator hands it out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterEntry {
    pub state: StateCode,
    pub name: String,
    pub tz: String,
    /// `host:port` of the contact point's QUIC endpoint.
    pub address: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ToNode {
    /// The node's configuration and the register; injects follow in `Injects` frames.
    Setup {
        config: Box<ContactPointConfig>,
        register: Vec<RegisterEntry>,
    },
    Injects(Vec<Inject>),
    /// All injects sent: answer `Ready`.
    SetupDone,
    /// Process every input due before `until`, deliver what it produces, answer `WindowDone`.
    Grant {
        until: SimTime,
    },
    /// The run is over: answer `Finished` and exit.
    Finish,
    /// `state`'s node died and was restarted on the same address: connections to its
    /// earlier life are dead (QUIC would notice only at its idle timeout), drop them.
    PeerRestarted {
        state: StateCode,
    },
    /// Drop every datagram to these peers beneath QUIC (a real partition) ...
    Cut {
        peers: Vec<StateCode>,
    },
    /// ... until this.
    Heal {
        peers: Vec<StateCode>,
    },
    /// A person's action or the end of the exercise, to run at `at` (never before this
    /// node's horizon: the coordinator stamps it at or after the last window it granted).
    Exercise {
        at: SimTime,
        input: crate::contact_point::ExerciseInput,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FromNode {
    /// `wall_clock_ms`: the node's real clock (Unix ms) when it sent this, so that the
    /// coordinator can report each host's clock offset in wall-clock runs.
    Hello {
        state: StateCode,
        listen: String,
        wall_clock_ms: i64,
    },
    Ready {
        next_event: Option<SimTime>,
    },
    /// Events of the current window; several frames may precede `WindowDone`.
    Events(Vec<Event>),
    WindowDone(WindowDone),
    Finished(TransportStats),
    /// The node cannot go on; it exits after sending this.
    Failed {
        reason: String,
    },
}

/// A node's answer to a grant: what the coordinator needs to place the next window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowDone {
    /// Earliest input still pending at this node (never before the granted `until`).
    pub next_event: Option<SimTime>,
    /// For each receiver of this window's messages, the earliest `deliver_at` sent to it.
    /// Every such message was queued at its receiver before this answer was sent.
    pub sent: Vec<(StateCode, SimTime)>,
    /// The window's events: all of them, or the last ones after `Events` frames when there
    /// are more than one frame holds (one control frame per window in the common case).
    pub events: Vec<Event>,
}

/// Real transport figures a node measured (wall clock; never part of the scenario report).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TransportStats {
    /// Batch round trips (write to `Accepted`), in microseconds; at most a bounded sample.
    pub batch_rtt_us: Vec<u64>,
    pub peers: Vec<PeerTransport>,
    /// Connections or streams refused: bad certificate, wrong claimed sender, bad frame.
    pub rejected: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PeerTransport {
    pub peer: StateCode,
    pub rtt_us: u64,
    pub udp_tx_bytes: u64,
    pub udp_rx_bytes: u64,
    pub lost_packets: u64,
    pub sent_packets: u64,
}

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
