DROP TRIGGER IF EXISTS mm_event_session_revoked ON accounts.sessions;
DELETE FROM events.triggers WHERE name = 'session_revoked';
