-- Back to the single claim.
DROP FUNCTION jobs.claim_batch(text, bigint, text, integer, integer, boolean);
CREATE FUNCTION jobs.claim(
    p_machine_type text,
    p_max_running bigint,
    p_worker text,
    p_lease_seconds integer
) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    v_claimed uuid;
BEGIN
    WITH RECURSIVE owners AS (
        (SELECT owner_id FROM jobs.jobs
         WHERE status = 'queued' AND machine_type = p_machine_type
         ORDER BY owner_id LIMIT 1)
        UNION ALL
        SELECT (SELECT j.owner_id FROM jobs.jobs j
                WHERE j.status = 'queued' AND j.machine_type = p_machine_type
                  AND j.owner_id > o.owner_id
                ORDER BY j.owner_id LIMIT 1)
        FROM owners o WHERE o.owner_id IS NOT NULL
    ), ranked AS (
        SELECT o.owner_id, t.last_claimed_at,
            (SELECT count(*) FROM jobs.jobs a
             WHERE a.owner_id = o.owner_id AND a.status IN ('scheduled', 'running')) AS n,
            (SELECT min(q.queued_at) FROM jobs.jobs q
             WHERE q.status = 'queued' AND q.machine_type = p_machine_type
               AND q.owner_id = o.owner_id) AS first
        FROM owners o LEFT JOIN jobs.account_turns t ON t.owner_id = o.owner_id
        WHERE o.owner_id IS NOT NULL
    ), candidate AS (
        SELECT pick.id FROM (
            SELECT owner_id, n, last_claimed_at, first FROM ranked WHERE n < p_max_running
            ORDER BY n, last_claimed_at NULLS FIRST, first, owner_id
        ) r CROSS JOIN LATERAL (
            SELECT j.id FROM jobs.jobs j
            WHERE j.status = 'queued' AND j.machine_type = p_machine_type
              AND j.owner_id = r.owner_id
            ORDER BY j.queued_at, j.id LIMIT 1 FOR UPDATE SKIP LOCKED
        ) pick
        LIMIT 1
    ), claimed AS (
        UPDATE jobs.jobs j SET status = 'scheduled', attempts = j.attempts + 1,
            progress = 0, message = NULL, error = NULL
        FROM candidate WHERE j.id = candidate.id AND j.status = 'queued'
        RETURNING j.id, j.owner_id
    ), turn AS (
        INSERT INTO jobs.account_turns (owner_id, last_claimed_at)
        SELECT owner_id, clock_timestamp() FROM claimed
        ON CONFLICT (owner_id) DO UPDATE SET last_claimed_at = excluded.last_claimed_at
    ), lease AS (
        UPDATE jobs.job_control c SET worker_id = p_worker,
            lease_expires_at = now() + make_interval(secs => p_lease_seconds),
            updated_at = now()
        FROM claimed WHERE c.job_id = claimed.id
    )
    SELECT id INTO v_claimed FROM claimed;
    RETURN v_claimed;
END
$$;
