//! Any bytes on a peer's stream, as a node handles them (without QUIC): the frame read,
//! the batch checked against the peer's certificate (FRA), every envelope against the
//! limits and the register, what passes queued, and the contact point run on it to the
//! end. Never a panic, whatever a peer with a genuine certificate sends.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pocnet_core::wire::{decode_frame, PeerFrame};
use pocnet_core::{Agenda, ContactPoint, SimTime, StateCode, WindowOutput};

fuzz_target!(|data: &[u8]| {
    let fra = StateCode::parse("FRA").expect("code");
    let register = [StateCode::parse("VNM").expect("code"), fra, StateCode::parse("BRA").expect("code")];
    let mut agenda = Agenda::new(ContactPoint::new(pocnet_node::acceptance::fuzz_config()).expect("config"));
    let mut rest = data;
    // Several frames in a row, as several streams of one peer.
    while let Ok((frame, used)) = decode_frame::<PeerFrame>(rest) {
        if let Ok(envelopes) = pocnet_node::acceptance::batch_from(fra, frame) {
            let _ = pocnet_node::acceptance::accept(&mut agenda, |s| register.contains(&s), fra, envelopes);
        }
        rest = &rest[used..];
    }
    let mut out = WindowOutput::default();
    agenda.run_until(SimTime(i64::MAX), &mut out);
});
