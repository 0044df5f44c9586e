//! The JSON Schema (`pocnet schema`) describes what the parser accepts. It is derived from
//! the parser's raw types; the files in docs/ must be that output
//! (`POCNET_WRITE_SCHEMA=1 cargo test -p pocnet --test schema` rewrites them). Every bundled
//! scenario and register validates against it, the malformed files with an unknown field do
//! not, and every keyword the schema lists is one the parser takes (and a keyword it does
//! not list is refused by both). A small validator for the subset of JSON Schema used.

use serde_json::Value;
use std::path::Path;

fn validate(schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "number" => value.is_number(),
            "integer" => value.is_i64() || value.is_u64(),
            "boolean" => value.is_boolean(),
            _ => false,
        });
        if !ok {
            errors.push(format!("{path}: expected {types:?}, found {value}"));
            return;
        }
    }
    if let Some(Value::Array(options)) = schema.get("enum") {
        if !options.contains(value) {
            errors.push(format!("{path}: {value} is not one of {options:?}"));
        }
    }
    if let Value::Object(map) = value {
        let props = schema.get("properties").and_then(Value::as_object);
        for key in schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            if !map.contains_key(key) {
                errors.push(format!("{path}: missing `{key}`"));
            }
        }
        for (key, v) in map {
            let sub = format!("{path}.{key}");
            if let Some(Value::Array(names)) = schema.get("propertyNames").and_then(|p| p.get("enum")) {
                if !names.contains(&Value::String(key.clone())) {
                    errors.push(format!("{sub}: not an allowed name"));
                }
            }
            match (props.and_then(|p| p.get(key)), schema.get("additionalProperties")) {
                (Some(s), _) => validate(s, v, &sub, errors),
                (None, Some(Value::Bool(false))) => errors.push(format!("{sub}: unknown field")),
                (None, Some(s @ Value::Object(_))) => validate(s, v, &sub, errors),
                _ => {}
            }
        }
    }
    if let (Some(x), Some(min)) = (value.as_f64(), schema.get("minimum").and_then(Value::as_f64)) {
        if x < min {
            errors.push(format!("{path}: {x} is below {min}"));
        }
    }
    if let (Some(x), Some(max)) = (value.as_f64(), schema.get("maximum").and_then(Value::as_f64)) {
        if x > max {
            errors.push(format!("{path}: {x} is above {max}"));
        }
    }
    if let (Value::Array(items), Some(s)) = (value, schema.get("items")) {
        for (i, v) in items.iter().enumerate() {
            validate(s, v, &format!("{path}[{i}]"), errors);
        }
    }
}

fn toml_as_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("read");
    let value: toml::Value = toml::from_str(&text).expect("TOML");
    serde_json::to_value(value).expect("as JSON")
}

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn schema() -> Value {
    serde_json::from_str(&pocnet::scenario::scenario_schema()).expect("the schema is JSON")
}

#[test]
fn the_schema_files_are_what_the_parser_types_derive() {
    let write = std::env::var_os("POCNET_WRITE_SCHEMA").is_some();
    for (file, derived) in [
        ("docs/scenario.schema.json", pocnet::scenario::scenario_schema()),
        ("docs/register.schema.json", pocnet::scenario::register_schema()),
    ] {
        let path = root().join(file);
        if write {
            std::fs::write(&path, &derived).expect("write");
        }
        let kept = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(kept == derived, "{file} is not what `pocnet schema` derives (POCNET_WRITE_SCHEMA=1 rewrites it)");
    }
}

#[test]
fn every_bundled_scenario_and_register_validates_against_its_schema() {
    let register: Value = serde_json::from_str(&pocnet::scenario::register_schema()).expect("JSON");
    let mut n = 0;
    for (dir, schema) in [("scenarios", schema()), ("scenarios/registers", register)] {
        for entry in std::fs::read_dir(root().join(dir)).expect("dir").flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|x| x == "toml") {
                let mut errors = Vec::new();
                validate(&schema, &toml_as_json(&path), "$", &mut errors);
                assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
                n += 1;
            }
        }
    }
    assert!(n >= 9, "{n} files");
}

#[test]
fn unknown_fields_fail_the_schema_as_they_fail_the_parser() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed");
    for name in ["01-unknown-scenario-field.toml", "40-misspelt-profile-field.toml"] {
        let mut errors = Vec::new();
        validate(&schema(), &toml_as_json(&dir.join(name)), "$", &mut errors);
        assert!(errors.iter().any(|e| e.contains("unknown field")), "{name}: {errors:?}");
    }
}

/// Two states, one profile; `extra` adds tables.
fn scenario_with(profile_extra: &str, state_extra: &str, extra: &str) -> String {
    format!(
        r#"[scenario]
name = "keywords"
seed = 1
start = "2025-11-03T00:00:00Z"

[profiles.p]
acknowledge = {{ staffed = "10m", on_call = "30m" }}
fulfil = {{ staffed = "1h", on_call = "2h" }}
give_up_after = "3d"
{profile_extra}

[[states]]
code = "FRA"
name = "France"
region = "EU"
tz = "Europe/Paris"
roster = "office-hours-only"
profile = "p"
{state_extra}

[[states]]
code = "VNM"
name = "Viet Nam"
region = "AP"
tz = "Asia/Ho_Chi_Minh"
roster = "staffed-24-7"
profile = "p"

{extra}
"#
    )
}

/// The `enum` at a JSON pointer into the schema (`propertyNames` for tables).
fn keywords(pointer: &str) -> Vec<String> {
    let schema = schema();
    let at = schema.pointer(pointer).unwrap_or_else(|| panic!("no {pointer} in the schema"));
    let list = at.get("enum").or_else(|| at.pointer("/propertyNames/enum")).or_else(|| at.pointer("/items/enum"));
    let list = list.and_then(Value::as_array).unwrap_or_else(|| panic!("{pointer} lists no keywords"));
    list.iter().map(|v| v.as_str().expect("a string").to_string()).collect()
}

/// A scenario with a keyword in its place.
type Placed = Box<dyn Fn(&str) -> String>;

/// Where a request kind goes in a scenario: an inject's, a profile's own delays, its
/// on-call kinds, its central authority's, a generator's mix.
fn request_kind_places() -> Vec<(&'static str, Placed)> {
    let at = "2025-11-03T10:00:00Z";
    vec![
        (
            "/properties/injects/items/properties/kind",
            Box::new(move |k| {
                scenario_with(
                    "",
                    "",
                    &format!("[[injects]]\nat = \"{at}\"\nfrom = \"FRA\"\nto = \"VNM\"\nkind = \"{k}\"\n"),
                )
            }),
        ),
        (
            "/properties/profiles/additionalProperties/properties/kinds",
            Box::new(|k| {
                scenario_with(
                    &format!("[profiles.p.kinds.{k}]\nacknowledge = {{ staffed = \"1m\", on_call = \"1m\" }}\n"),
                    "",
                    "",
                )
            }),
        ),
        (
            "/properties/profiles/additionalProperties/properties/on_call_kinds",
            Box::new(|k| scenario_with(&format!("on_call_kinds = [\"{k}\"]\n"), "", "")),
        ),
        (
            "/properties/profiles/additionalProperties/properties/central_authority/properties/kinds",
            Box::new(|k| {
                scenario_with(&format!("central_authority = {{ kinds = [\"{k}\"], delay = \"1h\" }}\n"), "", "")
            }),
        ),
        (
            "/properties/generate/items/properties/kinds",
            Box::new(|k| {
                scenario_with("", "", &format!("[[generate]]\nrate_per_day = 1.0\nkinds = {{ {k} = 1.0 }}\n"))
            }),
        ),
    ]
}

/// Where the other keywords go: a roster, a fault kind, a diurnal shape, an agreement's
/// instrument, a threshold's metric and statistic.
fn other_keyword_places() -> Vec<(&'static str, Placed)> {
    let at = "2025-11-03T10:00:00Z";
    let until = "2025-11-03T12:00:00Z";
    vec![
        (
            "/properties/states/items/properties/roster",
            Box::new(|r| scenario_with("", "", "").replace("office-hours-only", r)),
        ),
        (
            "/properties/faults/items/properties/kind",
            Box::new(move |k| {
                scenario_with(
                    "",
                    "",
                    &format!("[[faults]]\nkind = \"{k}\"\nstate = \"FRA\"\nfrom = \"{at}\"\nuntil = \"{until}\"\n"),
                )
            }),
        ),
        (
            "/properties/generate/items/properties/diurnal",
            Box::new(|d| {
                scenario_with(
                    "",
                    "",
                    &format!("[[generate]]\nrate_per_day = 1.0\ndiurnal = \"{d}\"\nkinds = {{ emergency = 1.0 }}\n"),
                )
            }),
        ),
        (
            "/properties/agreements/items/properties/instrument",
            Box::new(|i| {
                scenario_with(
                    "",
                    "",
                    &format!("[[agreements]]\nname = \"a\"\ninstrument = \"{i}\"\nparties = [\"FRA\", \"VNM\"]\n"),
                )
            }),
        ),
        (
            "/properties/thresholds/items/properties/metric",
            Box::new(|m| scenario_with("", "", &format!("[[thresholds]]\nmetric = \"{m}\"\nbelow = 0.5\n"))),
        ),
        (
            "/properties/thresholds/items/properties/stat",
            Box::new(|s| {
                scenario_with(
                    "",
                    "",
                    &format!("[[thresholds]]\nmetric = \"ack_time\"\nstat = \"{s}\"\nbelow = \"1h\"\n"),
                )
            }),
        ),
    ]
}

#[test]
fn every_keyword_the_schema_lists_is_one_the_parser_takes_and_no_other() {
    // (schema pointer, the scenario with the keyword in its place)
    let mut cases = request_kind_places();
    cases.extend(other_keyword_places());
    let unknown = |text: &str| -> Vec<String> {
        match pocnet::scenario::parse("keywords.toml", text) {
            Ok(_) => Vec::new(),
            Err(e) => e.diagnostics.iter().filter(|d| d.message.contains("unknown")).map(|d| d.to_string()).collect(),
        }
    };
    let mut checked = 0;
    for (pointer, make) in &cases {
        for keyword in keywords(pointer) {
            let refused = unknown(&make(&keyword));
            assert!(refused.is_empty(), "{pointer}: the schema lists `{keyword}`, the parser says {refused:?}");
            checked += 1;
        }
        assert!(!unknown(&make("nonesuch")).is_empty(), "{pointer}: the parser takes `nonesuch`, the schema does not");
    }
    assert!(checked >= 35, "{checked} keywords");
}
