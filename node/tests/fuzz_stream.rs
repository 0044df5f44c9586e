//! Every input of the coverage-guided fuzzer's corpus for a node's stream handler
//! (fuzz/corpus/stream, kept in the repository): read, checked, queued and run to the end
//! as the fuzz target does, never a panic.

use pocnet_core::wire::{decode_frame, PeerFrame};
use pocnet_core::{Agenda, ContactPoint, SimTime, StateCode, WindowOutput};
use pocnet_node::acceptance::{accept, batch_from, fuzz_config};
use std::path::Path;

fn one(data: &[u8]) {
    let fra = StateCode::parse("FRA").expect("code");
    let register = [StateCode::parse("VNM").expect("code"), fra, StateCode::parse("BRA").expect("code")];
    let mut agenda = Agenda::new(ContactPoint::new(fuzz_config()).expect("config"));
    let mut rest = data;
    while let Ok((frame, used)) = decode_frame::<PeerFrame>(rest) {
        if let Ok(envelopes) = batch_from(fra, frame) {
            let _ = accept(&mut agenda, |s| register.contains(&s), fra, envelopes);
        }
        rest = &rest[used..];
    }
    agenda.run_until(SimTime(i64::MAX), &mut WindowOutput::default());
}

#[test]
fn the_fuzz_corpus_replays_without_a_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/stream");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz/corpus/stream").flatten() {
        one(&std::fs::read(entry.path()).expect("read"));
        n += 1;
    }
    assert!(n >= 50, "only {n} inputs in {}", dir.display());
}
