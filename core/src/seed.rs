//! Deterministic random streams: one per (seed, state, request, purpose).
//!
//! Each draw gets a stream of its own, so what a contact point draws for one request does
//! not depend on how many other requests it has seen or in what order they came.

use crate::request::RequestId;
use crate::state::StateCode;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What a random draw is for; part of the stream's key.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Purpose {
    AcknowledgeDelay = 1,
    FulfilDelay = 2,
    Refusal = 3,
    CentralAuthorityDelay = 4,
    TranslationDelay = 5,
    Loss = 6,
    EscalationDelay = 7,
    MlaPursue = 8,
    MlaDrafting = 9,
    MlaTranslation = 10,
    MlaTransmission = 11,
    MlaQueue = 12,
    MlaExecution = 13,
    MlaRefusal = 14,
    MlaGround = 15,
    MlaReturn = 16,
    ConfidentialityNotice = 17,
    Withdrawal = 18,
    HubAcknowledge = 19,
    HubExecute = 20,
    Verification = 21,
    VerificationCatch = 22,
    CallBackAnswer = 23,
    /// Which road a covered request takes (direct order or the 24/7 step).
    Road = 24,
    ProviderWork = 25,
    ReviewRefusal = 26,
}

/// SplitMix64 finaliser: spreads nearby keys over the whole seed space.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream for one draw about request `id` at `state`.
pub fn stream(seed: u64, state: StateCode, id: RequestId, purpose: Purpose) -> ChaCha8Rng {
    keyed(seed, state, u64::from(id.case) << 16 | u64::from(id.link), purpose)
}

/// The stream for one draw about anything `state` numbers with `key` (an envelope's seq).
pub fn keyed(seed: u64, state: StateCode, key: u64, purpose: Purpose) -> ChaCha8Rng {
    let mut k = mix(seed);
    k = mix(k ^ state.key());
    k = mix(k ^ key);
    k = mix(k ^ purpose as u64);
    ChaCha8Rng::seed_from_u64(k)
}
