//! Property pass over the frame decoder: whatever arrives, decoding returns a value or a
//! typed error, never a panic; valid frames survive a round trip. Mutations start from the
//! corpus of valid frames kept in tests/corpus/frames/ (regenerate it with
//! `POCNET_WRITE_CORPUS=1 cargo test -p pocnet-core --test fuzz_frames write_corpus`).

use pocnet_core::wire::{
    decode_frame, encode_frame, Envelope, FromNode, Message, PeerFrame, Response, ToNode, WindowDone,
};
use pocnet_core::{RequestId, SimTime, StateCode};
use proptest::prelude::*;
use std::path::PathBuf;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/frames")
}

fn corpus() -> Vec<Vec<u8>> {
    let mut files: Vec<_> = std::fs::read_dir(corpus_dir()).expect("corpus").flatten().map(|e| e.path()).collect();
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

fn samples() -> Vec<(&'static str, Vec<u8>)> {
    let envelope = |seq, message| Envelope {
        from: code("VNM"),
        to: code("FRA"),
        seq,
        sent_at: SimTime(1_762_128_000_000),
        deliver_at: SimTime(1_762_128_000_250),
        message,
    };
    let id = RequestId { case: 3, link: 1 };
    vec![
        (
            "batch-ack",
            encode_frame(&PeerFrame::Batch {
                from: code("VNM"),
                envelopes: vec![envelope(1, Message::Acknowledgement { id })],
            }),
        ),
        (
            "batch-response",
            encode_frame(&PeerFrame::Batch {
                from: code("VNM"),
                envelopes: vec![
                    envelope(2, Message::Response { id, response: Response::Fulfilled { reveals: Some(code("BRA")) } }),
                    envelope(
                        3,
                        Message::Response { id, response: Response::Refused { ground: "essential interests".into() } },
                    ),
                ],
            }),
        ),
        ("accepted", encode_frame(&PeerFrame::Accepted { count: 2 })),
        ("grant", encode_frame(&ToNode::Grant { until: SimTime(1_762_128_000_250) })),
        (
            "window-done",
            encode_frame(&FromNode::WindowDone(WindowDone {
                next_event: Some(SimTime(5)),
                sent: vec![(code("FRA"), SimTime(6))],
                events: vec![],
            })),
        ),
    ]
    .into_iter()
    .map(|(n, r)| (n, r.expect("encodes")))
    .collect()
}

#[test]
fn write_corpus() {
    if std::env::var_os("POCNET_WRITE_CORPUS").is_none() {
        // The committed corpus must still decode: it is what the mutations start from.
        for (name, bytes) in samples() {
            let path = corpus_dir().join(format!("{name}.bin"));
            assert_eq!(std::fs::read(&path).expect("corpus file"), bytes, "{name}: corpus out of date, regenerate it");
        }
        return;
    }
    for (name, bytes) in samples() {
        std::fs::write(corpus_dir().join(format!("{name}.bin")), bytes).expect("write");
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
