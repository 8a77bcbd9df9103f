-- Failed log-ins per email, counted in Postgres (the truth) rather than in Redis, so the
-- limit holds while Redis is away and cannot be reset by flushing it. One row per email,
-- updated atomically per attempt; a success deletes it.
CREATE TABLE accounts.login_failures (
    email        text PRIMARY KEY,
    attempts     integer NOT NULL,
    window_start timestamptz NOT NULL DEFAULT now()
);
