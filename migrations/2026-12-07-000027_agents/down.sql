DROP INDEX jobs.job_logs_sent;
ALTER TABLE jobs.job_logs DROP COLUMN sent_seq;
DROP INDEX worker.workers_agent;
ALTER TABLE worker.workers DROP COLUMN agent_id;
DROP TABLE worker.agents;
