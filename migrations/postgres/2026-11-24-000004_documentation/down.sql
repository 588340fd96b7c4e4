DROP INDEX audit_events_tenant_actor;
DROP INDEX audit_events_tenant_org;
DROP INDEX organizations_list;
DROP TABLE document_revisions;
DROP TABLE documents;
DROP TABLE records;
