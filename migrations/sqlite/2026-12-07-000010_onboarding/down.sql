ALTER TABLE tenant_domains DROP COLUMN verified_at;
ALTER TABLE tenant_domains DROP COLUMN verification_token;
ALTER TABLE tenants DROP COLUMN checklist_dismissed;
ALTER TABLE tenants DROP COLUMN logo_version;
ALTER TABLE tenants DROP COLUMN sender_name;
ALTER TABLE tenants DROP COLUMN privacy_notice;
ALTER TABLE tenants DROP COLUMN pending;
DROP TABLE tenant_logos;
DROP TABLE signups;
