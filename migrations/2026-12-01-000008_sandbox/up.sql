-- What a model version asks of the worker's sandbox: network egress (off unless declared)
-- and resource limits that tighten the machine type's (memory_mb, processes, cpu_seconds,
-- open_files, file_size_mb, output_mb; absent keys keep the machine type's limit).
ALTER TABLE models.model_versions
    ADD COLUMN network boolean NOT NULL DEFAULT false,
    ADD COLUMN limits jsonb NOT NULL DEFAULT '{}'::jsonb
        CHECK (jsonb_typeof(limits) = 'object');

-- How each worker isolates tenant programs (`bubblewrap (...)`, `none (...)`, `pod`), shown
-- in `cluster` so an unsandboxed worker is never a secret.
ALTER TABLE worker.workers ADD COLUMN sandbox text NOT NULL DEFAULT '';
