-- The claim as the batched-queue migration made it.
CREATE OR REPLACE FUNCTION jobs.claim_batch(p_machine_type text, p_max_running bigint, p_worker text, p_lease_seconds integer, p_limit integer, p_start boolean)
 RETURNS SETOF uuid
 LANGUAGE plpgsql
AS $function$
DECLARE
    -- One instant for the batch: the accounts it served keep their order in it.
    v_at timestamptz := clock_timestamp();
BEGIN
    RETURN QUERY
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
    ), eligible AS (
        SELECT r.*, row_number() OVER (ORDER BY n, last_claimed_at NULLS FIRST, first, owner_id) AS turn,
            ceil(p_limit::numeric / count(*) OVER ())::bigint AS share
        FROM ranked r WHERE n < p_max_running
    ), candidate AS (
        SELECT pick.id, e.turn FROM (SELECT * FROM eligible ORDER BY turn) e
        CROSS JOIN LATERAL (
            SELECT j.id FROM jobs.jobs j
            WHERE j.status = 'queued' AND j.machine_type = p_machine_type
              AND j.owner_id = e.owner_id
            ORDER BY j.queued_at, j.id
            LIMIT least(e.share, p_max_running - e.n)
            FOR UPDATE SKIP LOCKED
        ) pick
        LIMIT p_limit
    ), claimed AS (
        UPDATE jobs.jobs j SET
            status = CASE WHEN p_start THEN 'running' ELSE 'scheduled' END,
            started_at = CASE WHEN p_start THEN now() END,
            attempts = j.attempts + 1, progress = 0, message = NULL, error = NULL
        FROM candidate WHERE j.id = candidate.id AND j.status = 'queued'
        RETURNING j.id, j.owner_id, candidate.turn
    ), turn AS (
        INSERT INTO jobs.account_turns (owner_id, last_claimed_at)
        SELECT owner_id, v_at + make_interval(secs => min(claimed.turn) / 1000000.0)
        FROM claimed GROUP BY owner_id
        ON CONFLICT (owner_id) DO UPDATE SET last_claimed_at = excluded.last_claimed_at
    ), lease AS (
        UPDATE jobs.job_control c SET worker_id = p_worker,
            lease_expires_at = now() + make_interval(secs => p_lease_seconds),
            updated_at = now()
        FROM claimed WHERE c.job_id = claimed.id
    )
    SELECT claimed.id FROM claimed ORDER BY claimed.turn;
END
$function$;
