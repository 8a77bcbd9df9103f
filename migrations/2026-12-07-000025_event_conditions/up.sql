-- Events only for the transitions a handler acts on (#35). A job's `job_status` handler
-- sends callbacks when it starts running or ends, and `job_usage` bills a job that ended;
-- every other status change (scheduled, queued again) raised an event per trigger that was
-- captured, claimed, handled as a no-op and marked delivered. Now the row triggers' WHEN
-- conditions skip them before `events.capture()` runs: a claim that starts its jobs raises
-- no event unless a start callback is due, a requeue none.
--
-- Most jobs have no callback URL, and then `job_status` has nothing to do when they start or
-- end: a job carries the callbacks its deployment asked for (`callbacks`; a deployment's
-- callback settings never change after it is made), and its status changes raise a
-- `job_status` event only when one is due. The job's insert still raises one (its handler
-- records the job on its model version).
--
-- An INSERT trigger's WHEN cannot read OLD, so `job_status` is two Postgres triggers (the
-- job's insert, and its status changes); both capture under the one event trigger name.
ALTER TABLE jobs.jobs ADD COLUMN callbacks text NOT NULL DEFAULT 'none'
    CHECK (callbacks IN ('none', 'end', 'start_and_end'));
UPDATE jobs.jobs j SET callbacks = CASE WHEN d.callback_on_start THEN 'start_and_end' ELSE 'end' END
FROM jobs.deployments d WHERE d.id = j.deployment_id AND d.callback_url IS NOT NULL;

DROP TRIGGER mm_event_job_status ON jobs.jobs;
CREATE TRIGGER mm_event_job_status AFTER INSERT ON jobs.jobs
    FOR EACH ROW EXECUTE FUNCTION events.capture('job_status', 'status');
CREATE TRIGGER mm_event_job_status_change AFTER UPDATE ON jobs.jobs
    FOR EACH ROW
    WHEN (NEW.status IS DISTINCT FROM OLD.status AND (
          (NEW.status IN ('succeeded', 'failed', 'cancelled') AND NEW.callbacks <> 'none')
          OR (NEW.status = 'running' AND NEW.callbacks = 'start_and_end')))
    EXECUTE FUNCTION events.capture('job_status', 'status');

DROP TRIGGER mm_event_job_usage ON jobs.jobs;
CREATE TRIGGER mm_event_job_usage AFTER UPDATE ON jobs.jobs
    FOR EACH ROW
    WHEN (NEW.status IS DISTINCT FROM OLD.status
          AND NEW.status IN ('succeeded', 'failed', 'cancelled'))
    EXECUTE FUNCTION events.capture('job_usage', 'status');
