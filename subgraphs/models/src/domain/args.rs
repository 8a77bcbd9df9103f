//! Argument schemas exactly as seed 000 writes them, and validation of argument values.
//!
//! ```json
//! {"alpha": {"type": "number", "format": "--form alpha=@:value", "min": 0, "max": 100},
//!  "image": {"type": "file", "optional": true, "tags": ["mask"], "format": "--form image=@:value"}}
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The type of an argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArgType {
    /// A media id the caller owns; rendered as a local path or URL.
    File,
    /// Free text.
    String,
    /// Any number.
    Number,
    /// A whole number.
    Int,
    /// A number (same as `number`).
    Float,
    /// `true` or `false`.
    Bool,
    /// One of `choices`.
    Enum,
}

/// The declaration of one argument.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArgSpec {
    /// The type.
    #[serde(rename = "type")]
    pub kind: ArgType,
    /// Whether it may be left out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    /// Smallest allowed value (numbers) or length (strings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest allowed value (numbers) or length (strings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Used when the argument is left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// An example value, for documentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<Value>,
    /// What it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How it appears in the command: `:value` is replaced by the value (`--form alpha=@:value`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// For `enum`: the allowed values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<String>>,
    /// For `file`: the accepted media kinds (`image`, `video`, `audio`); any when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinds: Option<Vec<String>>,
    /// For `file`: tags the media should carry (seed 000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// A model's argument schema, by argument name (ordered by name for stable rendering).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ArgSchema(pub BTreeMap<String, ArgSpec>);

/// What is wrong with one argument (of a schema, or of a value).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{argument}: {message}")]
pub struct ArgError {
    /// The argument's name.
    pub argument: String,
    /// What is wrong.
    pub message: String,
}

fn err(argument: &str, message: impl Into<String>) -> ArgError {
    ArgError {
        argument: argument.to_owned(),
        message: message.into(),
    }
}

const MEDIA_KINDS: &[&str] = &["image", "video", "audio"];

impl ArgSchema {
    /// Parses and checks a schema; every problem names its argument.
    pub fn parse(raw: &Value) -> Result<Self, Vec<ArgError>> {
        let Some(object) = raw.as_object() else {
            return Err(vec![err(
                "args",
                "must be an object of argument name to declaration",
            )]);
        };
        let mut errors = Vec::new();
        let mut schema = BTreeMap::new();
        for (name, spec) in object {
            if name.is_empty()
                || name.len() > 64
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                errors.push(err(
                    name,
                    "argument names use letters, digits, `_` and `-` (at most 64)",
                ));
                continue;
            }
            match serde_json::from_value::<ArgSpec>(spec.clone()) {
                Ok(spec) => match spec.check(name) {
                    Ok(()) => {
                        schema.insert(name.clone(), spec);
                    }
                    Err(e) => errors.push(e),
                },
                Err(e) => errors.push(err(name, format!("invalid declaration: {e}"))),
            }
        }
        if errors.is_empty() {
            Ok(Self(schema))
        } else {
            Err(errors)
        }
    }

    /// Validates `values` (argument name to JSON value): unknown arguments, missing required
    /// ones, types, ranges and choices, with one error per bad argument. Defaults fill in
    /// what is left out.
    pub fn validate(
        &self,
        values: &Map<String, Value>,
    ) -> Result<BTreeMap<String, ArgValue>, Vec<ArgError>> {
        let mut errors: Vec<ArgError> = values
            .keys()
            .filter(|name| !self.0.contains_key(*name))
            .map(|name| err(name, "unknown argument"))
            .collect();
        let mut valid = BTreeMap::new();
        for (name, spec) in &self.0 {
            match values
                .get(name)
                .filter(|v| !v.is_null())
                .or(spec.default.as_ref())
            {
                Some(value) => match spec.accept(name, value) {
                    Ok(v) => {
                        valid.insert(name.clone(), v);
                    }
                    Err(e) => errors.push(e),
                },
                None if spec.optional => {}
                None => errors.push(err(name, "required")),
            }
        }
        if errors.is_empty() {
            Ok(valid)
        } else {
            Err(errors)
        }
    }
}

impl ArgSchema {
    /// The schema as seed 000's `GET /models/<id>` shows it: every declaration with
    /// `optional` and `example` filled in (`false` and `""` when not declared).
    pub fn documented(&self) -> Value {
        let mut out = Map::new();
        for (name, spec) in &self.0 {
            let mut object = match serde_json::to_value(spec) {
                Ok(Value::Object(object)) => object,
                _ => Map::new(),
            };
            object.insert("optional".into(), Value::Bool(spec.optional));
            // Whole bounds print as integers (`"max": 100`), as the seed shows them.
            for (key, bound) in [("min", spec.min), ("max", spec.max)] {
                if let Some(n) = bound.filter(|n| n.fract() == 0.0 && n.abs() < 9e15) {
                    object.insert(key.into(), Value::from(n as i64));
                }
            }
            object
                .entry("example")
                .or_insert_with(|| Value::String(String::new()));
            out.insert(name.clone(), Value::Object(object));
        }
        Value::Object(out)
    }

    /// The names of the `file` arguments.
    pub fn file_arguments(&self) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(|(_, spec)| spec.kind == ArgType::File)
            .map(|(name, _)| name.as_str())
    }
}

/// A validated argument value.
#[derive(Clone, Debug, PartialEq)]
pub enum ArgValue {
    /// A media id (the caller checks ownership and kind).
    File(String),
    /// Text (strings and enum choices).
    Text(String),
    /// A number.
    Number(f64),
    /// A whole number.
    Int(i64),
    /// A boolean.
    Bool(bool),
}

impl ArgValue {
    /// The value as it goes into a command line.
    pub fn render(&self) -> String {
        match self {
            ArgValue::File(s) | ArgValue::Text(s) => s.clone(),
            ArgValue::Number(n) => {
                if n.fract() == 0.0 && n.abs() < 1e15 {
                    format!("{}", *n as i64)
                } else {
                    n.to_string()
                }
            }
            ArgValue::Int(n) => n.to_string(),
            ArgValue::Bool(b) => b.to_string(),
        }
    }
}

impl ArgSpec {
    fn check(&self, name: &str) -> Result<(), ArgError> {
        if let (Some(min), Some(max)) = (self.min, self.max)
            && min > max
        {
            return Err(err(
                name,
                format!("min ({min}) is greater than max ({max})"),
            ));
        }
        match self.kind {
            ArgType::Enum => match &self.choices {
                Some(choices) if !choices.is_empty() => {}
                _ => return Err(err(name, "an enum needs a non-empty `choices` list")),
            },
            _ if self.choices.is_some() => {
                return Err(err(name, "`choices` applies to enum arguments only"));
            }
            _ => {}
        }
        if self.kind != ArgType::File && (self.kinds.is_some() || self.tags.is_some()) {
            return Err(err(name, "`kinds` and `tags` apply to file arguments only"));
        }
        if let Some(kinds) = &self.kinds
            && let Some(bad) = kinds.iter().find(|k| !MEDIA_KINDS.contains(&k.as_str()))
        {
            return Err(err(
                name,
                format!("unknown media kind `{bad}` (use image, video or audio)"),
            ));
        }
        if let Some(format) = &self.format
            && !format.contains(":value")
        {
            return Err(err(name, "`format` must contain the `:value` placeholder"));
        }
        if let Some(default) = &self.default {
            self.accept(name, default)
                .map_err(|e| err(name, format!("default is invalid: {}", e.message)))?;
        }
        Ok(())
    }

    fn accept(&self, name: &str, value: &Value) -> Result<ArgValue, ArgError> {
        let in_range = |n: f64, what: &str| -> Result<(), ArgError> {
            if let Some(min) = self.min
                && n < min
            {
                return Err(err(name, format!("{what} {n} is below the minimum {min}")));
            }
            if let Some(max) = self.max
                && n > max
            {
                return Err(err(name, format!("{what} {n} is above the maximum {max}")));
            }
            Ok(())
        };
        match self.kind {
            ArgType::File => value
                .as_str()
                .filter(|s| !s.trim().is_empty())
                .map(|s| ArgValue::File(s.trim().to_owned()))
                .ok_or_else(|| err(name, "expected a media id")),
            ArgType::String => {
                let s = value
                    .as_str()
                    .ok_or_else(|| err(name, "expected a string"))?;
                in_range(s.chars().count() as f64, "length")?;
                if s.chars().any(|c| c == '\0') {
                    return Err(err(name, "must not contain NUL characters"));
                }
                Ok(ArgValue::Text(s.to_owned()))
            }
            ArgType::Number | ArgType::Float => {
                let n = value
                    .as_f64()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| err(name, "expected a number"))?;
                in_range(n, "value")?;
                Ok(ArgValue::Number(n))
            }
            ArgType::Int => {
                let n = value
                    .as_i64()
                    .or_else(|| {
                        value
                            .as_f64()
                            .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                            .map(|f| f as i64)
                    })
                    .ok_or_else(|| err(name, "expected a whole number"))?;
                in_range(n as f64, "value")?;
                Ok(ArgValue::Int(n))
            }
            ArgType::Bool => value
                .as_bool()
                .map(ArgValue::Bool)
                .ok_or_else(|| err(name, "expected true or false")),
            ArgType::Enum => {
                let s = value
                    .as_str()
                    .ok_or_else(|| err(name, "expected one of the choices"))?;
                let choices = self.choices.as_deref().unwrap_or_default();
                if choices.iter().any(|c| c == s) {
                    Ok(ArgValue::Text(s.to_owned()))
                } else {
                    Err(err(
                        name,
                        format!("`{s}` is not one of {}", choices.join(", ")),
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn seed_schema() -> ArgSchema {
        ArgSchema::parse(&json!({
            "image": {"tags": ["mask"], "optional": true, "type": "file", "format": "--form image=@:value"},
            "source": {"type": "string", "format": "--form source=@:value"},
            "alpha": {"type": "number", "format": "--form alpha=@:value", "min": 0, "max": 100},
            "steps": {"type": "int", "min": 1, "max": 50, "default": 10, "format": "--steps :value"},
            "fast": {"type": "bool", "optional": true, "format": "--fast=:value"},
            "codec": {"type": "enum", "choices": ["h264", "vp9"], "default": "h264", "format": "-c :value"}
        }))
        .unwrap()
    }

    fn values(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn documented_schema_fills_in_optional_and_example_like_seed_000() {
        let schema = ArgSchema::parse(&json!({
            "alpha": {"type": "number", "format": "--form alpha=@:value", "min": 0, "max": 100},
            "image": {"type": "file", "optional": true, "tags": ["mask"]}
        }))
        .unwrap();
        assert_eq!(
            schema.documented(),
            json!({
                "alpha": {"type": "number", "format": "--form alpha=@:value", "min": 0, "max": 100, "optional": false, "example": ""},
                "image": {"type": "file", "optional": true, "tags": ["mask"], "example": ""}
            })
        );
    }

    #[test]
    fn seed_000s_schema_parses_and_defaults_fill_in() {
        let valid = seed_schema()
            .validate(&values(json!({"source": "a face", "alpha": 50})))
            .unwrap();
        assert_eq!(valid["steps"], ArgValue::Int(10));
        assert_eq!(valid["codec"], ArgValue::Text("h264".into()));
        assert!(!valid.contains_key("image"));
    }

    #[test]
    fn every_bad_argument_gets_its_own_error() {
        let errors = seed_schema()
            .validate(&values(
                json!({"alpha": 101, "steps": 2.5, "fast": "yes", "codec": "av1", "bogus": 1}),
            ))
            .unwrap_err();
        let by_arg: BTreeMap<_, _> = errors
            .iter()
            .map(|e| (e.argument.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(by_arg["alpha"], "value 101 is above the maximum 100");
        assert_eq!(by_arg["steps"], "expected a whole number");
        assert_eq!(by_arg["fast"], "expected true or false");
        assert_eq!(by_arg["codec"], "`av1` is not one of h264, vp9");
        assert_eq!(by_arg["bogus"], "unknown argument");
        assert_eq!(by_arg["source"], "required");
        assert_eq!(errors.len(), 6);
    }

    #[test]
    fn below_minimum_wrong_types_and_file_values_are_checked() {
        let errors = seed_schema()
            .validate(&values(
                json!({"source": 3, "alpha": -1, "image": "", "steps": 0}),
            ))
            .unwrap_err();
        let by_arg: BTreeMap<_, _> = errors
            .iter()
            .map(|e| (e.argument.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(by_arg["source"], "expected a string");
        assert_eq!(by_arg["alpha"], "value -1 is below the minimum 0");
        assert_eq!(by_arg["image"], "expected a media id");
        assert_eq!(by_arg["steps"], "value 0 is below the minimum 1");
    }

    #[test]
    fn invalid_schemas_are_rejected_naming_the_argument() {
        let cases = [
            (
                json!({"a": {"type": "enum"}}),
                "a: an enum needs a non-empty `choices` list",
            ),
            (
                json!({"b": {"type": "number", "min": 5, "max": 1}}),
                "b: min (5) is greater than max (1)",
            ),
            (
                json!({"c": {"type": "string", "format": "--c"}}),
                "c: `format` must contain the `:value` placeholder",
            ),
            (
                json!({"d": {"type": "file", "kinds": ["pdf"]}}),
                "d: unknown media kind `pdf` (use image, video or audio)",
            ),
            (
                json!({"e": {"type": "int", "default": "x"}}),
                "e: default is invalid: expected a whole number",
            ),
            (
                json!({"f": {"type": "string", "tags": ["x"]}}),
                "f: `kinds` and `tags` apply to file arguments only",
            ),
            (
                json!({"bad name": {"type": "string"}}),
                "bad name: argument names use letters, digits, `_` and `-` (at most 64)",
            ),
        ];
        for (schema, expected) in cases {
            let errors = ArgSchema::parse(&schema).unwrap_err();
            assert_eq!(errors[0].to_string(), expected);
        }
        let unknown_type = ArgSchema::parse(&json!({"g": {"type": "tensor"}})).unwrap_err();
        assert!(
            unknown_type[0]
                .to_string()
                .starts_with("g: invalid declaration")
        );
    }
}
