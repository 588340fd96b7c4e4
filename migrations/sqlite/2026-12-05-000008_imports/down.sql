ALTER TABLE documents DROP COLUMN folder;
DROP TABLE external_ids;
