DROP TABLE accounts.admin_audit; DROP TABLE accounts.admins;
