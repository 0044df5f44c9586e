//! The raw stage of a scenario file: its shape as TOML, with spans for every value that
//! validation may need to point at. Nothing here is checked beyond types and field names.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    pub(super) scenario: RawHeader,
    #[serde(default)]
    pub(super) network: Option<RawNetwork>,
    #[serde(default)]
    pub(super) profiles: BTreeMap<String, Spanned<RawProfile>>,
    #[serde(default)]
    pub(super) states: Vec<Spanned<RawState>>,
    #[serde(default)]
    pub(super) injects: Vec<Spanned<RawInject>>,
    #[serde(default)]
    pub(super) generate: Vec<Spanned<RawGenerate>>,
    #[serde(default)]
    pub(super) faults: Vec<Spanned<RawFault>>,
    #[serde(default)]
    pub(super) thresholds: Vec<Spanned<RawThreshold>>,
    #[serde(default)]
    pub(super) exercise: Option<Spanned<RawExercise>>,
}

/// A tabletop exercise: states played by people, and what the exercise is meant to test.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExercise {
    #[serde(default)]
    pub(super) players: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) objectives: Vec<Spanned<RawObjective>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawObjective {
    pub(super) name: String,
    /// States whose handling is judged (default: the players).
    #[serde(default)]
    pub(super) states: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub(super) kind: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) acknowledge_within: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) fulfil_within: Option<Spanned<String>>,
}

/// A register of contact points (`scenarios/registers/*.toml`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRegister {
    #[serde(default)]
    pub(super) description: String,
    #[serde(default)]
    pub(super) profiles: BTreeMap<String, Spanned<RawProfile>>,
    pub(super) contact_points: Vec<Spanned<RawState>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHeader {
    pub(super) name: String,
    #[serde(default)]
    pub(super) description: String,
    pub(super) seed: Spanned<i64>,
    pub(super) start: Spanned<String>,
    #[serde(default)]
    pub(super) end: Option<Spanned<String>>,
    /// Path of a register file, relative to the scenario file.
    #[serde(default)]
    pub(super) register: Option<Spanned<String>>,
    /// Codes or regions of register entries to take (default: all).
    #[serde(default)]
    pub(super) include: Option<Vec<Spanned<String>>>,
    /// Acknowledgement SLA for the report's coverage section (default 1h).
    #[serde(default)]
    pub(super) ack_sla: Option<Spanned<String>>,
    /// Whether the mesh restarts a node that dies (default true).
    #[serde(default)]
    pub(super) restart_nodes: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNetwork {
    #[serde(default)]
    pub(super) link_delay: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) links: Vec<Spanned<RawLink>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLink {
    pub(super) between: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    pub(super) delay: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) loss: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFault {
    pub(super) kind: Spanned<String>,
    #[serde(default)]
    pub(super) state: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) from: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) until: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) a: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub(super) b: Option<Vec<Spanned<String>>>,
    /// `cut` faults: how long, in real time, the cut lasts.
    #[serde(default)]
    pub(super) lasting: Option<Spanned<String>>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct RawByMode {
    pub(super) staffed: Spanned<String>,
    pub(super) on_call: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawKindDelays {
    #[serde(default)]
    pub(super) acknowledge: Option<RawByMode>,
    #[serde(default)]
    pub(super) fulfil: Option<RawByMode>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProfile {
    pub(super) acknowledge: RawByMode,
    pub(super) fulfil: RawByMode,
    #[serde(default)]
    pub(super) kinds: BTreeMap<Spanned<String>, RawKindDelays>,
    #[serde(default)]
    pub(super) translation: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) refuse_probability: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) refusal_ground: Option<String>,
    #[serde(default)]
    pub(super) resend_after: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) resends_max: Option<Spanned<i64>>,
    #[serde(default)]
    pub(super) escalate_after: Option<Spanned<String>>,
    pub(super) give_up_after: Spanned<String>,
    #[serde(default)]
    pub(super) central_authority: Option<RawCentralAuthority>,
    /// Kinds the on-call officer takes outside the shifts (default: every kind).
    #[serde(default)]
    pub(super) on_call_kinds: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCentralAuthority {
    pub(super) kinds: Vec<Spanned<String>>,
    pub(super) delay: Spanned<String>,
    #[serde(default)]
    pub(super) hours: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawState {
    pub(super) code: Spanned<String>,
    #[serde(default)]
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) region: Option<String>,
    #[serde(default)]
    pub(super) tz: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) workweek: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) roster: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) hours: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub(super) holidays: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub(super) languages: Option<Vec<String>>,
    #[serde(default)]
    pub(super) profile: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawInject {
    pub(super) at: Spanned<String>,
    pub(super) from: Spanned<String>,
    pub(super) to: Spanned<String>,
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
    #[serde(default)]
    pub(super) evidence_deleted_at: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) retention: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) chain: Vec<Spanned<String>>,
    /// Exercises: the action expected of the receiver, for the after-action report.
    #[serde(default)]
    pub(super) expect: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGenerate {
    #[serde(default)]
    pub(super) from: Option<Vec<Spanned<String>>>,
    pub(super) rate_per_day: Spanned<f64>,
    #[serde(default)]
    pub(super) start: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) end: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) diurnal: Option<Spanned<String>>,
    pub(super) kinds: BTreeMap<Spanned<String>, Spanned<f64>>,
    #[serde(default)]
    pub(super) targets: Option<BTreeMap<Spanned<String>, Spanned<f64>>>,
    #[serde(default)]
    pub(super) retention: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) chain_probability: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) language: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawThreshold {
    pub(super) metric: Spanned<String>,
    #[serde(default)]
    pub(super) kind: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) region: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) stat: Option<Spanned<String>>,
    pub(super) below: Spanned<toml::Value>,
}
