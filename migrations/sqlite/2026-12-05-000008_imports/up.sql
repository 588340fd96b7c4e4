-- What imported rows were called in the product they came from, so that
-- an import run again finds what it made before and changes nothing.
CREATE TABLE external_ids (
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    source      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    external_id TEXT NOT NULL,
    local_id    TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, source, kind, external_id)
);

-- The folder path a document is filed under ('' for none), e.g. 'Anleitungen/Netzwerk'.
ALTER TABLE documents ADD COLUMN folder TEXT NOT NULL DEFAULT '';

-- Imports started from the settings page: they run in the background on
-- the node that took the upload; the page reads their progress here.
CREATE TABLE import_jobs (
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    id          TEXT NOT NULL,
    source      TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    phase       TEXT NOT NULL DEFAULT '',
    rows_done   BIGINT NOT NULL DEFAULT 0,
    report      TEXT,
    error       TEXT,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- When the links of a queued mail stop working (invitations, resets): a
-- mail not sent by then is given up and its body, with the link, erased.
ALTER TABLE mail_outbox ADD COLUMN links_expire_at TIMESTAMP;
CREATE INDEX mail_outbox_links_expire ON mail_outbox (links_expire_at);
