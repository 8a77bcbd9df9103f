//! A model definition as clients write it (seed 000's JSON body, the catalogue files, the
//! GraphQL input), and its parsed, valid form.
//!
//! Parsing checks every field and names the one at fault; a [`ModelSpec`] that exists is
//! valid, so the database layer stores it without further checks.

use super::{
    args::ArgSchema,
    render::{InvocationKind, check_template},
    result::ResultSpec,
    sandbox::ModelLimits,
};
use mediamagic_kit::ApiError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// Most tags per model.
pub const MAX_TAGS: usize = 32;
/// Longest tag, in characters.
pub const MAX_TAG_LENGTH: usize = 50;
/// Most example outputs and declared outputs per model.
pub const MAX_LIST: usize = 32;
/// Default timeout of a run, in seconds (one hour).
pub const DEFAULT_TIMEOUT_SECONDS: i32 = 3600;
/// Longest allowed timeout, in seconds (one day).
pub const MAX_TIMEOUT_SECONDS: i32 = 86_400;
/// Most machines one run may use.
pub const MAX_MACHINE_COUNT: i32 = 64;

/// A model definition as written by a client: seed 000's `POST /api/v1/models` body (plus the
/// fields this platform adds). Everything is optional here; [`ModelDefinition::parse`] says
/// what is missing or wrong.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelDefinition {
    /// Client-chosen id (a UUID); generated when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// What it does.
    #[serde(default)]
    pub description: Option<String>,
    /// Icon URL or file name.
    #[serde(default)]
    pub icon: Option<String>,
    /// Labels for filtering.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// URLs of example results.
    #[serde(default)]
    pub example_outputs: Option<Vec<String>>,
    /// Left out of listings (still readable by id).
    #[serde(default)]
    pub hidden: Option<bool>,
    /// Readable by every account (only the owner may change it).
    #[serde(default)]
    pub public: Option<bool>,
    /// Container image.
    #[serde(default)]
    pub container: Option<String>,
    /// Command template (`{args}`, `{name}`).
    #[serde(default)]
    pub command: Option<String>,
    /// `exec` or `http`; inferred from the command when absent.
    #[serde(default)]
    pub invocation: Option<String>,
    /// Argument schema.
    #[serde(default)]
    pub args: Option<Value>,
    /// Machine type the model runs on.
    #[serde(default)]
    pub machine_type: Option<String>,
    /// Machines per run.
    #[serde(default)]
    pub machine_count: Option<i32>,
    /// Longest run, in seconds.
    #[serde(default)]
    pub timeout_seconds: Option<i32>,
    /// Files a run produces.
    #[serde(default)]
    pub outputs: Option<Vec<OutputSpec>>,
    /// Typical runtime, in seconds (sets the classification until jobs have run).
    #[serde(default)]
    pub expected_runtime_seconds: Option<i32>,
    /// Whether runs need network egress (never to loopback or private ranges); off when absent.
    #[serde(default)]
    pub network: Option<bool>,
    /// Resource limits tighter than the machine type's.
    #[serde(default)]
    pub limits: Option<ModelLimits>,
    /// A runtime the worker must have installed (`vision`: `scripts/install-runtime.sh
    /// vision`); deploying fails at once with RUNTIME_MISSING when no live worker has it.
    #[serde(default)]
    pub runtime: Option<String>,
    /// The structured result the program writes to `result.json` (a JSON Schema), and
    /// whether it may tag an input media.
    /// Written as `{"schema": {...}, "tags": {"field": "tags", "arg": "image"}}`.
    #[serde(default)]
    pub result: Option<Value>,
}

/// A file a run produces: a glob relative to the run's working directory, and its type.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// Glob relative to the working directory (`audio.mp3`, `frame-*.jpg`).
    pub pattern: String,
    /// Content type of matching files (`audio/mpeg`).
    pub content_type: String,
}

impl OutputSpec {
    /// Whether `relative_path` (with `/` separators) matches the pattern: `*` matches any
    /// run of characters within one path segment, `?` one character.
    pub fn matches(&self, relative_path: &str) -> bool {
        let pattern: Vec<&str> = self.pattern.split('/').collect();
        let path: Vec<&str> = relative_path.split('/').collect();
        pattern.len() == path.len()
            && pattern
                .iter()
                .zip(&path)
                .all(|(p, s)| segment_matches(p.as_bytes(), s.as_bytes()))
    }
}

fn segment_matches(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skip| segment_matches(rest, &text[skip..])),
        Some((b'?', rest)) => !text.is_empty() && segment_matches(rest, &text[1..]),
        Some((c, rest)) => text.first() == Some(c) && segment_matches(rest, &text[1..]),
    }
}

/// What runs: every change to it makes a new version. Serialised as the agent protocol
/// carries it to a worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSpec {
    /// Container image.
    pub container: String,
    /// Command template.
    pub command: String,
    /// How the command is invoked.
    pub invocation: InvocationKind,
    /// Argument schema.
    pub args: ArgSchema,
    /// Machine type.
    pub machine_type: String,
    /// Machines per run.
    pub machine_count: i32,
    /// Longest run, in seconds.
    pub timeout_seconds: i32,
    /// Declared outputs.
    pub outputs: Vec<OutputSpec>,
    /// Runs get network egress (the sandbox gives none otherwise).
    pub network: bool,
    /// Resource limits tighter than the machine type's.
    pub limits: ModelLimits,
    /// The worker runtime the program needs.
    pub runtime: Option<String>,
    /// The declared structured result.
    pub result: Option<ResultSpec>,
}

/// A valid model definition.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelSpec {
    /// Client-chosen id.
    pub id: Option<Uuid>,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Icon.
    pub icon: Option<String>,
    /// Normalised tags (trimmed, lower-case, unique, in the order given).
    pub tags: Vec<String>,
    /// Example output URLs.
    pub example_outputs: Vec<String>,
    /// Left out of listings.
    pub hidden: bool,
    /// Readable by every account.
    pub public: bool,
    /// Typical runtime.
    pub expected_runtime_seconds: Option<i32>,
    /// What runs.
    pub run: RunSpec,
}

/// `fast` or `slow`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Classification {
    /// Finishes within the threshold (or has no known runtime).
    Fast,
    /// Takes longer than the threshold.
    Slow,
}

/// Classifies a model: by the median runtime of its finished jobs when there is one, else by
/// its declared expected runtime; `slow` above `threshold_seconds`, `fast` otherwise (also
/// when nothing is known, as seed 000's models without a runtime are `fast`).
pub fn classify(
    expected_seconds: Option<i32>,
    observed_seconds: Option<i32>,
    threshold_seconds: i32,
) -> Classification {
    match observed_seconds.or(expected_seconds) {
        Some(runtime) if runtime > threshold_seconds => Classification::Slow,
        _ => Classification::Fast,
    }
}

impl ModelDefinition {
    /// Checks every field; `default_machine_type` fills in a missing machine type.
    pub fn parse(self, default_machine_type: &str) -> Result<ModelSpec, ApiError> {
        let id = self
            .id
            .as_deref()
            .map(|raw| {
                Uuid::parse_str(raw.trim())
                    .map_err(|_| ApiError::bad_input("id", "id must be a UUID"))
            })
            .transpose()?;
        let name = bounded_text("name", self.name.as_deref().unwrap_or(""), 1, 100)?;
        let description = bounded_text(
            "description",
            self.description.as_deref().unwrap_or(""),
            0,
            4000,
        )?;
        let icon = self
            .icon
            .as_deref()
            .map(|icon| bounded_text("icon", icon, 0, 2000))
            .transpose()?
            .filter(|icon| !icon.is_empty());
        let tags = parse_tags("tags", self.tags.unwrap_or_default())?;
        let example_outputs = self.example_outputs.unwrap_or_default();
        if example_outputs.len() > MAX_LIST {
            return Err(ApiError::bad_input(
                "example_outputs",
                format!("at most {MAX_LIST} example outputs"),
            ));
        }
        let example_outputs = example_outputs
            .iter()
            .map(|url| bounded_text("example_outputs", url, 1, 2000))
            .collect::<Result<Vec<_>, _>>()?;
        let expected_runtime_seconds = match self.expected_runtime_seconds {
            Some(s) if s <= 0 => {
                return Err(ApiError::bad_input(
                    "expected_runtime_seconds",
                    "expected runtime must be a positive number of seconds",
                ));
            }
            other => other,
        };
        let run = RunSpec::parse(
            self.container,
            self.command,
            self.invocation,
            self.args,
            self.machine_type,
            self.machine_count,
            self.timeout_seconds,
            self.outputs,
            default_machine_type,
        )?;
        let result = self
            .result
            .filter(|r| !r.is_null())
            .map(|r| {
                serde_json::from_value::<ResultSpec>(r)
                    .map_err(|e| ApiError::bad_input("result", format!("result: {e}")))?
                    .parse(&run.args)
            })
            .transpose()?;
        let run = RunSpec {
            network: self.network.unwrap_or(false),
            limits: self.limits.unwrap_or_default().parse()?,
            runtime: self.runtime.as_deref().map(parse_runtime).transpose()?,
            result,
            ..run
        };
        Ok(ModelSpec {
            id,
            name,
            description,
            icon,
            tags,
            example_outputs,
            hidden: self.hidden.unwrap_or(false),
            public: self.public.unwrap_or(false),
            expected_runtime_seconds,
            run,
        })
    }
}

impl RunSpec {
    #[allow(clippy::too_many_arguments)]
    fn parse(
        container: Option<String>,
        command: Option<String>,
        invocation: Option<String>,
        args: Option<Value>,
        machine_type: Option<String>,
        machine_count: Option<i32>,
        timeout_seconds: Option<i32>,
        outputs: Option<Vec<OutputSpec>>,
        default_machine_type: &str,
    ) -> Result<Self, ApiError> {
        let container = container.unwrap_or_default().trim().to_owned();
        if container.is_empty() || container.len() > 500 || container.contains(char::is_whitespace)
        {
            return Err(ApiError::bad_input(
                "container",
                "container must name an image (1 to 500 characters, no spaces)",
            ));
        }
        let command = bounded_text("command", command.as_deref().unwrap_or(""), 1, 4000)?;
        let args = ArgSchema::parse(&args.unwrap_or_else(|| Value::Object(Default::default())))
            .map_err(|errors| {
                let list: Vec<String> = errors.iter().map(|e| format!("args.{e}")).collect();
                ApiError::bad_input("args", list.join("; "))
            })?;
        let invocation = match invocation.as_deref().map(str::trim) {
            None | Some("") => infer_invocation(&command),
            Some(kind) if kind.eq_ignore_ascii_case("exec") => InvocationKind::Exec,
            Some(kind) if kind.eq_ignore_ascii_case("http") => InvocationKind::Http,
            Some(other) => {
                return Err(ApiError::bad_input(
                    "invocation",
                    format!("unknown invocation `{other}` (use exec or http)"),
                ));
            }
        };
        check_template(invocation, &command, &args)
            .map_err(|e| ApiError::bad_input("command", format!("command: {e}")))?;
        let machine_type = machine_type
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| default_machine_type.to_owned());
        if machine_type.len() > 64
            || !machine_type
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(ApiError::bad_input(
                "machine_type",
                "machine type uses letters, digits, `-`, `_` and `.` (at most 64)",
            ));
        }
        let machine_count = machine_count.unwrap_or(1);
        if !(1..=MAX_MACHINE_COUNT).contains(&machine_count) {
            return Err(ApiError::bad_input(
                "machine_count",
                format!("machine count must be between 1 and {MAX_MACHINE_COUNT}"),
            ));
        }
        let timeout_seconds = timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS);
        if !(1..=MAX_TIMEOUT_SECONDS).contains(&timeout_seconds) {
            return Err(ApiError::bad_input(
                "timeout_seconds",
                format!("timeout must be between 1 and {MAX_TIMEOUT_SECONDS} seconds"),
            ));
        }
        let outputs = outputs.unwrap_or_default();
        if outputs.len() > MAX_LIST {
            return Err(ApiError::bad_input(
                "outputs",
                format!("at most {MAX_LIST} declared outputs"),
            ));
        }
        for output in &outputs {
            check_output(output)?;
        }
        Ok(Self {
            container,
            command,
            invocation,
            args,
            machine_type,
            machine_count,
            timeout_seconds,
            outputs,
            network: false,
            limits: ModelLimits::default(),
            runtime: None,
            result: None,
        })
    }
}

/// A runtime name: 1 to 40 lower-case letters, digits and `-`.
fn parse_runtime(raw: &str) -> Result<String, ApiError> {
    let name = raw.trim();
    let valid = (1..=40).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        return Err(ApiError::bad_input(
            "runtime",
            "a runtime is named by 1 to 40 lower-case letters, digits and `-` (`vision`)",
        ));
    }
    Ok(name.to_owned())
}

/// `http` when the command starts with a URL or `host:port/` (seed 000's
/// `127.0.0.1:8013/styleclip ...`), `exec` otherwise.
pub fn infer_invocation(command: &str) -> InvocationKind {
    let first = command.split_whitespace().next().unwrap_or("");
    if first.starts_with("http://") || first.starts_with("https://") {
        return InvocationKind::Http;
    }
    let authority = first.split('/').next().unwrap_or("");
    match authority.rsplit_once(':') {
        Some((host, port))
            if !host.is_empty()
                && !port.is_empty()
                && port.chars().all(|c| c.is_ascii_digit())
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-')) =>
        {
            InvocationKind::Http
        }
        _ => InvocationKind::Exec,
    }
}

/// Normalises tags: trimmed, lower-case, unique (first occurrence kept), bounded.
pub fn parse_tags(field: &str, raw: Vec<String>) -> Result<Vec<String>, ApiError> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty()
            || tag.chars().count() > MAX_TAG_LENGTH
            || tag.chars().any(char::is_control)
        {
            return Err(ApiError::bad_input(
                field,
                format!("tags are 1 to {MAX_TAG_LENGTH} characters without control characters"),
            ));
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(ApiError::bad_input(
            field,
            format!("at most {MAX_TAGS} tags"),
        ));
    }
    Ok(tags)
}

fn bounded_text(field: &str, raw: &str, min: usize, max: usize) -> Result<String, ApiError> {
    let text = raw.trim();
    let length = text.chars().count();
    if length < min || length > max {
        return Err(ApiError::bad_input(
            field,
            if min > 0 {
                format!("{field} must be {min} to {max} characters")
            } else {
                format!("{field} must be at most {max} characters")
            },
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(ApiError::bad_input(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(text.to_owned())
}

fn check_output(output: &OutputSpec) -> Result<(), ApiError> {
    let pattern = &output.pattern;
    let bad_pattern = pattern.is_empty()
        || pattern.len() > 200
        || pattern.starts_with('/')
        || pattern.contains('\\')
        || pattern
            .split('/')
            .any(|part| part == ".." || part.is_empty())
        || pattern.chars().any(|c| c.is_control());
    if bad_pattern {
        return Err(ApiError::bad_input(
            "outputs",
            format!(
                "output pattern `{pattern}` must be a relative path inside the working directory"
            ),
        ));
    }
    let content_type = &output.content_type;
    let valid_type = content_type.len() <= 100
        && content_type.split_once('/').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && content_type
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/.+-_".contains(c))
        });
    if !valid_type {
        return Err(ApiError::bad_input(
            "outputs",
            format!("`{content_type}` is not a content type like `audio/mpeg`"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn seed_styleclip() -> ModelDefinition {
        serde_json::from_value(json!({
            "args": {
                "image": {"tags": ["mask"], "optional": true, "type": "file", "format": "--form image=@:value"},
                "source": {"type": "string", "format": "--form source=@:value"},
                "alpha": {"type": "number", "format": "--form alpha=@:value", "min": 0, "max": 100}
            },
            "name": "styleClip",
            "container": "ubuntu",
            "machine_type": "container2",
            "machine_count": 2,
            "tags": ["face", "head", "body"],
            "id": "c691b065-2a8e-4db5-a8bb-3d33eaccf0d5",
            "icon": "icon.jpg",
            "command": "127.0.0.1:8013/styleclip {args} --form output=/tmp/clust_mgr/",
            "description": "it does manipulation based on text query from user",
            "example_outputs": ["https://studio213.us/gpu/ai/input/em.jpg"]
        }))
        .unwrap()
    }

    fn bad(definition: ModelDefinition) -> (String, String) {
        match definition.parse("cpu").unwrap_err() {
            ApiError::BadUserInput { message, field } => (field.unwrap_or_default(), message),
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        }
    }

    #[test]
    fn seed_000s_create_body_parses_as_an_http_model() {
        let spec = seed_styleclip().parse("cpu").unwrap();
        assert_eq!(spec.name, "styleClip");
        assert_eq!(spec.run.invocation, InvocationKind::Http);
        assert_eq!(spec.run.machine_type, "container2");
        assert_eq!(spec.run.machine_count, 2);
        assert_eq!(spec.run.timeout_seconds, DEFAULT_TIMEOUT_SECONDS);
        assert_eq!(spec.tags, ["face", "head", "body"]);
        assert!(spec.id.is_some());
    }

    #[test]
    fn invocation_is_inferred_from_the_command() {
        assert_eq!(
            infer_invocation("ffmpeg -i {x} out.mp3"),
            InvocationKind::Exec
        );
        assert_eq!(
            infer_invocation("127.0.0.1:8013/styleclip {args}"),
            InvocationKind::Http
        );
        assert_eq!(
            infer_invocation("https://models.example/run"),
            InvocationKind::Http
        );
        assert_eq!(infer_invocation("model-server:80/x"), InvocationKind::Http);
        assert_eq!(
            infer_invocation("/usr/bin/python3 run.py"),
            InvocationKind::Exec
        );
    }

    #[test]
    fn tags_are_trimmed_lowercased_and_deduplicated() {
        assert_eq!(
            parse_tags("tags", vec![" Face ".into(), "face".into(), "HEAD".into()]).unwrap(),
            ["face", "head"]
        );
        assert!(parse_tags("tags", vec!["  ".into()]).is_err());
        assert!(parse_tags("tags", (0..33).map(|i| i.to_string()).collect()).is_err());
    }

    #[test]
    fn an_invalid_argument_schema_is_rejected_naming_the_argument() {
        let mut definition = seed_styleclip();
        definition.args = Some(json!({
            "alpha": {"type": "number", "min": 10, "max": 1},
            "mode": {"type": "enum"}
        }));
        definition.command = Some("run {args}".into());
        assert_eq!(
            bad(definition),
            (
                "args".to_owned(),
                "args.alpha: min (10) is greater than max (1); args.mode: an enum needs a non-empty `choices` list".to_owned()
            )
        );
    }

    #[test]
    fn a_command_naming_an_unknown_argument_is_rejected() {
        let mut definition = seed_styleclip();
        definition.command = Some("127.0.0.1:8013/styleclip --form x={nope}".into());
        assert_eq!(
            bad(definition),
            (
                "command".to_owned(),
                "command: the command refers to `{nope}`, which is not an argument".to_owned()
            )
        );
    }

    #[test]
    fn missing_and_out_of_range_fields_name_the_field() {
        type Change = Box<dyn Fn(&mut ModelDefinition)>;
        let cases: Vec<(Change, &str)> = vec![
            (Box::new(|d| d.name = None), "name"),
            (
                Box::new(|d| d.container = Some("has space".into())),
                "container",
            ),
            (Box::new(|d| d.command = Some("  ".into())), "command"),
            (Box::new(|d| d.machine_count = Some(0)), "machine_count"),
            (
                Box::new(|d| d.timeout_seconds = Some(86_401)),
                "timeout_seconds",
            ),
            (
                Box::new(|d| d.machine_type = Some("gpu a100".into())),
                "machine_type",
            ),
            (
                Box::new(|d| d.invocation = Some("grpc".into())),
                "invocation",
            ),
            (Box::new(|d| d.id = Some("not-a-uuid".into())), "id"),
            (
                Box::new(|d| d.expected_runtime_seconds = Some(0)),
                "expected_runtime_seconds",
            ),
            (
                Box::new(|d| {
                    d.outputs = Some(vec![OutputSpec {
                        pattern: "../etc/passwd".into(),
                        content_type: "text/plain".into(),
                    }])
                }),
                "outputs",
            ),
            (
                Box::new(|d| {
                    d.outputs = Some(vec![OutputSpec {
                        pattern: "out.mp3".into(),
                        content_type: "mp3".into(),
                    }])
                }),
                "outputs",
            ),
        ];
        for (change, field) in cases {
            let mut definition = seed_styleclip();
            change(&mut definition);
            assert_eq!(bad(definition).0, field);
        }
    }

    #[test]
    fn output_patterns_match_within_one_path_segment() {
        let spec = |p: &str| OutputSpec {
            pattern: p.into(),
            content_type: "image/jpeg".into(),
        };
        assert!(spec("frame-*.jpg").matches("frame-00001.jpg"));
        assert!(!spec("frame-*.jpg").matches("frame-00001.png"));
        assert!(!spec("*.jpg").matches("sub/a.jpg"));
        assert!(spec("separated/*/*/bass.mp3").matches("separated/htdemucs/song/bass.mp3"));
        assert!(spec("out?.mp3").matches("out1.mp3"));
        assert!(!spec("out?.mp3").matches("out.mp3"));
    }

    #[test]
    fn classification_prefers_observed_runtime_then_expected() {
        assert_eq!(classify(None, None, 60), Classification::Fast);
        assert_eq!(classify(Some(30), None, 60), Classification::Fast);
        assert_eq!(classify(Some(600), None, 60), Classification::Slow);
        assert_eq!(classify(Some(600), Some(20), 60), Classification::Fast);
        assert_eq!(classify(Some(5), Some(61), 60), Classification::Slow);
    }
}
