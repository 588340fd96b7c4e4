DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'tenant_keys', 'tenant_domains', 'tenant_deletions', 'audit_events', 'mail_outbox',
        'organizations', 'users', 'api_keys', 'api_rate_windows', 'organization_grants',
        'invitations', 'sessions', 'recovery_codes', 'password_resets', 'user_avatars',
        'records', 'documents', 'document_revisions', 'asset_types', 'relations',
        'attachments', 'expirations', 'digests', 'import_jobs', 'external_ids'
    ] LOOP
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t);
        EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
    END LOOP;
END
$$;
