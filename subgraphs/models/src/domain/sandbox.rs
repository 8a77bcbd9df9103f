//! What a model asks of the sandbox its runs get: network egress (off unless declared) and
//! resource limits that may only tighten the machine type's (the worker takes the smaller
//! of the two for each limit).

use mediamagic_kit::ApiError;
use serde::{Deserialize, Serialize};

/// Largest value accepted for any limit, so the sums the worker makes cannot overflow.
const MAX_LIMIT: i64 = 1 << 40;

/// Per-model resource limits; an absent field keeps the machine type's limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelLimits {
    /// Memory of every process of a run together, in MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<i64>,
    /// Processes and threads alive at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processes: Option<i64>,
    /// CPU seconds any one process may use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_seconds: Option<i64>,
    /// Open files per process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_files: Option<i64>,
    /// Largest file a process may write, in MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_size_mb: Option<i64>,
    /// Everything a run leaves in its working directory, in MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_mb: Option<i64>,
}

impl ModelLimits {
    /// Checks that every given limit is a positive number within bounds.
    pub fn parse(self) -> Result<Self, ApiError> {
        let fields = [
            ("memory_mb", self.memory_mb),
            ("processes", self.processes),
            ("cpu_seconds", self.cpu_seconds),
            ("open_files", self.open_files),
            ("file_size_mb", self.file_size_mb),
            ("output_mb", self.output_mb),
        ];
        for (name, value) in fields {
            if let Some(value) = value
                && !(1..=MAX_LIMIT).contains(&value)
            {
                return Err(ApiError::bad_input(
                    "limits",
                    format!("limits.{name} must be between 1 and {MAX_LIMIT}"),
                ));
            }
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_zero_or_negative_limit_is_refused_by_name() {
        let zero = ModelLimits {
            processes: Some(0),
            ..Default::default()
        };
        let err = zero.parse().unwrap_err();
        assert!(err.message().contains("limits.processes"), "{err:?}");
        let fine = ModelLimits {
            memory_mb: Some(128),
            ..Default::default()
        };
        assert_eq!(fine.parse().unwrap(), fine);
    }
}
