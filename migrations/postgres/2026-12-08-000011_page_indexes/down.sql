DROP INDEX audit_events_tenant_target;
DROP INDEX records_counts;
