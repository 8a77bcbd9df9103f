ALTER TABLE jobs.job_control DROP COLUMN trace_context;
