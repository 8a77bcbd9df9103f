-- The W3C trace context (`{"trace_id", "span_id"}`) of the request that queued a job: the
-- worker's run span links to it (OpenTelemetry, when tracing is on).
ALTER TABLE jobs.job_control ADD COLUMN trace_context jsonb;
