-- The durable outbox: every mail is a row first, written in the transaction
-- of the change that caused it; a worker sends it with retries.
CREATE TABLE mail_outbox (
    tenant_id       TEXT NOT NULL REFERENCES tenants (id),
    id              TEXT NOT NULL,
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    recipient_name  TEXT,
    from_name       TEXT NOT NULL,
    reply_to        TEXT,
    locale          TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_by       TEXT,
    locked_until    TIMESTAMP,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP,
    PRIMARY KEY (tenant_id, id)
);
-- The worker's scan across tenants: due mail first.
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_tenant_created ON mail_outbox (tenant_id, created_at);
