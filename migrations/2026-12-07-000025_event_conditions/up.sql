-- Events only for the transitions a handler acts on (#35). A job's `job_status` handler
-- sends callbacks when it starts running or ends, and `job_usage` bills a job that ended;
-- every other status change (scheduled, queued again) raised an event per trigger that was
-- captured, claimed, handled as a no-op and marked delivered. Now the row triggers' WHEN
-- conditions skip them before `events.capture()` runs: a claim that starts its jobs raises
-- one event per job instead of two, a requeue none.
--
-- An INSERT trigger's WHEN cannot read OLD, so `job_status` is two Postgres triggers (the
-- job's insert, and its status changes); both capture under the one event trigger name.
DROP TRIGGER mm_event_job_status ON jobs.jobs;
CREATE TRIGGER mm_event_job_status AFTER INSERT ON jobs.jobs
    FOR EACH ROW EXECUTE FUNCTION events.capture('job_status', 'status');
CREATE TRIGGER mm_event_job_status_change AFTER UPDATE ON jobs.jobs
    FOR EACH ROW
    WHEN (NEW.status IS DISTINCT FROM OLD.status
          AND NEW.status IN ('running', 'succeeded', 'failed', 'cancelled'))
    EXECUTE FUNCTION events.capture('job_status', 'status');

DROP TRIGGER mm_event_job_usage ON jobs.jobs;
CREATE TRIGGER mm_event_job_usage AFTER UPDATE ON jobs.jobs
    FOR EACH ROW
    WHEN (NEW.status IS DISTINCT FROM OLD.status
          AND NEW.status IN ('succeeded', 'failed', 'cancelled'))
    EXECUTE FUNCTION events.capture('job_usage', 'status');
