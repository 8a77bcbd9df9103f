//! Which callbacks a job's deployment asked for, copied onto the job when it is made
//! (`jobs.jobs.callbacks`; a deployment's callback settings never change) so that its status
//! triggers capture an event only when a callback is due.

use super::JobStatus;

/// The callbacks of a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Callbacks {
    /// No callback URL.
    None,
    /// A callback when the job ends.
    End,
    /// Callbacks when it starts running and when it ends.
    StartAndEnd,
}

impl Callbacks {
    /// From a deployment's settings.
    pub fn of(callback_url: Option<&str>, on_start: bool) -> Self {
        match (callback_url, on_start) {
            (None, _) => Self::None,
            (Some(_), false) => Self::End,
            (Some(_), true) => Self::StartAndEnd,
        }
    }

    /// As stored (the column's CHECK lists these).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::End => "end",
            Self::StartAndEnd => "start_and_end",
        }
    }

    /// Whether a change to `status` sends one (the `job_status` trigger's WHEN says the same).
    pub fn due_on(self, status: JobStatus) -> bool {
        match self {
            Self::None => false,
            Self::End => status.is_terminal(),
            Self::StartAndEnd => status.is_terminal() || status == JobStatus::Running,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_without_a_callback_url_has_no_callback_due_whatever_its_start_setting() {
        assert_eq!(Callbacks::of(None, true), Callbacks::None);
        assert!(!Callbacks::None.due_on(JobStatus::Succeeded));
        assert!(Callbacks::of(Some("https://a.example"), false).due_on(JobStatus::Failed));
        assert!(!Callbacks::End.due_on(JobStatus::Running));
        assert!(Callbacks::StartAndEnd.due_on(JobStatus::Running));
        assert!(!Callbacks::StartAndEnd.due_on(JobStatus::Scheduled));
    }
}
