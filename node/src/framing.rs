//! Length-prefixed, versioned frames on QUIC streams (the codec itself is in pocnet-core).
//!
//! A body is read as it arrives, never allocated from the length it announces: a peer that
//! announces a mebibyte and sends ten bytes holds ten bytes of this node's memory, for at
//! most the read's time limit.

use pocnet_core::wire::{decode_body, decode_header, encode_frame, DecodeError, EncodeError, FRAME_HEADER_BYTES};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("cannot encode frame: {0}")]
    Encode(#[from] EncodeError),
    #[error("bad frame: {0}")]
    Decode(#[from] DecodeError),
    #[error("stream ended inside a frame ({0} bytes short)")]
    Truncated(usize),
    #[error("no whole frame within {0:?}")]
    Timeout(Duration),
    #[error("read failed: {0}")]
    Read(#[from] quinn::ReadError),
    #[error("write failed: {0}")]
    Write(#[from] quinn::WriteError),
}

pub async fn write_frame<T: Serialize>(send: &mut quinn::SendStream, message: &T) -> Result<(), FrameError> {
    let bytes = encode_frame(message)?;
    send.write_all(&bytes).await?;
    Ok(())
}

/// Bytes read from a stream at a time.
const READ_CHUNK_BYTES: usize = 16 * 1024;

/// Reads one frame; `Ok(None)` when the stream ended cleanly before its first byte. For a
/// long-lived stream (the control stream): frames may be far apart, but once a frame's
/// first byte has come, the rest must follow within `body_within`.
pub async fn read_frame_parted<T: DeserializeOwned>(
    recv: &mut quinn::RecvStream,
    body_within: Duration,
) -> Result<Option<T>, FrameError> {
    let mut header = [0u8; FRAME_HEADER_BYTES];
    let first = match recv.read(&mut header).await? {
        None => return Ok(None),
        Some(n) => n,
    };
    tokio::time::timeout(body_within, rest_of_frame(recv, header, first))
        .await
        .map_err(|_| FrameError::Timeout(body_within))?
}

/// Reads one frame whole within `within` (a peer's batch: one frame per stream).
pub async fn read_frame_within<T: DeserializeOwned>(
    recv: &mut quinn::RecvStream,
    within: Duration,
) -> Result<Option<T>, FrameError> {
    tokio::time::timeout(within, read_frame(recv)).await.map_err(|_| FrameError::Timeout(within))?
}

/// Reads one frame, however long it takes; `Ok(None)` when the stream ended cleanly first.
pub async fn read_frame<T: DeserializeOwned>(recv: &mut quinn::RecvStream) -> Result<Option<T>, FrameError> {
    let mut header = [0u8; FRAME_HEADER_BYTES];
    match recv.read(&mut header).await? {
        None => Ok(None),
        Some(n) => rest_of_frame(recv, header, n).await,
    }
}

async fn rest_of_frame<T: DeserializeOwned>(
    recv: &mut quinn::RecvStream,
    mut header: [u8; FRAME_HEADER_BYTES],
    mut have: usize,
) -> Result<Option<T>, FrameError> {
    while have < FRAME_HEADER_BYTES {
        match recv.read(&mut header[have..]).await? {
            Some(n) => have += n,
            None => return Err(FrameError::Truncated(FRAME_HEADER_BYTES - have)),
        }
    }
    let body_len = decode_header(&header)?;
    let mut body = Vec::with_capacity(body_len.min(4 * READ_CHUNK_BYTES));
    let mut chunk = [0u8; READ_CHUNK_BYTES];
    while body.len() < body_len {
        let want = (body_len - body.len()).min(READ_CHUNK_BYTES);
        match recv.read(&mut chunk[..want]).await? {
            Some(n) => body.extend_from_slice(&chunk[..n]),
            None => return Err(FrameError::Truncated(body_len - body.len())),
        }
    }
    Ok(Some(decode_body(&body)?))
}
