//! The client side of a node: deliver a window's envelopes to one peer, in batches cut by
//! count and by bytes, say when the last one is written, and return when the peer has
//! queued all of them.
//!
//! A peer that is down (killed, restarting) is tried again with back-off on the same
//! address until `DELIVERY_DEADLINE`; a batch sent twice is harmless, the receiver keeps
//! one copy. A rejection says whether to send again (rate limit, full inbox: after the
//! time it names) or not (anything else: the delivery fails, and with it the node).

use crate::framing::{read_frame_within, write_frame};
use crate::refusals::{record, SharedRefusals};
use pocnet_core::limits::{BATCH_BYTES_MAX, BATCH_ENVELOPES_MAX, STREAM_READ_TIMEOUT_MS};
use pocnet_core::wire::{Envelope, PeerFrame, RefusalKind, Rejection};
use pocnet_core::StateCode;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// How long a delivery keeps trying a peer that does not answer (it may be restarting).
pub const DELIVERY_DEADLINE: Duration = Duration::from_secs(60);
/// One batch exchange on loopback takes milliseconds; a connection to a peer that died
/// looks alive until QUIC's idle timeout, so an exchange that takes this long is retried
/// on a fresh connection.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(3);
/// How long to wait for a peer's handshake.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A window's envelopes for one peer.
pub struct Outgoing {
    pub from: StateCode,
    pub to: StateCode,
    pub addr: SocketAddr,
    pub envelopes: Vec<Envelope>,
    /// Told once every batch is written (the first time: a batch sent again is not).
    pub written: Option<oneshot::Sender<()>>,
}

pub struct Delivery {
    pub connection: quinn::Connection,
    pub rtt_us: Vec<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("{to} at {addr} unreachable for {DELIVERY_DEADLINE:?}: {last}")]
    Unreachable { to: StateCode, addr: SocketAddr, last: String },
    #[error("{to} refused a batch: {reason}")]
    Refused { to: StateCode, reason: Rejection },
    #[error("{to} answered a batch with {answer}")]
    Unexpected { to: StateCode, answer: String },
    #[error("an envelope for {to} alone exceeds the batch limit of {BATCH_BYTES_MAX} bytes")]
    EnvelopeTooLarge { to: StateCode },
}

/// `envelopes` cut into batches of at most `BATCH_ENVELOPES_MAX` envelopes and
/// `BATCH_BYTES_MAX` encoded bytes, in order.
pub fn batches(envelopes: Vec<Envelope>) -> Result<Vec<Vec<Envelope>>, usize> {
    let mut out: Vec<Vec<Envelope>> = Vec::new();
    let mut bytes = 0usize;
    for (i, envelope) in envelopes.into_iter().enumerate() {
        let size = postcard::experimental::serialized_size(&envelope).map_err(|_| i)?;
        if size > BATCH_BYTES_MAX {
            return Err(i);
        }
        let fits = out.last().is_some_and(|b| b.len() < BATCH_ENVELOPES_MAX && bytes + size <= BATCH_BYTES_MAX);
        if !fits {
            out.push(Vec::new());
            bytes = 0;
        }
        bytes += size;
        if let Some(batch) = out.last_mut() {
            batch.push(envelope);
        }
    }
    Ok(out)
}

enum Attempt {
    /// Try again (on a fresh connection) after the back-off.
    Retry(String),
    /// The peer asked to be sent the same again after this long.
    RetryAfter(Duration),
    Fail(DeliveryError),
}

/// A fresh connection to `to` at `addr`; a handshake the peer's TLS refused is counted.
async fn connect(
    endpoint: &quinn::Endpoint,
    addr: SocketAddr,
    to: StateCode,
    refusals: &SharedRefusals,
) -> Result<quinn::Connection, Attempt> {
    let connecting = endpoint
        .connect(addr, &to.certificate_name())
        .map_err(|e| Attempt::Retry(format!("connect to {addr}: {e}")))?;
    match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => {
            if crate::tls::is_tls_refusal(&e) {
                record(refusals, RefusalKind::OutgoingHandshake, to.as_str(), &e);
            }
            Err(Attempt::Retry(format!("handshake with {addr}: {e}")))
        }
        Err(_) => Err(Attempt::Retry(format!("no handshake from {addr} within {CONNECT_TIMEOUT:?}"))),
    }
}

/// Sends one batch on its own stream (telling `written`, if given, once it is written) and
/// reads the peer's answer: accepted whole, or rejected (counted; sent again later if the
/// reason says so).
async fn send_batch(
    conn: &quinn::Connection,
    from: StateCode,
    to: StateCode,
    chunk: &[Envelope],
    (refusals, written): (&SharedRefusals, Option<&mut Option<oneshot::Sender<()>>>),
) -> Result<(), Attempt> {
    let retry = |e: &dyn std::fmt::Display| Attempt::Retry(e.to_string());
    let (mut send, mut recv) = conn.open_bi().await.map_err(|e| retry(&e))?;
    let batch = PeerFrame::Batch { from, envelopes: chunk.to_vec() };
    write_frame(&mut send, &batch).await.map_err(|e| retry(&e))?;
    send.finish().map_err(|e| retry(&e))?;
    if let Some(told) = written.and_then(Option::take) {
        let _ = told.send(());
    }
    let answer = read_frame_within::<PeerFrame>(&mut recv, Duration::from_millis(STREAM_READ_TIMEOUT_MS))
        .await
        .map_err(|e| retry(&e))?;
    match answer {
        Some(PeerFrame::Accepted { count }) if count as usize == chunk.len() => Ok(()),
        Some(PeerFrame::Rejected { reason }) => {
            record(refusals, RefusalKind::RejectedByPeer(reason.clone()), to.as_str(), &reason);
            Err(match reason.retry_after_ms() {
                Some(ms) => Attempt::RetryAfter(Duration::from_millis(u64::from(ms.max(1)))),
                None => Attempt::Fail(DeliveryError::Refused { to, reason }),
            })
        }
        None => Err(Attempt::Retry("the peer closed the stream without an answer".into())),
        Some(other) => Err(Attempt::Fail(DeliveryError::Unexpected { to, answer: format!("{other:?}") })),
    }
}

/// Sends `outgoing`'s envelopes to its peer; returns when the peer has queued all of them.
pub async fn deliver(
    endpoint: quinn::Endpoint,
    cached: Option<quinn::Connection>,
    outgoing: Outgoing,
    refusals: SharedRefusals,
) -> Result<Delivery, DeliveryError> {
    let Outgoing { from, to, addr, envelopes, mut written } = outgoing;
    let chunks = batches(envelopes).map_err(|_| DeliveryError::EnvelopeTooLarge { to })?;
    let deadline = Instant::now() + DELIVERY_DEADLINE;
    let mut connection = cached.filter(|c| c.close_reason().is_none());
    let mut backoff = Duration::from_millis(20);
    let mut rtt_us = Vec::new();
    let mut next_chunk = 0;
    loop {
        let attempt = async {
            let conn = match connection.clone() {
                Some(c) => c,
                None => {
                    let c = connect(&endpoint, addr, to, &refusals).await?;
                    connection = Some(c.clone());
                    c
                }
            };
            while let Some(chunk) = chunks.get(next_chunk) {
                let started = Instant::now();
                let last = (next_chunk + 1 == chunks.len()).then_some(&mut written);
                send_batch(&conn, from, to, chunk, (&refusals, last)).await?;
                rtt_us.push(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX));
                next_chunk += 1;
            }
            Ok(conn)
        };
        let outcome = match tokio::time::timeout(EXCHANGE_TIMEOUT, attempt).await {
            Ok(outcome) => outcome,
            Err(_) => Err(Attempt::Retry(format!("no answer from {to} within {EXCHANGE_TIMEOUT:?}"))),
        };
        let wait = match outcome {
            Ok(conn) => return Ok(Delivery { connection: conn, rtt_us }),
            Err(Attempt::Fail(e)) => return Err(e),
            Err(Attempt::RetryAfter(wait)) => wait,
            Err(Attempt::Retry(last)) => {
                if Instant::now() + backoff > deadline {
                    return Err(DeliveryError::Unreachable { to, addr, last });
                }
                tracing::info!("delivery to {to} failed ({last}); retrying in {backoff:?}");
                connection = None;
                let wait = backoff;
                backoff = (backoff * 2).min(Duration::from_secs(1));
                wait
            }
        };
        if Instant::now() + wait > deadline {
            return Err(DeliveryError::Unreachable {
                to,
                addr,
                last: format!("still refused after {DELIVERY_DEADLINE:?}"),
            });
        }
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pocnet_core::limits::{ENVELOPE_BYTES_MAX, TEXT_FIELD_BYTES_MAX};
    use pocnet_core::wire::{Message, Request};
    use pocnet_core::{Art42, RequestId, RequestKind, SimTime};

    fn big(seq: u64) -> Envelope {
        let t = "x".repeat(TEXT_FIELD_BYTES_MAX);
        Envelope {
            from: StateCode::parse("FRA").expect("code"),
            to: StateCode::parse("VNM").expect("code"),
            seq,
            sent_at: SimTime(0),
            deliver_at: SimTime(1),
            message: Message::Request(Box::new(Request {
                id: RequestId { case: 1, link: 0 },
                kind: RequestKind::Preservation,
                language: "en".into(),
                scheduled: SimTime(0),
                details: Art42 {
                    authority: t.clone(),
                    offence: t.clone(),
                    data: t.clone(),
                    custodian: t.clone(),
                    necessity: t,
                    mla_to_follow: true,
                    confidential: true,
                },
                evidence_deleted_at: None,
                chain: vec![],
                data: vec![],
                data_created_at: None,
                forged: false,
            })),
        }
    }

    #[test]
    fn a_full_window_of_the_largest_requests_is_cut_into_batches_that_fit_a_frame() {
        let envelopes: Vec<Envelope> = (0..BATCH_ENVELOPES_MAX as u64).map(big).collect();
        let batches = batches(envelopes).expect("every envelope fits");
        assert!(batches.len() > 1, "512 requests of 10 KB do not fit one frame");
        assert_eq!(batches.iter().map(Vec::len).sum::<usize>(), BATCH_ENVELOPES_MAX);
        for b in &batches {
            let frame = PeerFrame::Batch { from: b[0].from, envelopes: b.clone() };
            let bytes = pocnet_core::wire::encode_frame(&frame).expect("a batch fits a frame");
            assert!(bytes.len() <= pocnet_core::limits::FRAME_BYTES_MAX);
        }
        assert!(postcard::experimental::serialized_size(&big(0)).expect("size") <= ENVELOPE_BYTES_MAX);
    }
}
