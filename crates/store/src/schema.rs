//! The diesel schema, identical on both backends.
#![allow(missing_docs)]

diesel::table! {
    tenants (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        support_email -> Text,
        support_phone -> Text,
        locale -> Text,
        time_zone -> Text,
        accent_color -> Text,
        privacy_url -> Nullable<Text>,
        mfa_required -> Bool,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        pending -> Nullable<Text>,
        privacy_notice -> Text,
        sender_name -> Text,
        logo_version -> Nullable<BigInt>,
        checklist_dismissed -> Bool,
        asset_types_version -> BigInt,
    }
}

diesel::table! {
    tenant_keys (tenant_id, version) {
        tenant_id -> Text,
        version -> Integer,
        wrapped_key -> Text,
        master_key_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tenant_domains (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        domain -> Text,
        created_at -> Timestamp,
        verification_token -> Text,
        verified_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    signups (tenant_id) {
        tenant_id -> Text,
        token_hash -> Text,
        email -> Text,
        expires_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tenant_logos (tenant_id) {
        tenant_id -> Text,
        content_type -> Text,
        data -> Binary,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        occurred_at -> Timestamp,
        actor_user_id -> Nullable<Text>,
        actor -> Text,
        action -> Text,
        target_type -> Nullable<Text>,
        target_id -> Nullable<Text>,
        organization_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        details -> Text,
    }
}

diesel::joinable!(tenant_keys -> tenants (tenant_id));
diesel::joinable!(tenant_domains -> tenants (tenant_id));
diesel::joinable!(audit_events -> tenants (tenant_id));

diesel::joinable!(signups -> tenants (tenant_id));
diesel::joinable!(tenant_logos -> tenants (tenant_id));

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    tenant_keys,
    tenant_domains,
    signups,
    tenant_logos,
    audit_events,
    mail_outbox,
    organizations,
    users,
    organization_grants,
    invitations,
    sessions,
    recovery_codes,
    password_resets,
    user_avatars,
    records,
    documents,
    document_revisions,
    api_keys,
    api_rate_windows,
    tenant_deletions,
    asset_types,
    relations,
    attachments,
    expirations,
    digests,
    external_ids,
    import_jobs,
);

diesel::table! {
    mail_outbox (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        kind -> Text,
        recipient -> Text,
        recipient_name -> Nullable<Text>,
        from_name -> Text,
        reply_to -> Nullable<Text>,
        locale -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        links_expire_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(mail_outbox -> tenants (tenant_id));

diesel::table! {
    organizations (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        name -> Text,
        short_name -> Text,
        kind -> Text,
        status -> Text,
        quick_notes -> Text,
        alert -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    users (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        email -> Text,
        first_name -> Text,
        last_name -> Text,
        role -> Text,
        status -> Text,
        password_hash -> Text,
        totp_secret_sealed -> Nullable<Text>,
        totp_last_step -> BigInt,
        mfa_enabled_at -> Nullable<Timestamp>,
        locale -> Nullable<Text>,
        time_zone -> Nullable<Text>,
        theme -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        kind -> Text,
    }
}

diesel::table! {
    api_keys (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        user_id -> Text,
        name -> Text,
        prefix -> Text,
        secret_hash -> Text,
        role -> Text,
        created_at -> Timestamp,
        created_by -> Text,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    tenant_deletions (tenant_id) {
        tenant_id -> Text,
    }
}

diesel::table! {
    api_rate_windows (tenant_id, key_id) {
        tenant_id -> Text,
        key_id -> Text,
        window_start -> BigInt,
        requests -> Integer,
    }
}

diesel::table! {
    organization_grants (tenant_id, organization_id, user_id) {
        tenant_id -> Text,
        organization_id -> Text,
        user_id -> Text,
        access -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    invitations (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        token_hash -> Text,
        email -> Text,
        role -> Text,
        organization_id -> Nullable<Text>,
        invited_by -> Nullable<Text>,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        token_hash -> Text,
        user_id -> Text,
        stage -> Text,
        csrf_token -> Text,
        mfa_failures -> Integer,
        handoff_hash -> Nullable<Text>,
        handoff_expires_at -> Nullable<Timestamp>,
        flash_sealed -> Nullable<Text>,
        ip -> Nullable<Text>,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    recovery_codes (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        user_id -> Text,
        code_hash -> Text,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    password_resets (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        token_hash -> Text,
        user_id -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    user_avatars (tenant_id, user_id) {
        tenant_id -> Text,
        user_id -> Text,
        content_type -> Text,
        data -> Binary,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> Integer,
        window_start -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    records (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        organization_id -> Text,
        kind -> Text,
        name -> Text,
        fields -> Text,
        secrets -> Text,
        visibility -> Text,
        search_text -> Text,
        archived -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        updated_by -> Nullable<Text>,
        asset_type_id -> Nullable<Text>,
    }
}

diesel::table! {
    documents (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        organization_id -> Nullable<Text>,
        title -> Text,
        body -> Text,
        revision -> Integer,
        archived -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        updated_by -> Nullable<Text>,
        folder -> Text,
    }
}

diesel::table! {
    import_jobs (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        source -> Text,
        file_name -> Text,
        status -> Text,
        phase -> Text,
        rows_done -> BigInt,
        report -> Nullable<Text>,
        error -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    external_ids (tenant_id, source, kind, external_id) {
        tenant_id -> Text,
        source -> Text,
        kind -> Text,
        external_id -> Text,
        local_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    document_revisions (tenant_id, document_id, revision) {
        tenant_id -> Text,
        document_id -> Text,
        revision -> Integer,
        title -> Text,
        body -> Text,
        author_id -> Nullable<Text>,
        author -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    asset_types (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        name -> Text,
        slug -> Text,
        icon -> Text,
        fields -> Text,
        archived -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    relations (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        organization_id -> Text,
        source_id -> Text,
        source_kind -> Text,
        target_id -> Text,
        target_kind -> Text,
        field_id -> Text,
        note -> Text,
        created_at -> Timestamp,
        created_by -> Nullable<Text>,
    }
}

diesel::table! {
    attachments (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        organization_id -> Nullable<Text>,
        owner_id -> Text,
        owner_kind -> Text,
        field_id -> Text,
        file_name -> Text,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        object_key -> Text,
        created_at -> Timestamp,
        created_by -> Nullable<Text>,
    }
}

diesel::table! {
    expirations (tenant_id, record_id, field_key) {
        tenant_id -> Text,
        record_id -> Text,
        field_key -> Text,
        organization_id -> Text,
        expires_on -> Date,
    }
}

diesel::table! {
    digests (tenant_id, kind) {
        tenant_id -> Text,
        kind -> Text,
        last_sent_at -> Timestamp,
    }
}
