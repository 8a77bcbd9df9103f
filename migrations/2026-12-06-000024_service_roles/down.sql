-- Back to one shared role. The service roles stay: they belong to the cluster, and other
-- databases of it may use them (drop them by hand with DROP ROLE once none does).
DROP VIEW billing.budget_limits, billing.price_points, billing.period_usage;
DROP FUNCTION models.count_job(uuid), models.record_runtime(uuid, integer);
DROP VIEW models.published_models, models.published_versions, models.run_shapes;
DROP VIEW worker.worker_capacity, worker.run_usage;
DROP VIEW media.stored_bytes, media.storage_quotas;
DROP VIEW jobs.worker_leases, jobs.active_jobs, jobs.active_job_arguments, jobs.billable_jobs,
    jobs.billable_deployments;
DROP VIEW accounts.retention_settings, accounts.credential_states, accounts.team_roles;

DROP POLICY handled_here ON events.event_log;
DROP POLICY operators ON events.event_log;
DROP POLICY handled_here ON events.invocation_log;
DROP POLICY operators ON events.invocation_log;
ALTER TABLE events.event_log DISABLE ROW LEVEL SECURITY;
ALTER TABLE events.invocation_log DISABLE ROW LEVEL SECURITY;
ALTER TABLE events.triggers DROP COLUMN handler;
ALTER FUNCTION events.capture() SECURITY INVOKER RESET search_path;
ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO PUBLIC;
GRANT USAGE ON SCHEMA events TO PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA events TO PUBLIC;

DO $$
DECLARE
    s text;
    r text;
BEGIN
    FOREACH s IN ARRAY ARRAY['accounts', 'models', 'media', 'jobs', 'worker', 'billing', 'events'] LOOP
        FOREACH r IN ARRAY ARRAY['mediamagic_accounts', 'mediamagic_models', 'mediamagic_media',
                                 'mediamagic_jobs', 'mediamagic_worker', 'mediamagic_billing'] LOOP
            EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM %I', s, r);
            EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM %I', s, r);
            EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA %I FROM %I', s, r);
            EXECUTE format('REVOKE ALL ON SCHEMA %I FROM %I', s, r);
            EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON TABLES FROM %I', s, r);
            EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON SEQUENCES FROM %I', s, r);
            EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON FUNCTIONS FROM %I', s, r);
        END LOOP;
        IF s <> 'events' THEN
            EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %I TO PUBLIC', s);
        END IF;
    END LOOP;
    FOREACH r IN ARRAY ARRAY['mediamagic_accounts', 'mediamagic_models', 'mediamagic_media',
                             'mediamagic_jobs', 'mediamagic_worker', 'mediamagic_billing'] LOOP
        EXECUTE format('REVOKE ALL ON public.__diesel_schema_migrations FROM %I', r);
    END LOOP;
END
$$;
