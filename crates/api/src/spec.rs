//! The OpenAPI documents as served, with what poem-openapi cannot say:
//! objects that refuse unknown fields say `additionalProperties: false`, and
//! 405 answers name the methods a path allows.

use std::sync::Arc;

use poem::http::{HeaderValue, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};

/// The document, patched once at start-up.
pub struct Spec {
    json: String,
    /// (path template segments, allowed methods) for each path.
    paths: Vec<(Vec<String>, String)>,
}

impl Spec {
    /// Patches `json`: the schemas named in `strict` refuse unknown fields.
    pub fn new(json: &str, strict: &[&str]) -> Self {
        let mut doc: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
        standard_formats(&mut doc);
        no_nul_in_parameters(&mut doc);
        closed_multipart_forms(&mut doc);
        if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(|s| s.as_object_mut()) {
            // Fields that are not required may come as null: answers say so for absent values.
            for schema in schemas.values_mut() {
                nullable_optionals(schema, false);
            }
            for name in strict {
                if let Some(schema) = schemas.get_mut(*name) {
                    // Request objects: enum-typed ($ref) fields may be null too.
                    nullable_optionals(schema, true);
                    if let Some(schema) = schema.as_object_mut() {
                        schema.insert("additionalProperties".into(), serde_json::Value::Bool(false));
                        if let Some(properties) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) {
                            for (field, property) in properties.iter_mut() {
                                describe_field(field, property);
                            }
                        }
                    }
                }
            }
        }
        let paths = doc
            .get("paths")
            .and_then(|p| p.as_object())
            .map(|paths| {
                paths
                    .iter()
                    .map(|(path, item)| {
                        let methods: Vec<String> = item
                            .as_object()
                            .map(|ops| ops.keys().map(|m| m.to_ascii_uppercase()).collect())
                            .unwrap_or_default();
                        (path.split('/').map(str::to_owned).collect(), methods.join(", "))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Spec { json: serde_json::to_string_pretty(&doc).unwrap_or_default(), paths }
    }

    /// The methods allowed on `path` (relative to the API's base), if it is one of the document's.
    fn allowed(&self, path: &str) -> Option<&str> {
        let segments: Vec<&str> = path.split('/').collect();
        self.paths
            .iter()
            .find(|(template, _)| {
                template.len() == segments.len()
                    && template.iter().zip(&segments).all(|(t, s)| t.starts_with('{') || t == s)
            })
            .map(|(_, methods)| methods.as_str())
    }
}

/// Serves the document.
pub fn document(spec: Arc<Spec>) -> impl Endpoint<Output = Response> {
    poem::endpoint::make_sync(move |_| {
        Response::builder().content_type("application/json; charset=utf-8").body(spec.json.clone())
    })
}

/// Adds `Allow` to 405 answers below `base`.
pub fn allow_header<E: Endpoint>(spec: Arc<Spec>, base: &'static str, inner: E) -> impl Endpoint<Output = Response> {
    let inner = Arc::new(inner);
    poem::endpoint::make(move |req: Request| {
        let (spec, inner) = (Arc::clone(&spec), Arc::clone(&inner));
        async move {
            let path = req.uri().path().strip_prefix(base).unwrap_or(req.uri().path()).to_owned();
            let mut response = match inner.call(req).await {
                Ok(response) => response.into_response(),
                Err(error) => error.into_response(),
            };
            if response.status() == StatusCode::METHOD_NOT_ALLOWED
                && let Some(methods) = spec.allowed(&path)
                && let Ok(value) = HeaderValue::from_str(methods)
            {
                response.headers_mut().insert(header::ALLOW, value);
            }
            Ok::<_, poem::Error>(response)
        }
    })
}

/// Names poem-openapi's own formats by their standard names (`naive-date`
/// is a JSON Schema `date`), so clients and validators know them.
fn standard_formats(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if map.get("format").and_then(|f| f.as_str()) == Some("naive-date") {
                map.insert("format".into(), serde_json::Value::String("date".into()));
            }
            map.values_mut().for_each(standard_formats);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(standard_formats),
        _ => {}
    }
}

/// What the server checks of some fields by name, said in the schema.
fn describe_field(field: &str, property: &mut serde_json::Value) {
    let Some(property) = property.as_object_mut() else { return };
    match field {
        "time_zone" => {
            // Null stands in the list too: the field is nullable ("not given").
            let mut zones: Vec<serde_json::Value> =
                chrono_tz::TZ_VARIANTS.iter().map(|tz| serde_json::Value::String(tz.name().to_owned())).collect();
            zones.push(serde_json::Value::Null);
            property.insert("enum".into(), serde_json::Value::Array(zones));
        }
        "locale" => {
            property.insert("enum".into(), serde_json::json!(["de", "en", null]));
        }
        "owner_email" | "email" => {
            property.insert("format".into(), serde_json::Value::String("email".into()));
        }
        // An address, or "" for none.
        "support_email" => {
            property.remove("type");
            property.insert(
                "anyOf".into(),
                serde_json::json!([{ "type": "string", "format": "email" }, { "type": "string", "enum": [""] }]),
            );
        }
        _ => {}
    }
}

/// Marks the properties a schema does not require as nullable (references
/// too, with `with_refs`).
fn nullable_optionals(schema: &mut serde_json::Value, with_refs: bool) {
    let Some(schema) = schema.as_object_mut() else { return };
    let required: Vec<String> = schema
        .get("required")
        .and_then(|r| r.as_array())
        .map(|r| r.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    if let Some(properties) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) {
        for (field, property) in properties.iter_mut() {
            if !required.contains(field)
                && let Some(property) = property.as_object_mut()
                && (with_refs || !property.contains_key("$ref"))
            {
                property.insert("nullable".into(), serde_json::Value::Bool(true));
            }
        }
    }
}

/// Says that text parameters hold no NUL: URLs holding one are refused
/// before anything reads them (400), as no text in Cairn may hold one.
fn no_nul_in_parameters(doc: &mut serde_json::Value) {
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else { return };
    for item in paths.values_mut() {
        let Some(operations) = item.as_object_mut() else { continue };
        for operation in operations.values_mut() {
            let Some(parameters) = operation.get_mut("parameters").and_then(|p| p.as_array_mut()) else { continue };
            for parameter in parameters {
                let Some(schema) = parameter.get_mut("schema").and_then(|s| s.as_object_mut()) else { continue };
                let plain_text = schema.get("type").and_then(|t| t.as_str()) == Some("string")
                    && !schema.contains_key("pattern")
                    && !schema.contains_key("enum")
                    && !schema.contains_key("format");
                if plain_text {
                    schema.insert("pattern".into(), serde_json::Value::String("^[^\\u0000]*$".into()));
                }
            }
        }
    }
}

/// Upload forms take their documented parts only (`file`, and `field` for
/// an asset's upload field): other parts are ignored, and a part whose
/// headers are not valid HTTP is refused as malformed, so the document
/// says no other parts belong there.
fn closed_multipart_forms(doc: &mut serde_json::Value) {
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else { return };
    for item in paths.values_mut() {
        let Some(methods) = item.as_object_mut() else { continue };
        for operation in methods.values_mut() {
            if let Some(schema) = operation
                .pointer_mut("/requestBody/content/multipart~1form-data/schema")
                .and_then(|s| s.as_object_mut())
            {
                schema.insert("additionalProperties".into(), serde_json::Value::Bool(false));
            }
        }
    }
}
