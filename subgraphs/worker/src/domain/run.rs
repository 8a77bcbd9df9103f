//! One run of a job as every driver sees it: what to run ([`RunPlan`]), what it reports
//! while it runs ([`RunEvent`]), and how it ended ([`RunEnd`]).

use super::outputs::ProducedFile;
use mediamagic_models::domain::{
    args::ArgValue,
    model::RunSpec,
    render::{Invocation, RenderError, render},
};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// A file argument, as the run receives it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct InputFile {
    /// The argument's name.
    pub arg: String,
    /// The media.
    pub media_id: Uuid,
    /// The media's file name.
    pub name: String,
    /// A presigned GET URL of its bytes.
    pub url: String,
}

impl InputFile {
    /// A safe local file name: `<arg>-<name>` with anything but `[A-Za-z0-9._-]` replaced,
    /// so a media name can neither escape the inputs directory nor look like an option.
    pub fn local_name(&self) -> String {
        let clean: String = format!("{}-{}", self.arg, self.name)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        clean.chars().take(200).collect()
    }
}

/// Everything a driver needs to run one attempt of a job.
#[derive(Clone, Debug)]
pub struct RunPlan {
    /// The job.
    pub job_id: Uuid,
    /// Which attempt this is (1 for the first run).
    pub attempt: i32,
    /// The account that owns the job (and will own its outputs).
    pub owner_id: Uuid,
    /// The model's id, for metrics and logs (a bounded label, unlike a deployment name).
    pub model: String,
    /// What runs.
    pub run: RunSpec,
    /// The validated arguments.
    pub values: BTreeMap<String, ArgValue>,
    /// The file arguments.
    pub inputs: Vec<InputFile>,
    /// The deployment asked that the result's proposed tags be added to the input media.
    pub apply_tags: bool,
}

impl RunPlan {
    /// The input media and tags the run's result proposes, when the deployment asked for
    /// them and the model declares them (the media subgraph checks the media is an input
    /// the job's owner owns).
    pub fn proposed_tags(&self, result: Option<&serde_json::Value>) -> Option<(Uuid, Vec<String>)> {
        let (spec, result) = (self.run.result.as_ref()?, result?);
        let declared = spec.tags.as_ref()?;
        if !self.apply_tags {
            return None;
        }
        let media = self.inputs.iter().find(|i| i.arg == declared.arg)?.media_id;
        let tags = spec.proposed_tags(result);
        (!tags.is_empty()).then_some((media, tags))
    }
}

impl RunPlan {
    /// The command with each file argument at the location `locate` gives it.
    pub fn invocation(
        &self,
        locate: impl Fn(&InputFile) -> String,
    ) -> Result<Invocation, RenderError> {
        let files: HashMap<String, String> = self
            .inputs
            .iter()
            .map(|input| (input.arg.clone(), locate(input)))
            .collect();
        render(
            self.run.invocation,
            &self.run.command,
            &self.run.args,
            &self.values,
            &files,
        )
    }
}

/// Something a run reports while it runs.
#[derive(Clone, Debug, PartialEq)]
pub enum RunEvent {
    /// A line of output (`stdout`, `stderr` or `system`).
    Log {
        /// Which stream.
        stream: &'static str,
        /// The text.
        line: String,
    },
    /// Progress, 0 to 1.
    Progress {
        /// How far.
        fraction: f64,
        /// What it is doing.
        message: Option<String>,
    },
    /// The run was placed on a node.
    Node(String),
}

/// An output of a successful run, to register as media.
#[derive(Debug)]
pub enum RunOutput {
    /// A file on this machine (the worker uploads it).
    Local(ProducedFile),
    /// Bytes the run already sent to an upload ticket's media (the worker finalizes it).
    Uploaded {
        /// The pending media.
        media_id: Uuid,
    },
}

/// How a run ended.
#[derive(Debug)]
pub enum RunEnd {
    /// The program succeeded.
    Succeeded {
        /// Its outputs.
        outputs: Vec<RunOutput>,
        /// Its structured result (checked against the model's schema), when it declares one.
        result: Option<serde_json::Value>,
    },
    /// The program failed: not retried.
    Failed {
        /// Stable code (`EXIT_STATUS`, `OUTPUT_MISSING`, `TIMEOUT`, `BAD_COMMAND`...).
        code: String,
        /// What happened, with the last lines of output.
        message: String,
    },
    /// The machinery failed (input download, node lost, storage): retried.
    Infrastructure(String),
    /// Stopped after a cancel request.
    Cancelled,
    /// Stopped because the worker is shutting down: the job goes back to the queue.
    Released,
}

impl RunEnd {
    /// A successful run with `outputs`, given how its declared result (if any) was read: a
    /// refused result fails the run whole.
    pub fn succeeded(
        outputs: Vec<RunOutput>,
        result: Option<Result<serde_json::Value, super::result::ResultRefused>>,
    ) -> RunEnd {
        match result.transpose() {
            Ok(result) => RunEnd::Succeeded { outputs, result },
            Err(refused) => RunEnd::Failed {
                code: refused.code.into(),
                message: refused.message,
            },
        }
    }
}

/// The last lines of a run's output, for the error of a failed run.
#[derive(Debug, Default)]
pub struct Tail {
    lines: std::collections::VecDeque<String>,
}

impl Tail {
    /// How many lines an error quotes.
    pub const LINES: usize = 8;

    /// Remembers a line.
    pub fn push(&mut self, line: &str) {
        if self.lines.len() == Self::LINES {
            self.lines.pop_front();
        }
        self.lines.push_back(line.chars().take(500).collect());
    }

    /// `summary`, then the remembered lines.
    pub fn message(&self, summary: &str) -> String {
        if self.lines.is_empty() {
            return summary.to_owned();
        }
        let lines: Vec<&str> = self.lines.iter().map(String::as_str).collect();
        format!("{summary}; last output:\n{}", lines.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_names_cannot_escape_or_pose_as_options() {
        let input = InputFile {
            arg: "video".into(),
            media_id: Uuid::nil(),
            name: "../../etc/passwd -rf.mp4".into(),
            url: String::new(),
        };
        assert_eq!(input.local_name(), "video-.._.._etc_passwd_-rf.mp4");
    }

    #[test]
    fn the_tail_keeps_the_last_lines() {
        let mut tail = Tail::default();
        for n in 0..20 {
            tail.push(&format!("line {n}"));
        }
        let message = tail.message("exited with status 1");
        assert!(message.starts_with("exited with status 1; last output:\nline 12\n"));
        assert!(message.ends_with("line 19"));
    }
}
