DROP TABLE media.tag_lineage;
ALTER TABLE worker.workers DROP COLUMN runtimes;
ALTER TABLE jobs.deployments DROP COLUMN apply_tags;
ALTER TABLE jobs.jobs DROP COLUMN result;
ALTER TABLE models.model_versions DROP COLUMN runtime, DROP COLUMN result;
