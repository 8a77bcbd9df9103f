//! A worker's hold on one attempt of a job: the fencing token every write of that attempt
//! carries. The jobs schema accepts a write only while the job's control row names this
//! worker, the job is on this attempt and the lease has not expired, checked in the
//! transaction that makes the write; a worker that was partitioned or frozen past its lease
//! and the one that took the job over can therefore never both finish it.

use uuid::Uuid;

/// The fencing token of one job attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    /// The job.
    pub job: Uuid,
    /// The worker holding it (its lease holder id).
    pub worker: String,
    /// Which attempt (`jobs.attempts` when it was claimed).
    pub attempt: i32,
}

impl Lease {
    /// The lease of `attempt` of `job` held by `worker`.
    pub fn new(job: Uuid, worker: impl Into<String>, attempt: i32) -> Self {
        Self {
            job,
            worker: worker.into(),
            attempt,
        }
    }
}
