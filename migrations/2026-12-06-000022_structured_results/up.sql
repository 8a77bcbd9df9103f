-- Structured results (issue 39).
-- A model version may need a worker runtime (`vision`) and declare the JSON Schema of the
-- result its program writes to `result.json`, and whether that result may tag an input.
ALTER TABLE models.model_versions ADD COLUMN runtime text, ADD COLUMN result jsonb;

-- A succeeded job's result, validated against its version's schema by the worker and
-- written by the same statement that makes the job succeeded (never half-stored).
ALTER TABLE jobs.jobs ADD COLUMN result jsonb;
-- The deployment asked that the result's proposed tags be added to its input media.
ALTER TABLE jobs.deployments ADD COLUMN apply_tags boolean NOT NULL DEFAULT false;

-- The runtimes a worker found installed (`runtime.json` in its program directories).
ALTER TABLE worker.workers ADD COLUMN runtimes text[] NOT NULL DEFAULT '{}';

-- Which job added which tag to a media (lineage of tags a model's result proposed). The
-- first job that added a tag is kept; a tag the owner adds or removes by hand has no row.
CREATE TABLE media.tag_lineage (
  media_id uuid NOT NULL REFERENCES media.media (id) ON DELETE CASCADE,
  tag text NOT NULL,
  job_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (media_id, tag)
);
