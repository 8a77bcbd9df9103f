DROP INDEX jobs.jobs_on_workers_idx;
DROP INDEX jobs.jobs_queue_idx;
DROP TRIGGER job_control_queued_at ON jobs.job_control;
DROP FUNCTION jobs.copy_queued_at();
ALTER TABLE jobs.jobs DROP COLUMN queued_at;
