-- An organization's documentation records: configurations, contacts,
-- passwords, wireless networks and VPNs share one table, told apart by
-- `kind`. Fields a list shows or search finds live in `fields` (JSON);
-- secret fields only sealed, in `secrets` (JSON of sealed values).
CREATE TABLE records (
    tenant_id       TEXT NOT NULL,
    id              TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('configuration', 'contact', 'password', 'wireless', 'vpn')),
    name            TEXT NOT NULL,
    fields          TEXT NOT NULL DEFAULT '{}',
    secrets         TEXT NOT NULL DEFAULT '{}',
    visibility      TEXT NOT NULL DEFAULT 'everyone' CHECK (visibility IN ('everyone', 'staff')),
    search_text     TEXT NOT NULL DEFAULT '',
    archived        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    updated_by      TEXT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id)
);
CREATE INDEX records_section ON records (tenant_id, organization_id, kind, archived, name);
CREATE INDEX records_search ON records (tenant_id, archived, kind);

-- Markdown guides; organization_id NULL: a tenant-wide guide for all its customers.
CREATE TABLE documents (
    tenant_id       TEXT NOT NULL,
    id              TEXT NOT NULL,
    organization_id TEXT,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    revision        INTEGER NOT NULL,
    archived        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    updated_by      TEXT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX documents_section ON documents (tenant_id, organization_id, archived, title);

CREATE TABLE document_revisions (
    tenant_id       TEXT NOT NULL,
    document_id     TEXT NOT NULL,
    revision        INTEGER NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    author_id       TEXT,
    author          TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, document_id, revision),
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id)
);

CREATE INDEX organizations_list ON organizations (tenant_id, status, name);
CREATE INDEX audit_events_tenant_org ON audit_events (tenant_id, organization_id, occurred_at);
CREATE INDEX audit_events_tenant_actor ON audit_events (tenant_id, actor_user_id, occurred_at);
