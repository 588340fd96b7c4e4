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
