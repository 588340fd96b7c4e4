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

diesel::allow_tables_to_appear_in_same_query!(tenants, tenant_keys, tenant_domains, audit_events, mail_outbox);

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
    }
}

diesel::joinable!(mail_outbox -> tenants (tenant_id));
