//! A UDP socket beneath QUIC that drops a share of outgoing datagrams, so that tests and
//! exercises run QUIC's own loss recovery for real instead of bypassing it. In virtual
//! mode the report does not change: scenario time never depends on transport timing.

use quinn::udp::{RecvMeta, Transmit};
use quinn::{AsyncUdpSocket, UdpPoller};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::{self, IoSliceMut};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

#[derive(Debug)]
pub struct LossySocket {
    inner: Arc<dyn AsyncUdpSocket>,
    loss: f64,
    rng: Mutex<ChaCha8Rng>,
    dropped: AtomicU64,
}

impl LossySocket {
    /// Drops each outgoing transmit with probability `loss`, drawn from `seed`.
    pub fn new(inner: Arc<dyn AsyncUdpSocket>, loss: f64, seed: u64) -> LossySocket {
        assert!((0.0..1.0).contains(&loss), "loss outside [0, 1)");
        LossySocket { inner, loss, rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)), dropped: AtomicU64::new(0) }
    }

    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl AsyncUdpSocket for LossySocket {
    fn create_io_poller(self: Arc<Self>) -> Pin<Box<dyn UdpPoller>> {
        self.inner.clone().create_io_poller()
    }

    fn try_send(&self, transmit: &Transmit) -> io::Result<()> {
        let drop = self.rng.lock().map(|mut r| r.random::<f64>() < self.loss).unwrap_or(false);
        if drop {
            // As if sent and lost on the way: QUIC finds out by itself.
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        self.inner.try_send(transmit)
    }

    fn poll_recv(
        &self,
        cx: &mut Context,
        bufs: &mut [IoSliceMut<'_>],
        meta: &mut [RecvMeta],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_recv(cx, bufs, meta)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    fn max_transmit_segments(&self) -> usize {
        self.inner.max_transmit_segments()
    }

    fn max_receive_segments(&self) -> usize {
        self.inner.max_receive_segments()
    }

    fn may_fragment(&self) -> bool {
        self.inner.may_fragment()
    }
}
