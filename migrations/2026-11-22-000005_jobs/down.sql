DELETE FROM events.triggers WHERE name IN ('job_status');
DROP SCHEMA IF EXISTS jobs CASCADE;
