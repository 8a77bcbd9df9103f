ALTER TABLE worker.workers DROP COLUMN sandbox;
ALTER TABLE models.model_versions DROP COLUMN limits, DROP COLUMN network;
