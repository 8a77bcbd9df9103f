ALTER TABLE accounts.oidc_logins DROP COLUMN redirect_uri;
