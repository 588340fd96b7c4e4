-- Row-level security: a second wall behind the application's own scoping.
-- Every table with a tenant_id shows and accepts only the rows of the tenant
-- bound to the transaction (app.tenant_id, set by the store's tenant
-- transactions); platform transactions (tenant directory, mail worker,
-- operator work, deletion) bind app.platform = 'on' instead. A query that
-- binds neither sees no tenant rows at all. FORCE applies the policies to the
-- tables' owner too, so only superusers and BYPASSRLS roles pass around them.
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
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I
                USING (tenant_id = current_setting(''app.tenant_id'', true)
                       OR current_setting(''app.platform'', true) = ''on'')
                WITH CHECK (tenant_id = current_setting(''app.tenant_id'', true)
                       OR current_setting(''app.platform'', true) = ''on'')',
            t);
    END LOOP;
END
$$;
