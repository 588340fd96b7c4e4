-- People: users, invitations, sessions, MFA recovery codes, password resets,
-- avatars, sign-in throttling; and the organizations access is granted to.

CREATE TABLE organizations (
    tenant_id       TEXT NOT NULL REFERENCES tenants (id),
    id              TEXT NOT NULL,
    name            TEXT NOT NULL,
    short_name      TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL CHECK (kind IN ('customer', 'internal', 'vendor')),
    status          TEXT NOT NULL CHECK (status IN ('active', 'archived')),
    quick_notes     TEXT NOT NULL DEFAULT '',
    alert           TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    updated_by      TEXT,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE users (
    tenant_id           TEXT NOT NULL REFERENCES tenants (id),
    id                  TEXT NOT NULL,
    email               TEXT NOT NULL,
    first_name          TEXT NOT NULL,
    last_name           TEXT NOT NULL,
    role                TEXT NOT NULL CHECK (role IN ('owner', 'technician', 'customer')),
    status              TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    password_hash       TEXT NOT NULL,
    totp_secret_sealed  TEXT,
    totp_last_step      INTEGER NOT NULL DEFAULT 0,
    mfa_enabled_at      TIMESTAMP,
    locale              TEXT,
    time_zone           TEXT,
    theme               TEXT NOT NULL DEFAULT 'system' CHECK (theme IN ('light', 'dark', 'system')),
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, email)
);

CREATE TABLE organization_grants (
    tenant_id       TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    access          TEXT NOT NULL CHECK (access IN ('viewer', 'editor')),
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, organization_id, user_id),
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX organization_grants_user ON organization_grants (tenant_id, user_id);

CREATE TABLE invitations (
    tenant_id       TEXT NOT NULL REFERENCES tenants (id),
    id              TEXT NOT NULL,
    token_hash      TEXT NOT NULL,
    email           TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('owner', 'technician', 'customer')),
    organization_id TEXT,
    invited_by      TEXT,
    expires_at      TIMESTAMP NOT NULL,
    used_at         TIMESTAMP,
    revoked_at      TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, token_hash)
);
CREATE INDEX invitations_email ON invitations (tenant_id, email);

CREATE TABLE sessions (
    tenant_id           TEXT NOT NULL,
    id                  TEXT NOT NULL,
    token_hash          TEXT NOT NULL,
    user_id             TEXT NOT NULL,
    stage               TEXT NOT NULL CHECK (stage IN ('enrol_mfa', 'mfa_pending', 'full')),
    csrf_token          TEXT NOT NULL,
    mfa_failures        INTEGER NOT NULL DEFAULT 0,
    handoff_hash        TEXT,
    handoff_expires_at  TIMESTAMP,
    -- Recovery codes of a fresh enrolment, sealed, until the profile page has shown them once.
    flash_sealed        TEXT,
    ip                  TEXT,
    created_at          TIMESTAMP NOT NULL,
    last_seen_at        TIMESTAMP NOT NULL,
    expires_at          TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX sessions_user ON sessions (tenant_id, user_id);
CREATE UNIQUE INDEX sessions_handoff ON sessions (tenant_id, handoff_hash);

CREATE TABLE recovery_codes (
    tenant_id   TEXT NOT NULL,
    id          TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    used_at     TIMESTAMP,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX recovery_codes_user ON recovery_codes (tenant_id, user_id);

CREATE TABLE password_resets (
    tenant_id   TEXT NOT NULL,
    id          TEXT NOT NULL,
    token_hash  TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE user_avatars (
    tenant_id     TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    data          BLOB NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

-- Failed sign-ins per account and per client address, shared by all nodes.
CREATE TABLE login_throttle (
    key             TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    window_start    TIMESTAMP NOT NULL,
    locked_until    TIMESTAMP,
    updated_at      TIMESTAMP NOT NULL
);
