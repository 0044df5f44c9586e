//! Every limit in one place (TigerBeetle style): names end with unit and qualifier.
//!
//! Input beyond a limit is rejected with an error that names the limit; it never grows a
//! queue without bound. The limits are tied together below by compile-time assertions:
//! the largest envelope fits a batch, a batch fits a frame, a frame fits a QUIC stream's
//! receive window, the largest setup fits a frame. `wire.rs`'s tests encode the largest
//! value of each type and check it against the bound computed here.

// ---------------------------------------------------------------- frames

/// Largest frame on any stream, header included. Checked before a body is read.
pub const FRAME_BYTES_MAX: usize = 1 << 20;
/// Bytes before a frame's body: length (4) and protocol version (2).
pub const FRAME_HEADER_BYTES: usize = 6;
/// Envelopes in one node-to-node batch frame; larger windows are split into several.
pub const BATCH_ENVELOPES_MAX: usize = 512;
/// Encoded envelopes in one batch: batches are cut by bytes as well as by count.
pub const BATCH_BYTES_MAX: usize = FRAME_BYTES_MAX - FRAME_HEADER_BYTES - 64;
/// Events in one node-to-coordinator frame; a window with more sends several frames.
pub const EVENT_FRAME_EVENTS_MAX: usize = 256;
/// Injects in one setup frame; more are sent in several frames.
pub const INJECT_FRAME_INJECTS_MAX: usize = 64;

// ---------------------------------------------------------------- text and lists

/// Bytes in one free-text field of a request (Art. 42 fields, refusal grounds).
pub const TEXT_FIELD_BYTES_MAX: usize = 2048;
/// A player's rationale beside a console action: a sentence or two for the decision log.
pub const RATIONALE_BYTES_MAX: usize = 500;
/// Bytes in a language tag (BCP 47 tags need at most 35: RFC 5646, 4.4.1).
pub const LANGUAGE_BYTES_MAX: usize = 35;
/// Bytes in a name: a state's, a region's, a profile's.
pub const NAME_BYTES_MAX: usize = 128;
/// Bytes in an IANA time-zone name (the longest is 32).
pub const TZ_NAME_BYTES_MAX: usize = 64;
/// Bytes in a `host:port` address of a register entry.
pub const ADDRESS_BYTES_MAX: usize = 64;
/// Bytes in a reason the core writes itself (expiry, loss, an exercise's end).
pub const REASON_BYTES_MAX: usize = 256;
/// Languages one contact point accepts.
pub const LANGUAGES_MAX: usize = 16;
/// Link rules of a network model.
pub const LINK_RULES_MAX: usize = 256;
/// Modelled faults of a network model.
pub const FAULTS_MAX: usize = 128;

// ---------------------------------------------------------------- the model

/// Envelopes a contact point holds for future delivery.
pub const INBOX_ENVELOPES_MAX: usize = 200_000;
/// Injects one contact point may be given for a run.
pub const INJECTS_PER_STATE_MAX: usize = 100_000;
/// Contact points in one run (the UN has 193 member states).
pub const STATES_MAX: usize = 256;
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
/// Classes of data one request names (each class once).
pub const DATA_CLASSES_MAX: usize = 5;
/// Regional hubs in one scenario.
pub const HUBS_MAX: usize = 16;
/// Providers, and agreements, in a scenario (each indexed by a byte on the wire; a
/// provider's roster and delays make the setup frame's bound, which allows eight).
pub const ROADS_MAX: usize = 8;
/// Fallback channels (`[[network.fallback]]`).
pub const FALLBACKS_MAX: usize = 8;
/// Pieces of work one desk's queue holds.
pub const DESK_QUEUE_MAX: usize = 100_000;
/// Officers at one desk in one mode.
pub const OFFICERS_MAX: u16 = 1_000;
/// Grounds a profile lists for refusing an MLA request.
pub const REFUSAL_GROUNDS_MAX: usize = 8;
/// Queued exercise inputs (people's actions) at one contact point.
pub const EXERCISE_INPUTS_MAX: usize = 10_000;

// ---------------------------------------------------------------- the network (node side)

/// Bidirectional streams a peer may have open on one connection (one batch each).
pub const PEER_STREAMS_MAX: u32 = 8;
/// Connections one peer state may hold to a node at once (one serves both directions;
/// a second covers a reconnect while the first is closing).
pub const PEER_CONNECTIONS_MAX: usize = 2;
/// Bytes a peer may have in flight on one stream: one whole frame.
pub const STREAM_RECEIVE_WINDOW_BYTES: u64 = FRAME_BYTES_MAX as u64;
/// Bytes a peer may have in flight on one connection, all streams together.
pub const CONNECTION_RECEIVE_WINDOW_BYTES: u64 = 2 * FRAME_BYTES_MAX as u64;
/// How long a stream may take to deliver one whole frame before it is dropped.
pub const STREAM_READ_TIMEOUT_MS: u64 = 10_000;
/// Handshakes in progress at once at one endpoint (node or coordinator); more are refused.
pub const HANDSHAKES_IN_PROGRESS_MAX: usize = 64;
/// Registrations the coordinator takes at once: every node of the largest register starts
/// at the same moment, with room for a flood beside them.
pub const REGISTRATIONS_IN_PROGRESS_MAX: usize = STATES_MAX + HANDSHAKES_IN_PROGRESS_MAX;
/// How long a handshake (and, at the coordinator, the first control frame) may take.
pub const HANDSHAKE_TIMEOUT_MS: u64 = 10_000;
/// Connections an endpoint holds not yet accepted (quinn's `Incoming`); more are refused.
pub const INCOMING_CONNECTIONS_MAX: u32 = 256;
/// Bytes buffered for one connection attempt not yet accepted.
pub const INCOMING_BUFFER_BYTES_MAX: u64 = 64 * 1024;
/// Bytes buffered for all connection attempts not yet accepted.
pub const INCOMING_BUFFER_BYTES_TOTAL_MAX: u64 = 4 << 20;
/// Refusals of one kind logged in full; after that they are only counted.
pub const REFUSALS_LOGGED_PER_KIND_MAX: u64 = 5;
/// Distinct (kind, peer) refusal counters kept for the transport report.
pub const REFUSAL_COUNTERS_MAX: usize = 1024;

// ---------------------------------------------------------------- encoded sizes

/// Bytes of a postcard varint holding `n`.
pub const fn varint_bytes(n: u64) -> usize {
    let mut bytes = 1;
    let mut n = n >> 7;
    while n > 0 {
        bytes += 1;
        n >>= 7;
    }
    bytes
}

/// Largest encoding of a string of at most `max` bytes (length prefix and bytes).
pub const fn str_bytes(max: usize) -> usize {
    varint_bytes(max as u64) + max
}

/// Largest encoding of an integer of any width (postcard varint, zigzag for signed).
pub const INT_BYTES_MAX: usize = 10;
/// A state code (a three-letter string).
pub const STATE_BYTES: usize = str_bytes(3);
/// A request id: case (u32) and link (u16).
pub const REQUEST_ID_BYTES: usize = 5 + 3;
/// The Art. 42 fields: five texts and two flags.
pub const ART42_BYTES_MAX: usize = 5 * str_bytes(TEXT_FIELD_BYTES_MAX) + 2;
/// A request as it travels: id, kind, language, time, Art. 42, deletion time, chain, data
/// classes and when the data was created.
pub const REQUEST_BYTES_MAX: usize = REQUEST_ID_BYTES
    + 1
    + str_bytes(LANGUAGE_BYTES_MAX)
    + INT_BYTES_MAX
    + ART42_BYTES_MAX
    + 1
    + INT_BYTES_MAX
    + varint_bytes(CHAIN_LINKS_MAX as u64)
    + CHAIN_LINKS_MAX * STATE_BYTES
    + varint_bytes(DATA_CLASSES_MAX as u64)
    + DATA_CLASSES_MAX
    + 1
    + INT_BYTES_MAX;
/// An envelope: sender, receiver, sequence, two times and the largest message.
pub const ENVELOPE_BYTES_MAX: usize = 2 * STATE_BYTES + 3 * INT_BYTES_MAX + 1 + REQUEST_BYTES_MAX + 16;
/// An inject: like a request, with its time, sender, receiver and provider.
pub const INJECT_BYTES_MAX: usize = REQUEST_BYTES_MAX + INT_BYTES_MAX + 2 * STATE_BYTES + 2;
/// An event: time, state, id and the largest kind (a refusal and its ground, or classes of
/// data lost).
pub const EVENT_BYTES_MAX: usize = INT_BYTES_MAX
    + STATE_BYTES
    + REQUEST_ID_BYTES
    + 4
    + str_bytes(TEXT_FIELD_BYTES_MAX)
    + str_bytes(REASON_BYTES_MAX)
    + 2 * (1 + DATA_CLASSES_MAX);
/// A roster: zone, week, shifts, flags, holidays (dates as `YYYY-MM-DD` strings).
pub const ROSTER_BYTES_MAX: usize = str_bytes(TZ_NAME_BYTES_MAX)
    + 1
    + varint_bytes(SHIFTS_PER_DAY_MAX as u64)
    + SHIFTS_PER_DAY_MAX * 6
    + 2
    + varint_bytes(HOLIDAYS_MAX as u64)
    + HOLIDAYS_MAX * str_bytes(10);
/// Durations in one empirical delay distribution: enough to resample a desk's records,
/// small enough that a profile of such delays still fits the setup frame.
pub const EMPIRICAL_SAMPLES_MAX: usize = 500;
/// A delay distribution: the largest is an empirical one (a list of durations).
pub const DELAY_BYTES_MAX: usize =
    1 + varint_bytes(EMPIRICAL_SAMPLES_MAX as u64) + EMPIRICAL_SAMPLES_MAX * INT_BYTES_MAX;
/// A profile: delays by mode and kind, languages, refusal, central authority, requester.
pub const PROFILE_BYTES_MAX: usize = 4 * DELAY_BYTES_MAX
    + 1
    + 6 * (1 + 2 * (1 + 2 * DELAY_BYTES_MAX))
    + varint_bytes(LANGUAGES_MAX as u64)
    + LANGUAGES_MAX * str_bytes(LANGUAGE_BYTES_MAX)
    + DELAY_BYTES_MAX
    + 8
    + str_bytes(TEXT_FIELD_BYTES_MAX)
    + 1
    + ROSTER_BYTES_MAX
    + DELAY_BYTES_MAX
    + 7
    + 4 * (1 + INT_BYTES_MAX)
    + 8
    + RETENTION_BYTES_MAX
    + 6
    + MLA_POLICY_BYTES_MAX
    + 2 * OFFICERS_BYTES
    + 1
    + 1
    + INT_BYTES_MAX;
/// A desk's officers: two counts.
pub const OFFICERS_BYTES: usize = 1 + 2 * 3;
/// A state's retention rule: days per class of data.
pub const RETENTION_BYTES_MAX: usize = 1 + DATA_CLASSES_MAX * (1 + 5);
/// A state's MLA policy: kinds, office hours, five delays, four probabilities, grounds,
/// officers.
pub const MLA_POLICY_BYTES_MAX: usize = OFFICERS_BYTES
    + 1
    + 2 * (1 + 6)
    + ROSTER_BYTES_MAX
    + 5 * DELAY_BYTES_MAX
    + 4 * 8
    + varint_bytes(REFUSAL_GROUNDS_MAX as u64)
    + REFUSAL_GROUNDS_MAX * str_bytes(TEXT_FIELD_BYTES_MAX);
/// A link rule's side: a state, a region name or any.
pub const SIDE_BYTES_MAX: usize = 1 + str_bytes(NAME_BYTES_MAX);
/// A network model: default delay, link rules, faults (a partition lists two sides of
/// states), each state's region.
pub const NETWORK_BYTES_MAX: usize = INT_BYTES_MAX
    + varint_bytes(LINK_RULES_MAX as u64)
    + LINK_RULES_MAX * (2 * SIDE_BYTES_MAX + INT_BYTES_MAX + 8)
    + varint_bytes(FAULTS_MAX as u64)
    + FAULTS_MAX * (1 + 2 * (varint_bytes(STATES_MAX as u64) + STATES_MAX * STATE_BYTES) + 2 * INT_BYTES_MAX)
    + varint_bytes(STATES_MAX as u64)
    + STATES_MAX * (STATE_BYTES + str_bytes(NAME_BYTES_MAX))
    + varint_bytes(STATES_MAX as u64)
    + STATES_MAX * (STATE_BYTES + varint_bytes(LANGUAGES_MAX as u64) + LANGUAGES_MAX * str_bytes(LANGUAGE_BYTES_MAX))
    + varint_bytes(HUBS_MAX as u64)
    + HUBS_MAX
        * (STATE_BYTES
            + varint_bytes(STATES_MAX as u64)
            + STATES_MAX * STATE_BYTES
            + ROSTER_BYTES_MAX
            + 8
            + OFFICERS_BYTES)
    + varint_bytes(FALLBACKS_MAX as u64)
    + FALLBACKS_MAX * (str_bytes(NAME_BYTES_MAX) + INT_BYTES_MAX)
    + ROADS_BYTES_MAX;
/// A provider: name, home, roster, officers, two delays, its shift end.
pub const PROVIDER_BYTES_MAX: usize = str_bytes(NAME_BYTES_MAX)
    + STATE_BYTES
    + ROSTER_BYTES_MAX
    + OFFICERS_BYTES
    + 2 * DELAY_BYTES_MAX
    + 1
    + INT_BYTES_MAX;
/// An agreement: name, instrument, parties, two deadlines, a review, kinds and classes.
pub const AGREEMENT_BYTES_MAX: usize = str_bytes(NAME_BYTES_MAX)
    + 1
    + varint_bytes(STATES_MAX as u64)
    + STATES_MAX * STATE_BYTES
    + 2 * INT_BYTES_MAX
    + (1 + INT_BYTES_MAX + 1 + DATA_CLASSES_MAX + 8)
    + 1
    + 16
    + 1
    + DATA_CLASSES_MAX;
/// Providers, agreements and the direct share.
pub const ROADS_BYTES_MAX: usize =
    2 * varint_bytes(ROADS_MAX as u64) + ROADS_MAX * (PROVIDER_BYTES_MAX + AGREEMENT_BYTES_MAX) + 8;
/// A register entry: state, name, zone, address.
pub const REGISTER_ENTRY_BYTES_MAX: usize =
    STATE_BYTES + str_bytes(NAME_BYTES_MAX) + str_bytes(TZ_NAME_BYTES_MAX) + str_bytes(ADDRESS_BYTES_MAX);
/// The setup frame's body: a contact point's configuration and the register.
pub const SETUP_BYTES_MAX: usize = 1
    + 16
    + STATE_BYTES
    + INT_BYTES_MAX
    + ROSTER_BYTES_MAX
    + PROFILE_BYTES_MAX
    + NETWORK_BYTES_MAX
    + 1
    + varint_bytes(STATES_MAX as u64)
    + STATES_MAX * REGISTER_ENTRY_BYTES_MAX;

// The limits agree with each other: nothing the model allows is too large for the wire.
const _: () = assert!(ENVELOPE_BYTES_MAX <= BATCH_BYTES_MAX, "the largest envelope must fit a batch");
const _: () = assert!(BATCH_BYTES_MAX + 1 + STATE_BYTES + 4 <= FRAME_BYTES_MAX - FRAME_HEADER_BYTES);
const _: () = assert!(
    EVENT_FRAME_EVENTS_MAX * EVENT_BYTES_MAX + 4 <= FRAME_BYTES_MAX - FRAME_HEADER_BYTES,
    "a frame of events must fit a frame"
);
const _: () = assert!(
    INJECT_FRAME_INJECTS_MAX * INJECT_BYTES_MAX + 4 <= FRAME_BYTES_MAX - FRAME_HEADER_BYTES,
    "a frame of injects must fit a frame"
);
const _: () = assert!(SETUP_BYTES_MAX <= FRAME_BYTES_MAX - FRAME_HEADER_BYTES, "the largest setup must fit a frame");
const _: () = assert!(STREAM_RECEIVE_WINDOW_BYTES >= FRAME_BYTES_MAX as u64, "a stream must carry a whole frame");
const _: () = assert!(CONNECTION_RECEIVE_WINDOW_BYTES >= STREAM_RECEIVE_WINDOW_BYTES);
const _: () = assert!(REASON_BYTES_MAX <= TEXT_FIELD_BYTES_MAX);

/// `text` cut to at most `max` bytes, on a character boundary.
pub fn truncated(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
