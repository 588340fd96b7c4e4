-- The section counts of an organization's sidebar, read from the index
-- alone (they were counted over every record of the tenant).
CREATE INDEX records_counts ON records (tenant_id, organization_id, archived, kind, asset_type_id, visibility);
-- A record's history on its page: its own events, newest first.
CREATE INDEX audit_events_tenant_target ON audit_events (tenant_id, target_id, occurred_at);
