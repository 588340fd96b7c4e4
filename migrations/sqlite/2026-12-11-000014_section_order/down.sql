DROP INDEX records_asset_section;
CREATE INDEX records_asset_section ON records (tenant_id, organization_id, asset_type_id, archived, name);
DROP INDEX records_section;
CREATE INDEX records_section ON records (tenant_id, organization_id, kind, archived, name);
