-- Row-level security exists on PostgreSQL only (see the PostgreSQL migration
-- of the same name); a SQLite file has one user, the server itself.
SELECT 1;
