-- Model ids as clients see them live in each account's namespace, so choosing an id another
-- account's private model holds neither fails nor reveals that model. `id` stays the
-- internal key (versions, jobs' pinned versions and billing refer to it); `external_id` is
-- what clients address a model by: equal to `id` except when the account chose an id that
-- was already some other account's key.
ALTER TABLE models.models ADD COLUMN external_id uuid;
UPDATE models.models SET external_id = id;
ALTER TABLE models.models ALTER COLUMN external_id SET NOT NULL;

-- An account's own models, and the public ones, are what it addresses by id: each of those
-- sets is unique (an own model shadows a public one with the same id).
CREATE UNIQUE INDEX models_owner_external_idx ON models.models (owner_id, external_id);
CREATE UNIQUE INDEX models_public_external_idx ON models.models (external_id) WHERE public;

-- Listings page by (created_at, external_id), the cursor clients hold.
DROP INDEX models.models_owner_idx;
DROP INDEX models.models_public_idx;
CREATE INDEX models_owner_idx ON models.models (owner_id, created_at DESC, external_id DESC);
CREATE INDEX models_public_idx ON models.models (created_at DESC, external_id DESC) WHERE public;
