//! A run's structured result: `result.json` in its working directory, read only when the
//! model declares a `result`, bounded in size, and checked against the declared schema
//! before anything of the run is registered (a refused result fails the job whole).

use mediamagic_models::domain::result::ResultSpec;
use serde_json::Value;
use std::{io::Read, path::Path};

/// The file a model writes its result to, in its working directory.
pub const RESULT_FILE: &str = "result.json";

/// Why a declared result was refused: the job fails with this code (not retried).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultRefused {
    /// `RESULT_MISSING`, `RESULT_TOO_LARGE` or `RESULT_INVALID`.
    pub code: &'static str,
    /// What is wrong, for the job's owner.
    pub message: String,
}

/// Parses and checks `bytes` (what the run wrote) against `spec`, refusing more than
/// `max_bytes`.
pub fn check(spec: &ResultSpec, bytes: &[u8], max_bytes: usize) -> Result<Value, ResultRefused> {
    if bytes.len() > max_bytes {
        return Err(ResultRefused {
            code: "RESULT_TOO_LARGE",
            message: format!("{RESULT_FILE} is over the limit of {max_bytes} bytes"),
        });
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| ResultRefused {
        code: "RESULT_INVALID",
        message: format!("{RESULT_FILE} is not JSON: {e}"),
    })?;
    spec.check(&value).map_err(|e| ResultRefused {
        code: "RESULT_INVALID",
        message: format!("{RESULT_FILE} does not match the model's result schema: {e}"),
    })?;
    Ok(value)
}

/// Reads `result.json` from `workdir` (never following a symlink, reading at most one
/// byte past `max_bytes`) and checks it.
pub fn read(spec: &ResultSpec, workdir: &Path, max_bytes: usize) -> Result<Value, ResultRefused> {
    let path = workdir.join(RESULT_FILE);
    let missing = || ResultRefused {
        code: "RESULT_MISSING",
        message: format!("the program wrote no {RESULT_FILE} (the model declares a result)"),
    };
    match std::fs::symlink_metadata(&path) {
        Ok(meta) if meta.is_file() => {}
        _ => return Err(missing()),
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&path)
        .and_then(|file| file.take(max_bytes as u64 + 1).read_to_end(&mut bytes))
        .map_err(|_| missing())?;
    check(spec, &bytes, max_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mediamagic_models::domain::args::ArgSchema;
    use serde_json::json;

    fn spec() -> ResultSpec {
        ResultSpec {
            schema: json!({"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}),
            tags: None,
        }
        .parse(&ArgSchema::default())
        .unwrap()
    }

    #[test]
    fn a_valid_result_is_read_and_a_bad_one_names_its_fault() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            read(&spec(), dir.path(), 100).unwrap_err().code,
            "RESULT_MISSING"
        );
        std::fs::write(dir.path().join(RESULT_FILE), br#"{"n": 3}"#).unwrap();
        assert_eq!(read(&spec(), dir.path(), 100).unwrap(), json!({"n": 3}));
        std::fs::write(dir.path().join(RESULT_FILE), br#"{"n": "3"}"#).unwrap();
        let refused = read(&spec(), dir.path(), 100).unwrap_err();
        assert_eq!(refused.code, "RESULT_INVALID");
        assert!(
            refused.message.contains("$.n: expected integer"),
            "{}",
            refused.message
        );
        std::fs::write(dir.path().join(RESULT_FILE), vec![b' '; 101]).unwrap();
        assert_eq!(
            read(&spec(), dir.path(), 100).unwrap_err().code,
            "RESULT_TOO_LARGE"
        );
    }

    #[test]
    fn a_symlinked_result_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.json");
        std::fs::write(&outside, br#"{"n": 1}"#).unwrap();
        let work = dir.path().join("work");
        std::fs::create_dir(&work).unwrap();
        std::os::unix::fs::symlink(&outside, work.join(RESULT_FILE)).unwrap();
        assert_eq!(
            read(&spec(), &work, 100).unwrap_err().code,
            "RESULT_MISSING"
        );
    }
}
