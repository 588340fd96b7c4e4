-- Deleting a tenant removes its audit log too. The log stays append-only for
-- everything else: a delete passes only while the tenant is marked here, in
-- the transaction that deletes the whole tenant.
CREATE TABLE tenant_deletions (
    tenant_id TEXT PRIMARY KEY
);

DROP TRIGGER audit_events_no_delete;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN NOT EXISTS (SELECT 1 FROM tenant_deletions WHERE tenant_id = OLD.tenant_id)
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
