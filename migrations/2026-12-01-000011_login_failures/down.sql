DROP TABLE accounts.login_failures;
