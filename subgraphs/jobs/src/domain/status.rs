//! Where a job is in its life.

/// A job's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, async_graphql::Enum)]
pub enum JobStatus {
    /// Waiting for a worker; `queuePosition` says how many jobs are ahead.
    Queued,
    /// Claimed by a worker that is starting it.
    Scheduled,
    /// Running.
    Running,
    /// Finished with outputs.
    Succeeded,
    /// Finished with an error (`error` says why).
    Failed,
    /// Stopped on request or by a deadline (`error` says why).
    Cancelled,
}

impl JobStatus {
    /// Every status.
    pub const ALL: [JobStatus; 6] = [
        JobStatus::Queued,
        JobStatus::Scheduled,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ];

    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Scheduled => "scheduled",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    /// Parses the stored text.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether nothing happens to the job any more (until a retry).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled
        )
    }

    /// Whether a worker holds it.
    pub fn is_active(self) -> bool {
        matches!(self, JobStatus::Scheduled | JobStatus::Running)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_stored_text() {
        for status in JobStatus::ALL {
            assert_eq!(JobStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(JobStatus::parse("done"), None);
    }

    #[test]
    fn only_finished_statuses_are_terminal() {
        let terminal: Vec<_> = JobStatus::ALL
            .into_iter()
            .filter(|s| s.is_terminal())
            .collect();
        assert_eq!(
            terminal,
            [
                JobStatus::Succeeded,
                JobStatus::Failed,
                JobStatus::Cancelled
            ]
        );
    }
}
