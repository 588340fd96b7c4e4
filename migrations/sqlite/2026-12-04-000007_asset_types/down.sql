DROP TABLE digests;
DROP TABLE expirations;
DROP TABLE attachments;
DROP TABLE relations;
DELETE FROM records WHERE kind = 'asset';
CREATE TABLE records_old (
    tenant_id       TEXT NOT NULL,
    id              TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('configuration', 'contact', 'password', 'wireless', 'vpn')),
    name            TEXT NOT NULL,
    fields          TEXT NOT NULL DEFAULT '{}',
    secrets         TEXT NOT NULL DEFAULT '{}',
    visibility      TEXT NOT NULL DEFAULT 'everyone' CHECK (visibility IN ('everyone', 'staff')),
    search_text     TEXT NOT NULL DEFAULT '',
    archived        BOOLEAN NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    updated_by      TEXT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id)
);
INSERT INTO records_old SELECT tenant_id, id, organization_id, kind, name, fields, secrets, visibility,
    search_text, archived, created_at, updated_at, updated_by FROM records;
DROP TABLE records;
ALTER TABLE records_old RENAME TO records;
CREATE INDEX records_section ON records (tenant_id, organization_id, kind, archived, name);
CREATE INDEX records_search ON records (tenant_id, archived, kind);
DROP TABLE asset_types;
