DELETE FROM events.triggers WHERE name IN ('media_live', 'media_deleted');
DROP SCHEMA IF EXISTS media CASCADE;
