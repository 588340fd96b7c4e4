ALTER TABLE tenants DROP COLUMN asset_types_version;
