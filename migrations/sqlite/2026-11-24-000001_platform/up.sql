-- Platform tables: tenants, their data keys and custom domains, and the audit log.
-- Tenant-owned rows are keyed (tenant_id, id) so that nothing is fetched by id alone.

CREATE TABLE tenants (
    id              TEXT PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    support_email   TEXT NOT NULL DEFAULT '',
    support_phone   TEXT NOT NULL DEFAULT '',
    locale          TEXT NOT NULL CHECK (locale IN ('de', 'en')),
    time_zone       TEXT NOT NULL,
    accent_color    TEXT NOT NULL,
    privacy_url     TEXT,
    mfa_required    BOOLEAN NOT NULL DEFAULT 1,
    status          TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

-- Per-tenant data keys, wrapped by the master key. Deleting a tenant's keys shreds its secrets.
CREATE TABLE tenant_keys (
    tenant_id       TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    version         INTEGER NOT NULL,
    wrapped_key     TEXT NOT NULL,
    master_key_id   TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, version)
);

CREATE TABLE tenant_domains (
    tenant_id       TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    domain          TEXT NOT NULL UNIQUE,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE audit_events (
    tenant_id       TEXT NOT NULL REFERENCES tenants (id),
    id              TEXT NOT NULL,
    occurred_at     TIMESTAMP NOT NULL,
    actor_user_id   TEXT,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    target_type     TEXT,
    target_id       TEXT,
    organization_id TEXT,
    ip              TEXT,
    details         TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_events_tenant_time ON audit_events (tenant_id, occurred_at);
CREATE INDEX audit_events_tenant_action ON audit_events (tenant_id, action, occurred_at);

-- The audit log is append-only: history must not be rewritten, even by the application.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
