//! A UDP socket beneath QUIC that drops a share of outgoing datagrams, delays them, and
//! cuts destinations off (a partition), so that tests and exercises run QUIC's own
//! recovery for real instead of bypassing it. The report does not change: scenario time
//! never depends on transport timing.

use quinn::udp::{RecvMeta, Transmit};
use quinn::{AsyncUdpSocket, UdpPoller};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;
use std::io::{self, IoSliceMut};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

#[derive(Debug)]
pub struct LossySocket {
    inner: Arc<dyn AsyncUdpSocket>,
    loss: f64,
    delay: std::time::Duration,
    rng: Mutex<ChaCha8Rng>,
    /// Destinations cut off: every datagram to them is dropped.
    cut: Mutex<BTreeSet<SocketAddr>>,
}

impl LossySocket {
    /// Drops each outgoing transmit with probability `loss` (drawn from `seed`) and delays
    /// the others by `delay`.
    pub fn new(inner: Arc<dyn AsyncUdpSocket>, loss: f64, delay: std::time::Duration, seed: u64) -> LossySocket {
        assert!((0.0..1.0).contains(&loss), "loss outside [0, 1)");
        LossySocket {
            inner,
            loss,
            delay,
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
            cut: Mutex::new(BTreeSet::new()),
        }
    }

    /// Cuts `peers` off (every datagram to them is dropped) or, with `false`, heals.
    pub fn set_cut(&self, peers: &[SocketAddr], cut: bool) {
        if let Ok(mut set) = self.cut.lock() {
            for p in peers {
                if cut {
                    set.insert(*p);
                } else {
                    set.remove(p);
                }
            }
        }
    }
}

impl AsyncUdpSocket for LossySocket {
    fn create_io_poller(self: Arc<Self>) -> Pin<Box<dyn UdpPoller>> {
        self.inner.clone().create_io_poller()
    }

    fn try_send(&self, transmit: &Transmit) -> io::Result<()> {
        let cut = self.cut.lock().map(|set| set.contains(&transmit.destination)).unwrap_or(false);
        let lost = self.loss > 0.0 && self.rng.lock().map(|mut r| r.random::<f64>() < self.loss).unwrap_or(false);
        if cut || lost {
            // As if sent and lost on the way: QUIC finds out by itself.
            return Ok(());
        }
        if self.delay.is_zero() {
            return self.inner.try_send(transmit);
        }
        // Delayed: sent later from a task, as a slower link would deliver it.
        let (inner, delay) = (self.inner.clone(), self.delay);
        let (destination, ecn, src_ip, segment_size) =
            (transmit.destination, transmit.ecn, transmit.src_ip, transmit.segment_size);
        let contents = transmit.contents.to_vec();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let t = Transmit { destination, ecn, contents: &contents, segment_size, src_ip };
            for _ in 0..100 {
                match inner.try_send(&t) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        tokio::time::sleep(std::time::Duration::from_millis(1)).await
                    }
                    _ => return,
                }
            }
        });
        Ok(())
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
