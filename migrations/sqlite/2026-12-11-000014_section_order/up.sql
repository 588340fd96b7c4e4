-- A section list sorts by name, then id (so that pages never overlap). With
-- id in the index the rows come out in that order: before, every page view
-- sorted the rows of equal names in a temporary B-tree (SQLite) or an
-- incremental sort (PostgreSQL).
DROP INDEX records_section;
CREATE INDEX records_section ON records (tenant_id, organization_id, kind, archived, name, id);
DROP INDEX records_asset_section;
CREATE INDEX records_asset_section ON records (tenant_id, organization_id, asset_type_id, archived, name, id);
