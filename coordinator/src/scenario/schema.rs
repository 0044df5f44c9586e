//! The JSON Schema of scenario and register files ([`super::scenario_schema`],
//! [`super::register_schema`]), derived from the raw types and from the keyword tables
//! below, which validation matches against too: one name table each, so the schema cannot
//! list a kind the parser refuses. The raw types name the field schemas here; this module
//! knows no raw type. `docs/scenario.schema.json` and `docs/register.schema.json` are its
//! output, checked by a test.

use super::model::{FaultKind, Metric, Stat};
use pocnet_core::{DataClass, RequestKind};
use schemars::generate::SchemaSettings;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Value};

/// `[[states]] roster`: `(name, always staffed, on call outside the shifts)`.
pub const ROSTERS: [(&str, bool, bool); 3] =
    [("staffed-24-7", true, false), ("office-hours-on-call", false, true), ("office-hours-only", false, false)];
/// `[[generate]] diurnal`: `(name, office hours weighted)`.
pub const DIURNAL_PATTERNS: [(&str, bool); 2] = [("flat", false), ("office", true)];

/// `a, b or c`, for messages naming a table.
pub fn one_of(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// The JSON Schema of raw type `T` (a whole file), with its `$id` and description.
pub(super) fn render<T: JsonSchema>(id: &str, description: &str) -> String {
    let settings = SchemaSettings::draft2020_12().with(|s| s.inline_subschemas = true);
    let mut schema = settings.into_generator().into_root_schema_for::<T>().to_value();
    without_null(&mut schema);
    if let Some(map) = schema.as_object_mut() {
        map.insert("$id".into(), json!(id));
        map.insert("description".into(), json!(description));
    }
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_else(|e| unreachable!("a schema serialises: {e}"));
    text.push('\n');
    text
}

/// TOML has no null: an optional field is one that may be left out, never `null`.
fn without_null(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("default") == Some(&Value::Null) {
                map.remove("default");
            }
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    map.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(options)) = map.get_mut("anyOf") {
                options.retain(|o| o.get("type").and_then(Value::as_str) != Some("null"));
                if options.len() == 1 {
                    let Some(Value::Object(only)) = options.pop() else { unreachable!("one object left") };
                    map.remove("anyOf");
                    for (k, v) in only {
                        map.entry(k).or_insert(v);
                    }
                }
            }
            map.values_mut().for_each(without_null);
        }
        Value::Array(items) => items.iter_mut().for_each(without_null),
        _ => {}
    }
}

fn names(table: impl IntoIterator<Item = &'static str>) -> Value {
    Value::Array(table.into_iter().map(|n| json!(n)).collect())
}

fn kind_names() -> Value {
    names(RequestKind::ALL.iter().map(|k| k.as_str()))
}

fn array_of(items: Schema) -> Schema {
    json_schema!({ "type": "array", "items": items })
}

pub(super) fn request_kind(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "enum": kind_names() })
}

pub(super) fn request_kinds(g: &mut SchemaGenerator) -> Schema {
    array_of(request_kind(g))
}

pub(super) fn data_classes(_: &mut SchemaGenerator) -> Schema {
    array_of(json_schema!({ "type": "string", "enum": names(DataClass::NAMED.iter().map(|c| c.as_str())) }))
}

/// Days of retention keyed by class of data.
pub(super) fn retention(g: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "propertyNames": { "enum": names(DataClass::NAMED.iter().map(|c| c.as_str())) },
        "additionalProperties": duration(g)
    })
}

pub(super) fn officers(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "integer", "minimum": 0, "maximum": pocnet_core::limits::OFFICERS_MAX })
}

pub(super) fn queue_order(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "enum": names(pocnet_core::QueueOrder::NAMES.iter().map(|q| q.0)) })
}

pub(super) fn shift_end(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "enum": names(pocnet_core::ShiftEnd::NAMES.iter().copied()) })
}

pub(super) fn fault_kind(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "enum": names(FaultKind::ALL.iter().map(FaultKind::name)) })
}

pub(super) fn instrument(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "enum": names(pocnet_core::road::Instrument::NAMES.iter().map(|i| i.0)) })
}

/// An agreement's review: a duration, or false for none.
pub(super) fn review(g: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "anyOf": [duration(g), { "type": "boolean", "enum": [false] }],
        "description": "the review by the provider's state, the data held meanwhile: a duration, or false for none"
    })
}

pub(super) fn roster(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "enum": names(ROSTERS.iter().map(|r| r.0)) })
}

pub(super) fn diurnal(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "string",
        "enum": names(DIURNAL_PATTERNS.iter().map(|d| d.0)),
        "description": "the daily pattern of generated requests in the requester's local time (default flat)"
    })
}

pub(super) fn metric(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "enum": names(Metric::NAMES.iter().map(|m| m.0)) })
}

pub(super) fn stat(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "enum": names(Stat::NAMES.iter().map(|s| s.0)) })
}

pub(super) fn state_code(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 3166 alpha-3 state code" })
}

pub(super) fn state_codes(g: &mut SchemaGenerator) -> Schema {
    array_of(state_code(g))
}

/// A list of states named by code, by region, or `*` for all.
pub(super) fn sides(_: &mut SchemaGenerator) -> Schema {
    array_of(json_schema!({
        "type": "string",
        "description": "a state code, a region of the scenario's states, or *"
    }))
}

pub(super) fn utc_time(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "description": "UTC time, RFC 3339: 2025-11-03T09:30:00Z" })
}

pub(super) fn duration(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "string",
        "description": "a duration: a number and a unit (ms, s, m, h, d, w), combinable: 45m, 1h30m"
    })
}

pub(super) fn delay(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "string",
        "description": "a delay distribution: `10m` (fixed), `5m..30m` (uniform), `median 10m p90 45m` (log-normal), `exponential mean 20m`, `gamma shape 2 mean 20m`, `empirical 5m 12m 40m` or `empirical file NAME` (one duration a line, relative to this file)"
    })
}

pub(super) fn hours(_: &mut SchemaGenerator) -> Schema {
    array_of(json_schema!({
        "type": "string",
        "pattern": "^\\d\\d:\\d\\d-\\d\\d:\\d\\d$",
        "description": "HH:MM-HH:MM, local time; an end before the start (22:00-06:00) is a night shift of the day it starts"
    }))
}

pub(super) fn dates(_: &mut SchemaGenerator) -> Schema {
    array_of(json_schema!({ "type": "string", "pattern": "^\\d{4}-\\d\\d-\\d\\d$", "description": "YYYY-MM-DD" }))
}

pub(super) fn seed(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "integer", "minimum": 0 })
}

pub(super) fn date(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "pattern": "^\\d{4}-\\d\\d-\\d\\d$", "description": "YYYY-MM-DD" })
}

pub(super) fn non_negative(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "number", "minimum": 0 })
}

pub(super) fn probability(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "number", "minimum": 0, "maximum": 1 })
}

/// A link's loss: a share below 1 (a link that loses everything is a partition).
pub(super) fn loss(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "number", "minimum": 0, "exclusiveMaximum": 1 })
}

pub(super) fn resends_max(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "integer", "minimum": 0, "maximum": pocnet_core::limits::RESENDS_MAX })
}

pub(super) fn rate_per_day(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "number", "exclusiveMinimum": 0, "maximum": super::model::RATE_PER_DAY_MAX })
}

/// A table keyed by request kind.
pub(super) fn by_request_kind<V: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "propertyNames": { "enum": kind_names() },
        "additionalProperties": g.subschema_for::<V>()
    })
}

pub(super) fn weights_by_request_kind(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "propertyNames": { "enum": kind_names() },
        "additionalProperties": { "type": "number", "minimum": 0 }
    })
}

/// Weights keyed by state code, region or `*`.
pub(super) fn weights(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "object", "additionalProperties": { "type": "number", "minimum": 0 } })
}

pub(super) fn bound(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": ["string", "number"],
        "description": "a duration for time metrics, a number in [0, 1] for ratios"
    })
}
