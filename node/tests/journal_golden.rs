//! The journal's record of every kind, byte for byte, per protocol version
//! (tests/corpus/journal/v<VERSION>.journal): a node restarted by a newer binary of the same
//! protocol version replays a journal the older one wrote. A change to the records or to
//! what they carry changes these bytes and needs a new `PROTOCOL_VERSION` (then
//! `POCNET_WRITE_CORPUS=1 cargo test -p pocnet-node --test journal_golden` writes the new
//! version's file; it never rewrites an existing one).

use pocnet_core::wire::{Envelope, Message, Request, Response, RunId, PROTOCOL_VERSION};
use pocnet_core::{Art42, DataClass, MlaResult, Notice, RequestId, RequestKind, SimTime, StateCode};
use pocnet_node::journal::{Journal, Record};
use std::path::PathBuf;

const RUN: RunId = RunId([0x5a; 16]);

fn code(s: &str) -> StateCode {
    StateCode::parse(s).expect("code")
}

/// One record of every kind, a batch with every message kind.
fn records() -> Vec<Record> {
    let id = RequestId { case: 12, link: 1 };
    let request = Request {
        id,
        kind: RequestKind::Preservation,
        language: "fr".into(),
        scheduled: SimTime(1_762_128_000_000),
        details: Art42 {
            authority: "Parquet de Paris, section J3".into(),
            offence: "ransomware against a hospital".into(),
            data: "subscriber and traffic data, account x".into(),
            custodian: "a hosting provider in Viet Nam".into(),
            necessity: "the provider deletes logs after 7 days".into(),
            mla_to_follow: true,
            confidential: true,
        },
        evidence_deleted_at: Some(SimTime(1_762_732_800_000)),
        chain: vec![code("BRA")],
        data: vec![DataClass::Traffic, DataClass::Content],
        data_created_at: Some(SimTime(1_761_000_000_000)),
        forged: false,
    };
    let messages = vec![
        Message::Request(Box::new(request)),
        Message::Receipt { id },
        Message::Acknowledgement { id },
        Message::Response {
            id,
            response: Response::Fulfilled { reveals: Some(code("BRA")), lost: vec![DataClass::Cloud] },
        },
        Message::Response { id, response: Response::Refused { ground: "dual criminality".into() } },
        Message::Response { id, response: Response::TooLate },
        Message::Escalation { id },
        Message::EarlyNotice { id, notice: Notice::WillNotEnsureAvailability { gone: vec![DataClass::Content] } },
        Message::Withdraw { id },
        Message::MlaRequest { id },
        Message::MlaResponse { id, result: MlaResult::Disclosed { lost: vec![DataClass::Cloud] } },
        Message::HandBack { id },
        Message::CallBack { id },
        Message::CallBackAnswer { id, sent_it: false },
        Message::Response { id, response: Response::Unverified },
    ];
    let envelopes = messages
        .into_iter()
        .zip(1u64..)
        .map(|(message, seq)| Envelope {
            from: code("FRA"),
            to: code("VNM"),
            seq,
            sent_at: SimTime(1_762_128_000_000),
            deliver_at: SimTime(1_762_128_000_200),
            message,
        })
        .collect();
    vec![Record::Batch { from: code("FRA"), envelopes }, Record::Window { until: SimTime(1_762_128_000_200) }]
}

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/corpus/journal/v{PROTOCOL_VERSION}.journal"))
}

/// The journal a node writes for `records`.
fn written() -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("pocnet-journal-golden-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("written.journal");
    let _ = std::fs::remove_file(&path);
    let (mut journal, replay) = Journal::open(&path, RUN, code("VNM")).expect("open");
    assert!(replay.is_empty());
    for r in records() {
        journal.append(&r).expect("append");
    }
    drop(journal);
    let bytes = std::fs::read(&path).expect("read");
    let _ = std::fs::remove_dir_all(&dir);
    bytes
}

#[test]
fn the_journal_of_this_version_is_unchanged_and_replays() {
    let golden = golden_path();
    if std::env::var_os("POCNET_WRITE_CORPUS").is_some() && !golden.exists() {
        std::fs::write(&golden, written()).expect("write");
    }
    let want = std::fs::read(&golden).unwrap_or_else(|e| panic!("{}: {e}", golden.display()));
    assert!(
        written() == want,
        "the journal's records changed without a new PROTOCOL_VERSION ({} is version {PROTOCOL_VERSION}'s)",
        golden.display()
    );
    // A node of this version replays it: every record, in order.
    let dir = std::env::temp_dir().join(format!("pocnet-journal-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let copy = dir.join("golden.journal");
    std::fs::copy(&golden, &copy).expect("copy");
    let (_, replay) = Journal::open(&copy, RUN, code("VNM")).expect("open the golden journal");
    assert_eq!(replay, records());
    let _ = std::fs::remove_dir_all(&dir);
}
