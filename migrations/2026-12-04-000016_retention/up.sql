-- Retention policies (one per account, owned by the accounts subgraph, read by every
-- service's sweep) and the indexes the sweeps walk.

-- NULL: the platform's default (`[retention.defaults]`).
CREATE TABLE accounts.retention_policies (
    account_id             uuid PRIMARY KEY,
    job_outputs_days       integer CHECK (job_outputs_days BETWEEN 1 AND 36500),
    job_logs_days          integer CHECK (job_logs_days BETWEEN 1 AND 36500),
    source_media_days      integer CHECK (source_media_days BETWEEN 1 AND 36500),
    deleted_rows_days      integer CHECK (deleted_rows_days BETWEEN 1 AND 36500),
    callback_attempts_days integer CHECK (callback_attempts_days BETWEEN 1 AND 36500),
    expired_sessions_days  integer CHECK (expired_sessions_days BETWEEN 1 AND 36500),
    pending_uploads_hours  integer CHECK (pending_uploads_hours BETWEEN 1 AND 8760),
    updated_by             uuid,
    updated_at             timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX job_logs_created_idx ON jobs.job_logs (created_at);
CREATE INDEX callback_attempts_created_idx ON jobs.callback_attempts (created_at);
CREATE INDEX media_outputs_created_idx ON media.media (created_at)
    WHERE status = 'live' AND job_id IS NOT NULL;
CREATE INDEX media_sources_created_idx ON media.media (created_at)
    WHERE status = 'live' AND job_id IS NULL;
CREATE INDEX media_removed_idx ON media.media (updated_at) WHERE status IN ('deleted', 'failed');
CREATE INDEX sessions_expires_idx ON accounts.sessions (expires_at);
CREATE INDEX invites_expires_idx ON accounts.invites (expires_at);
CREATE INDEX refresh_tokens_expires_idx ON accounts.refresh_tokens (expires_at);
