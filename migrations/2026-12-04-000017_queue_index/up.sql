-- The claim reads the queue through an index instead of sorting it: when a job was queued
-- lives on the job row too (jobs.job_control.queued_at stays the record the API shows),
-- so one partial index serves the claim's three questions: which accounts have queued
-- jobs of a machine type (a skip scan), the oldest of each, and the next one to lock.
ALTER TABLE jobs.jobs ADD COLUMN queued_at timestamptz NOT NULL DEFAULT now();
UPDATE jobs.jobs j SET queued_at = c.queued_at FROM jobs.job_control c WHERE c.job_id = j.id;

-- A requeue (a retry, a lost worker) moves the job to the back of its account's line.
CREATE FUNCTION jobs.copy_queued_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE jobs.jobs SET queued_at = NEW.queued_at WHERE id = NEW.job_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER job_control_queued_at AFTER UPDATE OF queued_at ON jobs.job_control
    FOR EACH ROW WHEN (OLD.queued_at IS DISTINCT FROM NEW.queued_at)
    EXECUTE FUNCTION jobs.copy_queued_at();

CREATE INDEX jobs_queue_idx ON jobs.jobs (machine_type, owner_id, queued_at, id)
    WHERE status = 'queued';
-- Jobs on workers per account (fair share counts them at every claim).
CREATE INDEX jobs_on_workers_idx ON jobs.jobs (owner_id)
    WHERE status IN ('scheduled', 'running');
