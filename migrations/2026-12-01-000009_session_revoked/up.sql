-- Revoked session tokens reach the router's cache through a retried event, like API keys;
-- the cache only mirrors accounts.sessions, which stays the truth.
SELECT events.attach('session_revoked', 'accounts.sessions', ARRAY['UPDATE'], ARRAY['revoked_at']);
