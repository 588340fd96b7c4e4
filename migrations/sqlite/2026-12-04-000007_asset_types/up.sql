-- Flexible asset types (defined per tenant), records of those types, related
-- items, attachments and the dates that expire.

-- A tenant's own kinds of record. `fields` is the ordered field list as
-- JSON; every field has a stable id, so renaming and reordering keep the
-- values records hold under that id.
CREATE TABLE asset_types (
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    slug        TEXT NOT NULL,
    icon        TEXT NOT NULL DEFAULT '',
    fields      TEXT NOT NULL DEFAULT '[]',
    archived    BOOLEAN NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    updated_by  TEXT,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, slug),
    UNIQUE (tenant_id, name)
);

-- Records of an asset type: kind 'asset' and the type's id. SQLite cannot
-- change a CHECK constraint in place, so the table is rebuilt (nothing
-- refers to it by a foreign key).
CREATE TABLE records_new (
    tenant_id       TEXT NOT NULL,
    id              TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('configuration', 'contact', 'password', 'wireless', 'vpn', 'asset')),
    name            TEXT NOT NULL,
    fields          TEXT NOT NULL DEFAULT '{}',
    secrets         TEXT NOT NULL DEFAULT '{}',
    visibility      TEXT NOT NULL DEFAULT 'everyone' CHECK (visibility IN ('everyone', 'staff')),
    search_text     TEXT NOT NULL DEFAULT '',
    archived        BOOLEAN NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    updated_by      TEXT,
    asset_type_id   TEXT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id),
    FOREIGN KEY (tenant_id, asset_type_id) REFERENCES asset_types (tenant_id, id),
    CHECK ((kind = 'asset') = (asset_type_id IS NOT NULL))
);
INSERT INTO records_new (tenant_id, id, organization_id, kind, name, fields, secrets, visibility,
                         search_text, archived, created_at, updated_at, updated_by, asset_type_id)
    SELECT tenant_id, id, organization_id, kind, name, fields, secrets, visibility,
           search_text, archived, created_at, updated_at, updated_by, NULL
    FROM records;
DROP TABLE records;
ALTER TABLE records_new RENAME TO records;
CREATE INDEX records_section ON records (tenant_id, organization_id, kind, archived, name);
CREATE INDEX records_search ON records (tenant_id, archived, kind);
CREATE INDEX records_asset_section ON records (tenant_id, organization_id, asset_type_id, archived, name);

-- Related items of one organization: records and documents, listed from
-- both ends. `field_id` names the tag field of the source's asset type
-- that holds the link ('' for a plain relation).
CREATE TABLE relations (
    tenant_id       TEXT NOT NULL,
    id              TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    source_id       TEXT NOT NULL,
    source_kind     TEXT NOT NULL CHECK (source_kind IN ('record', 'document')),
    target_id       TEXT NOT NULL,
    target_kind     TEXT NOT NULL CHECK (target_kind IN ('record', 'document')),
    field_id        TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    created_by      TEXT,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, source_id, target_id, field_id),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id)
);
CREATE INDEX relations_source ON relations (tenant_id, source_id);
CREATE INDEX relations_target ON relations (tenant_id, target_id);

-- Files attached to a record or document; the bytes live in the object
-- store under `object_key`. `field_id` names an upload field ('' for none).
CREATE TABLE attachments (
    tenant_id       TEXT NOT NULL REFERENCES tenants (id),
    id              TEXT NOT NULL,
    organization_id TEXT,
    owner_id        TEXT NOT NULL,
    owner_kind      TEXT NOT NULL CHECK (owner_kind IN ('record', 'document')),
    field_id        TEXT NOT NULL DEFAULT '',
    file_name       TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            BIGINT NOT NULL,
    sha256          TEXT NOT NULL,
    object_key      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    created_by      TEXT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX attachments_owner ON attachments (tenant_id, owner_id);

-- Dates that expire (warranty ends, certificates, licences, domains), one
-- row per record and field, kept in step with the record.
CREATE TABLE expirations (
    tenant_id       TEXT NOT NULL,
    record_id       TEXT NOT NULL,
    field_key       TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    expires_on      DATE NOT NULL,
    PRIMARY KEY (tenant_id, record_id, field_key)
);
CREATE INDEX expirations_due ON expirations (tenant_id, expires_on);

-- When each tenant's periodic digests were last queued, shared by all nodes
-- so that a digest goes out once.
CREATE TABLE digests (
    tenant_id       TEXT NOT NULL REFERENCES tenants (id),
    kind            TEXT NOT NULL,
    last_sent_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, kind)
);
