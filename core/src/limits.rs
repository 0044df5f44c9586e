//! Every limit in one place (TigerBeetle style): names end with unit and qualifier.
//!
//! Input beyond a limit is rejected with an error that names the limit; it never grows a
//! queue without bound.

/// Largest frame on any stream, header included. Checked before a body is read.
pub const FRAME_BYTES_MAX: usize = 1 << 20;
/// Envelopes in one node-to-node batch frame; larger windows are split into several batches.
pub const BATCH_ENVELOPES_MAX: usize = 512;
/// Events in one node-to-coordinator frame; a window with more sends several frames.
pub const EVENT_FRAME_EVENTS_MAX: usize = 1024;
/// Injects in one setup frame; more are sent in several frames.
pub const INJECT_FRAME_INJECTS_MAX: usize = 1024;
/// Envelopes a contact point holds for future delivery.
pub const INBOX_ENVELOPES_MAX: usize = 200_000;
/// Injects one contact point may be given for a run.
pub const INJECTS_PER_STATE_MAX: usize = 100_000;
/// Contact points in one run (the UN has 193 member states).
pub const STATES_MAX: usize = 256;
/// Bytes in one free-text field of a request (Art. 42 fields, refusal grounds).
pub const TEXT_FIELD_BYTES_MAX: usize = 2048;
/// How far ahead a roster looks for its next opening before it says "never".
pub const OPENING_SEARCH_DAYS_MAX: i32 = 400;
/// Longest delay any distribution may produce (one year): keeps arithmetic far from overflow.
pub const DELAY_MS_MAX: u64 = 366 * 24 * 3_600_000;
/// Shortest link delay, hence the smallest lookahead of the virtual clock.
pub const LINK_DELAY_MS_MIN: u64 = 1;
/// Shifts in one roster day.
pub const SHIFTS_PER_DAY_MAX: usize = 8;
/// Public holidays in one roster.
pub const HOLIDAYS_MAX: usize = 400;
/// Resends of one request before it is declared undeliverable.
pub const RESENDS_MAX: u32 = 100;
/// Links in one Art. 43 chain (states revealed one after another).
pub const CHAIN_LINKS_MAX: usize = 16;
/// Queued exercise inputs (people's actions) at one contact point.
pub const EXERCISE_INPUTS_MAX: usize = 10_000;
