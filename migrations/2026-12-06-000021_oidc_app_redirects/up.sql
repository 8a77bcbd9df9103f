-- A browser app (the console) may ask the identity provider to send the person back to it
-- instead of the REST callback: the callback a sign-in started with is kept, since the code
-- exchange must name the same one. NULL: the configured `redirect_uri`.
ALTER TABLE accounts.oidc_logins ADD COLUMN redirect_uri text;
