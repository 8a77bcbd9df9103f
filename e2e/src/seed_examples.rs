//! A seed document's curl examples, sent as the document writes them: each fenced block
//! that starts with `curl` (or `$ curl`) is run by bash with the real curl, after the
//! substitutions a reader makes by hand (the document's host, `$TOKEN`, ids an earlier
//! example answered), and its `// Output example` is kept to compare the answer with.

use serde_json::Value;
use std::collections::BTreeMap;

/// One example: the heading above it, the command as written and its output example.
#[derive(Clone, Debug)]
pub struct Example {
    /// The nearest `###` (or `##`) heading above the block.
    pub heading: String,
    /// The command's lines, joined as the shell reads them (backslash continuations kept;
    /// each line's indentation dropped, since the seed indents some commands).
    pub command: String,
    /// The block's output example: JSON when it parses, else its text (`Status - 204`).
    pub output: Option<Value>,
}

/// A curl answer: status and body (JSON when it parses, else a string).
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The body.
    pub body: Value,
}

/// Every curl example in `text`, in order.
pub fn examples(text: &str) -> Vec<Example> {
    let mut found = Vec::new();
    let mut heading = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some(title) = line.strip_prefix("### ").or(line.strip_prefix("## ")) {
            heading = title.trim().to_owned();
            continue;
        }
        if !line.starts_with("```") {
            continue;
        }
        let block: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .collect();
        let start = block.iter().position(|l| {
            let l = l.trim_start();
            l.starts_with("curl ") || l.starts_with("$ curl ")
        });
        let Some(start) = start else { continue };
        let mut command = Vec::new();
        let mut rest = block[start..].iter();
        for line in rest.by_ref() {
            command.push(line.trim_start().trim_start_matches("$ "));
            if !line.trim_end().ends_with('\\') && !quote_open(&command.join("\n")) {
                break;
            }
        }
        let output: Vec<&str> = rest
            .skip_while(|l| l.trim().is_empty() || l.trim_start().starts_with("//"))
            .copied()
            .collect();
        let output = output.join("\n");
        let output = output.trim();
        found.push(Example {
            heading: heading.clone(),
            command: command.join("\n"),
            output: (!output.is_empty()).then(|| {
                serde_json::from_str(output).unwrap_or_else(|_| Value::String(output.to_owned()))
            }),
        });
    }
    found
}

/// Whether the shell would still be inside a quoted string at the end of `text`.
fn quote_open(text: &str) -> bool {
    let mut quote = None;
    let mut escaped = false;
    for c in text.chars() {
        match (quote, c) {
            (_, _) if escaped => escaped = false,
            (None | Some('"'), '\\') => escaped = true,
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
    }
    quote.is_some()
}

impl Example {
    /// Runs the command with bash and curl after replacing each key of `substitutions` by
    /// its value (the host, `$TOKEN`, ids).
    pub async fn send(&self, substitutions: &BTreeMap<String, String>) -> Answer {
        let mut command = self.command.clone();
        for (from, to) in substitutions {
            command = command.replace(from.as_str(), to);
        }
        let curl = command
            .strip_prefix("curl ")
            .unwrap_or_else(|| panic!("{}: not a curl command: {command}", self.heading));
        let script = format!("curl -sS -w '\\n%{{http_code}}' {curl}");
        let out = tokio::process::Command::new("bash")
            .args(["-c", &script])
            .output()
            .await
            .expect("bash runs curl");
        assert!(
            out.status.success(),
            "{}: curl failed: {}",
            self.heading,
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let (body, status) = text.rsplit_once('\n').unwrap_or(("", &text));
        Answer {
            status: status.trim().parse().expect("curl printed the status"),
            body: serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned())),
        }
    }
}

/// The fields of `example` missing from `actual`, as JSON paths: every key of an example
/// object must be there (values are the caller's to compare; examples hold sample data).
/// An array is compared by its first element.
pub fn missing_fields(example: &Value, actual: &Value) -> Vec<String> {
    let mut missing = Vec::new();
    walk(example, actual, "$", &mut missing);
    missing
}

fn walk(example: &Value, actual: &Value, path: &str, missing: &mut Vec<String>) {
    match (example, actual) {
        (Value::Object(want), Value::Object(have)) => {
            for (key, value) in want {
                match have.get(key) {
                    Some(found) => walk(value, found, &format!("{path}.{key}"), missing),
                    None => missing.push(format!("{path}.{key}")),
                }
            }
        }
        (Value::Array(want), Value::Array(have)) => {
            if let (Some(want), Some(have)) = (want.first(), have.first()) {
                walk(want, have, &format!("{path}[0]"), missing);
            }
        }
        (Value::Object(_) | Value::Array(_), _) => missing.push(format!("{path} (shape)")),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    const DOC: &str = "## Things\n\n### Create a thing\n\n```\ncurl --request POST 'https://x.dev/t' \\\n--data-raw '{\n  \"a\": 1\n}'\n\n// Output example\n{\"id\": \"7\", \"tags\": [\"x\"]}\n```\n\n### Delete\n\n```bash\n$ curl -X DELETE https://x.dev/t/7\n\n// Output example\n Status - 204\n```\n\n```\nnot a command\n```\n";

    #[test]
    fn blocks_are_read_with_their_heading_command_and_output() {
        let found = examples(DOC);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].heading, "Create a thing");
        assert_eq!(
            found[0].command,
            "curl --request POST 'https://x.dev/t' \\\n--data-raw '{\n\"a\": 1\n}'"
        );
        assert_eq!(found[0].output, Some(json!({"id": "7", "tags": ["x"]})));
        assert_eq!(found[1].command, "curl -X DELETE https://x.dev/t/7");
        assert_eq!(found[1].output, Some(json!("Status - 204")));
    }

    #[test]
    fn a_field_of_the_example_missing_from_the_answer_is_named() {
        let example = json!([{"id": "1", "args": {"a": {"min": 0}}}]);
        assert!(
            missing_fields(&example, &json!([{"id": "9", "args": {"a": {"min": 3}}}])).is_empty()
        );
        assert_eq!(
            missing_fields(&example, &json!([{"id": "9", "args": {"a": {}}}])),
            vec!["$[0].args.a.min"]
        );
        assert_eq!(missing_fields(&example, &json!({})), vec!["$ (shape)"]);
    }
}
