//! One tenant's rows as they leave and enter an installation (tenant export
//! and import): a row type per table that moves, without the tenant's id
//! (the receiving installation gives its own) and without what must not
//! move: password hashes, MFA secrets, sessions, tokens, the data keys.
//!
//! Each type is one JSON-lines file of the export archive, named by
//! [`Portable::FILE`]; ids stay as they are, which is safe because every
//! key includes the tenant.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::schema::{
    api_keys, asset_types, attachments, audit_events, document_revisions, documents, expirations, external_ids,
    organization_grants, organizations, records, relations, user_avatars, users,
};
use crate::{DbConn, TenantId};

/// A table whose rows move with their tenant.
pub trait Portable: Serialize + for<'de> Deserialize<'de> + Sized + Send + 'static {
    /// The file of the export archive that holds the rows, one JSON object per line.
    const FILE: &'static str;
    /// Every row of `tenant`, in the order of its key.
    fn load(conn: &mut DbConn, tenant: &TenantId) -> QueryResult<Vec<Self>>;
    /// Inserts the row as a row of `tenant`.
    fn insert(self, conn: &mut DbConn, tenant: &TenantId) -> QueryResult<()>;
}

macro_rules! portable {
    ($(#[$doc:meta])* $name:ident, $table:ident, $file:literal, ($($order:ident),+) { $($(#[$fdoc:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
        #[diesel(table_name = $table)]
        pub struct $name {
            /// The tenant: never written out; set by the receiving installation.
            #[serde(skip)]
            pub tenant_id: String,
            $(
                #[doc = concat!("The `", stringify!($field), "` column.")]
                $(#[$fdoc])*
                pub $field: $ty,
            )*
        }

        impl Portable for $name {
            const FILE: &'static str = $file;

            fn load(conn: &mut DbConn, tenant: &TenantId) -> QueryResult<Vec<Self>> {
                $table::table
                    .filter($table::tenant_id.eq(tenant.as_str()))
                    .order(($($table::$order),+))
                    .select(Self::as_select())
                    .load(conn)
            }

            fn insert(mut self, conn: &mut DbConn, tenant: &TenantId) -> QueryResult<()> {
                self.tenant_id = tenant.as_str().to_owned();
                diesel::insert_into($table::table).values(&self).execute(conn).map(drop)
            }
        }
    };
}

portable!(
    /// `organizations.jsonl`
    OrganizationRow, organizations, "organizations.jsonl", (id) {
    id: String, name: String, short_name: String, kind: String, status: String, quick_notes: String,
    alert: String, created_at: NaiveDateTime, updated_at: NaiveDateTime, updated_by: Option<String>,
});

portable!(
    /// `users.jsonl`: people and API-key users, without password hashes or MFA.
    UserRow, users, "users.jsonl", (id) {
    id: String, email: String, first_name: String, last_name: String, role: String, status: String,
    locale: Option<String>, time_zone: Option<String>, theme: String, created_at: NaiveDateTime,
    updated_at: NaiveDateTime, kind: String,
});

impl UserRow {
    /// Inserts the user as a user of `tenant` with `password_hash` (one
    /// nobody knows, until they set their own) and no second factor.
    pub fn insert_with_password(
        mut self,
        conn: &mut DbConn,
        tenant: &TenantId,
        password_hash: &str,
    ) -> QueryResult<()> {
        self.tenant_id = tenant.as_str().to_owned();
        diesel::insert_into(users::table)
            .values((&self, users::password_hash.eq(password_hash), users::totp_last_step.eq(0_i64)))
            .execute(conn)
            .map(drop)
    }
}

portable!(
    /// `user_avatars.jsonl`: profile pictures, base64.
    AvatarRow, user_avatars, "user_avatars.jsonl", (user_id) {
    user_id: String, content_type: String,
    /// The picture's bytes.
    #[serde(with = "base64_bytes")]
    data: Vec<u8>,
    updated_at: NaiveDateTime,
});

portable!(
    /// `organization_grants.jsonl`: which organizations a user may read.
    GrantRow, organization_grants, "organization_grants.jsonl", (organization_id, user_id) {
    organization_id: String, user_id: String, access: String, created_at: NaiveDateTime,
});

portable!(
    /// `api_keys.jsonl`: keys keep working after a move (only their hash moves).
    ApiKeyRow, api_keys, "api_keys.jsonl", (id) {
    id: String, user_id: String, name: String, prefix: String, secret_hash: String, role: String,
    created_at: NaiveDateTime, created_by: String, expires_at: Option<NaiveDateTime>,
    last_used_at: Option<NaiveDateTime>, revoked_at: Option<NaiveDateTime>,
});

portable!(
    /// `asset_types.jsonl`
    AssetTypeRow, asset_types, "asset_types.jsonl", (id) {
    id: String, name: String, slug: String, icon: String, fields: String, archived: bool,
    created_at: NaiveDateTime, updated_at: NaiveDateTime, updated_by: Option<String>,
});

portable!(
    /// `records.jsonl`: in the archive `secrets` is an object of the values
    /// in clear; here, in the database, the sealed values as JSON.
    RecordRow, records, "records.jsonl", (id) {
    id: String, organization_id: String, kind: String, name: String, fields: String, secrets: String,
    visibility: String, search_text: String, archived: bool, created_at: NaiveDateTime,
    updated_at: NaiveDateTime, updated_by: Option<String>, asset_type_id: Option<String>,
});

portable!(
    /// `relations.jsonl`
    RelationRow, relations, "relations.jsonl", (id) {
    id: String, organization_id: String, source_id: String, source_kind: String, target_id: String,
    target_kind: String, field_id: String, note: String, created_at: NaiveDateTime, created_by: Option<String>,
});

portable!(
    /// `documents.jsonl`: each document as it is now.
    DocumentRow, documents, "documents.jsonl", (id) {
    id: String, organization_id: Option<String>, title: String, body: String, revision: i32, archived: bool,
    created_at: NaiveDateTime, updated_at: NaiveDateTime, updated_by: Option<String>, folder: String,
});

portable!(
    /// `document_revisions.jsonl`: every earlier version.
    RevisionRow, document_revisions, "document_revisions.jsonl", (document_id, revision) {
    document_id: String, revision: i32, title: String, body: String, author_id: Option<String>, author: String,
    created_at: NaiveDateTime,
});

portable!(
    /// `attachments.jsonl`: the files' descriptions; their bytes are
    /// `attachments/<id>` in the archive.
    AttachmentRow, attachments, "attachments.jsonl", (id) {
    id: String, organization_id: Option<String>, owner_id: String, owner_kind: String, field_id: String,
    file_name: String, content_type: String, size: i64, sha256: String, object_key: String,
    created_at: NaiveDateTime, created_by: Option<String>,
});

portable!(
    /// `expirations.jsonl`
    ExpirationRow, expirations, "expirations.jsonl", (record_id, field_key) {
    record_id: String, field_key: String, organization_id: String, expires_on: NaiveDate,
});

portable!(
    /// `external_ids.jsonl`: what imported rows were called where they came from.
    ExternalIdRow, external_ids, "external_ids.jsonl", (source, kind, external_id) {
    source: String, kind: String, external_id: String, local_id: String, created_at: NaiveDateTime,
});

portable!(
    /// `audit_events.jsonl`: the whole audit log, oldest first.
    AuditRow, audit_events, "audit_events.jsonl", (occurred_at, id) {
    id: String, occurred_at: NaiveDateTime, actor_user_id: Option<String>, actor: String, action: String,
    target_type: Option<String>, target_id: Option<String>, organization_id: Option<String>, ip: Option<String>,
    details: String,
});

/// Bytes as base64 text in JSON.
mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}
