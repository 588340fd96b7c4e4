DROP INDEX mail_outbox_links_expire;
ALTER TABLE mail_outbox DROP COLUMN links_expire_at;
DROP TABLE import_jobs;
ALTER TABLE documents DROP COLUMN folder;
DROP TABLE external_ids;
