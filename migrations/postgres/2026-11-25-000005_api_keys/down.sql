DROP TABLE api_rate_windows;
DROP TABLE api_keys;
ALTER TABLE users DROP COLUMN kind;
