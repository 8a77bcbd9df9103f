DROP TRIGGER mm_event_job_status_change ON jobs.jobs;
DROP TRIGGER mm_event_job_status ON jobs.jobs;
CREATE TRIGGER mm_event_job_status AFTER INSERT OR UPDATE ON jobs.jobs
    FOR EACH ROW EXECUTE FUNCTION events.capture('job_status', 'status');
DROP TRIGGER mm_event_job_usage ON jobs.jobs;
CREATE TRIGGER mm_event_job_usage AFTER UPDATE ON jobs.jobs
    FOR EACH ROW EXECUTE FUNCTION events.capture('job_usage', 'status');
ALTER TABLE jobs.jobs DROP COLUMN callbacks;
