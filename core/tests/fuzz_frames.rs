//! Property pass over the frame decoder: whatever arrives, decoding returns a value or a
//! typed error, never a panic; valid frames survive a round trip. Mutations start from the
//! golden corpus in tests/corpus/frames/v<VERSION>/: one frame of every kind, for every
//! protocol version there has been.
//!
//! The corpus of the current `PROTOCOL_VERSION` must equal what the wire types encode
//! today: a change to any type that crosses a process changes the bytes, fails
//! `golden_frames_of_this_version_are_unchanged`, and needs a new protocol version (then
//! `POCNET_WRITE_CORPUS=1 cargo test -p pocnet-core --test fuzz_frames golden` writes the
//! new version's directory; it never rewrites an existing one).

use pocnet_core::event::{Event, EventKind};
use pocnet_core::network::{Fault, LinkRule, LossReason, Side};
use pocnet_core::profile::{CentralAuthority, KindDelays, RequesterPolicy};
use pocnet_core::wire::{
    decode_frame, encode_frame, Envelope, FailureCause, FromNode, InstanceId, Message, PeerFrame, PeerTransport,
    RefusalCount, RefusalKind, RegisterEntry, Rejection, Request, Response, RunId, ToNode, TransportStats, WindowDone,
    PROTOCOL_VERSION,
};
use pocnet_core::{
    Art42, ContactPointConfig, DataClass, Delay, DelaysByMode, ExerciseInput, HoldRule, Inject, MlaPolicy, MlaResult,
    Mode, NetworkModel, Notice, Officers, OperatorAction, Profile, QueueOrder, RequestId, RequestKind, Retention,
    RosterSpec, Shift, SimTime, StateCode, WorkWeek,
};
use proptest::prelude::*;
use std::path::PathBuf;

fn corpus_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/frames")
}

fn version_dir(version: u16) -> PathBuf {
    corpus_root().join(format!("v{version}"))
}

/// Every frame of every version, for the mutations.
fn corpus() -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    for dir in std::fs::read_dir(corpus_root()).expect("corpus").flatten() {
        files.extend(std::fs::read_dir(dir.path()).expect("version dir").flatten().map(|e| e.path()));
    }
    files.sort();
    files.iter().map(|p| std::fs::read(p).expect("read")).collect()
}

fn decode_all(bytes: &[u8]) {
    let _ = decode_frame::<PeerFrame>(bytes);
    let _ = decode_frame::<ToNode>(bytes);
    let _ = decode_frame::<FromNode>(bytes);
}

fn code(s: &str) -> StateCode {
    StateCode::parse(s).expect("code")
}

fn art42() -> Art42 {
    Art42 {
        authority: "FRA 24/7".into(),
        offence: "ransomware".into(),
        data: "logs".into(),
        custodian: "a provider in VNM".into(),
        necessity: "short retention".into(),
        mla_to_follow: true,
        confidential: true,
    }
}

/// The roster of the contact point under test: office hours in Hanoi, on call outside, a holiday.
fn roster_spec() -> RosterSpec {
    RosterSpec {
        tz: "Asia/Ho_Chi_Minh".into(),
        workweek: WorkWeek::parse("Mon-Fri").expect("week"),
        shifts: vec![Shift::parse("09:00-17:00").expect("shift")],
        always_staffed: false,
        off_hours: Mode::OnCall,
        holidays: vec!["2025-09-02".parse().expect("date")],
    }
}

/// A network with a link rule of each kind, each fault kind, a fallback, a region, languages and a hub.
fn network() -> NetworkModel {
    let mut network = NetworkModel::new(200);
    network.links.push(LinkRule { a: Side::State(code("NRU")), b: Side::Any, delay_ms: 600, loss: 0.01 });
    network.links.push(LinkRule { a: Side::Region("Africa".into()), b: Side::Any, delay_ms: 300, loss: 0.0 });
    network.faults.push(Fault::Down { state: code("VNM"), from: SimTime(1), until: SimTime(2) });
    network.faults.push(Fault::Partition {
        a: vec![code("FRA")],
        b: vec![code("BRA")],
        from: SimTime(1),
        until: SimTime(2),
    });
    network.faults.push(Fault::Stale { state: code("GHA"), from: SimTime(1), until: SimTime(i64::MAX) });
    network.fallbacks.push(pocnet_core::network::Fallback { name: "INTERPOL I-24/7".into(), delay_ms: 7_200_000 });
    network.regions.insert(code("VNM"), "Asia-Pacific".into());
    network.languages.insert(code("VNM"), vec!["vi".into(), "en".into()]);
    network.hubs.push(pocnet_core::network::Hub {
        hub: code("VNM"),
        members: vec![code("KHM"), code("LAO")],
        covers: RosterSpec {
            tz: "Asia/Ho_Chi_Minh".into(),
            workweek: WorkWeek::ALL_DAYS,
            shifts: vec![Shift::parse("17:00-24:00").expect("shift")],
            always_staffed: false,
            off_hours: Mode::Closed,
            holidays: vec![],
        },
        executes: vec![RequestKind::TechnicalAdvice],
        officers: Some(Officers { staffed: 2, on_call: 0 }),
    });
    network.roads = roads();
    network
}

/// A provider with counted officers and its own shift end, and an agreement of each instrument.
fn roads() -> pocnet_core::Roads {
    use pocnet_core::{Agreement, Instrument, Provider, Roads};
    let provider = Provider {
        name: "mailco-vn".into(),
        home: code("VNM"),
        roster: roster_spec(),
        officers: Some(Officers { staffed: 2, on_call: 1 }),
        work: Delay::LogNormal { median_ms: 7_200_000, p90_ms: 86_400_000 },
        emergency_work: Delay::Fixed { ms: 3_600_000 },
        shift_end: pocnet_core::ShiftEnd::HandOver { cost_ms: 900_000 },
    };
    let agreements = Instrument::NAMES
        .iter()
        .map(|(name, i)| Agreement {
            name: (*name).into(),
            instrument: *i,
            parties: vec![code("FRA"), code("VNM")],
            terms: i.terms(),
        })
        .collect();
    Roads { providers: vec![provider], agreements, direct_share: 0.5 }
}

/// A profile that sets every optional step (central authority, MLA, desks, translators, verification).
fn profile(roster: &RosterSpec) -> Profile {
    let fixed = Delay::Fixed { ms: 60_000 };
    let by_mode =
        DelaysByMode { staffed: fixed.clone(), on_call: Delay::LogNormal { median_ms: 60_000, p90_ms: 600_000 } };
    let mut kinds = std::collections::BTreeMap::new();
    kinds.insert(RequestKind::Emergency, KindDelays { acknowledge: Some(by_mode.clone()), fulfil: None });
    Profile {
        acknowledge: by_mode.clone(),
        fulfil: by_mode,
        kinds,
        languages: vec!["vi".into(), "en".into()],
        translation: Delay::Uniform { min_ms: 1, max_ms: 2 },
        refuse_probability: 0.05,
        refusal_ground: "essential interests".into(),
        central_authority: Some(CentralAuthority {
            roster: roster.clone(),
            delay: fixed,
            kinds: vec![RequestKind::Evidence],
            officers: Some(Officers { staffed: 1, on_call: 0 }),
        }),
        requester: RequesterPolicy {
            resend_after_ms: Some(1),
            resends_max: 3,
            escalate_after_ms: Some(2),
            give_up_after_ms: 3,
        },
        on_call_kinds: Some(vec![RequestKind::Emergency]),
        retention: Retention::default(),
        hold: HoldRule { days: 120, renewable: true },
        mla: Some(MlaPolicy {
            kinds: vec![RequestKind::Preservation, RequestKind::TrafficDisclosure],
            direct_kinds: vec![RequestKind::Emergency],
            roster: RosterSpec { off_hours: Mode::Closed, holidays: vec![], ..roster.clone() },
            drafting: Delay::LogNormal { median_ms: 864_000_000, p90_ms: 2_592_000_000 },
            translation: Delay::Fixed { ms: 432_000_000 },
            transmission: Delay::Uniform { min_ms: 86_400_000, max_ms: 1_209_600_000 },
            queue: Delay::LogNormal { median_ms: 5_184_000_000, p90_ms: 15_552_000_000 },
            execution: Delay::Fixed { ms: 1_728_000_000 },
            refuse_probability: 0.05,
            refusal_grounds: vec!["dual criminality".into(), "essential interests".into()],
            pursue_probability: 0.8,
            confidentiality_notice_probability: 0.1,
            withdraw_on_confidentiality_probability: 0.5,
            officers: Some(Officers { staffed: 2, on_call: 0 }),
        }),
        officers: Some(Officers { staffed: 3, on_call: 1 }),
        queue_order: QueueOrder::Deadline,
        translators: Some(Officers { staffed: 2, on_call: 1 }),
        verify: Some(pocnet_core::profile::Verification {
            kinds: vec![RequestKind::Emergency],
            how: pocnet_core::profile::VerifyHow::CallBack,
            time: Delay::Fixed { ms: 600_000 },
            on_call: false,
            catches: 0.9,
        }),
        shift_end: pocnet_core::ShiftEnd::NextOpening,
    }
}

fn config() -> ContactPointConfig {
    let roster = roster_spec();
    ContactPointConfig {
        state: code("VNM"),
        seed: 7,
        roster: roster.clone(),
        profile: profile(&roster),
        network: network(),
        operated: true,
    }
}

fn inject() -> Inject {
    Inject {
        id: RequestId { case: 3, link: 0 },
        at: SimTime(1_762_128_000_000),
        from: code("FRA"),
        to: code("VNM"),
        kind: RequestKind::Preservation,
        language: "fr".into(),
        details: art42(),
        evidence_deleted_at: Some(SimTime(1_762_300_000_000)),
        chain: vec![code("BRA")],
        data: vec![DataClass::Traffic, DataClass::Subscriber],
        data_created_at: Some(SimTime(1_761_000_000_000)),
        forged: true,
        provider: Some(0),
    }
}

/// One event of every kind.
fn events() -> Vec<Event> {
    let id = RequestId { case: 3, link: 1 };
    let kinds = vec![
        EventKind::Sent { to: code("FRA"), kind: RequestKind::Preservation, scheduled: SimTime(1) },
        EventKind::Delivered { from: code("FRA"), mode: Mode::OnCall },
        EventKind::Acknowledged { mode: Mode::Staffed },
        EventKind::Forwarded,
        EventKind::Fulfilled,
        EventKind::Refused { ground: "essential interests".into() },
        EventKind::AcknowledgementReceived,
        EventKind::LateAcknowledgement,
        EventKind::ResponseReceived { response: Response::TooLate },
        EventKind::Expired { to: code("FRA"), waited_ms: 86_400_000 },
        EventKind::LateResponse { response: Response::Forwarded },
        EventKind::Resent { attempt: 2, via: Some(0) },
        EventKind::Undeliverable { to: code("FRA"), attempts: 4 },
        EventKind::Escalated,
        EventKind::EscalationReceived,
        EventKind::Translation { ms: 5 },
        EventKind::EvidenceGone,
        EventKind::Lost { to: code("BRA"), reason: LossReason::Partition },
        EventKind::Unfinished { to: code("FRA"), ended_at: SimTime(9) },
        EventKind::ActionRejected {
            action: pocnet_core::ActionName::HandToCentralAuthority,
            reason: pocnet_core::ActionRefusal::TranslationNotReady { id, ready: SimTime(10) },
        },
        EventKind::NoticeGiven { notice: Notice::WillNotEnsureAvailability { gone: vec![DataClass::Content] } },
        EventKind::NoticeReceived { notice: Notice::ThreatensConfidentiality },
        EventKind::Withdrawn { to: code("FRA"), notice: Notice::ThreatensConfidentiality },
        EventKind::WithdrawalReceived,
        EventKind::HoldStarted { until: SimTime(11) },
        EventKind::HoldLapsed,
        EventKind::DisclosedDirectly,
        EventKind::MlaNotPursued { to: code("FRA") },
        EventKind::MlaDrafted,
        EventKind::MlaTranslated,
        EventKind::MlaSent { to: code("FRA") },
        EventKind::MlaReceived { hold_until: SimTime(12), in_time: true },
        EventKind::MlaExecuted { result: MlaResult::Disclosed { lost: vec![DataClass::Cloud] } },
        EventKind::MlaAnswered { result: MlaResult::Refused { ground: "dual criminality".into() } },
        EventKind::MlaAnswered { result: MlaResult::HoldLapsed },
        EventKind::Queued { desk: pocnet_core::DeskName::ContactPoint, task: pocnet_core::Task::Acknowledge },
        EventKind::WorkStarted { desk: pocnet_core::DeskName::CentralAuthority, task: pocnet_core::Task::Execute },
        EventKind::WorkDone { desk: pocnet_core::DeskName::MlaOffice, task: pocnet_core::Task::Draft },
        EventKind::HandedToHub { hub: code("VNM") },
        EventKind::HubReceived { member: code("KHM") },
        EventKind::HandedBack { member: code("KHM") },
        EventKind::HandBackReceived,
        EventKind::VerificationStarted { how: pocnet_core::profile::VerifyHow::CallBack },
        EventKind::VerificationPassed,
        EventKind::VerificationFailed,
        EventKind::CallBackAnswered { sent_it: false },
        EventKind::Resent { attempt: 3, via: None },
        EventKind::ResponseReceived { response: Response::Unverified },
        EventKind::OrderSent { provider: 0, agreement: 2 },
        EventKind::OrderReceived { from: code("FRA"), provider: 0, mode: Mode::Closed, deadline_at: SimTime(13) },
        EventKind::ReviewStarted { until: SimTime(14) },
        EventKind::HeldForReview,
        EventKind::OrderAnswered { response: Response::Fulfilled { reveals: None, lost: vec![DataClass::Traffic] } },
        EventKind::WorkDone { desk: pocnet_core::DeskName::Provider(0), task: pocnet_core::Task::Execute },
    ];
    kinds.into_iter().map(|kind| Event { at: SimTime(1_762_128_000_000), state: code("VNM"), id, kind }).collect()
}

fn rejections() -> Vec<Rejection> {
    vec![
        Rejection::RateLimited { retry_after_ms: 5 },
        Rejection::InboxFull { retry_after_ms: 1_000 },
        Rejection::TooLarge { envelopes: 600 },
        Rejection::WrongSender { claimed: code("BRA"), certified: code("FRA") },
        Rejection::WrongReceiver { to: code("BRA") },
        Rejection::OutOfTime,
        Rejection::BadFrame,
        Rejection::UnexpectedFrame,
        Rejection::Timeout,
    ]
}

fn refusal_kinds() -> Vec<RefusalKind> {
    vec![
        RefusalKind::Handshake,
        RefusalKind::NoIdentity,
        RefusalKind::NotInRegister,
        RefusalKind::WrongRole,
        RefusalKind::TooManyConnections,
        RefusalKind::TooManyHandshakes,
        RefusalKind::BatchRejected(Rejection::Timeout),
        RefusalKind::OutgoingHandshake,
        RefusalKind::RejectedByPeer(Rejection::InboxFull { retry_after_ms: 1 }),
        RefusalKind::Registration,
        RefusalKind::SecondNode,
    ]
}

/// One frame of every kind that crosses a process: peer, control and journal frames.
type Sample = (&'static str, Result<Vec<u8>, pocnet_core::wire::EncodeError>);

/// A request with every optional field set.
fn request_sample(id: RequestId) -> Request {
    Request {
        id,
        kind: RequestKind::TrafficDisclosure,
        language: "en".into(),
        scheduled: SimTime(1_762_128_000_000),
        details: art42(),
        evidence_deleted_at: None,
        chain: vec![code("BRA"), code("NGA")],
        data: vec![DataClass::Content],
        data_created_at: Some(SimTime(1_761_000_000_000)),
        forged: false,
    }
}

/// A peer batch with one envelope of every message kind, in the order they are numbered.
fn every_message_batch(id: RequestId) -> Result<Vec<u8>, pocnet_core::wire::EncodeError> {
    let envelope = |seq, message| Envelope {
        from: code("VNM"),
        to: code("FRA"),
        seq,
        sent_at: SimTime(1_762_128_000_000),
        deliver_at: SimTime(1_762_128_000_250),
        message,
    };
    let request = request_sample(id);
    encode_frame(&PeerFrame::Batch {
        from: code("VNM"),
        envelopes: vec![
            envelope(1, Message::Request(Box::new(request.clone()))),
            envelope(2, Message::Receipt { id }),
            envelope(3, Message::Acknowledgement { id }),
            envelope(
                4,
                Message::Response {
                    id,
                    response: Response::Fulfilled { reveals: Some(code("BRA")), lost: vec![DataClass::Cloud] },
                },
            ),
            envelope(5, Message::Response { id, response: Response::Refused { ground: "essential interests".into() } }),
            envelope(6, Message::Response { id, response: Response::TooLate }),
            envelope(7, Message::Response { id, response: Response::Forwarded }),
            envelope(8, Message::Escalation { id }),
            envelope(
                9,
                Message::EarlyNotice {
                    id,
                    notice: Notice::WillNotEnsureAvailability { gone: vec![DataClass::Subscriber] },
                },
            ),
            envelope(10, Message::Withdraw { id }),
            envelope(11, Message::MlaRequest { id }),
            envelope(12, Message::MlaResponse { id, result: MlaResult::Disclosed { lost: vec![DataClass::Traffic] } }),
            envelope(13, Message::HubForward { request: Box::new(request.clone()), requester: code("FRA") }),
            envelope(14, Message::HandBack { id }),
            envelope(15, Message::CallBack { id }),
            envelope(16, Message::CallBackAnswer { id, sent_it: true }),
            envelope(17, Message::Response { id, response: Response::Unverified }),
            envelope(18, Message::Order { request: Box::new(request.clone()), provider: 0, agreement: 1 }),
        ],
    })
}

/// The peer frames (with the refusals a rejected batch is counted as in a node's last frame).
fn peer_samples(id: RequestId) -> Vec<Sample> {
    vec![
        ("peer-batch-every-message", every_message_batch(id)),
        ("peer-accepted", encode_frame(&PeerFrame::Accepted { count: 2 })),
        (
            "from-node-finished-every-rejection",
            encode_frame(&FromNode::Finished(TransportStats {
                batch_rtt_us: vec![],
                peers: vec![],
                refusals: rejections()
                    .into_iter()
                    .map(|r| RefusalCount {
                        kind: RefusalKind::BatchRejected(r),
                        peer: "FRA".into(),
                        count: 1,
                        first: String::new(),
                    })
                    .collect(),
            })),
        ),
        ("peer-rejected", encode_frame(&PeerFrame::Rejected { reason: Rejection::RateLimited { retry_after_ms: 5 } })),
    ]
}

/// The coordinator's frames to a node.
fn to_node_samples(id: RequestId) -> Vec<Sample> {
    vec![
        (
            "to-node-setup",
            encode_frame(&ToNode::Setup {
                run: RunId([9; 16]),
                config: Box::new(config()),
                register: vec![RegisterEntry {
                    state: code("FRA"),
                    name: "France".into(),
                    tz: "Europe/Paris".into(),
                    address: "127.0.0.1:4000".into(),
                }],
            }),
        ),
        ("to-node-injects", encode_frame(&ToNode::Injects(vec![inject()]))),
        ("to-node-setup-done", encode_frame(&ToNode::SetupDone)),
        ("to-node-grant", encode_frame(&ToNode::Grant { until: SimTime(1_762_128_000_250) })),
        ("to-node-finish", encode_frame(&ToNode::Finish)),
        (
            "to-node-peer-restarted",
            encode_frame(&ToNode::PeerRestarted { state: code("FRA"), address: "10.0.0.7:5000".into() }),
        ),
        ("to-node-cut", encode_frame(&ToNode::Cut { peers: vec![code("FRA")] })),
        ("to-node-heal", encode_frame(&ToNode::Heal { peers: vec![code("FRA")] })),
        (
            "to-node-exercise-action",
            encode_frame(&ToNode::Exercise {
                at: SimTime(9),
                input: ExerciseInput::Operator(OperatorAction::Refuse { id, ground: "dual criminality".into() }),
            }),
        ),
        ("to-node-exercise-end", encode_frame(&ToNode::Exercise { at: SimTime(9), input: ExerciseInput::End })),
    ]
}

/// A node's frames to the coordinator.
fn from_node_samples() -> Vec<Sample> {
    let done = WindowDone {
        next_event: Some(SimTime(5)),
        sent: vec![(code("FRA"), SimTime(6))],
        written: vec![(code("FRA"), vec![3, 4, 9])],
        events: events(),
    };
    vec![
        (
            "from-node-hello",
            encode_frame(&FromNode::Hello {
                state: code("VNM"),
                listen: "127.0.0.1:4001".into(),
                wall_clock_ms: 1,
                instance: InstanceId([0x17; 16]),
            }),
        ),
        ("from-node-ready", encode_frame(&FromNode::Ready { next_event: Some(SimTime(3)) })),
        ("from-node-events", encode_frame(&FromNode::Events(events()))),
        ("from-node-window-done", encode_frame(&FromNode::WindowDone(done))),
        ("from-node-queued", encode_frame(&FromNode::Queued { from: code("FRA"), seqs: vec![3, 4, 9] })),
        (
            "from-node-finished",
            encode_frame(&FromNode::Finished(TransportStats {
                batch_rtt_us: vec![120, 180],
                peers: vec![PeerTransport {
                    peer: code("FRA"),
                    rtt_us: 100,
                    udp_tx_bytes: 1,
                    udp_rx_bytes: 2,
                    lost_packets: 0,
                    sent_packets: 3,
                }],
                refusals: refusal_kinds()
                    .into_iter()
                    .map(|kind| RefusalCount { kind, peer: "10.0.0.1:4000".into(), count: 3, first: "why".into() })
                    .collect(),
            })),
        ),
        (
            "from-node-failed",
            encode_frame(&FromNode::Failed { cause: FailureCause::Journal, detail: "journal: disk full".into() }),
        ),
        (
            "from-node-failed-every-cause",
            encode_frame(&FromNode::Events(vec![])).and_then(|mut all| {
                for cause in
                    [FailureCause::Journal, FailureCause::Delivery, FailureCause::Protocol, FailureCause::Setup]
                {
                    all.extend(encode_frame(&FromNode::Failed { cause, detail: String::new() })?);
                }
                Ok(all)
            }),
        ),
    ]
}

fn samples() -> Vec<(&'static str, Vec<u8>)> {
    let id = RequestId { case: 3, link: 1 };
    let frames = [peer_samples(id), to_node_samples(id), from_node_samples()];
    frames.into_iter().flatten().map(|(n, r)| (n, r.expect("encodes"))).collect()
}

#[test]
fn golden_frames_of_this_version_are_unchanged() {
    let dir = version_dir(PROTOCOL_VERSION);
    if std::env::var_os("POCNET_WRITE_CORPUS").is_some() {
        assert!(
            !dir.exists(),
            "{} exists: the corpus of a released version is never rewritten; bump PROTOCOL_VERSION",
            dir.display()
        );
        std::fs::create_dir_all(&dir).expect("create");
        for (name, bytes) in samples() {
            std::fs::write(dir.join(format!("{name}.bin")), bytes).expect("write");
        }
        return;
    }
    for (name, bytes) in samples() {
        let path = dir.join(format!("{name}.bin"));
        let golden = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            golden == bytes,
            "{name}: the wire types changed without a new PROTOCOL_VERSION ({} is version {PROTOCOL_VERSION}'s)",
            path.display()
        );
    }
}

#[test]
fn every_golden_frame_of_this_version_decodes_as_its_kind() {
    let dir = version_dir(PROTOCOL_VERSION);
    for (name, _) in samples() {
        let bytes = std::fs::read(dir.join(format!("{name}.bin"))).expect("golden");
        let ok = if name.starts_with("peer-") {
            decode_frame::<PeerFrame>(&bytes).is_ok()
        } else if name.starts_with("to-node-") {
            decode_frame::<ToNode>(&bytes).is_ok()
        } else {
            decode_frame::<FromNode>(&bytes).is_ok()
        };
        assert!(ok, "{name} does not decode");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        decode_all(&bytes);
    }

    #[test]
    fn mutated_corpus_frames_never_panic(
        pick in any::<usize>(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..4), 1..8),
    ) {
        let corpus = corpus();
        let mut bytes = corpus[pick % corpus.len()].clone();
        for (at, value, op) in edits {
            let at = if bytes.is_empty() { 0 } else { at % bytes.len() };
            match op {
                0 if !bytes.is_empty() => bytes[at] = value,                   // overwrite
                1 => bytes.insert(at.min(bytes.len()), value),                 // insert
                2 if !bytes.is_empty() => { bytes.remove(at); }                // delete
                _ => bytes.truncate(at),                                       // truncate
            }
        }
        decode_all(&bytes);
    }

    #[test]
    fn envelopes_round_trip(seq in any::<u64>(), sent in any::<i64>(), delay in 1u64..1_000_000, case in any::<u32>(), link in any::<u16>(), ground in ".{0,64}") {
        let envelope = Envelope {
            from: code("VNM"),
            to: code("FRA"),
            seq,
            sent_at: SimTime(sent / 2),
            deliver_at: SimTime(sent / 2).plus_ms(delay),
            message: Message::Response { id: RequestId { case, link }, response: Response::Refused { ground } },
        };
        let frame = PeerFrame::Batch { from: code("VNM"), envelopes: vec![envelope] };
        let bytes = encode_frame(&frame).expect("encodes");
        let (back, used) = decode_frame::<PeerFrame>(&bytes).expect("decodes");
        prop_assert_eq!(back, frame);
        prop_assert_eq!(used, bytes.len());
    }
}

/// Every input of the coverage-guided fuzzer's corpus (fuzz/corpus/frames, kept in the
/// repository) decodes to a value or a typed error, never a panic.
#[test]
fn the_fuzz_corpus_replays_without_a_panic() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/frames");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz/corpus/frames").flatten() {
        decode_all(&std::fs::read(entry.path()).expect("read"));
        n += 1;
    }
    assert!(n >= 100, "only {n} inputs in {}", dir.display());
}
