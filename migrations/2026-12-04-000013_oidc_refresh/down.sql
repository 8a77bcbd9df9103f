DROP TABLE accounts.refresh_tokens;
DROP TABLE accounts.oidc_logins;
