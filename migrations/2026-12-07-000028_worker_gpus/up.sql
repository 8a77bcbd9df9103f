-- The GPUs a worker hands out, as it last read them (#37): index, uuid, name, memory total
-- and used (MiB), utilisation (percent), runs on each. Empty on hosts without GPUs.
ALTER TABLE worker.workers ADD COLUMN gpus jsonb NOT NULL DEFAULT '[]'
    CHECK (jsonb_typeof(gpus) = 'array' AND jsonb_array_length(gpus) <= 64);
