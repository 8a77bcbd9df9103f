ALTER TABLE worker.workers DROP COLUMN gpus;
