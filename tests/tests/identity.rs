//! A node accepts messages only from peers whose certificate, issued by the network's CA,
//! names the state the message claims to come from. Real `pocnet-node` process, real QUIC.

use pocnet_core::wire::{
    Envelope, FromNode, Message, PeerFrame, RefusalKind, RegisterEntry, Rejection, RunId, ToNode, TransportStats,
    PROTOCOL_VERSION,
};
use pocnet_core::{
    ContactPointConfig, Delay, DelaysByMode, Mode, NetworkModel, Profile, RequestId, RosterSpec, SimTime, StateCode,
    WorkWeek,
};
use pocnet_node::framing::{read_frame, write_frame};
use pocnet_node::pki::{write_private, write_public, CertificateAuthority, Validity};
use pocnet_node::tls::{Credentials, Identity};
use pocnet_tests::{binaries, scratch};
use std::net::SocketAddr;
use std::time::Duration;

fn code(s: &str) -> StateCode {
    StateCode::parse(s).expect("state code")
}

fn config() -> ContactPointConfig {
    let fixed = Delay::Fixed { ms: 60_000 };
    ContactPointConfig {
        state: code("VNM"),
        seed: 1,
        roster: RosterSpec {
            tz: "Asia/Ho_Chi_Minh".into(),
            workweek: WorkWeek::ALL_DAYS,
            shifts: vec![],
            always_staffed: true,
            off_hours: Mode::Closed,
            holidays: vec![],
        },
        profile: Profile {
            acknowledge: DelaysByMode { staffed: fixed.clone(), on_call: fixed.clone() },
            fulfil: DelaysByMode { staffed: fixed.clone(), on_call: fixed },
            kinds: Default::default(),
            languages: vec![],
            translation: Delay::Fixed { ms: 0 },
            refuse_probability: 0.0,
            refusal_ground: String::new(),
            central_authority: None,
            requester: pocnet_core::profile::RequesterPolicy::patient(86_400_000),
            on_call_kinds: None,
            retention: Default::default(),
            hold: Default::default(),
            mla: None,
            officers: None,
            queue_order: pocnet_core::QueueOrder::EmergencyThenDeadline,
            translators: None,
            verify: None,
            shift_end: pocnet_core::ShiftEnd::NextOpening,
        },
        network: NetworkModel::new(250),
        operated: false,
    }
}

fn envelope(from: &str) -> Envelope {
    Envelope {
        from: code(from),
        to: code("VNM"),
        seq: 1,
        sent_at: SimTime(1_000_000),
        deliver_at: SimTime(1_000_250),
        message: Message::Acknowledgement { id: RequestId { case: 1, link: 0 } },
    }
}

/// Reads the node's control frames up to its `Finished`: before it, the `Queued` report of
/// every batch the node accepted. Returns the transport report and the envelopes reported
/// queued, as (sender, seq).
async fn finished(recv: &mut quinn::RecvStream) -> (TransportStats, Vec<(StateCode, u64)>) {
    let mut queued = Vec::new();
    loop {
        match read_frame::<FromNode>(recv).await.expect("a control frame") {
            Some(FromNode::Queued { from, seqs }) => queued.extend(seqs.into_iter().map(|seq| (from, seq))),
            Some(FromNode::Finished(stats)) => return (stats, queued),
            other => panic!("expected Queued or Finished, got {other:?}"),
        }
    }
}

/// Connects to the node as `credentials` and sends one raw frame; returns the answer, or
/// the error that stopped the exchange.
async fn exchange(credentials: &Credentials, node: SocketAddr, frame: Vec<u8>) -> Result<Option<PeerFrame>, String> {
    let endpoint = credentials.endpoint("127.0.0.1:0".parse().expect("addr")).map_err(|e| e.to_string())?;
    let conn = endpoint
        .connect(node, &code("VNM").certificate_name())
        .map_err(|e| e.to_string())?
        .await
        .map_err(|e| e.to_string())?;
    let (mut send, mut recv) = conn.open_bi().await.map_err(|e| e.to_string())?;
    send.write_all(&frame).await.map_err(|e| e.to_string())?;
    send.finish().map_err(|e| e.to_string())?;
    let answer = tokio::time::timeout(Duration::from_secs(10), read_frame::<PeerFrame>(&mut recv))
        .await
        .map_err(|_| "no answer".to_string())?
        .map_err(|e| e.to_string());
    endpoint.close(0u32.into(), b"");
    answer
}

fn batch(from: &str, envelopes: Vec<Envelope>) -> Vec<u8> {
    pocnet_core::wire::encode_frame(&PeerFrame::Batch { from: code(from), envelopes }).expect("encode")
}

fn issue(ca: &CertificateAuthority, state: &str, trust: &CertificateAuthority) -> Credentials {
    let c = ca.issue(Identity::State(code(state)), Validity::RUN).expect("issue");
    Credentials::from_pem(c.cert_pem.as_bytes(), c.key_pem.as_bytes(), trust.cert_pem().as_bytes())
        .expect("credentials")
}

/// A real node process for VNM, set up by this test playing the coordinator.
struct TestNode {
    network: CertificateAuthority,
    node: tokio::process::Child,
    send: quinn::SendStream,
    recv: quinn::RecvStream,
    listen: SocketAddr,
    _coordinator: quinn::Endpoint,
}

async fn start_node(name: &str, extra: &[&str]) -> TestNode {
    let dir = scratch(name);
    let network = CertificateAuthority::new("network CA").expect("CA");
    let own = network.issue(Identity::Coordinator, Validity::RUN).expect("issue");
    let coordinator =
        Credentials::from_pem(own.cert_pem.as_bytes(), own.key_pem.as_bytes(), network.cert_pem().as_bytes())
            .expect("credentials")
            .endpoint("127.0.0.1:0".parse().expect("addr"))
            .expect("endpoint");
    let vnm = network.issue(Identity::State(code("VNM")), Validity::RUN).expect("issue");
    let (cert, key, ca) = (dir.join("vnm.pem"), dir.join("vnm.key"), dir.join("ca.pem"));
    write_public(&cert, &vnm.cert_pem).expect("write");
    write_private(&key, &vnm.key_pem).expect("write");
    write_public(&ca, network.cert_pem()).expect("write");
    let node = tokio::process::Command::new(&binaries().node)
        .arg("--state")
        .arg("VNM")
        .arg("--coordinator")
        .arg(coordinator.local_addr().expect("addr").to_string())
        .arg("--cert")
        .arg(&cert)
        .arg("--key")
        .arg(&key)
        .arg("--ca")
        .arg(&ca)
        .args(extra)
        .kill_on_drop(true)
        .spawn()
        .expect("start pocnet-node");
    let conn =
        tokio::time::timeout(Duration::from_secs(20), async { coordinator.accept().await.expect("incoming").await })
            .await
            .expect("node registers in time")
            .expect("handshake");
    let (mut send, mut recv) = conn.accept_bi().await.expect("control stream");
    let Some(FromNode::Hello { state, listen, .. }) = read_frame(&mut recv).await.expect("hello") else {
        panic!("no hello")
    };
    assert_eq!(state, code("VNM"));
    let listen: SocketAddr = listen.parse().expect("listen address");
    // The run's register: VNM and two peers (USA is not in it).
    let entry = |state: &str, address: String| RegisterEntry {
        state: code(state),
        name: state.into(),
        tz: "UTC".into(),
        address,
    };
    let register =
        vec![entry("VNM", listen.to_string()), entry("FRA", "127.0.0.1:9".into()), entry("BRA", "127.0.0.1:9".into())];
    let setup = ToNode::Setup { run: RunId([1; 16]), config: Box::new(config()), register };
    write_frame(&mut send, &setup).await.expect("setup");
    write_frame(&mut send, &ToNode::SetupDone).await.expect("setup done");
    assert!(matches!(read_frame(&mut recv).await.expect("ready"), Some(FromNode::Ready { .. })));
    TestNode { network, node, send, recv, listen, _coordinator: coordinator }
}

/// Steps 1 and 1b: a certificate from another CA, and one from the right CA that expired
/// yesterday: the handshake fails, nothing is accepted.
async fn foreign_and_expired_certificates_are_refused(network: &CertificateAuthority, listen: SocketAddr) {
    let foreign = CertificateAuthority::new("foreign CA").expect("CA");
    // 1. A certificate from another CA: the handshake fails, nothing is accepted.
    let outsider = issue(&foreign, "FRA", network);
    let answer = exchange(&outsider, listen, batch("FRA", vec![envelope("FRA")])).await;
    assert!(!matches!(answer, Ok(Some(PeerFrame::Accepted { .. }))), "foreign CA accepted: {answer:?}");
    // 1b. A certificate from the right CA that expired yesterday.
    let stale = network
        .issue(Identity::State(code("FRA")), Validity { not_before_secs: -2 * 86_400, not_after_secs: -86_400 })
        .expect("issue");
    let expired =
        Credentials::from_pem(stale.cert_pem.as_bytes(), stale.key_pem.as_bytes(), network.cert_pem().as_bytes())
            .expect("creds");
    let answer = exchange(&expired, listen, batch("FRA", vec![envelope("FRA")])).await;
    assert!(!matches!(answer, Ok(Some(PeerFrame::Accepted { .. }))), "expired certificate accepted: {answer:?}");
}

/// Steps 2 and 3: a genuine FRA certificate claiming to send for BRA, and a genuine FRA batch
/// carrying an envelope that claims BRA.
async fn claims_for_another_state_are_rejected(fra: &Credentials, listen: SocketAddr) {
    // 2. A genuine FRA certificate claiming to send for BRA.
    let answer = exchange(fra, listen, batch("BRA", vec![envelope("BRA")])).await;
    assert!(
        matches!(&answer, Ok(Some(PeerFrame::Rejected { reason: Rejection::WrongSender { certified, .. } })) if certified.as_str() == "FRA"),
        "{answer:?}"
    );

    // 3. A genuine FRA batch carrying an envelope that claims BRA.
    let answer = exchange(fra, listen, batch("FRA", vec![envelope("BRA")])).await;
    assert!(
        matches!(&answer, Ok(Some(PeerFrame::Rejected { reason: Rejection::WrongSender { claimed, .. } })) if claimed.as_str() == "BRA"),
        "{answer:?}"
    );
}

/// Step 4: frames that are too large, from a future version, or garbage.
async fn bad_frames_are_rejected(fra: &Credentials, listen: SocketAddr) {
    let mut huge = Vec::from(((2u32 << 20) + 2).to_be_bytes());
    huge.extend_from_slice(&PROTOCOL_VERSION.to_be_bytes());
    let answer = exchange(fra, listen, huge).await;
    assert!(matches!(&answer, Ok(Some(PeerFrame::Rejected { reason: Rejection::BadFrame }))), "{answer:?}");
    let mut future = batch("FRA", vec![envelope("FRA")]);
    future[4..6].copy_from_slice(&(PROTOCOL_VERSION + 1).to_be_bytes());
    let answer = exchange(fra, listen, future).await;
    assert!(matches!(&answer, Ok(Some(PeerFrame::Rejected { reason: Rejection::BadFrame }))), "{answer:?}");
    let mut garbage = vec![0, 0, 0, 40, 0, 1];
    garbage.extend((0u8..38).map(|i| i.wrapping_mul(97)));
    let answer = exchange(fra, listen, garbage).await;
    assert!(matches!(&answer, Ok(Some(PeerFrame::Rejected { .. }))), "{answer:?}");

    // A mebibyte of garbage: its "length" is whatever its first bytes say.
    let mut state = 0x9E37_79B9u32;
    let noise: Vec<u8> = (0..(1usize << 20))
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect();
    let answer = exchange(fra, listen, noise).await;
    assert!(!matches!(answer, Ok(Some(PeerFrame::Accepted { .. }))), "{answer:?}");
}

/// Step 5: a certificate of the run's CA for a state outside the register (a PKI made for a
/// larger register, reused), and a coordinator's certificate: refused at connection.
async fn outsiders_are_refused_at_connection(network: &CertificateAuthority, listen: SocketAddr) {
    let usa = issue(network, "USA", network);
    let answer = exchange(&usa, listen, batch("USA", vec![envelope("USA")])).await;
    assert!(!matches!(answer, Ok(Some(PeerFrame::Accepted { .. }))), "a state outside the register: {answer:?}");
    let coordinator_cert = network.issue(Identity::Coordinator, Validity::RUN).expect("issue");
    let as_coordinator = Credentials::from_pem(
        coordinator_cert.cert_pem.as_bytes(),
        coordinator_cert.key_pem.as_bytes(),
        network.cert_pem().as_bytes(),
    )
    .expect("creds");
    let answer = exchange(&as_coordinator, listen, batch("FRA", vec![envelope("FRA")])).await;
    assert!(!matches!(answer, Ok(Some(PeerFrame::Accepted { .. }))), "a coordinator as a peer: {answer:?}");
}

/// Each refusal above, counted by kind in the node's transport report.
fn every_refusal_is_counted(stats: &TransportStats) {
    let count = |want: &dyn Fn(&RefusalKind) -> bool| -> u64 {
        stats.refusals.iter().filter(|r| want(&r.kind)).map(|r| r.count).sum()
    };
    assert_eq!(count(&|k| *k == RefusalKind::Handshake), 2, "{:#?}", stats.refusals);
    assert!(stats.refusals.iter().any(|r| r.first.contains("expired")), "{:#?}", stats.refusals);
    let wrong_sender = |k: &RefusalKind| matches!(k, RefusalKind::BatchRejected(Rejection::WrongSender { .. }));
    assert_eq!(count(&wrong_sender), 2, "{:#?}", stats.refusals);
    assert!(count(&|k| *k == RefusalKind::BatchRejected(Rejection::BadFrame)) >= 3, "{:#?}", stats.refusals);
    assert_eq!(count(&|k| *k == RefusalKind::NotInRegister), 1, "{:#?}", stats.refusals);
    assert_eq!(count(&|k| *k == RefusalKind::WrongRole), 1, "{:#?}", stats.refusals);
    assert_eq!(total_refusals(stats), count(&|_| true));
}

#[tokio::test(flavor = "current_thread")]
async fn node_refuses_foreign_ca_wrong_claims_and_bad_frames_and_keeps_serving() {
    let TestNode { network, mut node, mut send, mut recv, listen, _coordinator } = start_node("identity", &[]).await;
    foreign_and_expired_certificates_are_refused(&network, listen).await;
    let fra = issue(&network, "FRA", &network);
    claims_for_another_state_are_rejected(&fra, listen).await;
    bad_frames_are_rejected(&fra, listen).await;
    outsiders_are_refused_at_connection(&network, listen).await;

    // 6. The node still serves an honest peer.
    let answer = exchange(&fra, listen, batch("FRA", vec![envelope("FRA")])).await;
    assert!(matches!(answer, Ok(Some(PeerFrame::Accepted { count: 1 }))), "{answer:?}");

    // Every refusal is counted in the node's transport report, and it exits cleanly; the
    // coordinator was told of the one batch it queued, nothing of those it refused.
    write_frame(&mut send, &ToNode::Finish).await.expect("finish");
    let (stats, queued) = finished(&mut recv).await;
    assert_eq!(queued, vec![(code("FRA"), 1)]);
    every_refusal_is_counted(&stats);
    let status = tokio::time::timeout(Duration::from_secs(10), node.wait()).await.expect("node exits").expect("status");
    assert!(status.success());
}

#[tokio::test(flavor = "current_thread")]
async fn a_flooding_peer_is_rate_limited_and_let_in_again_later() {
    let TestNode { network, mut node, mut send, mut recv, listen, _coordinator } =
        start_node("rate-limit", &["--peer-batches-per-second", "1"]).await;
    let fra = issue(&network, "FRA", &network);
    let mut accepted = 0;
    let mut limited = 0;
    for seq in 0..15u64 {
        let mut e = envelope("FRA");
        e.seq = seq;
        match exchange(&fra, listen, batch("FRA", vec![e])).await {
            Ok(Some(PeerFrame::Accepted { .. })) => accepted += 1,
            Ok(Some(PeerFrame::Rejected { reason: Rejection::RateLimited { retry_after_ms } })) => {
                assert!(retry_after_ms > 0);
                limited += 1
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    // One a second, one in a burst: however slow this machine, most of the flood is refused.
    assert!(accepted >= 1 && limited >= 8, "accepted {accepted}, limited {limited}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut e = envelope("FRA");
    e.seq = 99;
    let answer = exchange(&fra, listen, batch("FRA", vec![e])).await;
    assert!(matches!(answer, Ok(Some(PeerFrame::Accepted { .. }))), "after a second: {answer:?}");
    write_frame(&mut send, &ToNode::Finish).await.expect("finish");
    let (stats, queued) = finished(&mut recv).await;
    // Reported queued: every batch accepted, none refused.
    assert_eq!(queued.len(), accepted + 1, "{queued:?}");
    assert_eq!(queued.last(), Some(&(code("FRA"), 99)));
    assert!(
        stats.refusals.iter().any(|r| matches!(r.kind, RefusalKind::BatchRejected(Rejection::RateLimited { .. }))),
        "{:?}",
        stats.refusals
    );
    let status = tokio::time::timeout(Duration::from_secs(10), node.wait()).await.expect("node exits").expect("status");
    assert!(status.success());
}

fn total_refusals(stats: &TransportStats) -> u64 {
    stats.refusals.iter().map(|r| r.count).sum()
}

#[tokio::test(flavor = "current_thread")]
async fn a_stale_grant_fails_the_node_with_a_named_cause_not_a_panic() {
    let TestNode { mut node, mut send, mut recv, .. } = start_node("stale-grant", &[]).await;
    write_frame(&mut send, &ToNode::Grant { until: SimTime(2_000_000) }).await.expect("grant");
    let answer = read_frame::<FromNode>(&mut recv).await.expect("answer");
    assert!(matches!(answer, Some(FromNode::WindowDone(_))), "{answer:?}");
    write_frame(&mut send, &ToNode::Grant { until: SimTime(1_000_000) }).await.expect("stale grant");
    let answer = read_frame::<FromNode>(&mut recv).await.expect("answer");
    assert!(
        matches!(&answer, Some(FromNode::Failed { cause: pocnet_core::wire::FailureCause::Protocol, detail }) if detail.contains("stale grant")),
        "{answer:?}"
    );
    let status = tokio::time::timeout(Duration::from_secs(10), node.wait()).await.expect("node exits").expect("status");
    assert_eq!(status.code(), Some(1), "a failure, not a panic (101): {status}");
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

#[tokio::test(flavor = "current_thread")]
async fn a_flood_of_stalled_streams_connections_and_handshakes_stays_bounded() {
    use pocnet_core::limits::{PEER_CONNECTIONS_MAX, PEER_STREAMS_MAX};
    let TestNode { network, mut node, mut send, mut recv, listen, _coordinator } = start_node("flood", &[]).await;
    let pid = node.id().expect("pid");
    let before = rss_kib(pid);
    let fra = issue(&network, "FRA", &network);
    // Connections as FRA, each with every stream it may open stalled after a header that
    // announces a whole frame.
    let endpoint = fra.endpoint("127.0.0.1:0".parse().expect("addr")).expect("endpoint");
    let mut held = Vec::new();
    let mut held_connections = Vec::new();
    for _ in 0..PEER_CONNECTIONS_MAX + 1 {
        let conn =
            endpoint.connect(listen, &code("VNM").certificate_name()).expect("connect").await.expect("handshake");
        for _ in 0..PEER_STREAMS_MAX + 4 {
            let Ok(Ok((mut s, r))) = tokio::time::timeout(Duration::from_millis(200), conn.open_bi()).await else {
                break; // QUIC's stream limit: no more streams on this connection
            };
            let mut header = Vec::from(((1u32 << 20) - 10).to_be_bytes());
            header.extend_from_slice(&PROTOCOL_VERSION.to_be_bytes());
            header.extend_from_slice(&[0u8; 10]);
            let _ = s.write_all(&header).await;
            held.push((s, r));
        }
        held_connections.push(conn);
    }
    // Handshakes with another CA's certificate, many at once.
    let foreign = CertificateAuthority::new("foreign CA").expect("CA");
    let outsider = issue(&foreign, "BRA", &network);
    let mut attempts = Vec::new();
    for _ in 0..300 {
        let e = outsider.endpoint("127.0.0.1:0".parse().expect("addr")).expect("endpoint");
        if let Ok(connecting) = e.connect(listen, &code("VNM").certificate_name()) {
            attempts.push(tokio::spawn(async move {
                let _ = tokio::time::timeout(Duration::from_secs(5), connecting).await;
                drop(e);
            }));
        }
    }
    for a in attempts {
        let _ = a.await;
    }
    let after = rss_kib(pid);
    assert!(after < before + 32 * 1024, "RSS grew from {before} KiB to {after} KiB");
    // The stalled streams are dropped when their time is up; the node still serves.
    tokio::time::sleep(Duration::from_millis(pocnet_core::limits::STREAM_READ_TIMEOUT_MS + 1_500)).await;
    drop(held);
    drop(held_connections);
    let honest = issue(&network, "BRA", &network);
    let answer = exchange(&honest, listen, batch("BRA", vec![envelope("BRA")])).await;
    assert!(matches!(answer, Ok(Some(PeerFrame::Accepted { .. }))), "{answer:?}");
    write_frame(&mut send, &ToNode::Finish).await.expect("finish");
    let (stats, queued) = finished(&mut recv).await;
    assert!(queued.contains(&(code("BRA"), 1)), "the honest batch is reported queued: {queued:?}");
    let count = |want: &dyn Fn(&RefusalKind) -> bool| -> u64 {
        stats.refusals.iter().filter(|r| want(&r.kind)).map(|r| r.count).sum()
    };
    assert!(
        count(&|k| *k == RefusalKind::BatchRejected(Rejection::Timeout)) >= u64::from(PEER_STREAMS_MAX),
        "{:#?}",
        stats.refusals
    );
    assert!(count(&|k| *k == RefusalKind::TooManyConnections) >= 1, "{:#?}", stats.refusals);
    let handshakes = count(&|k| matches!(k, RefusalKind::Handshake | RefusalKind::TooManyHandshakes));
    assert!(handshakes >= 250, "{handshakes} of 300 refused handshakes counted: {:#?}", stats.refusals);
    let status = tokio::time::timeout(Duration::from_secs(10), node.wait()).await.expect("node exits").expect("status");
    assert!(status.success());
    eprintln!("flood: RSS {before} KiB before, {after} KiB after; {handshakes} handshakes refused");
}
