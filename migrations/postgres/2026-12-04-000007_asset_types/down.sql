DROP TABLE digests;
DROP TABLE expirations;
DROP TABLE attachments;
DROP TABLE relations;
DROP INDEX records_asset_section;
DELETE FROM records WHERE kind = 'asset';
ALTER TABLE records DROP CONSTRAINT records_asset_type_fk;
ALTER TABLE records DROP CONSTRAINT records_asset_type_check;
ALTER TABLE records DROP CONSTRAINT records_kind_check;
ALTER TABLE records ADD CONSTRAINT records_kind_check
    CHECK (kind IN ('configuration', 'contact', 'password', 'wireless', 'vpn'));
ALTER TABLE records DROP COLUMN asset_type_id;
DROP TABLE asset_types;
