//! Rendering a model's command template with validated arguments (seed 000's `{args}` and
//! `{name}` placeholders, `:value` in each argument's `format`), for two invocation kinds:
//!
//! - `exec`: a program and an argument vector. The template is split on whitespace once;
//!   values are substituted into tokens afterwards, so a value with spaces, quotes or shell
//!   metacharacters stays one argument and no shell ever sees it.
//! - `http`: a multipart form POST to a model server (`127.0.0.1:8013/styleclip {args}
//!   --form output=...`): the first token is the URL, the rest are `--form name=value` fields;
//!   `name=@<file argument>` uploads that file.

use super::args::{ArgSchema, ArgType, ArgValue};
use std::collections::{BTreeMap, HashMap};

/// How a model is invoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InvocationKind {
    /// A command line, run without a shell.
    Exec,
    /// A multipart POST to a model server.
    Http,
}

/// A rendered invocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invocation {
    /// Run `program` with `args`.
    Exec {
        /// The program.
        program: String,
        /// Its arguments, one value each.
        args: Vec<String>,
    },
    /// POST `fields` as multipart/form-data to `url`.
    Http {
        /// The model server's URL.
        url: String,
        /// The form fields, in order.
        fields: Vec<FormField>,
    },
}

/// One multipart form field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormField {
    /// A text field.
    Text {
        /// Field name.
        name: String,
        /// Field value.
        value: String,
    },
    /// A file upload from a local path or URL.
    File {
        /// Field name.
        name: String,
        /// Local path or URL of the file.
        location: String,
    },
}

/// Why a command could not be rendered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The template is empty.
    #[error("the command template is empty")]
    Empty,
    /// `{name}` names no argument of the schema.
    #[error("the command refers to `{{{0}}}`, which is not an argument")]
    UnknownPlaceholder(String),
    /// A file argument has no local path or URL.
    #[error("no location was given for file argument `{0}`")]
    MissingFile(String),
    /// An `http` command has a token that is not a form field.
    #[error("`{0}` is not a `--form name=value` field")]
    NotAFormField(String),
}

/// Renders `template` with `values`; `files` maps each file argument to its local path or URL.
pub fn render(
    kind: InvocationKind,
    template: &str,
    schema: &ArgSchema,
    values: &BTreeMap<String, ArgValue>,
    files: &HashMap<String, String>,
) -> Result<Invocation, RenderError> {
    let value_of = |name: &str| -> Result<Option<String>, RenderError> {
        match values.get(name) {
            Some(ArgValue::File(_)) => files
                .get(name)
                .cloned()
                .map(Some)
                .ok_or_else(|| RenderError::MissingFile(name.to_owned())),
            Some(value) => Ok(Some(value.render())),
            None => Ok(None),
        }
    };
    let mut tokens = Vec::new();
    for token in template.split_whitespace() {
        if token == "{args}" {
            for (name, spec) in &schema.0 {
                let (Some(format), Some(value)) = (&spec.format, value_of(name)?) else {
                    continue;
                };
                for part in format.split_whitespace() {
                    tokens.push(part.replace(":value", &value));
                }
            }
            continue;
        }
        tokens.push(substitute_placeholders(token, schema, &value_of)?);
    }
    let mut tokens = tokens.into_iter().filter(|t| !t.is_empty());
    let first = tokens.next().ok_or(RenderError::Empty)?;
    match kind {
        InvocationKind::Exec => Ok(Invocation::Exec {
            program: first,
            args: tokens.collect(),
        }),
        InvocationKind::Http => {
            let url = if first.contains("://") {
                first
            } else {
                format!("http://{first}")
            };
            let file_locations: Vec<String> = schema
                .0
                .iter()
                .filter(|(_, s)| s.kind == ArgType::File)
                .filter_map(|(n, _)| files.get(n).cloned())
                .collect();
            let mut fields = Vec::new();
            let mut rest = tokens.peekable();
            while let Some(token) = rest.next() {
                let field = if token == "--form" || token == "-F" {
                    rest.next()
                        .ok_or_else(|| RenderError::NotAFormField(token.clone()))?
                } else if let Some(inline) = token.strip_prefix("--form=") {
                    inline.to_owned()
                } else {
                    return Err(RenderError::NotAFormField(token));
                };
                let (name, value) = field
                    .split_once('=')
                    .ok_or_else(|| RenderError::NotAFormField(field.clone()))?;
                fields.push(match value.strip_prefix('@') {
                    Some(location) if file_locations.iter().any(|f| f == location) => {
                        FormField::File {
                            name: name.to_owned(),
                            location: location.to_owned(),
                        }
                    }
                    // curl's `@` means "file"; for non-file arguments the value is sent as text.
                    Some(text) => FormField::Text {
                        name: name.to_owned(),
                        value: text.to_owned(),
                    },
                    None => FormField::Text {
                        name: name.to_owned(),
                        value: value.to_owned(),
                    },
                });
            }
            Ok(Invocation::Http { url, fields })
        }
    }
}

/// Checks a command template against its schema when a model is saved: every `{name}`
/// placeholder names an argument and, for `http`, every token after the URL is a form field.
pub fn check_template(
    kind: InvocationKind,
    template: &str,
    schema: &ArgSchema,
) -> Result<(), RenderError> {
    let mut values = BTreeMap::new();
    let mut files = HashMap::new();
    for (name, spec) in &schema.0 {
        if spec.kind == ArgType::File {
            values.insert(name.clone(), ArgValue::File(name.clone()));
            files.insert(name.clone(), format!("/inputs/{name}"));
        } else {
            values.insert(name.clone(), ArgValue::Text("value".into()));
        }
    }
    render(kind, template, schema, &values, &files).map(|_| ())
}

/// Replaces every `{name}` in `token` with that argument's value (empty when left out).
fn substitute_placeholders(
    token: &str,
    schema: &ArgSchema,
    value_of: &dyn Fn(&str) -> Result<Option<String>, RenderError>,
) -> Result<String, RenderError> {
    let mut out = String::new();
    let mut rest = token;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 1..start + len];
        out.push_str(&rest[..start]);
        if !schema.0.contains_key(name) {
            return Err(RenderError::UnknownPlaceholder(name.to_owned()));
        }
        out.push_str(&value_of(name)?.unwrap_or_default());
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> ArgSchema {
        ArgSchema::parse(&json!({
            "image": {"type": "file", "format": "--form image=@:value"},
            "source": {"type": "string", "format": "--form source=@:value"},
            "alpha": {"type": "number", "format": "--form alpha=@:value", "min": 0, "max": 100},
            "mask": {"type": "file", "optional": true, "format": "--form mask=@:value"}
        }))
        .unwrap()
    }

    fn validated(values: serde_json::Value) -> BTreeMap<String, ArgValue> {
        schema().validate(values.as_object().unwrap()).unwrap()
    }

    #[test]
    fn exec_values_with_spaces_quotes_and_metacharacters_stay_single_arguments() {
        let schema = ArgSchema::parse(&json!({
            "input": {"type": "file"},
            "title": {"type": "string", "format": "-metadata title=:value"},
            "bitrate": {"type": "int", "default": 192}
        }))
        .unwrap();
        let nasty = "a b \"c\" 'd' $(rm -rf /); `x` | y && z > /etc/passwd";
        let values = schema
            .validate(json!({"input": "m1", "title": nasty}).as_object().unwrap())
            .unwrap();
        let files = HashMap::from([("input".to_owned(), "/work/in put.mp4".to_owned())]);
        let rendered = render(
            InvocationKind::Exec,
            "ffmpeg -i {input} {args} -b:a {bitrate}k out.mp3",
            &schema,
            &values,
            &files,
        )
        .unwrap();
        assert_eq!(
            rendered,
            Invocation::Exec {
                program: "ffmpeg".into(),
                args: vec![
                    "-i".into(),
                    "/work/in put.mp4".into(),
                    "-metadata".into(),
                    format!("title={nasty}"),
                    "-b:a".into(),
                    "192k".into(),
                    "out.mp3".into(),
                ],
            }
        );
    }

    #[test]
    fn http_renders_seed_000s_styleclip_command_as_a_multipart_form() {
        let values =
            validated(json!({"image": "m1", "source": "a smiling face; rm -rf /", "alpha": 42}));
        let files = HashMap::from([("image".to_owned(), "https://store/in.jpg?sig=x".to_owned())]);
        let rendered = render(
            InvocationKind::Http,
            "127.0.0.1:8013/styleclip {args} --form output=/tmp/clust_mgr/",
            &schema(),
            &values,
            &files,
        )
        .unwrap();
        assert_eq!(
            rendered,
            Invocation::Http {
                url: "http://127.0.0.1:8013/styleclip".into(),
                fields: vec![
                    FormField::Text {
                        name: "alpha".into(),
                        value: "42".into()
                    },
                    FormField::File {
                        name: "image".into(),
                        location: "https://store/in.jpg?sig=x".into()
                    },
                    FormField::Text {
                        name: "source".into(),
                        value: "a smiling face; rm -rf /".into()
                    },
                    FormField::Text {
                        name: "output".into(),
                        value: "/tmp/clust_mgr/".into()
                    },
                ],
            }
        );
    }

    #[test]
    fn rendering_errors_name_what_is_wrong() {
        let values = validated(json!({"image": "m1", "source": "s", "alpha": 1}));
        assert_eq!(
            render(
                InvocationKind::Exec,
                "run {nope}",
                &schema(),
                &values,
                &HashMap::new()
            ),
            Err(RenderError::UnknownPlaceholder("nope".into()))
        );
        assert_eq!(
            render(
                InvocationKind::Exec,
                "run {args}",
                &schema(),
                &values,
                &HashMap::new()
            ),
            Err(RenderError::MissingFile("image".into()))
        );
        let files = HashMap::from([("image".to_owned(), "/i".to_owned())]);
        assert_eq!(
            render(
                InvocationKind::Http,
                "host/x {args} --verbose",
                &schema(),
                &values,
                &files
            ),
            Err(RenderError::NotAFormField("--verbose".into()))
        );
        assert_eq!(
            render(InvocationKind::Exec, "  ", &schema(), &values, &files),
            Err(RenderError::Empty)
        );
    }
}
