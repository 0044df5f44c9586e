//! Any bytes through the frame decoder, as each side reads them: a value or a typed error,
//! never a panic; what decodes encodes to a frame that decodes and encodes to the same
//! bytes (bytes, not values: a NaN is not equal to itself).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pocnet_core::wire::{decode_frame, encode_frame, FromNode, PeerFrame, ToNode};

fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(data: &[u8]) {
    if let Ok((value, _)) = decode_frame::<T>(data) {
        let once = encode_frame(&value).expect("a decoded value encodes");
        let (back, _) = decode_frame::<T>(&once).expect("an encoded value decodes");
        let twice = encode_frame(&back).expect("encodes again");
        assert_eq!(once, twice);
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<PeerFrame>(data);
    round_trip::<ToNode>(data);
    round_trip::<FromNode>(data);
});
