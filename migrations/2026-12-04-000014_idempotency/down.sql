DROP TABLE accounts.idempotency_keys;
DROP TABLE models.idempotency_keys;
DROP TABLE media.idempotency_keys;
DROP TABLE billing.idempotency_keys;
