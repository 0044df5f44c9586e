//! Length-prefixed, versioned frames on QUIC streams (the codec itself is in pocnet-core).

use pocnet_core::wire::{decode_body, decode_header, encode_frame, DecodeError, EncodeError, FRAME_HEADER_BYTES};
use serde::de::DeserializeOwned;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("cannot encode frame: {0}")]
    Encode(#[from] EncodeError),
    #[error("bad frame: {0}")]
    Decode(#[from] DecodeError),
    #[error("stream ended inside a frame ({0} bytes short)")]
    Truncated(usize),
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

/// Reads one frame; `Ok(None)` when the stream ended cleanly before its first byte.
pub async fn read_frame<T: DeserializeOwned>(recv: &mut quinn::RecvStream) -> Result<Option<T>, FrameError> {
    let mut header = [0u8; FRAME_HEADER_BYTES];
    match recv.read_exact(&mut header).await {
        Ok(()) => {}
        Err(quinn::ReadExactError::FinishedEarly(0)) => return Ok(None),
        Err(quinn::ReadExactError::FinishedEarly(n)) => return Err(FrameError::Truncated(FRAME_HEADER_BYTES - n)),
        Err(quinn::ReadExactError::ReadError(e)) => return Err(e.into()),
    }
    let body_len = decode_header(&header)?;
    let mut body = vec![0u8; body_len];
    match recv.read_exact(&mut body).await {
        Ok(()) => {}
        Err(quinn::ReadExactError::FinishedEarly(n)) => return Err(FrameError::Truncated(body_len - n)),
        Err(quinn::ReadExactError::ReadError(e)) => return Err(e.into()),
    }
    Ok(Some(decode_body(&body)?))
}
