//! A model's structured result: what it declares (`result`: a JSON Schema, and whether the
//! result may tag the input media) and the check of what a run wrote into `result.json`.
//!
//! The schema language is a deliberate subset of JSON Schema (draft 2020-12 keywords with
//! their standard meaning): `type`, `properties`, `required`, `additionalProperties`
//! (a boolean), `items`, `enum`, `minimum`, `maximum`, `minLength`, `maxLength`, `minItems`,
//! `maxItems`, plus the annotations `title`, `description` and `$schema`. A declaration with
//! any other keyword is refused when the model is defined, so a schema never silently checks
//! less than its author meant.

use super::args::{ArgSchema, ArgType};
use mediamagic_kit::ApiError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Largest declared schema, in bytes of JSON.
pub const MAX_SCHEMA_BYTES: usize = 16 * 1024;
/// Deepest nesting of a declared schema.
pub const MAX_SCHEMA_DEPTH: usize = 8;

/// `result` as a client writes it in a model definition.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResultSpec {
    /// The JSON Schema `result.json` must match.
    pub schema: Value,
    /// Lets a deployment ask that the result's tags be added to an input media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<ResultTags>,
}

/// Where a result's proposed tags are, and which input media they describe.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResultTags {
    /// Top-level result field holding an array of tag strings (`tags`).
    pub field: String,
    /// The `file` argument whose media the tags describe (`image`).
    pub arg: String,
}

/// Why a run's result was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ResultMismatch {
    /// JSON pointer-like path of the value at fault (`$.faces[0].score`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

const KEYWORDS: &[&str] = &[
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "title",
    "description",
    "$schema",
];
const TYPES: &[&str] = &[
    "object", "array", "string", "number", "integer", "boolean", "null",
];

impl ResultSpec {
    /// Checks the declaration against the model's arguments.
    pub fn parse(self, args: &ArgSchema) -> Result<Self, ApiError> {
        let size = serde_json::to_vec(&self.schema)
            .map(|b| b.len())
            .unwrap_or(0);
        if size > MAX_SCHEMA_BYTES {
            return Err(ApiError::bad_input(
                "result",
                format!("result.schema is at most {MAX_SCHEMA_BYTES} bytes of JSON"),
            ));
        }
        check_schema(&self.schema, "result.schema", 0)
            .map_err(|message| ApiError::bad_input("result", message))?;
        if let Some(tags) = &self.tags {
            let field_is_list = self
                .schema
                .get("properties")
                .and_then(|p| p.get(&tags.field))
                .and_then(|f| f.get("type"))
                .and_then(Value::as_str)
                == Some("array");
            if !field_is_list {
                return Err(ApiError::bad_input(
                    "result",
                    format!(
                        "result.tags.field `{}` must be a property of type array in result.schema",
                        tags.field
                    ),
                ));
            }
            let is_file = args
                .0
                .get(&tags.arg)
                .is_some_and(|arg| arg.kind == ArgType::File);
            if !is_file {
                return Err(ApiError::bad_input(
                    "result",
                    format!("result.tags.arg `{}` must name a file argument", tags.arg),
                ));
            }
        }
        Ok(self)
    }

    /// Checks a run's result against the schema.
    pub fn check(&self, result: &Value) -> Result<(), ResultMismatch> {
        check_value(&self.schema, result, "$")
    }

    /// The tags a result proposes for the media of [`ResultTags::arg`] (strings only, in
    /// order; the media subgraph normalises and bounds them).
    pub fn proposed_tags(&self, result: &Value) -> Vec<String> {
        let Some(tags) = &self.tags else {
            return Vec::new();
        };
        result
            .get(&tags.field)
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn check_schema(schema: &Value, at: &str, depth: usize) -> Result<(), String> {
    if depth > MAX_SCHEMA_DEPTH {
        return Err(format!(
            "{at}: nested deeper than {MAX_SCHEMA_DEPTH} levels"
        ));
    }
    let Some(object) = schema.as_object() else {
        return Err(format!("{at}: a schema is a JSON object"));
    };
    for (key, value) in object {
        if !KEYWORDS.contains(&key.as_str()) {
            return Err(format!(
                "{at}: `{key}` is not supported (use {})",
                KEYWORDS.join(", ")
            ));
        }
        let ok = match key.as_str() {
            "type" => match value {
                Value::String(t) => TYPES.contains(&t.as_str()),
                Value::Array(list) => list
                    .iter()
                    .all(|t| t.as_str().is_some_and(|t| TYPES.contains(&t))),
                _ => false,
            },
            "properties" => match value.as_object() {
                Some(props) => {
                    for (name, sub) in props {
                        check_schema(sub, &format!("{at}.properties.{name}"), depth + 1)?;
                    }
                    true
                }
                None => false,
            },
            "items" => {
                check_schema(value, &format!("{at}.items"), depth + 1)?;
                true
            }
            "required" => value
                .as_array()
                .is_some_and(|l| l.iter().all(Value::is_string)),
            "additionalProperties" => value.is_boolean(),
            "enum" => value.is_array(),
            "minimum" | "maximum" => value.is_number(),
            "minLength" | "maxLength" | "minItems" | "maxItems" => value.is_u64(),
            _ => true,
        };
        if !ok {
            return Err(format!("{at}.{key}: not a valid value for `{key}`"));
        }
    }
    Ok(())
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_allows(declared: &str, value: &Value) -> bool {
    let actual = type_name(value);
    declared == actual
        || (declared == "number" && actual == "integer")
        || (declared == "integer" && value.as_f64().is_some_and(|f| f.fract() == 0.0))
}

fn check_value(schema: &Value, value: &Value, at: &str) -> Result<(), ResultMismatch> {
    let fail = |message: String| ResultMismatch {
        path: at.to_owned(),
        message,
    };
    if let Some(declared) = schema.get("type") {
        let allowed: Vec<&str> = match declared {
            Value::String(t) => vec![t.as_str()],
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !allowed.iter().any(|t| type_allows(t, value)) {
            return Err(fail(format!(
                "expected {}, found {}",
                allowed.join(" or "),
                type_name(value)
            )));
        }
    }
    if let Some(choices) = schema.get("enum").and_then(Value::as_array)
        && !choices.contains(value)
    {
        return Err(fail("not one of the allowed values".into()));
    }
    if let Some(number) = value.as_f64() {
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
            && number < min
        {
            return Err(fail(format!("{number} is below the minimum {min}")));
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
            && number > max
        {
            return Err(fail(format!("{number} is above the maximum {max}")));
        }
    }
    let bound = |key: &str| schema.get(key).and_then(Value::as_u64);
    if let Some(text) = value.as_str() {
        let length = text.chars().count() as u64;
        if bound("minLength").is_some_and(|min| length < min)
            || bound("maxLength").is_some_and(|max| length > max)
        {
            return Err(fail(format!(
                "a string of {length} characters is out of bounds"
            )));
        }
    }
    if let Some(list) = value.as_array() {
        let length = list.len() as u64;
        if bound("minItems").is_some_and(|min| length < min)
            || bound("maxItems").is_some_and(|max| length > max)
        {
            return Err(fail(format!("a list of {length} items is out of bounds")));
        }
        if let Some(items) = schema.get("items") {
            for (n, item) in list.iter().enumerate() {
                check_value(items, item, &format!("{at}[{n}]"))?;
            }
        }
    }
    if let Some(object) = value.as_object() {
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !object.contains_key(name) {
                return Err(fail(format!("`{name}` is required")));
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
        for (name, field) in object {
            match properties.and_then(|p| p.get(name)) {
                Some(sub) => check_value(sub, field, &format!("{at}.{name}"))?,
                None if closed => return Err(fail(format!("`{name}` is not allowed"))),
                None => {}
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(schema: Value) -> ResultSpec {
        ResultSpec { schema, tags: None }
            .parse(&ArgSchema::parse(&json!({"image": {"type": "file"}})).unwrap())
            .unwrap()
    }

    fn faces() -> ResultSpec {
        spec(json!({
            "type": "object",
            "required": ["faces"],
            "additionalProperties": false,
            "properties": {
                "faces": {"type": "array", "maxItems": 2, "items": {
                    "type": "object", "required": ["score"],
                    "properties": {"score": {"type": "number", "minimum": 0, "maximum": 1}}
                }},
                "tags": {"type": "array", "items": {"type": "string", "maxLength": 10}}
            }
        }))
    }

    #[test]
    fn a_result_that_matches_its_schema_passes() {
        faces()
            .check(&json!({"faces": [{"score": 0.9}, {"score": 1}], "tags": ["face"]}))
            .unwrap();
    }

    #[test]
    fn each_kind_of_mismatch_names_the_value_at_fault() {
        let spec = faces();
        let cases = [
            (json!({}), "$", "`faces` is required"),
            (
                json!({"faces": "none"}),
                "$.faces",
                "expected array, found string",
            ),
            (
                json!({"faces": [{"score": 2}]}),
                "$.faces[0].score",
                "above the maximum",
            ),
            (json!({"faces": [{}, {}, {}]}), "$.faces", "3 items"),
            (
                json!({"faces": [], "extra": 1}),
                "$",
                "`extra` is not allowed",
            ),
            (
                json!({"faces": [], "tags": ["x".repeat(11)]}),
                "$.tags[0]",
                "11 characters",
            ),
        ];
        for (value, path, message) in cases {
            let err = spec.check(&value).unwrap_err();
            assert_eq!(err.path, path, "{value}");
            assert!(err.message.contains(message), "{value}: {}", err.message);
        }
    }

    #[test]
    fn unsupported_keywords_and_bad_tag_declarations_are_refused_at_definition() {
        let args =
            ArgSchema::parse(&json!({"image": {"type": "file"}, "n": {"type": "int"}})).unwrap();
        let refused = |spec: ResultSpec| spec.parse(&args).unwrap_err().message();
        let pattern = ResultSpec {
            schema: json!({"type": "string", "pattern": "^a"}),
            tags: None,
        };
        assert!(refused(pattern).contains("`pattern` is not supported"));
        let not_a_list = ResultSpec {
            schema: json!({"properties": {"tags": {"type": "string"}}}),
            tags: Some(ResultTags {
                field: "tags".into(),
                arg: "image".into(),
            }),
        };
        assert!(refused(not_a_list).contains("of type array"));
        let not_a_file = ResultSpec {
            schema: json!({"properties": {"tags": {"type": "array"}}}),
            tags: Some(ResultTags {
                field: "tags".into(),
                arg: "n".into(),
            }),
        };
        assert!(refused(not_a_file).contains("must name a file argument"));
    }

    #[test]
    fn proposed_tags_come_only_from_the_declared_field() {
        let mut spec = faces();
        let result = json!({"faces": [], "tags": ["face", 3, "hair"]});
        assert!(spec.proposed_tags(&result).is_empty());
        spec.tags = Some(ResultTags {
            field: "tags".into(),
            arg: "image".into(),
        });
        assert_eq!(spec.proposed_tags(&result), ["face", "hair"]);
    }
}
