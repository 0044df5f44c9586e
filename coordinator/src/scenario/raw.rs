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
pub(super) struct RawFile {
    pub(super) scenario: RawHeader,
    #[serde(default)]
    pub(super) network: Option<RawNetwork>,
    /// Named response profiles the states refer to.
    #[serde(default)]
    pub(super) profiles: BTreeMap<String, Spanned<RawProfile>>,
    /// The contact points: entries of their own, or overrides of register entries.
    #[serde(default)]
    pub(super) states: Vec<Spanned<RawState>>,
    /// Requests made at given times, in file order (C1, C2, ...).
    #[serde(default)]
    pub(super) injects: Vec<Spanned<RawInject>>,
    /// Requests drawn from the seed: a Poisson process per requesting state.
    #[serde(default)]
    pub(super) generate: Vec<Spanned<RawGenerate>>,
    #[serde(default)]
    pub(super) faults: Vec<Spanned<RawFault>>,
    /// Bounds a run must meet (exit code 1 when breached), like k6's.
    #[serde(default)]
    pub(super) thresholds: Vec<Spanned<RawThreshold>>,
    #[serde(default)]
    pub(super) exercise: Option<Spanned<RawExercise>>,
    /// The evidence step: the preservation hold and the MLA leg (opt-in). Every value has
    /// a default, an assumption named with its source in the report.
    #[serde(default)]
    pub(super) mla: Option<Spanned<RawMla>>,
    /// Regional hubs: a hub takes its members' requests while their desks are not staffed.
    #[serde(default)]
    pub(super) hubs: Vec<Spanned<RawHub>>,
    /// How long providers keep each class of data from its creation, in every state whose
    /// profile says nothing else.
    #[serde(default)]
    #[schemars(schema_with = "schema::retention")]
    pub(super) retention: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
}

/// A regional hub: the state whose contact point covers its members' nights.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHub {
    #[schemars(schema_with = "schema::state_code")]
    pub(super) hub: Spanned<String>,
    /// The states it covers: codes, regions of the scenario's states.
    #[schemars(schema_with = "schema::sides")]
    pub(super) members: Vec<Spanned<String>>,
    /// When it covers, in its own local time, every day.
    #[schemars(schema_with = "schema::hours")]
    pub(super) hours: Vec<Spanned<String>>,
    /// Kinds the hub executes itself (default technical_advice, locate_suspect, emergency);
    /// it hands the rest back to the member, which alone can order its providers.
    #[serde(default)]
    #[schemars(schema_with = "schema::request_kinds")]
    pub(super) executes: Option<Vec<Spanned<String>>>,
    /// The hub desk's officers (default: as many as there is work).
    #[serde(default)]
    pub(super) officers: Option<RawOfficers>,
}

/// The MLA leg and the hold: scenario-wide in `[mla]`, per profile in `[profiles.NAME.mla]`.
#[derive(Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMla {
    /// Kinds that need an MLA request after the 24/7 step (default preservation,
    /// traffic_disclosure).
    #[serde(default)]
    #[schemars(schema_with = "schema::request_kinds")]
    pub(super) kinds: Option<Vec<Spanned<String>>>,
    /// Kinds the 24/7 step itself discloses as usable evidence (default emergency).
    #[serde(default)]
    #[schemars(schema_with = "schema::request_kinds")]
    pub(super) direct_kinds: Option<Vec<Spanned<String>>>,
    /// The central authority's office hours, local time, on the state's working days
    /// (default 09:00-17:00).
    #[serde(default)]
    #[schemars(schema_with = "schema::hours")]
    pub(super) hours: Option<Vec<Spanned<String>>>,
    /// The requesting central authority drafts the MLA request (office time).
    #[serde(default)]
    #[schemars(schema_with = "schema::delay")]
    pub(super) drafting: Option<Spanned<String>>,
    /// Translation into a language the requested state accepts (office time).
    #[serde(default)]
    #[schemars(schema_with = "schema::delay")]
    pub(super) translation: Option<Spanned<String>>,
    /// Central authority to central authority, each way (calendar time).
    #[serde(default)]
    #[schemars(schema_with = "schema::delay")]
    pub(super) transmission: Option<Spanned<String>>,
    /// The requested central authority's backlog before work starts (calendar time).
    #[serde(default)]
    #[schemars(schema_with = "schema::delay")]
    pub(super) queue: Option<Spanned<String>>,
    /// The requested central authority's work on it (office time).
    #[serde(default)]
    #[schemars(schema_with = "schema::delay")]
    pub(super) execution: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::probability")]
    pub(super) refuse_probability: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) refusal_grounds: Option<Spanned<Vec<String>>>,
    /// Share of preservations an MLA request follows.
    #[serde(default)]
    #[schemars(schema_with = "schema::probability")]
    pub(super) pursue_probability: Option<Spanned<f64>>,
    /// As requested state: share of confidential requests it warns would be threatened.
    #[serde(default)]
    #[schemars(schema_with = "schema::probability")]
    pub(super) confidentiality_notice_probability: Option<Spanned<f64>>,
    /// As requester: share of such warnings on which it withdraws.
    #[serde(default)]
    #[schemars(schema_with = "schema::probability")]
    pub(super) withdraw_on_confidentiality_probability: Option<Spanned<f64>>,
    /// The preservation hold this state's law gives (at least 60d; default 90d).
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(super) hold: Option<Spanned<String>>,
    /// Renewable once for as long again (default false).
    #[serde(default)]
    pub(super) hold_renewable: Option<bool>,
    /// The central authority's officers for MLA work (default: as many as there is work).
    #[serde(default)]
    pub(super) officers: Option<RawOfficers>,
}

/// A tabletop exercise: the states people play at the operator console, and the
/// objectives the after-action report rates. The exercise ends at the scenario's `end`;
/// requests still open then end unfinished.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExercise {
    /// ISO 3166 alpha-3 codes of the contact points played by people: they take no step
    /// by themselves.
    #[serde(default)]
    #[schemars(schema_with = "schema::state_codes")]
    pub(super) players: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) objectives: Vec<Spanned<RawObjective>>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawObjective {
    pub(super) name: String,
    /// Receivers judged (default: the players).
    #[serde(default)]
    #[schemars(schema_with = "schema::state_codes")]
    pub(super) states: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::request_kind")]
    pub(super) kind: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(super) acknowledge_within: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(super) fulfil_within: Option<Spanned<String>>,
}

/// A register of contact points (`scenarios/registers/*.toml`).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "pocnet register")]
pub(super) struct RawRegister {
    #[serde(default)]
    pub(super) description: String,
    #[serde(default)]
    pub(super) profiles: BTreeMap<String, Spanned<RawProfile>>,
    pub(super) contact_points: Vec<Spanned<RawState>>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHeader {
    pub(super) name: String,
    #[serde(default)]
    pub(super) description: String,
    /// Every random draw of the run comes from it (`pocnet run --seed` overrides it).
    #[schemars(schema_with = "schema::seed")]
    pub(super) seed: Spanned<i64>,
    #[schemars(schema_with = "schema::utc_time")]
    pub(super) start: Spanned<String>,
    /// Default: 7 days after `start`.
    #[serde(default)]
    #[schemars(schema_with = "schema::utc_time")]
    pub(super) end: Option<Spanned<String>>,
    /// Register file, relative to the scenario.
    #[serde(default)]
    pub(super) register: Option<Spanned<String>>,
    /// Register entries to take (default: all).
    #[serde(default)]
    #[schemars(schema_with = "schema::sides")]
    pub(super) include: Option<Vec<Spanned<String>>>,
    /// Acknowledgement SLA for the report's coverage section (default 1h).
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(super) ack_sla: Option<Spanned<String>>,
    /// Whether the mesh restarts a node that dies (default true).
    #[serde(default)]
    pub(super) restart_nodes: Option<bool>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNetwork {
    /// One-way delay of every link without a rule of its own (default 200ms).
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(super) link_delay: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) links: Vec<Spanned<RawLink>>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLink {
    /// The two sides of the links the rule sets.
    #[schemars(schema_with = "schema::sides")]
    pub(super) between: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(super) delay: Option<Spanned<String>>,
    /// Share of envelopes lost on these links.
    #[serde(default)]
    #[schemars(schema_with = "schema::loss")]
    pub(super) loss: Option<Spanned<f64>>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFault {
    #[schemars(schema_with = "schema::fault_kind")]
    pub(super) kind: Spanned<String>,
    #[serde(default)]
    #[schemars(schema_with = "schema::state_code")]
    pub(super) state: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::utc_time")]
    pub(super) from: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::utc_time")]
    pub(super) until: Option<Spanned<String>>,
    /// `partition` faults: one side.
    #[serde(default)]
    #[schemars(schema_with = "schema::sides")]
    pub(super) a: Option<Vec<Spanned<String>>>,
    /// `partition` faults: the other side (`*`: everyone not in `a`).
    #[serde(default)]
    #[schemars(schema_with = "schema::sides")]
    pub(super) b: Option<Vec<Spanned<String>>>,
    /// `cut` faults: how long the cut lasts, in real time (at most 30s).
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(super) lasting: Option<Spanned<String>>,
}

/// A delay for each mode of the desk.
#[derive(Deserialize, Clone, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawByMode {
    /// While a shift is on.
    #[schemars(schema_with = "schema::delay")]
    pub(super) staffed: Spanned<String>,
    /// Outside the shifts, when an officer is on call.
    #[schemars(schema_with = "schema::delay")]
    pub(super) on_call: Spanned<String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawKindDelays {
    #[serde(default)]
    pub(super) acknowledge: Option<RawByMode>,
    #[serde(default)]
    pub(super) fulfil: Option<RawByMode>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProfile {
    /// From delivery (or the next opening) to a person's acknowledgement.
    pub(super) acknowledge: RawByMode,
    /// From the acknowledgement to the execution.
    pub(super) fulfil: RawByMode,
    /// Delays of particular request kinds, in place of the profile's.
    #[serde(default)]
    #[schemars(schema_with = "schema::by_request_kind::<RawKindDelays>")]
    pub(super) kinds: BTreeMap<Spanned<String>, RawKindDelays>,
    /// Translation of a request in a language the contact point does not accept.
    #[serde(default)]
    #[schemars(schema_with = "schema::delay")]
    pub(super) translation: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::probability")]
    pub(super) refuse_probability: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) refusal_ground: Option<String>,
    /// Requester: send again while there is no delivery receipt or acknowledgement.
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(super) resend_after: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::resends_max")]
    pub(super) resends_max: Option<Spanned<i64>>,
    /// Requester: call the duty officer when there is no final response by then.
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(super) escalate_after: Option<Spanned<String>>,
    /// Requester: stop waiting (the case expires).
    #[schemars(schema_with = "schema::duration")]
    pub(super) give_up_after: Spanned<String>,
    #[serde(default)]
    pub(super) central_authority: Option<RawCentralAuthority>,
    /// Kinds the on-call officer takes outside the shifts (default: every kind).
    #[serde(default)]
    #[schemars(schema_with = "schema::request_kinds")]
    pub(super) on_call_kinds: Option<Vec<Spanned<String>>>,
    /// This state's MLA leg and hold, where they differ from `[mla]`.
    #[serde(default)]
    pub(super) mla: Option<Spanned<RawMla>>,
    /// The contact point's officers per mode (opt-in: a queue forms when they are busy).
    #[serde(default)]
    pub(super) officers: Option<Spanned<RawOfficers>>,
    /// The order of the queue (default emergency-then-deadline).
    #[serde(default)]
    #[schemars(schema_with = "schema::queue_order")]
    pub(super) queue: Option<Spanned<String>>,
    /// How long providers in this state keep each class of data, where it differs from
    /// `[retention]`.
    #[serde(default)]
    #[schemars(schema_with = "schema::retention")]
    pub(super) retention: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
}

/// Officers at a desk per roster mode: counting them makes work wait in a queue for a free
/// one (without, every request is worked on as if someone were free).
#[derive(Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOfficers {
    /// While a shift is on (at least 1).
    #[schemars(schema_with = "schema::officers")]
    pub(super) staffed: Spanned<i64>,
    /// Outside the shifts, when an officer is on call (default 0, or 1 for a contact point
    /// that is on call).
    #[serde(default)]
    #[schemars(schema_with = "schema::officers")]
    pub(super) on_call: Option<Spanned<i64>>,
}

/// The office that executes some kinds, in its own hours.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCentralAuthority {
    #[schemars(schema_with = "schema::request_kinds")]
    pub(super) kinds: Vec<Spanned<String>>,
    #[schemars(schema_with = "schema::delay")]
    pub(super) delay: Spanned<String>,
    /// Its office hours, local time, on the contact point's working days (default
    /// 09:00-17:00).
    #[serde(default)]
    #[schemars(schema_with = "schema::hours")]
    pub(super) hours: Option<Vec<Spanned<String>>>,
    /// Its officers; with them `delay` is each one's work time in office hours.
    #[serde(default)]
    pub(super) officers: Option<RawOfficers>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawState {
    #[schemars(schema_with = "schema::state_code")]
    pub(super) code: Spanned<String>,
    #[serde(default)]
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) region: Option<String>,
    /// IANA time zone, e.g. Asia/Ho_Chi_Minh (the bundled database's, never the host's).
    #[serde(default)]
    pub(super) tz: Option<Spanned<String>>,
    /// Working days: Mon-Fri, Sun-Thu, Sat-Wed, Mon-Thu,Sat ...
    #[serde(default)]
    pub(super) workweek: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::roster")]
    pub(super) roster: Option<Spanned<String>>,
    /// Shifts, local time (default 09:00-17:00).
    #[serde(default)]
    #[schemars(schema_with = "schema::hours")]
    pub(super) hours: Option<Vec<Spanned<String>>>,
    /// Local dates on which no shift works.
    #[serde(default)]
    #[schemars(schema_with = "schema::dates")]
    pub(super) holidays: Option<Vec<Spanned<String>>>,
    /// Languages accepted without translation, language tags.
    #[serde(default)]
    pub(super) languages: Option<Vec<String>>,
    /// A profile of this file or of the register.
    #[serde(default)]
    pub(super) profile: Option<Spanned<String>>,
}

/// A request at a given time. The Art. 42 fields (a) to (g) have defaults.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawInject {
    #[schemars(schema_with = "schema::utc_time")]
    pub(super) at: Spanned<String>,
    #[schemars(schema_with = "schema::state_code")]
    pub(super) from: Spanned<String>,
    #[schemars(schema_with = "schema::state_code")]
    pub(super) to: Spanned<String>,
    #[schemars(schema_with = "schema::request_kind")]
    pub(super) kind: Spanned<String>,
    #[serde(default)]
    pub(super) language: Option<String>,
    #[serde(default)]
    pub(super) authority: Option<String>,
    #[serde(default)]
    pub(super) offence: Option<String>,
    #[serde(default)]
    pub(super) data: Option<String>,
    #[serde(default)]
    pub(super) custodian: Option<String>,
    #[serde(default)]
    pub(super) necessity: Option<String>,
    #[serde(default)]
    pub(super) mla_to_follow: Option<bool>,
    #[serde(default)]
    pub(super) confidential: Option<bool>,
    /// When the provider deletes the data (or `retention` after `at`).
    #[serde(default)]
    #[schemars(schema_with = "schema::utc_time")]
    pub(super) evidence_deleted_at: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(super) retention: Option<Spanned<String>>,
    /// Art. 43: the states whose providers each fulfilled link reveals, in order.
    #[serde(default)]
    #[schemars(schema_with = "schema::state_codes")]
    pub(super) chain: Vec<Spanned<String>>,
    /// Exercises: the action expected of the receiver, for the after-action report.
    #[serde(default)]
    pub(super) expect: Option<String>,
    /// Classes of data asked for; each holding state's retention gives their deletion.
    #[serde(default)]
    #[schemars(schema_with = "schema::data_classes")]
    pub(super) data_classes: Vec<Spanned<String>>,
    /// How old the data is when the case starts (default 0).
    #[serde(default)]
    #[schemars(schema_with = "schema::duration")]
    pub(super) data_age: Option<Spanned<String>>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGenerate {
    /// Requesting states (default: all).
    #[serde(default)]
    #[schemars(schema_with = "schema::sides")]
    pub(super) from: Option<Vec<Spanned<String>>>,
    /// Mean requests a day from each requesting state.
    #[schemars(schema_with = "schema::rate_per_day")]
    pub(super) rate_per_day: Spanned<f64>,
    #[serde(default)]
    #[schemars(schema_with = "schema::utc_time")]
    pub(super) start: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::utc_time")]
    pub(super) end: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(schema_with = "schema::diurnal")]
    pub(super) diurnal: Option<Spanned<String>>,
    /// Relative weight of each kind.
    #[schemars(schema_with = "schema::weights_by_request_kind")]
    pub(super) kinds: BTreeMap<Spanned<String>, Spanned<f64>>,
    /// Relative weight of each receiving state or region: the first entry that matches
    /// (default: all alike).
    #[serde(default)]
    #[schemars(schema_with = "schema::weights")]
    pub(super) targets: Option<BTreeMap<Spanned<String>, Spanned<f64>>>,
    /// How long the provider keeps the data of a generated preservation request.
    #[serde(default)]
    #[schemars(schema_with = "schema::delay")]
    pub(super) retention: Option<Spanned<String>>,
    /// Share of generated traffic-data requests that reveal a provider in a third state.
    #[serde(default)]
    #[schemars(schema_with = "schema::probability")]
    pub(super) chain_probability: Option<Spanned<f64>>,
    /// A language tag, or `requester` for the requester's first language.
    #[serde(default)]
    pub(super) language: Option<String>,
    /// Classes of data each generated request asks for.
    #[serde(default)]
    #[schemars(schema_with = "schema::data_classes")]
    pub(super) data_classes: Vec<Spanned<String>>,
    /// How old the data is when a generated case starts, drawn per case (default 0).
    #[serde(default)]
    #[schemars(schema_with = "schema::delay")]
    pub(super) data_age: Option<Spanned<String>>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawThreshold {
    #[schemars(schema_with = "schema::metric")]
    pub(super) metric: Spanned<String>,
    #[serde(default)]
    #[schemars(schema_with = "schema::request_kind")]
    pub(super) kind: Option<Spanned<String>>,
    /// Only requests to states of this region.
    #[serde(default)]
    pub(super) region: Option<Spanned<String>>,
    /// Time metrics (required): the statistic bounded. Ratios take none.
    #[serde(default)]
    #[schemars(schema_with = "schema::stat")]
    pub(super) stat: Option<Spanned<String>>,
    /// The value must stay below this (a duration for time metrics, a share in [0, 1]).
    #[serde(default)]
    #[schemars(schema_with = "schema::bound")]
    pub(super) below: Option<Spanned<toml::Value>>,
    /// Or above this (for shares that should be high, like `disclosed_ratio`).
    #[serde(default)]
    #[schemars(schema_with = "schema::bound")]
    pub(super) above: Option<Spanned<toml::Value>>,
}
