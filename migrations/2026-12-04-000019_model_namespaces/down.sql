DROP INDEX models.models_owner_idx;
DROP INDEX models.models_public_idx;
DROP INDEX models.models_owner_external_idx;
DROP INDEX models.models_public_external_idx;
ALTER TABLE models.models DROP COLUMN external_id;
CREATE INDEX models_owner_idx ON models.models (owner_id, created_at DESC, id DESC);
CREATE INDEX models_public_idx ON models.models (created_at DESC, id DESC) WHERE public;
