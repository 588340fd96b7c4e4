-- Deleting a tenant removes its audit log too. The log stays append-only for
-- everything else: a delete passes only while the tenant is marked here, in
-- the transaction that deletes the whole tenant.
CREATE TABLE tenant_deletions (
    tenant_id TEXT PRIMARY KEY
);

CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM tenant_deletions WHERE tenant_id = OLD.tenant_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql;
