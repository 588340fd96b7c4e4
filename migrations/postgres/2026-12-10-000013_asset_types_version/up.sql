-- Takes a new random value with every change to a tenant's asset types, so
-- that a node may keep the types between requests and learn in a query it
-- already makes (the sidebar's counts) whether its copy is still current.
ALTER TABLE tenants ADD COLUMN asset_types_version BIGINT NOT NULL DEFAULT 0;
