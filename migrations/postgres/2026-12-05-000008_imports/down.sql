DROP TABLE import_jobs;
ALTER TABLE documents DROP COLUMN folder;
DROP TABLE external_ids;
