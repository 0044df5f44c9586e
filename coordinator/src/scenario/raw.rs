//! The raw stage of a scenario file: its shape as TOML, with spans for every value that
//! validation may need to point at. Nothing here is checked beyond types and field names.
//!
//! These types are also the one description of the format: the JSON Schema
//! (`pocnet schema`, docs/scenario.schema.json) is derived from them, field docs and all,
//! with the keyword tables of [`super::schema`].

use super::schema;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A value and where it is in its file (byte offsets), for diagnostics.
#[derive(Deserialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[serde(transparent)]
pub(crate) struct Spanned<T>(toml::Spanned<T>);

impl<T> Spanned<T> {
    pub(crate) fn get_ref(&self) -> &T {
        self.0.get_ref()
    }

    pub(crate) fn span(&self) -> std::ops::Range<usize> {
        self.0.span()
    }
}

/// The schema of the value: where it is in the file is not part of the format.
impl<T: JsonSchema> JsonSchema for Spanned<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

/// A pocnet scenario file (TOML). See docs/scenarios.md. `pocnet check` validates meaning
/// as well as shape.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "pocnet scenario")]
pub(crate) struct RawFile {
    pub(crate) scenario: RawHeader,
    #[serde(default)]
    pub(crate) network: Option<RawNetwork>,
    /// Named response profiles the states refer to.
    #[serde(default)]
    pub(crate) profiles: BTreeMap<String, Spanned<RawProfile>>,
    /// The contact points: entries of their own, or overrides of register entries.
    #[serde(default)]
    pub(crate) states: Vec<Spanned<RawState>>,
    /// Requests made at given times, in file order (C1, C2, ...).
    #[serde(default)]
    pub(crate) injects: Vec<Spanned<RawInject>>,
    /// Requests drawn from the seed: a Poisson process per requesting state.
    #[serde(default)]
    pub(crate) generate: Vec<Spanned<RawGenerate>>,
    #[serde(default)]
    pub(crate) faults: Vec<Spanned<RawFault>>,
    /// Bounds a run must meet (exit code 1 when breached), like k6's.
    #[serde(default)]
    pub(crate) thresholds: Vec<Spanned<RawThreshold>>,
    #[serde(default)]
    pub(crate) exercise: Option<Spanned<RawExercise>>,
    /// The evidence step: the preservation hold and the MLA leg (opt-in). Every value has
    /// a default, an assumption named with its source in the report.
    #[serde(default)]
    pub(crate) mla: Option<Spanned<RawMla>>,
    /// Regional hubs: a hub takes its members' requests while their desks are not staffed.
    #[serde(default)]
    pub(crate) hubs: Vec<Spanned<RawHub>>,
    /// How long providers keep each class of data from its creation, in every state whose
    /// profile says nothing else.
    #[serde(default)]
    #[schemars(schema_with = "schema::retention")]
    pub(crate) retention: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    /// A communication check: test messages to every contact point, answered by a person.
    #[serde(default)]
    pub(crate) ping_check: Option<Spanned<RawPingCheck>>,
    /// How desks work in practice where it differs from what the register declares.
    #[serde(default)]
    pub(crate) practice: Option<Spanned<RawPractice>>,
    /// Register entries that go stale, the register's circulation, and what requesters
    /// do about it (`[[network.fallback]]`).
    #[serde(default)]
    pub(crate) register_decay: Option<Spanned<RawRegisterDecay>>,
    /// The requesters' policy between the two roads to evidence: direct orders to
    /// providers under `[[agreements]]`, and the 24/7 step.
    #[serde(default)]
    pub(crate) roads: Option<Spanned<RawRoads>>,
    /// Providers that answer direct orders, each with its desk (at most 8).
    #[serde(default)]
    pub(crate) providers: Vec<Spanned<RawProvider>>,
    /// Agreements between states under which they order each other's providers (at most 8).
    #[serde(default)]
    pub(crate) agreements: Vec<Spanned<RawAgreement>>,
}

/// `[roads]`: how requesters choose between a direct order and the 24/7 step.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRoads {
    /// The share of requests an agreement covers that go by direct order, drawn per case
    /// (default 1 with agreements: every covered request; the rest take the 24/7 step).
    #[serde(default)]
    #[schemars(schema_with = "schema::probability")]
    pub(crate) direct_share: Option<Spanned<f64>>,
}

/// A provider that answers direct orders: hosted by its home state's node, with a desk of
/// its own (hours, holidays, officers, queue).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProvider {
    /// Unique, at most 128 bytes: what injects and reports name it by.
    pub(crate) name: Spanned<String>,
    /// The state of its legal representative: a contact point of the scenario.
    #[schemars(schema_with = "schema::state_code")]
    pub(crate) home: Spanned<String>,
    /// IANA time zone of its desk (default: the home state's).
    #[serde(default)]
    pub(crate) tz: Option<Spanned<String>>,
    /// Working days (default: the home state's).
    #[serde(default)]
    pub(crate) workweek: Option<Spanned<String>>,
    /// The desk's pattern (default office-hours-on-call: an emergency is answered on call).
    #[serde(default)]
    #[schemars(schema_with = "schema::roster")]
    pub(crate) roster: Option<Spanned<String>>,
    /// Shifts, local time (default 09:00-17:00).
    #[serde(default)]
    #[schemars(schema_with = "schema::hours")]
    pub(crate) hours: Option<Vec<Spanned<String>>>,
    /// Local dates on which no shift works (default: the home state's holidays).
    #[serde(default)]
    #[schemars(schema_with = "schema::dates")]
    pub(crate) holidays: Option<Vec<Spanned<String>>>,
    /// Its officers per mode (default: as many as there is work).
    #[serde(default)]
    pub(crate) officers: Option<Spanned<RawOfficers>>,
    /// An officer's work to find and produce the data of an order, in the desk's staffed
    /// time (default median 16h p90 56h: two and seven 8-hour days; an assumption).
    #[serde(default)]
    #[schemars(schema_with = "schema::delay")]
    pub(crate) work: Option<Spanned<String>>,
    /// The same for an emergency order, in staffed or on-call time (default median 2h p90
    /// 6h; an assumption).
    #[serde(default)]
    #[schemars(schema_with = "schema::delay")]
    pub(crate) emergency_work: Option<Spanned<String>>,
    /// What happens to an order in progress when the desk closes (default next_opening).
    #[serde(default)]
    #[schemars(schema_with = "schema::shift_end")]
    pub(crate) shift_end: Option<Spanned<String>>,
    /// With `shift_end = "hand_over"`: the work a hand-over adds (default 15m, an
    /// assumption).
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(crate) hand_over_cost: Option<Spanned<String>>,
}

/// An agreement among states: any party may order a provider whose home is another party.
/// Every term defaults to the instrument's.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAgreement {
    /// Unique, at most 128 bytes.
    pub(crate) name: Spanned<String>,
    #[schemars(schema_with = "schema::instrument")]
    pub(crate) instrument: Spanned<String>,
    /// The states party to it: at least two contact points of the scenario.
    #[schemars(schema_with = "schema::state_codes")]
    pub(crate) parties: Spanned<Vec<Spanned<String>>>,
    /// From the provider's receipt of an order to its answer.
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(crate) deadline: Option<Spanned<String>>,
    /// The same for an emergency.
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(crate) emergency_deadline: Option<Spanned<String>>,
    /// The review by the provider's state, during which the data is held: a duration, or
    /// false for none.
    #[serde(default)]
    #[schemars(schema_with = "schema::review")]
    pub(crate) review: Option<Spanned<toml::Value>>,
    /// Classes of data whose orders the review holds.
    #[serde(default)]
    #[schemars(schema_with = "schema::data_classes")]
    pub(crate) review_classes: Option<Vec<Spanned<String>>>,
    /// Probability that the review raises a ground for refusal (default 0; an assumption).
    #[serde(default)]
    #[schemars(schema_with = "schema::probability")]
    pub(crate) review_refuse_probability: Option<Spanned<f64>>,
    /// Request kinds an order may be made for.
    #[serde(default)]
    #[schemars(schema_with = "schema::request_kinds")]
    pub(crate) kinds: Option<Vec<Spanned<String>>>,
    /// Classes of data it covers (empty: every class).
    #[serde(default)]
    #[schemars(schema_with = "schema::data_classes")]
    pub(crate) classes: Option<Vec<Spanned<String>>>,
}

/// `[ping_check]`: test messages from one contact point to the others, each answered when
/// a person at the receiving desk acknowledges it.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPingCheck {
    /// The state that sends the pings (default: the first contact point).
    #[serde(default)]
    #[schemars(schema_with = "schema::state_code")]
    pub(crate) from: Option<Spanned<String>>,
    /// The contact points pinged: codes, regions, `*` (default `*`, the sender excepted).
    #[serde(default)]
    #[schemars(schema_with = "schema::sides")]
    pub(crate) to: Option<Vec<Spanned<String>>>,
    /// `random` (default): each ping at a random time over `over`, so at random local
    /// hours; `at-once`: one ping to each at `start`.
    #[serde(default)]
    pub(crate) schedule: Option<Spanned<String>>,
    /// When the check starts (default: the scenario's start), RFC 3339.
    #[serde(default)]
    pub(crate) start: Option<Spanned<String>>,
    /// The period the pings are spread over (default 7d).
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(crate) over: Option<Spanned<String>>,
    /// Pings to each contact point (default 6; `at-once`: 1).
    #[serde(default)]
    pub(crate) per_state: Option<Spanned<i64>>,
    /// A person's answer is expected within this while the declared roster says staffed
    /// (default 1h; an assumption).
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(crate) staffed_within: Option<Spanned<String>>,
    /// ... and within this while it says on call (default 24h; an assumption).
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(crate) on_call_within: Option<Spanned<String>>,
}

/// A profile's verification of the requesting authority.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVerify {
    /// The kinds verified (default: emergency).
    #[serde(default)]
    #[schemars(schema_with = "schema::request_kinds")]
    pub(crate) kinds: Option<Vec<Spanned<String>>>,
    /// `call-back` (to the requesting desk, on the register's number) or `supervisor`.
    pub(crate) how: Spanned<String>,
    /// Its own work: placing the call, the supervisor's review (a delay).
    #[schemars(schema_with = "schema::delay")]
    pub(crate) time: Spanned<String>,
    /// `staffed` (default): in staffed hours only; `staffed-or-on-call`.
    #[serde(default)]
    pub(crate) hours: Option<Spanned<String>>,
    /// The probability a forgery is caught (default: call-back 1, supervisor 0.5; an
    /// assumption).
    #[serde(default)]
    #[schemars(schema_with = "schema::probability")]
    pub(crate) catches: Option<Spanned<f64>>,
}

/// `[register_decay]`: entries that go stale between circulations of the register.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRegisterDecay {
    /// How often a contact point's entry changes (a new officer, number or address), per
    /// entry and year (an assumption: no published rate of turnover exists).
    #[schemars(schema_with = "schema::non_negative")]
    pub(crate) changes_per_year: Spanned<f64>,
    /// Share of changes the state notifies to the Secretary-General (default 0.5, an
    /// assumption); the rest only a communication check finds.
    #[serde(default)]
    #[schemars(schema_with = "schema::probability")]
    pub(crate) notified: Option<Spanned<f64>>,
    /// From a change to its notification reaching the register (default 30d, an
    /// assumption).
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(crate) notice_delay: Option<Spanned<String>>,
    /// How often the register is circulated: `yearly` (default: Art. 41), `quarterly`, or
    /// a duration like 30d.
    #[serde(default)]
    pub(crate) circulation: Option<Spanned<String>>,
    /// When it was last circulated before the scenario, RFC 3339 (default: half a period
    /// before the start).
    #[serde(default)]
    pub(crate) last_circulated: Option<Spanned<String>>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFallback {
    /// The channel's name (INTERPOL I-24/7, G7 24/7 network).
    pub(crate) name: Spanned<String>,
    /// Its one-way delay, as a duration (no fault of the 24/7 network touches it).
    #[schemars(schema_with = "schema::duration")]
    pub(crate) delay: Spanned<String>,
}

/// `[practice]`: desks that do not work as the register declares.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPractice {
    /// Share of the contact points declared staffed 24/7 that keep office hours only in
    /// practice, drawn per state from the seed (an assumption: no published figure).
    #[serde(default)]
    #[schemars(schema_with = "schema::probability")]
    pub(crate) paper_24_7: Option<Spanned<f64>>,
}

/// A regional hub: the state whose contact point covers its members' nights.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHub {
    #[schemars(schema_with = "schema::state_code")]
    pub(crate) hub: Spanned<String>,
    /// The states it covers: codes, regions of the scenario's states.
    #[schemars(schema_with = "schema::sides")]
    pub(crate) members: Vec<Spanned<String>>,
    /// When it covers, in its own local time, every day.
    #[schemars(schema_with = "schema::hours")]
    pub(crate) hours: Vec<Spanned<String>>,
    /// Kinds the hub executes itself (default technical_advice, locate_suspect, emergency);
    /// it hands the rest back to the member, which alone can order its providers.
    #[serde(default)]
    #[schemars(schema_with = "schema::request_kinds")]
    pub(crate) executes: Option<Vec<Spanned<String>>>,
    /// The hub desk's officers (default: as many as there is work).
    #[serde(default)]
    pub(crate) officers: Option<RawOfficers>,
}

/// The MLA leg and the hold: scenario-wide in `[mla]`, per profile in `[profiles.NAME.mla]`.
#[derive(Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMla {
    /// Kinds that need an MLA request after the 24/7 step (default preservation,
    /// traffic_disclosure).
    #[serde(default)]
    #[schemars(schema_with = "schema::request_kinds")]
    pub(crate) kinds: Option<Vec<Spanned<String>>>,
    /// Kinds the 24/7 step itself discloses as usable evidence (default emergency).
    #[serde(default)]
    #[schemars(schema_with = "schema::request_kinds")]
    pub(crate) direct_kinds: Option<Vec<Spanned<String>>>,
    /// The central authority's office hours, local time, on the state's working days
    /// (default 09:00-17:00).
    #[serde(default)]
    #[schemars(schema_with = "schema::hours")]
    pub(crate) hours: Option<Spanned<Vec<Spanned<String>>>>,
    /// The requesting central authority drafts the MLA request (office time).
    #[serde(default)]
    #[schemars(schema_with = "schema::delay")]
    pub(crate) drafting: Option<Spanned<String>>,
    /// Translation into a language the requested state accepts (office time).
    #[serde(default)]
    #[schemars(schema_with = "schema::delay")]
    pub(crate) translation: Option<Spanned<String>>,
    /// Central authority to central authority, each way (calendar time).
    #[serde(default)]
    #[schemars(schema_with = "schema::delay")]
    pub(crate) transmission: Option<Spanned<String>>,
    /// The requested central authority's backlog before work starts (calendar time).
    #[serde(default)]
    #[schemars(schema_with = "schema::delay")]
    pub(crate) queue: Option<Spanned<String>>,
    /// The requested central authority's work on it (office time).
    #[serde(default)]
    #[schemars(schema_with = "schema::delay")]
    pub(crate) execution: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::probability")]
    pub(crate) refuse_probability: Option<Spanned<f64>>,
    #[serde(default)]
    pub(crate) refusal_grounds: Option<Spanned<Vec<String>>>,
    /// Share of preservations an MLA request follows.
    #[serde(default)]
    #[schemars(schema_with = "schema::probability")]
    pub(crate) pursue_probability: Option<Spanned<f64>>,
    /// As requested state: share of confidential requests it warns would be threatened.
    #[serde(default)]
    #[schemars(schema_with = "schema::probability")]
    pub(crate) confidentiality_notice_probability: Option<Spanned<f64>>,
    /// As requester: share of such warnings on which it withdraws.
    #[serde(default)]
    #[schemars(schema_with = "schema::probability")]
    pub(crate) withdraw_on_confidentiality_probability: Option<Spanned<f64>>,
    /// The preservation hold this state's law gives (at least 60d; default 90d).
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(crate) hold: Option<Spanned<String>>,
    /// Renewable once for as long again (default false).
    #[serde(default)]
    pub(crate) hold_renewable: Option<bool>,
    /// The central authority's officers for MLA work (default: as many as there is work).
    #[serde(default)]
    pub(crate) officers: Option<RawOfficers>,
}

/// A tabletop exercise: the states people play at the operator console, and the
/// objectives the after-action report rates. The exercise ends at the scenario's `end`;
/// requests still open then end unfinished.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExercise {
    /// ISO 3166 alpha-3 codes of the contact points played by people: they take no step
    /// by themselves.
    #[serde(default)]
    #[schemars(schema_with = "schema::state_codes")]
    pub(crate) players: Vec<Spanned<String>>,
    #[serde(default)]
    pub(crate) objectives: Vec<Spanned<RawObjective>>,
}

/// An action an inject expects of a player, judged by the after-action report.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExpectedAction {
    /// acknowledge, fulfil, refuse, hand_to_central_authority or ask_translation.
    pub(crate) action: Spanned<String>,
    /// The player who should take it (default: the inject's receiver).
    #[serde(default)]
    #[schemars(schema_with = "schema::state_code")]
    pub(crate) by: Option<Spanned<String>>,
    /// How long after the request reached `by` (default: any time before the end).
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(crate) within: Option<Spanned<String>>,
    /// A refusal: words its ground must contain (case aside).
    #[serde(default)]
    pub(crate) ground: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawObjective {
    pub(crate) name: String,
    /// Receivers judged (default: the players).
    #[serde(default)]
    #[schemars(schema_with = "schema::state_codes")]
    pub(crate) states: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::request_kind")]
    pub(crate) kind: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(crate) acknowledge_within: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(crate) fulfil_within: Option<Spanned<String>>,
}

/// A register of contact points (`scenarios/registers/*.toml`).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "pocnet register")]
pub(crate) struct RawRegister {
    #[serde(default)]
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) profiles: BTreeMap<String, Spanned<RawProfile>>,
    pub(crate) contact_points: Vec<Spanned<RawState>>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHeader {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) description: String,
    /// Every random draw of the run comes from it (`pocnet run --seed` overrides it).
    #[schemars(schema_with = "schema::seed")]
    pub(crate) seed: Spanned<i64>,
    #[schemars(schema_with = "schema::utc_time")]
    pub(crate) start: Spanned<String>,
    /// Default: 7 days after `start`.
    #[serde(default)]
    #[schemars(schema_with = "schema::utc_time")]
    pub(crate) end: Option<Spanned<String>>,
    /// Register file, relative to the scenario.
    #[serde(default)]
    pub(crate) register: Option<Spanned<String>>,
    /// Register entries to take (default: all).
    #[serde(default)]
    #[schemars(schema_with = "schema::sides")]
    pub(crate) include: Option<Vec<Spanned<String>>>,
    /// Acknowledgement SLA for the report's coverage section (default 1h).
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(crate) ack_sla: Option<Spanned<String>>,
    /// Whether the mesh restarts a node that dies (default true).
    #[serde(default)]
    pub(crate) restart_nodes: Option<bool>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNetwork {
    /// One-way delay of every link without a rule of its own (default 200ms).
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(crate) link_delay: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) links: Vec<Spanned<RawLink>>,
    /// Channels a requester falls back on, in order, when a request sent through the
    /// register's entry has no delivery receipt by its profile's `resend_after`.
    #[serde(default)]
    pub(crate) fallback: Vec<Spanned<RawFallback>>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLink {
    /// The two sides of the links the rule sets.
    #[schemars(schema_with = "schema::sides")]
    pub(crate) between: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(crate) delay: Option<Spanned<String>>,
    /// Share of envelopes lost on these links.
    #[serde(default)]
    #[schemars(schema_with = "schema::loss")]
    pub(crate) loss: Option<Spanned<f64>>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFault {
    #[schemars(schema_with = "schema::fault_kind")]
    pub(crate) kind: Spanned<String>,
    #[serde(default)]
    #[schemars(schema_with = "schema::state_code")]
    pub(crate) state: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::utc_time")]
    pub(crate) from: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::utc_time")]
    pub(crate) until: Option<Spanned<String>>,
    /// `partition` faults: one side.
    #[serde(default)]
    #[schemars(schema_with = "schema::sides")]
    pub(crate) a: Option<Vec<Spanned<String>>>,
    /// `partition` faults: the other side (`*`: everyone not in `a`).
    #[serde(default)]
    #[schemars(schema_with = "schema::sides")]
    pub(crate) b: Option<Vec<Spanned<String>>>,
    /// `cut` faults: how long the cut lasts, in real time (at most 30s).
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(crate) lasting: Option<Spanned<String>>,
}

/// A delay for each mode of the desk.
#[derive(Deserialize, Clone, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawByMode {
    /// While a shift is on.
    #[schemars(schema_with = "schema::delay")]
    pub(crate) staffed: Spanned<String>,
    /// Outside the shifts, when an officer is on call.
    #[schemars(schema_with = "schema::delay")]
    pub(crate) on_call: Spanned<String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawKindDelays {
    #[serde(default)]
    pub(crate) acknowledge: Option<RawByMode>,
    #[serde(default)]
    pub(crate) fulfil: Option<RawByMode>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProfile {
    /// From delivery (or the next opening) to a person's acknowledgement.
    pub(crate) acknowledge: RawByMode,
    /// From the acknowledgement to the execution.
    pub(crate) fulfil: RawByMode,
    /// Delays of particular request kinds, in place of the profile's.
    #[serde(default)]
    #[schemars(schema_with = "schema::by_request_kind::<RawKindDelays>")]
    pub(crate) kinds: BTreeMap<Spanned<String>, RawKindDelays>,
    /// Translation of a request in a language the contact point does not accept.
    #[serde(default)]
    #[schemars(schema_with = "schema::delay")]
    pub(crate) translation: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::probability")]
    pub(crate) refuse_probability: Option<Spanned<f64>>,
    #[serde(default)]
    pub(crate) refusal_ground: Option<String>,
    /// Requester: send again while there is no delivery receipt or acknowledgement.
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(crate) resend_after: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::resends_max")]
    pub(crate) resends_max: Option<Spanned<i64>>,
    /// Requester: call the duty officer when there is no final response by then.
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(crate) escalate_after: Option<Spanned<String>>,
    /// Requester: stop waiting (the case expires).
    #[schemars(schema_with = "schema::duration")]
    pub(crate) give_up_after: Spanned<String>,
    #[serde(default)]
    pub(crate) central_authority: Option<RawCentralAuthority>,
    /// Kinds the on-call officer takes outside the shifts (default: every kind).
    #[serde(default)]
    #[schemars(schema_with = "schema::request_kinds")]
    pub(crate) on_call_kinds: Option<Vec<Spanned<String>>>,
    /// This state's MLA leg and hold, where they differ from `[mla]`.
    #[serde(default)]
    pub(crate) mla: Option<Spanned<RawMla>>,
    /// The contact point's officers per mode (opt-in: a queue forms when they are busy).
    #[serde(default)]
    pub(crate) officers: Option<Spanned<RawOfficers>>,
    /// The contact point's translators per mode (opt-in: requests in a language it does
    /// not accept wait for a free one; on call default 0).
    #[serde(default)]
    pub(crate) translators: Option<Spanned<RawOfficers>>,
    /// Which requests the desk verifies before executing them, and how.
    #[serde(default)]
    pub(crate) verify: Option<Spanned<RawVerify>>,
    /// The order of the queue (default emergency-then-deadline).
    #[serde(default)]
    #[schemars(schema_with = "schema::queue_order")]
    pub(crate) queue: Option<Spanned<String>>,
    /// What happens to work in progress at a counted desk when its shift ends (default
    /// next_opening: it waits).
    #[serde(default)]
    #[schemars(schema_with = "schema::shift_end")]
    pub(crate) shift_end: Option<Spanned<String>>,
    /// With `shift_end = "hand_over"`: the work a hand-over adds (default 15m, an
    /// assumption).
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(crate) hand_over_cost: Option<Spanned<String>>,
    /// How long providers in this state keep each class of data, where it differs from
    /// `[retention]`.
    #[serde(default)]
    #[schemars(schema_with = "schema::retention")]
    pub(crate) retention: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
}

/// Officers at a desk per roster mode: counting them makes work wait in a queue for a free
/// one (without, every request is worked on as if someone were free).
#[derive(Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOfficers {
    /// While a shift is on (at least 1).
    #[schemars(schema_with = "schema::officers")]
    pub(crate) staffed: Spanned<i64>,
    /// Outside the shifts, when an officer is on call (default 0, or 1 for a contact point
    /// that is on call).
    #[serde(default)]
    #[schemars(schema_with = "schema::officers")]
    pub(crate) on_call: Option<Spanned<i64>>,
}

/// The office that executes some kinds, in its own hours.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCentralAuthority {
    #[schemars(schema_with = "schema::request_kinds")]
    pub(crate) kinds: Vec<Spanned<String>>,
    #[schemars(schema_with = "schema::delay")]
    pub(crate) delay: Spanned<String>,
    /// Its office hours, local time, on the contact point's working days (default
    /// 09:00-17:00).
    #[serde(default)]
    #[schemars(schema_with = "schema::hours")]
    pub(crate) hours: Option<Spanned<Vec<Spanned<String>>>>,
    /// Its officers; with them `delay` is each one's work time in office hours.
    #[serde(default)]
    pub(crate) officers: Option<RawOfficers>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawState {
    #[schemars(schema_with = "schema::state_code")]
    pub(crate) code: Spanned<String>,
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) region: Option<String>,
    /// IANA time zone, e.g. Asia/Ho_Chi_Minh (the bundled database's, never the host's).
    #[serde(default)]
    pub(crate) tz: Option<Spanned<String>>,
    /// Working days: Mon-Fri, Sun-Thu, Sat-Wed, Mon-Thu,Sat ...
    #[serde(default)]
    pub(crate) workweek: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::roster")]
    pub(crate) roster: Option<Spanned<String>>,
    /// Shifts, local time (default 09:00-17:00).
    #[serde(default)]
    #[schemars(schema_with = "schema::hours")]
    pub(crate) hours: Option<Vec<Spanned<String>>>,
    /// Local dates on which no shift works.
    #[serde(default)]
    #[schemars(schema_with = "schema::dates")]
    pub(crate) holidays: Option<Vec<Spanned<String>>>,
    /// Languages accepted without translation, language tags.
    #[serde(default)]
    pub(crate) languages: Option<Vec<String>>,
    /// The roster the register declares, where the desk works otherwise (`roster`): what a
    /// ping check compares answers with.
    #[serde(default)]
    #[schemars(schema_with = "schema::roster")]
    pub(crate) declared: Option<Spanned<String>>,
    /// When the register's entry was last verified (a date, 2025-06-01): it goes stale
    /// from then at `[register_decay]`'s rate.
    #[serde(default)]
    #[schemars(schema_with = "schema::date")]
    pub(crate) verified: Option<Spanned<String>>,
    /// A profile of this file or of the register.
    #[serde(default)]
    pub(crate) profile: Option<Spanned<String>>,
}

/// A request at a given time. The Art. 42 fields (a) to (g) have defaults.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInject {
    #[schemars(schema_with = "schema::utc_time")]
    pub(crate) at: Spanned<String>,
    #[schemars(schema_with = "schema::state_code")]
    pub(crate) from: Spanned<String>,
    /// The requested state (may be left out with `provider`: its home).
    #[serde(default)]
    #[schemars(schema_with = "schema::state_code")]
    pub(crate) to: Option<Spanned<String>>,
    #[schemars(schema_with = "schema::request_kind")]
    pub(crate) kind: Spanned<String>,
    /// The provider that holds the data (a `[[providers]]` name, at home in `to`): the
    /// request may go to it by direct order where an agreement covers it.
    #[serde(default)]
    pub(crate) provider: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) language: Option<String>,
    #[serde(default)]
    pub(crate) authority: Option<String>,
    #[serde(default)]
    pub(crate) offence: Option<String>,
    #[serde(default)]
    pub(crate) data: Option<String>,
    #[serde(default)]
    pub(crate) custodian: Option<String>,
    #[serde(default)]
    pub(crate) necessity: Option<String>,
    #[serde(default)]
    pub(crate) mla_to_follow: Option<bool>,
    #[serde(default)]
    pub(crate) confidential: Option<bool>,
    /// When the provider deletes the data (or `retention` after `at`).
    #[serde(default)]
    #[schemars(schema_with = "schema::utc_time")]
    pub(crate) evidence_deleted_at: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(crate) retention: Option<Spanned<String>>,
    /// Art. 43: the states whose providers each fulfilled link reveals, in order.
    #[serde(default)]
    #[schemars(schema_with = "schema::state_codes")]
    pub(crate) chain: Vec<Spanned<String>>,
    /// Exercises: the action expected of the receiver, for the after-action report.
    #[serde(default)]
    pub(crate) expect: Option<String>,
    /// Exercises: the same, as actions pocnet judges (each done by whom, within how long).
    #[serde(default)]
    pub(crate) expect_actions: Vec<Spanned<RawExpectedAction>>,
    /// Classes of data asked for; each holding state's retention gives their deletion.
    #[serde(default)]
    #[schemars(schema_with = "schema::data_classes")]
    pub(crate) data_classes: Vec<Spanned<String>>,
    /// How old the data is when the case starts (default 0).
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(crate) data_age: Option<Spanned<String>>,
    /// A forgery over the genuine channel (a compromised mailbox, a false authority): only
    /// the receiver's verification can tell.
    #[serde(default)]
    pub(crate) forged: Option<bool>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawGenerate {
    /// Requesting states (default: all).
    #[serde(default)]
    #[schemars(schema_with = "schema::sides")]
    pub(crate) from: Option<Vec<Spanned<String>>>,
    /// Mean requests a day from each requesting state.
    #[schemars(schema_with = "schema::rate_per_day")]
    pub(crate) rate_per_day: Spanned<f64>,
    #[serde(default)]
    #[schemars(schema_with = "schema::utc_time")]
    pub(crate) start: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::utc_time")]
    pub(crate) end: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::diurnal")]
    pub(crate) diurnal: Option<Spanned<String>>,
    /// Relative weight of each kind.
    #[schemars(schema_with = "schema::weights_by_request_kind")]
    pub(crate) kinds: BTreeMap<Spanned<String>, Spanned<f64>>,
    /// Relative weight of each receiving state or region: the first entry that matches
    /// (default: all alike).
    #[serde(default)]
    #[schemars(schema_with = "schema::weights")]
    pub(crate) targets: Option<BTreeMap<Spanned<String>, Spanned<f64>>>,
    /// How long the provider keeps the data of a generated preservation request.
    #[serde(default)]
    #[schemars(schema_with = "schema::delay")]
    pub(crate) retention: Option<Spanned<String>>,
    /// Share of generated traffic-data requests that reveal a provider in a third state.
    #[serde(default)]
    #[schemars(schema_with = "schema::probability")]
    pub(crate) chain_probability: Option<Spanned<f64>>,
    /// A language tag, or `requester` for the requester's first language.
    #[serde(default)]
    pub(crate) language: Option<String>,
    /// Classes of data each generated request asks for.
    #[serde(default)]
    #[schemars(schema_with = "schema::data_classes")]
    pub(crate) data_classes: Vec<Spanned<String>>,
    /// How old the data is when a generated case starts, drawn per case (default 0).
    #[serde(default)]
    #[schemars(schema_with = "schema::delay")]
    pub(crate) data_age: Option<Spanned<String>>,
    /// The share of generated requests that are forgeries over the genuine channel, drawn
    /// per request on a stream of its own (default 0; an assumption).
    #[serde(default)]
    #[schemars(schema_with = "schema::probability")]
    pub(crate) forged_share: Option<Spanned<f64>>,
    /// Providers (`[[providers]]` names): a request to a state that is home to some of
    /// them names one, drawn per request on a stream of its own.
    #[serde(default)]
    pub(crate) providers: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawThreshold {
    #[schemars(schema_with = "schema::metric")]
    pub(crate) metric: Spanned<String>,
    #[serde(default)]
    #[schemars(schema_with = "schema::request_kind")]
    pub(crate) kind: Option<Spanned<String>>,
    /// Only requests to states of this region.
    #[serde(default)]
    pub(crate) region: Option<Spanned<String>>,
    /// Time metrics (required): the statistic bounded. Ratios take none.
    #[serde(default)]
    #[schemars(schema_with = "schema::stat")]
    pub(crate) stat: Option<Spanned<String>>,
    /// The value must stay below this (a duration for time metrics, a share in [0, 1]).
    #[serde(default)]
    #[schemars(schema_with = "schema::bound")]
    pub(crate) below: Option<Spanned<toml::Value>>,
    /// Or above this (for shares that should be high, like `disclosed_ratio`).
    #[serde(default)]
    #[schemars(schema_with = "schema::bound")]
    pub(crate) above: Option<Spanned<toml::Value>>,
}
