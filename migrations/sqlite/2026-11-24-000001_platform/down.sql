DROP TRIGGER audit_events_no_delete;
DROP TRIGGER audit_events_no_update;
DROP TABLE audit_events;
DROP TABLE tenant_domains;
DROP TABLE tenant_keys;
DROP TABLE tenants;
