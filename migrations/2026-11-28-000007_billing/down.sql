DELETE FROM events.triggers WHERE name IN ('job_usage', 'budget_exceeded');
DROP TRIGGER IF EXISTS mm_event_job_usage ON jobs.jobs;
DROP SCHEMA billing CASCADE;
