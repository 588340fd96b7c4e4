-- Counts every change to a tenant's asset types, so that a node may keep
-- the types between requests and learn in a query it already makes (the
-- sidebar's counts) whether its copy is still the current one.
ALTER TABLE tenants ADD COLUMN asset_types_version BIGINT NOT NULL DEFAULT 0;
