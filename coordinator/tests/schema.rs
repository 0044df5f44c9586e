//! The JSON Schema (`pocnet schema`) describes what the parser accepts: every bundled
//! scenario validates against it, and the malformed files with an unknown field do not.
//! A small validator for the subset of JSON Schema the file uses.

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

fn schema() -> Value {
    serde_json::from_str(pocnet::scenario::JSON_SCHEMA).expect("the schema is JSON")
}

#[test]
fn every_bundled_scenario_validates_against_the_schema() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("scenarios/").flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|x| x == "toml") {
            let mut errors = Vec::new();
            validate(&schema(), &toml_as_json(&path), "$", &mut errors);
            assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
            n += 1;
        }
    }
    assert!(n >= 7);
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
