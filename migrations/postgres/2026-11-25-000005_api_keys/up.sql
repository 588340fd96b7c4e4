-- API keys for the REST API. Each key acts through a user of its own
-- (kind 'api_key': no password, no sessions), so the one access policy and
-- the audit log treat a key like any user of its role.

ALTER TABLE users ADD COLUMN kind TEXT NOT NULL DEFAULT 'person' CHECK (kind IN ('person', 'api_key'));

CREATE TABLE api_keys (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    id           TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('owner', 'technician', 'customer')),
    created_at   TIMESTAMP NOT NULL,
    created_by   TEXT NOT NULL,
    expires_at   TIMESTAMP,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (prefix),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

-- Requests per key in the current window, shared by every node.
CREATE TABLE api_rate_windows (
    tenant_id    TEXT NOT NULL,
    key_id       TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    requests     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, key_id)
);
