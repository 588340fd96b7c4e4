-- Self-service onboarding and workspace settings.
--
-- A sign-up is a tenant with pending = 'unconfirmed' (its slug held until
-- the confirmation link expires; its status 'suspended', so nothing serves
-- it) with one row here; confirming makes it active (signup.mode = open) or
-- pending = 'awaiting_approval' (approval) until an operator approves it.
CREATE TABLE signups (
    tenant_id     TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    token_hash    TEXT NOT NULL UNIQUE,
    email         TEXT NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    confirmed_at  TIMESTAMP,
    created_at    TIMESTAMP NOT NULL
);

-- The workspace's logo, re-encoded as PNG; tenants.logo_version names it in URLs.
CREATE TABLE tenant_logos (
    tenant_id     TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    content_type  TEXT NOT NULL,
    data          BLOB NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

ALTER TABLE tenants ADD COLUMN pending TEXT CHECK (pending IN ('unconfirmed', 'awaiting_approval'));
ALTER TABLE tenants ADD COLUMN privacy_notice TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN sender_name TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN logo_version BIGINT;
ALTER TABLE tenants ADD COLUMN checklist_dismissed BOOLEAN NOT NULL DEFAULT 0;

-- A custom domain answers once its owner proved it with a DNS TXT record
-- (or an operator vouched for it); domains added before this were added by
-- operators and count as verified.
ALTER TABLE tenant_domains ADD COLUMN verification_token TEXT NOT NULL DEFAULT '';
ALTER TABLE tenant_domains ADD COLUMN verified_at TIMESTAMP;
UPDATE tenant_domains SET verified_at = created_at;
