//! `/openapi.json`: an OpenAPI 3.1 document generated from the same Rust types the handlers
//! use (schemars, JSON Schema 2020-12, which OpenAPI 3.1 adopts), so it cannot drift from them.

use super::api::OPERATIONS;
use super::error::ErrorBody;
use schemars::generate::SchemaSettings;
use schemars::Schema;
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

/// Query parameters' schemas without `null`: a query string has no null, only absence.
fn without_null(mut schema: Value) -> Value {
    if let Some(types) = schema.get_mut("type").and_then(Value::as_array_mut) {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let single = types[0].clone();
            schema["type"] = single;
        }
    }
    schema
}

fn query_parameters(schema: &Schema) -> Vec<Value> {
    let value = schema.as_value();
    let required: Vec<&str> = value
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = value.get("properties").and_then(Value::as_object) else { return Vec::new() };
    properties
        .iter()
        .map(|(name, property)| {
            let mut parameter = json!({
                "name": name,
                "in": "query",
                "required": required.contains(&name.as_str()),
                "schema": without_null(property.clone()),
            });
            if let Some(description) = property.get("description") {
                parameter["description"] = description.clone();
            }
            parameter
        })
        .collect()
}

fn error_response(description: &str, error: &Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": error } } })
}

/// The whole document, built once.
pub(crate) fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(build)
}

fn build() -> Value {
    let settings = SchemaSettings::draft2020_12().with(|s| s.definitions_path = "#/components/schemas".into());
    let mut generator = settings.into_generator();
    let error = generator.subschema_for::<ErrorBody>().to_value();
    let mut paths: Map<String, Value> = Map::new();
    for operation in OPERATIONS {
        let mut parameters: Vec<Value> = Vec::new();
        for segment in operation.path.split('/') {
            if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                parameters
                    .push(json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }));
            }
        }
        if let Some(query) = operation.query {
            parameters.extend(query_parameters(&query(&mut generator)));
        }
        let response = (operation.response)(&mut generator).to_value();
        let mut responses = Map::new();
        responses.insert(
            operation.success.to_string(),
            json!({ "description": "OK", "content": { operation.content_type: { "schema": response } } }),
        );
        let mut entry = json!({
            "operationId": operation.id,
            "summary": operation.summary,
            "tags": [operation.tag],
            "parameters": parameters,
        });
        if let Some(body) = operation.body {
            let body = body(&mut generator).to_value();
            entry["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": body } } });
            responses.insert("400".into(), error_response("The request is malformed", &error));
        }
        if operation.authenticated {
            entry["security"] = json!([{ "bearer": [] }, { "session": [] }]);
            responses.insert("401".into(), error_response("No valid token or session", &error));
            responses.insert("404".into(), error_response("Not found, or outside the caller's scope", &error));
            responses.insert("429".into(), error_response("Too many failed attempts", &error));
            if operation.method == "post" {
                responses.insert("403".into(), error_response("Not allowed, or a missing CSRF token", &error));
                responses.insert("409".into(), error_response("The draft was already decided", &error));
                responses.insert(
                    "422".into(),
                    error_response("Refused on its content: the validator's findings are listed", &error),
                );
            }
        }
        entry["responses"] = Value::Object(responses);
        let path = paths.entry(operation.path.to_owned()).or_insert_with(|| json!({}));
        path[operation.method] = entry;
    }
    let schemas: Map<String, Value> = generator.take_definitions(true).into_iter().collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Candor API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Deal risk with evidence, rep scorecards, team roll-ups, forecast risk, and the review of drafted coaching messages. Every route applies the caller's scope: a rep sees their own deals and drafts, a manager their team, a leader the organisation.",
        },
        "servers": [{ "url": "/" }],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "description": "A personal API token from `candor token create`" },
                "session": { "type": "apiKey", "in": "cookie", "name": super::auth::SESSION_COOKIE, "description": "A web session; changes also need the X-CSRF-Token header" },
            },
        },
    })
}
