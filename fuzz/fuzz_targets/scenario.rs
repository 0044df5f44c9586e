//! Any text through the scenario loader: a scenario or located diagnostics, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        match pocnet::scenario::parse("fuzz.toml", text) {
            Ok(s) => assert!(s.states.len() >= 2),
            Err(e) => assert!(!e.diagnostics.is_empty()),
        }
    }
});
