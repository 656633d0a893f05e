//! JSON Schemas for tool arguments, generated from the Rust types with schemars and normalised
//! to OpenAI's strict function-calling subset: every object closed and fully required, optional
//! values as nullable types, no `$ref`, and none of the keywords strict mode rejects.

use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde_json::{Map, Value};

/// Keywords strict mode does not accept; range and length limits are enforced by the validator.
const UNSUPPORTED: [&str; 12] = [
    "$schema",
    "title",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "default",
];

/// The strict-mode parameters schema of `T`.
pub(crate) fn strict_schema_for<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft2020_12().with(|s| s.inline_subschemas = true).into_generator();
    let mut value = generator.into_root_schema_for::<T>().to_value();
    normalise(&mut value);
    value
}

/// Rewrites a schema in place to the strict subset.
pub(crate) fn normalise(value: &mut Value) {
    match value {
        Value::Object(map) => normalise_object(map),
        Value::Array(items) => items.iter_mut().for_each(normalise),
        _ => {}
    }
}

fn normalise_object(map: &mut Map<String, Value>) {
    for key in UNSUPPORTED {
        map.remove(key);
    }
    // Strict mode has no oneOf; for the shapes schemars emits here anyOf means the same.
    if let Some(one_of) = map.remove("oneOf") {
        map.insert("anyOf".to_owned(), one_of);
    }
    let is_object = match map.get("type") {
        Some(Value::String(t)) => t == "object",
        Some(Value::Array(types)) => types.iter().any(|t| t == "object"),
        _ => map.contains_key("properties"),
    };
    if is_object {
        let properties = map.entry("properties").or_insert_with(|| Value::Object(Map::new()));
        let names: Vec<Value> = match properties {
            Value::Object(props) => props.keys().cloned().map(Value::String).collect(),
            _ => Vec::new(),
        };
        map.insert("required".to_owned(), Value::Array(names));
        map.insert("additionalProperties".to_owned(), Value::Bool(false));
    }
    for (_, child) in map.iter_mut() {
        normalise(child);
    }
}

/// Whether a schema uses only what strict mode accepts (used by tests and the export check).
#[cfg(test)]
pub(crate) fn is_strict(value: &Value) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            for key in UNSUPPORTED.iter().chain(["oneOf", "$ref", "$defs"].iter()) {
                if map.contains_key(*key) {
                    return Err(format!("keyword {key} is not allowed in strict mode"));
                }
            }
            if let Some(Value::Object(props)) = map.get("properties") {
                let required: Vec<&str> = match map.get("required") {
                    Some(Value::Array(r)) => r.iter().filter_map(Value::as_str).collect(),
                    _ => Vec::new(),
                };
                for name in props.keys() {
                    if !required.contains(&name.as_str()) {
                        return Err(format!("property {name} is not required"));
                    }
                }
                if map.get("additionalProperties") != Some(&Value::Bool(false)) {
                    return Err("an object does not set additionalProperties: false".to_owned());
                }
            }
            map.values().try_for_each(is_strict)
        }
        Value::Array(items) => items.iter().try_for_each(is_strict),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[derive(JsonSchema, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
        note: Option<String>,
    }

    #[derive(JsonSchema, serde::Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        inner: Vec<Inner>,
        choice: Option<Inner>,
    }

    #[test]
    fn nested_objects_become_strict() {
        let schema = strict_schema_for::<Outer>();
        is_strict(&schema).unwrap();
        let text = schema.to_string();
        assert!(!text.contains("$ref"), "{text}");
        assert!(!text.contains("uint32"), "{text}");
        let inner = &schema["properties"]["inner"]["items"];
        assert_eq!(inner["required"], serde_json::json!(["count", "note"]));
        assert_eq!(inner["additionalProperties"], Value::Bool(false));
    }
}
