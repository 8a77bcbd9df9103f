DROP TRIGGER IF EXISTS mm_event_api_key_revoked ON accounts.api_keys;
DROP SCHEMA IF EXISTS events CASCADE;
