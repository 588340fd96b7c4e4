//! Documentation records: configurations, contacts, passwords, wireless
//! networks and VPNs of an organization.

use std::collections::{BTreeMap, BTreeSet};

use cairn_auth::User;
use cairn_auth::policy::{Access, Action, Principal, Resource, Visibility, can};
use cairn_store::audit::{self, Actor, AuditAction, NewEvent};
use cairn_store::schema::records;
use cairn_store::{DbConn, TenantId, new_id};
use cairn_vault::{ExposeSecret, FieldRef, Keyring, SecretString};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::asset_types::{AssetType, FieldKind};
use crate::organizations::{self, actor, actor_label};
use crate::{AssetError, Authorized, Input, Kind, expirations};

/// Rows a section list shows per page.
pub const PAGE_SIZE: usize = 25;
/// The most rows one page may hold (the API's `per_page`).
pub const MAX_PAGE_SIZE: usize = 1000;

#[derive(Queryable, Selectable)]
#[diesel(table_name = records)]
struct RecordRow {
    id: String,
    organization_id: String,
    kind: String,
    name: String,
    fields: String,
    secrets: String,
    visibility: String,
    #[diesel(deserialize_as = cairn_store::Stamp)]
    updated_at: NaiveDateTime,
    updated_by: Option<String>,
    asset_type_id: Option<String>,
}

/// A record as pages see it: plain fields, and which secrets are set.
#[derive(Clone, Debug)]
pub struct Record {
    /// Its id.
    pub id: String,
    /// Its organization.
    pub organization_id: String,
    /// Its kind.
    pub kind: Kind,
    /// Its name (SSID for Wi-Fi).
    pub name: String,
    /// Plain fields by key.
    pub fields: BTreeMap<String, String>,
    /// Keys of the secret fields that hold a value.
    pub secrets_set: BTreeSet<String>,
    /// Who may see it.
    pub visibility: Visibility,
    /// Last change.
    pub updated_at: NaiveDateTime,
    /// Who changed it last.
    pub updated_by: Option<String>,
    /// For an asset, its type's id.
    pub asset_type_id: Option<String>,
    /// The sealed values by key; `None` on a list's rows, which need only
    /// [`Record::secrets_set`] (their ciphertexts are not even copied).
    sealed: Option<BTreeMap<String, String>>,
}

impl Record {
    /// The record of a row, its sealed values kept for revealing and editing.
    fn from_row(row: RecordRow) -> Option<Record> {
        Self::decode(row, true)
    }

    /// The record of a list's row: which secrets are set, read without
    /// copying their ciphertexts (most of a row's bytes).
    fn from_list_row(row: RecordRow) -> Option<Record> {
        Self::decode(row, false)
    }

    fn decode(row: RecordRow, keep_sealed: bool) -> Option<Record> {
        let kind = Kind::parse(&row.kind)?;
        let fields: BTreeMap<String, String> = serde_json::from_str(&row.fields).unwrap_or_default();
        let (secrets_set, sealed) = if keep_sealed {
            let sealed: BTreeMap<String, String> = serde_json::from_str(&row.secrets).unwrap_or_default();
            (sealed.keys().cloned().collect(), Some(sealed))
        } else {
            let keys: BTreeMap<String, serde::de::IgnoredAny> = serde_json::from_str(&row.secrets).unwrap_or_default();
            (keys.into_keys().collect(), None)
        };
        Some(Record {
            id: row.id,
            organization_id: row.organization_id,
            kind,
            name: row.name,
            fields,
            secrets_set,
            visibility: Visibility::parse(&row.visibility),
            updated_at: row.updated_at,
            updated_by: row.updated_by,
            asset_type_id: row.asset_type_id,
            sealed,
        })
    }

    /// The sealed values, which only records loaded one by one carry.
    fn sealed(&self) -> Result<&BTreeMap<String, String>, AssetError> {
        self.sealed.as_ref().ok_or(AssetError::Sealed)
    }

    /// A plain field's value, or "".
    pub fn field(&self, key: &str) -> &str {
        self.fields.get(key).map(String::as_str).unwrap_or_default()
    }
}

/// What a form gives for a record.
#[derive(Clone, Debug, Default)]
pub struct RecordInput {
    /// The name.
    pub name: String,
    /// Plain fields by key (unknown keys are ignored).
    pub fields: BTreeMap<String, String>,
    /// Secret fields typed in the form; an empty value keeps the stored one.
    pub secrets: BTreeMap<String, SecretString>,
    /// Secret fields to clear.
    pub clear: BTreeSet<String>,
    /// Who may see it (passwords and assets; others are `everyone`).
    pub visibility: Option<Visibility>,
    /// Links of an asset's tag fields, by field id: a field given here
    /// replaces its links (record ids of the same organization).
    pub tags: BTreeMap<String, Vec<String>>,
}

/// A record's values, checked against its kind or type, ready to store.
pub(crate) struct Prepared {
    /// The name.
    pub name: String,
    /// Plain values by key.
    pub plain: BTreeMap<String, String>,
    /// The keys of the fields that may hold a sealed value.
    pub secret_keys: Vec<String>,
    /// What search matches.
    pub search_text: String,
    /// Dates that expire, by key.
    pub expiring: Vec<(String, NaiveDate)>,
}

impl RecordInput {
    /// Checks the values against the kind's fields.
    fn prepare(&self, kind: Kind) -> Result<Prepared, AssetError> {
        let plain = self.validate(kind)?;
        let name = self.name.trim().to_owned();
        let expiring = kind
            .expiring_fields()
            .iter()
            .filter_map(|key| {
                plain
                    .get(*key)
                    .and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
                    .map(|d| ((*key).to_owned(), d))
            })
            .collect();
        Ok(Prepared {
            search_text: search_text(kind, &name, &plain),
            secret_keys: kind.fields().iter().filter(|f| f.is_secret()).map(|f| f.key.to_owned()).collect(),
            name,
            plain,
            expiring,
        })
    }

    /// Checks the values against the kind's fields; returns the plain fields to store.
    fn validate(&self, kind: Kind) -> Result<BTreeMap<String, String>, AssetError> {
        check_name(&self.name)?;
        let mut plain = BTreeMap::new();
        for spec in kind.fields() {
            if spec.is_secret() {
                if let Some(secret) = self.secrets.get(spec.key) {
                    check_secret(spec.key, secret)?;
                }
                continue;
            }
            let value = self.fields.get(spec.key).map(|v| v.trim().to_owned()).unwrap_or_default();
            let limit = if spec.input == Input::Textarea { 20_000 } else { 500 };
            if value.chars().count() > limit {
                return Err(AssetError::invalid(spec.key, format!("at most {limit} characters")));
            }
            // No text field holds NUL: neither database stores it faithfully.
            if value.contains('\0') {
                return Err(AssetError::invalid(spec.key, "no NUL characters"));
            }
            match spec.input {
                Input::Select(options) if !value.is_empty() && !options.contains(&value.as_str()) => {
                    return Err(AssetError::invalid(spec.key, format!("one of {}", options.join(", "))));
                }
                Input::Date if !value.is_empty() && chrono::NaiveDate::parse_from_str(&value, "%Y-%m-%d").is_err() => {
                    return Err(AssetError::invalid(spec.key, "a date as YYYY-MM-DD"));
                }
                Input::Checkbox => {
                    if matches!(value.as_str(), "true" | "on" | "1") {
                        plain.insert(spec.key.to_owned(), "true".to_owned());
                    }
                    continue;
                }
                _ => {}
            }
            if spec.input != Input::Textarea && value.chars().any(char::is_control) {
                return Err(AssetError::invalid(spec.key, "no line breaks"));
            }
            if !value.is_empty() {
                plain.insert(spec.key.to_owned(), value);
            }
        }
        Ok(plain)
    }
}

/// A record's name: 1 to 200 characters, one line.
pub(crate) fn check_name(name: &str) -> Result<(), AssetError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(AssetError::invalid("name", "1 to 200 characters"));
    }
    Ok(())
}

/// A secret as typed: at most 4000 characters, no NUL.
pub(crate) fn check_secret(key: &str, secret: &SecretString) -> Result<(), AssetError> {
    if secret.expose_secret().chars().count() > 4_000 || secret.expose_secret().contains('\0') {
        return Err(AssetError::invalid(key, "at most 4000 characters, no NUL"));
    }
    Ok(())
}

fn search_text(kind: Kind, name: &str, fields: &BTreeMap<String, String>) -> String {
    let mut text = name.to_lowercase();
    for spec in kind.fields().iter().filter(|s| s.searchable && !s.is_secret()) {
        if let Some(value) = fields.get(spec.key) {
            text.push(' ');
            text.push_str(&value.to_lowercase());
        }
    }
    text
}

fn secret_ref<'a>(record_id: &'a str, key: &'a str) -> FieldRef<'a> {
    FieldRef { table: "records", record_id, field: key }
}

/// A record's sealed values (the `secrets` column) opened, by field key:
/// what a tenant export writes. A value that does not open fails it all.
pub fn open_secrets(keyring: &Keyring, record_id: &str, sealed: &str) -> Result<BTreeMap<String, String>, AssetError> {
    let sealed: BTreeMap<String, String> = serde_json::from_str(sealed).map_err(|_| AssetError::Sealed)?;
    sealed
        .iter()
        .map(|(key, value)| {
            let secret = keyring.open(secret_ref(record_id, key), value).map_err(|_| AssetError::Sealed)?;
            Ok((key.clone(), secret.expose_secret().to_owned()))
        })
        .collect()
}

/// Values in clear sealed for a record under this installation's keys: the
/// `secrets` column of a record arriving in a tenant import.
pub fn seal_secrets(keyring: &Keyring, record_id: &str, clear: BTreeMap<String, String>) -> String {
    let sealed: BTreeMap<String, String> = clear
        .into_iter()
        .map(|(key, value)| {
            let sealed = keyring.seal(secret_ref(record_id, &key), &SecretString::from(value));
            (key, sealed)
        })
        .collect();
    serde_json::to_string(&sealed).unwrap_or_default()
}

fn seal_all(
    keyring: &Keyring,
    record_id: &str,
    keys: &[String],
    mut sealed: BTreeMap<String, String>,
    input: &RecordInput,
) -> BTreeMap<String, String> {
    for key in keys {
        if input.clear.contains(key) {
            sealed.remove(key);
        }
        if let Some(secret) = input.secrets.get(key).filter(|s| !s.expose_secret().is_empty()) {
            sealed.insert(key.clone(), keyring.seal(secret_ref(record_id, key), secret));
        }
    }
    sealed
}

fn event_for<'a>(record: &'a Record, action: AuditAction, user: &User) -> NewEvent<'a> {
    let mut event = NewEvent::new(actor(user), action)
        .target(record.kind.as_str(), &record.id)
        .details(serde_json::json!({ "name": record.name }));
    event.organization_id = Some(&record.organization_id);
    event
}

/// Creates a record in an organization the user may write to.
pub fn create(
    conn: &mut DbConn,
    keyring: &Keyring,
    user: &User,
    organization_id: &str,
    kind: Kind,
    input: &RecordInput,
) -> Result<Record, AssetError> {
    let visibility =
        if kind.has_visibility() { input.visibility.unwrap_or(Visibility::Everyone) } else { Visibility::Everyone };
    may_create(conn, user, organization_id, visibility)?;
    insert(conn, keyring, &user.tenant_id, organization_id, kind, input, actor(user))
}

/// Whether `user` may create a record of `visibility` in the organization.
pub(crate) fn may_create(
    conn: &mut DbConn,
    user: &User,
    organization_id: &str,
    visibility: Visibility,
) -> Result<(), AssetError> {
    let (_, grant) = organizations::authorize(conn, user, organization_id, Action::Create)?;
    if !can(&Principal { role: user.role }, Action::Edit, &Resource::Record { grant, visibility }) {
        // A customer editor may not create staff-only entries.
        return Err(AssetError::NotFound);
    }
    Ok(())
}

/// Stores a new record for whoever `by` is; callers decide access first
/// ([`create`] for users; seeding for the platform itself).
pub fn insert(
    conn: &mut DbConn,
    keyring: &Keyring,
    tenant: &TenantId,
    organization_id: &str,
    kind: Kind,
    input: &RecordInput,
    by: Actor,
) -> Result<Record, AssetError> {
    if kind == Kind::Asset {
        return Err(AssetError::NotFound);
    }
    let prepared = input.prepare(kind)?;
    let visibility =
        if kind.has_visibility() { input.visibility.unwrap_or(Visibility::Everyone) } else { Visibility::Everyone };
    let target = NewRecord { tenant, organization_id, kind, asset_type_id: None, visibility };
    store_new(conn, keyring, &target, &prepared, input, by)
}

/// Where a new record goes and what it is.
pub(crate) struct NewRecord<'a> {
    pub tenant: &'a TenantId,
    pub organization_id: &'a str,
    pub kind: Kind,
    pub asset_type_id: Option<&'a str>,
    pub visibility: Visibility,
}

/// Inserts a prepared record, seals its secrets, keeps its expirations and
/// writes its audit event.
pub(crate) fn store_new(
    conn: &mut DbConn,
    keyring: &Keyring,
    target: &NewRecord<'_>,
    prepared: &Prepared,
    input: &RecordInput,
    by: Actor,
) -> Result<Record, AssetError> {
    let tenant = target.tenant;
    let id = new_id();
    let sealed = seal_all(keyring, &id, &prepared.secret_keys, BTreeMap::new(), input);
    let now = cairn_store::now();
    diesel::insert_into(records::table)
        .values((
            records::tenant_id.eq(tenant.as_str()),
            records::id.eq(&id),
            records::organization_id.eq(target.organization_id),
            records::kind.eq(target.kind.as_str()),
            records::asset_type_id.eq(target.asset_type_id),
            records::name.eq(&prepared.name),
            records::fields.eq(serde_json::to_string(&prepared.plain).unwrap_or_default()),
            records::secrets.eq(serde_json::to_string(&sealed).unwrap_or_default()),
            records::visibility.eq(target.visibility.as_str()),
            records::search_text.eq(&prepared.search_text),
            records::archived.eq(false),
            records::created_at.eq(now),
            records::updated_at.eq(now),
            records::updated_by.eq(actor_label(&by)),
        ))
        .execute(conn)?;
    let row =
        records::table.find((tenant.as_str(), id.as_str())).select(RecordRow::as_select()).first::<RecordRow>(conn)?;
    let record = Record::from_row(row).ok_or(AssetError::NotFound)?;
    expirations::replace(conn, tenant, &record, &prepared.expiring)?;
    let mut event = NewEvent::new(by, AuditAction::RecordCreated)
        .target(record.kind.as_str(), &record.id)
        .details(serde_json::json!({ "name": record.name }));
    event.organization_id = Some(&record.organization_id);
    audit::record(conn, tenant, &event)?;
    Ok(record)
}

fn load(conn: &mut DbConn, user: &User, id: &str) -> Result<Record, AssetError> {
    // Every record page asks this: on the engine's own connection.
    let row = cairn_store::on_engine!(conn, |c| records::table
        .find((user.tenant_id.as_str(), id))
        .filter(records::archived.eq(false))
        .select(RecordRow::as_select())
        .first::<RecordRow>(c))?;
    Record::from_row(row).ok_or(AssetError::NotFound)
}

/// The record `id` of `kind` in the organization if `user` may do `action`
/// on it; anything else — another organization's, another tenant's, staff-only
/// for a customer, archived — is `NotFound`. The proof it returns is what
/// [`update`], [`archive`] and [`reveal`] require.
pub fn authorize(
    conn: &mut DbConn,
    user: &User,
    organization_id: &str,
    kind: Kind,
    id: &str,
    action: Action,
) -> Result<Authorized<Record>, AssetError> {
    authorize_where(conn, user, organization_id, id, action, |r| r.kind == kind && kind != Kind::Asset)
}

/// Like [`authorize`], for a record of the asset type `asset_type`.
pub fn authorize_asset(
    conn: &mut DbConn,
    user: &User,
    organization_id: &str,
    asset_type: &AssetType,
    id: &str,
    action: Action,
) -> Result<Authorized<Record>, AssetError> {
    authorize_where(conn, user, organization_id, id, action, |r| {
        r.asset_type_id.as_deref() == Some(asset_type.id.as_str())
    })
}

/// Like [`authorize`], for a record of any kind or type (relations, attachments).
pub fn authorize_any(
    conn: &mut DbConn,
    user: &User,
    organization_id: &str,
    id: &str,
    action: Action,
) -> Result<Authorized<Record>, AssetError> {
    authorize_where(conn, user, organization_id, id, action, |_| true)
}

fn authorize_where(
    conn: &mut DbConn,
    user: &User,
    organization_id: &str,
    id: &str,
    action: Action,
    is_expected: impl Fn(&Record) -> bool,
) -> Result<Authorized<Record>, AssetError> {
    let (organization, grant) = organizations::authorize(conn, user, organization_id, Action::View)?;
    let record = load(conn, user, id)?;
    if record.organization_id != organization.id || !is_expected(&record) {
        return Err(AssetError::NotFound);
    }
    let principal = Principal { role: user.role };
    let resource = Resource::Record { grant, visibility: record.visibility };
    if !can(&principal, Action::View, &resource) || !can(&principal, action, &resource) {
        return Err(AssetError::NotFound);
    }
    Ok(Authorized::new(record, organization, grant, action))
}

/// Saves a changed record the user was authorized to edit.
pub fn update(
    conn: &mut DbConn,
    keyring: &Keyring,
    user: &User,
    proof: &Authorized<Record>,
    input: &RecordInput,
) -> Result<(), AssetError> {
    let record = proof.require(Action::Edit)?;
    if record.kind == Kind::Asset {
        return Err(AssetError::NotFound);
    }
    let prepared = input.prepare(record.kind)?;
    let visibility =
        if record.kind.has_visibility() { input.visibility.unwrap_or(record.visibility) } else { Visibility::Everyone };
    store_change(conn, keyring, user, proof, &prepared, input, visibility)
}

/// Saves prepared values over an authorized record: the visibility must
/// stay writable for the user, secrets are sealed, expirations kept.
pub(crate) fn store_change(
    conn: &mut DbConn,
    keyring: &Keyring,
    user: &User,
    proof: &Authorized<Record>,
    prepared: &Prepared,
    input: &RecordInput,
    visibility: Visibility,
) -> Result<(), AssetError> {
    let (record, grant) = (proof.require(Action::Edit)?, proof.grant());
    // The new visibility must be writable too: an editor cannot hide an entry from themselves.
    if !can(&Principal { role: user.role }, Action::Edit, &Resource::Record { grant, visibility }) {
        return Err(AssetError::NotFound);
    }
    let sealed = seal_all(keyring, &record.id, &prepared.secret_keys, record.sealed()?.clone(), input);
    diesel::update(records::table.find((user.tenant_id.as_str(), record.id.as_str())))
        .set((
            records::name.eq(&prepared.name),
            records::fields.eq(serde_json::to_string(&prepared.plain).unwrap_or_default()),
            records::secrets.eq(serde_json::to_string(&sealed).unwrap_or_default()),
            records::visibility.eq(visibility.as_str()),
            records::search_text.eq(&prepared.search_text),
            records::updated_at.eq(cairn_store::now()),
            records::updated_by.eq(actor_label(&actor(user))),
        ))
        .execute(conn)?;
    expirations::replace(conn, &user.tenant_id, record, &prepared.expiring)?;
    audit::record(conn, &user.tenant_id, &event_for(record, AuditAction::RecordUpdated, user))?;
    Ok(())
}

/// Archives a record the user was authorized to archive: it leaves lists and search.
pub fn archive(conn: &mut DbConn, user: &User, proof: &Authorized<Record>) -> Result<(), AssetError> {
    let record = proof.require(Action::Archive)?;
    diesel::update(records::table.find((user.tenant_id.as_str(), record.id.as_str())))
        .set((records::archived.eq(true), records::updated_at.eq(cairn_store::now())))
        .execute(conn)?;
    // An archived record expires no more; its attachments and relations stay until it is purged.
    expirations::replace(conn, &user.tenant_id, record, &[])?;
    audit::record(conn, &user.tenant_id, &event_for(record, AuditAction::RecordArchived, user))?;
    Ok(())
}

/// Opens one secret of a record the user may reveal, and records who saw
/// what, when and from where — in the caller's transaction, so there is no
/// reveal without its event.
pub fn reveal(
    conn: &mut DbConn,
    keyring: &Keyring,
    user: &User,
    proof: &Authorized<Record>,
    field: &str,
    ip: &str,
) -> Result<Option<SecretString>, AssetError> {
    let record = proof.require(Action::Reveal)?;
    let spec = record.kind.fields().iter().find(|f| f.key == field && f.is_secret()).ok_or(AssetError::NotFound)?;
    open_audited(conn, keyring, user, record, spec.key, None, ip)
}

/// Opens a password field of an asset (by field id), audited like [`reveal`].
pub fn reveal_asset(
    conn: &mut DbConn,
    keyring: &Keyring,
    user: &User,
    proof: &Authorized<Record>,
    asset_type: &AssetType,
    field_id: &str,
    ip: &str,
) -> Result<Option<SecretString>, AssetError> {
    let record = proof.require(Action::Reveal)?;
    if record.asset_type_id.as_deref() != Some(asset_type.id.as_str()) {
        return Err(AssetError::NotFound);
    }
    let field = asset_type.field(field_id).filter(|f| f.kind == FieldKind::Password).ok_or(AssetError::NotFound)?;
    open_audited(conn, keyring, user, record, &field.id, Some(&field.name), ip)
}

fn open_audited(
    conn: &mut DbConn,
    keyring: &Keyring,
    user: &User,
    record: &Record,
    key: &str,
    label: Option<&str>,
    ip: &str,
) -> Result<Option<SecretString>, AssetError> {
    let Some(sealed) = record.sealed()?.get(key) else {
        return Ok(None);
    };
    let secret = keyring.open(secret_ref(&record.id, key), sealed).map_err(|_| AssetError::Sealed)?;
    let details = match label {
        Some(label) => serde_json::json!({ "name": record.name, "field": key, "label": label }),
        None => serde_json::json!({ "name": record.name, "field": key }),
    };
    let mut event = NewEvent::new(actor(user), AuditAction::RecordRevealed)
        .target(record.kind.as_str(), &record.id)
        .details(details);
    event.organization_id = Some(&record.organization_id);
    event.ip = Some(ip);
    audit::record(conn, &user.tenant_id, &event)?;
    Ok(Some(secret))
}

/// How a section list is asked for.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    /// Filter text (matches name and searchable fields).
    pub q: String,
    /// Sort column: `name`, `updated`, or a field key.
    pub sort: String,
    /// Descending order.
    pub desc: bool,
    /// 1-based page.
    pub page: usize,
    /// Rows per page; 0 means [`PAGE_SIZE`], at most [`MAX_PAGE_SIZE`].
    pub per_page: usize,
}

/// A page of a section list.
#[derive(Clone, Debug)]
pub struct ListPage {
    /// The records of this page.
    pub records: Vec<Record>,
    /// How many records match in all.
    pub total: usize,
    /// This page (1-based).
    pub page: usize,
    /// How many pages there are.
    pub pages: usize,
}

/// One page of the records of `kind` in an organization the user may see.
pub fn list(
    conn: &mut DbConn,
    user: &User,
    organization_id: &str,
    grant: Option<Access>,
    kind: Kind,
    query: &ListQuery,
) -> Result<ListPage, AssetError> {
    list_where(conn, user, organization_id, grant, kind, None, query)
}

/// One page of the records of an asset type in an organization the user may see.
pub fn list_assets(
    conn: &mut DbConn,
    user: &User,
    organization_id: &str,
    grant: Option<Access>,
    asset_type: &AssetType,
    query: &ListQuery,
) -> Result<ListPage, AssetError> {
    list_where(conn, user, organization_id, grant, Kind::Asset, Some(&asset_type.id), query)
}

fn list_where(
    conn: &mut DbConn,
    user: &User,
    organization_id: &str,
    grant: Option<Access>,
    kind: Kind,
    asset_type_id: Option<&str>,
    query: &ListQuery,
) -> Result<ListPage, AssetError> {
    let principal = Principal { role: user.role };
    let sees_staff_only = can(&principal, Action::View, &Resource::Record { grant, visibility: Visibility::Staff });
    let needle = query.q.trim().to_lowercase();
    let size = if query.per_page == 0 { PAGE_SIZE } else { query.per_page.min(MAX_PAGE_SIZE) };
    let by_field = match query.sort.as_str() {
        "" | "name" | "updated" => None,
        key => field_order(conn.backend(), key),
    };
    let asked = query.page.max(1);
    // On the engine's own connection, which writes this boxed statement's
    // SQL out once per run instead of twice (see `on_engine!`).
    let (mut rows, total, page) = cairn_store::on_engine!(conn, |c| {
        // The same filter for the page and, when the page cannot tell, the count.
        let matching = || {
            let mut select = records::table
                .filter(records::tenant_id.eq(user.tenant_id.as_str()))
                .filter(records::organization_id.eq(organization_id))
                .filter(records::kind.eq(kind.as_str()))
                .filter(records::archived.eq(false))
                .into_boxed();
            if !sees_staff_only {
                select = select.filter(records::visibility.eq("everyone"));
            }
            if let Some(type_id) = asset_type_id {
                select = select.filter(records::asset_type_id.eq(type_id.to_owned()));
            }
            if !needle.is_empty() {
                select = select.filter(records::search_text.like(format!("%{}%", escape_like(&needle))).escape('\\'));
            }
            select
        };
        // One row more than a page tells whether there are more: a page that is
        // not full knows its total without counting (most sections fit one page).
        let load_page = |c: &mut _, page: usize| -> Result<Vec<RecordRow>, AssetError> {
            let select = matching().select(RecordRow::as_select());
            // Ties go by name, then id, in the same direction, so pages never overlap.
            let select = match (query.sort.as_str(), by_field.clone(), query.desc) {
                ("updated", _, false) => select.order((records::updated_at, records::name, records::id)),
                ("updated", _, true) => {
                    select.order((records::updated_at.desc(), records::name.desc(), records::id.desc()))
                }
                (_, Some(by_field), false) => select.order((by_field, records::name, records::id)),
                (_, Some(by_field), true) => select.order((by_field.desc(), records::name.desc(), records::id.desc())),
                (_, None, false) => select.order((records::name, records::id)),
                (_, None, true) => select.order((records::name.desc(), records::id.desc())),
            };
            let rows = select
                .limit(i64::try_from(size + 1).unwrap_or(i64::MAX))
                .offset(i64::try_from((page - 1).saturating_mul(size)).unwrap_or(i64::MAX))
                .load_iter::<RecordRow, diesel::connection::DefaultLoadingMode>(c)?;
            // Room for the whole page at once: growing a vector of rows by
            // doubling copied each row up to five times.
            let mut page_rows = Vec::with_capacity(size + 1);
            for row in rows {
                page_rows.push(row?);
            }
            Ok(page_rows)
        };
        let rows = load_page(&mut *c, asked)?;
        if rows.len() <= size && (!rows.is_empty() || asked == 1) {
            let total = (asked - 1) * size + rows.len();
            (rows, total, asked)
        } else {
            let total = usize::try_from(matching().count().get_result::<i64>(&mut *c)?).unwrap_or(0);
            let last = total.div_ceil(size).max(1);
            // Past the end: the last page, as if it had been asked for.
            let rows = if asked > last { load_page(&mut *c, last)? } else { rows };
            (rows, total, asked.min(last))
        }
    });
    rows.truncate(size);
    let pages = total.div_ceil(size).max(1);
    let mut records = Vec::with_capacity(rows.len());
    records.extend(rows.into_iter().filter_map(Record::from_list_row));
    Ok(ListPage { records, total, page, pages })
}

/// The lower-cased value of a plain field, for sorting a list by it in SQL;
/// `None` for a key that is not a field key (built-in keys and asset field
/// ids are ASCII letters, digits, `_` and `-`), which then sorts by name.
fn field_order(
    backend: cairn_store::Backend,
    key: &str,
) -> Option<diesel::expression::SqlLiteral<diesel::sql_types::Text>> {
    let plain =
        !key.is_empty() && key.len() <= 64 && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !plain {
        return None;
    }
    // The key is checked above, so it may stand in the SQL text.
    let value = match backend {
        cairn_store::Backend::Sqlite => format!("json_extract(fields, '$.\"{key}\"')"),
        cairn_store::Backend::Postgres => format!("(fields::jsonb ->> '{key}')"),
    };
    Some(diesel::dsl::sql(&format!("lower(coalesce({value}, ''))")))
}

/// The live records of an organization `user` may see, as (id, name,
/// what, group): what is the kind or the asset type's slug, the group the
/// kind or the type's name. At most `limit`, by kind and name: what a
/// picker of related items offers.
pub fn candidates(
    conn: &mut DbConn,
    user: &User,
    organization_id: &str,
    grant: Option<Access>,
    limit: usize,
) -> Result<Vec<(String, String, String, String)>, AssetError> {
    let principal = Principal { role: user.role };
    let sees_staff_only = can(&principal, Action::View, &Resource::Record { grant, visibility: Visibility::Staff });
    let mut select = records::table
        .filter(records::tenant_id.eq(user.tenant_id.as_str()))
        .filter(records::organization_id.eq(organization_id))
        .filter(records::archived.eq(false))
        .order((records::kind, records::name))
        .limit(i64::try_from(limit).unwrap_or(i64::MAX))
        .select((records::id, records::name, records::kind, records::asset_type_id))
        .into_boxed();
    if !sees_staff_only {
        select = select.filter(records::visibility.eq("everyone"));
    }
    let types: std::collections::HashMap<String, (String, String)> =
        crate::asset_types::list(conn, &user.tenant_id, true)?.into_iter().map(|t| (t.id, (t.slug, t.name))).collect();
    Ok(select
        .load::<(String, String, String, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, name, kind, type_id)| match type_id.and_then(|t| types.get(&t).cloned()) {
            Some((slug, type_name)) => (id, name, slug, type_name),
            None => (id, name, kind.clone(), kind),
        })
        .collect())
}

/// Escapes `%`, `_` and `\` for a LIKE pattern.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// The Wi-Fi join payload (`WIFI:T:…;S:…;P:…;;`) for a QR code.
pub fn wifi_payload(record: &Record, passphrase: Option<&str>) -> String {
    fn escape(text: &str) -> String {
        text.chars().flat_map(|c| if "\\;,:\"".contains(c) { vec!['\\', c] } else { vec![c] }).collect()
    }
    let security = record.field("security");
    let kind = if security.starts_with("Open") || passphrase.is_none() {
        "nopass"
    } else if security.contains("WPA3") && !security.contains("WPA2") {
        "SAE"
    } else {
        "WPA"
    };
    let mut payload = format!("WIFI:T:{kind};S:{};", escape(&record.name));
    if let Some(pass) = passphrase.filter(|_| kind != "nopass") {
        payload.push_str(&format!("P:{};", escape(pass)));
    }
    payload.push(';');
    payload
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wifi_payload_escapes_and_names_security() {
        let record = Record {
            id: "r".into(),
            organization_id: "o".into(),
            kind: Kind::Wireless,
            name: "Büro;Gäste".into(),
            fields: [("security".to_owned(), "WPA2-Personal".to_owned())].into(),
            secrets_set: BTreeSet::new(),
            visibility: Visibility::Everyone,
            updated_at: cairn_store::now(),
            updated_by: None,
            asset_type_id: None,
            sealed: None,
        };
        assert_eq!(wifi_payload(&record, Some("pa:ss")), "WIFI:T:WPA;S:Büro\\;Gäste;P:pa\\:ss;;");
        assert_eq!(wifi_payload(&record, None), "WIFI:T:nopass;S:Büro\\;Gäste;;");
    }

    #[test]
    fn input_is_validated_against_the_kind() {
        let mut input = RecordInput { name: "FW-01".into(), ..Default::default() };
        input.fields.insert("configuration_kind".into(), "firewall".into());
        input.fields.insert("warranty_expires".into(), "2027-03-31".into());
        input.fields.insert("unknown".into(), "dropped".into());
        let plain = input.validate(Kind::Configuration).expect("valid");
        assert_eq!(plain.get("configuration_kind").map(String::as_str), Some("firewall"));
        assert!(!plain.contains_key("unknown"));
        input.fields.insert("configuration_kind".into(), "toaster".into());
        assert!(input.validate(Kind::Configuration).is_err());
        input.fields.insert("configuration_kind".into(), "server".into());
        input.fields.insert("warranty_expires".into(), "31.03.2027".into());
        assert!(input.validate(Kind::Configuration).is_err());
        assert!(RecordInput { name: " ".into(), ..Default::default() }.validate(Kind::Contact).is_err());
    }
}
