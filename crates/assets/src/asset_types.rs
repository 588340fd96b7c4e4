//! Asset types: the kinds of record an MSP defines for itself (SSL
//! certificates, licences, internet links, backup jobs, …), each with its
//! own ordered list of fields.
//!
//! Every field has a stable id. Records keep their values under that id, so
//! renaming and reordering fields never touch a record; a removed field is
//! kept in the definition, marked removed, so the values it held stay in
//! the records and their history.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use cairn_store::audit::{self, Actor, AuditAction, NewEvent};
use cairn_store::schema::{asset_types, attachments, records, relations, tenants};
use cairn_store::{DbConn, TenantId, new_id};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::organizations::actor_label;
use crate::{AssetError, Kind, Section};

/// The most fields one type may have.
pub const MAX_FIELDS: usize = 100;
/// The most options a select field may have.
pub const MAX_OPTIONS: usize = 200;

/// How a field of an asset type is entered, stored and shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Several lines of Markdown.
    Textbox,
    /// A number (integer or decimal).
    Number,
    /// A percentage, 0 to 100.
    Percent,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// Yes or no.
    Checkbox,
    /// One of the field's options.
    Select,
    /// A secret: sealed, revealed and audited like passwords.
    Password,
    /// Links to other records of the organization (related items).
    Tag,
    /// Files (attachments of the record, under this field).
    Upload,
    /// A heading that groups the fields after it; holds no value.
    Header,
}

impl FieldKind {
    /// Every kind, in the order forms offer them.
    pub const ALL: [FieldKind; 11] = [
        FieldKind::Text,
        FieldKind::Textbox,
        FieldKind::Number,
        FieldKind::Percent,
        FieldKind::Date,
        FieldKind::Checkbox,
        FieldKind::Select,
        FieldKind::Password,
        FieldKind::Tag,
        FieldKind::Upload,
        FieldKind::Header,
    ];

    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Textbox => "textbox",
            FieldKind::Number => "number",
            FieldKind::Percent => "percent",
            FieldKind::Date => "date",
            FieldKind::Checkbox => "checkbox",
            FieldKind::Select => "select",
            FieldKind::Password => "password",
            FieldKind::Tag => "tag",
            FieldKind::Upload => "upload",
            FieldKind::Header => "header",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<FieldKind> {
        FieldKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Whether the value is kept in the record's plain fields (not sealed,
    /// not a link, not a file, not a heading).
    pub fn is_plain(self) -> bool {
        !matches!(self, FieldKind::Password | FieldKind::Tag | FieldKind::Upload | FieldKind::Header)
    }

    /// Whether a value of this kind may name the record.
    pub fn can_be_title(self) -> bool {
        matches!(self, FieldKind::Text | FieldKind::Number | FieldKind::Date | FieldKind::Select)
    }

    /// Whether a value of this kind can be a list column.
    pub fn can_be_listed(self) -> bool {
        self.is_plain() && self != FieldKind::Textbox
    }

    /// Whether search finds records by a value of this kind.
    pub fn is_searchable(self) -> bool {
        matches!(self, FieldKind::Text | FieldKind::Number | FieldKind::Select | FieldKind::Date)
    }
}

/// One field of an asset type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDef {
    /// Its stable id: records keep the value under it.
    pub id: String,
    /// Its label, as the MSP wrote it.
    pub name: String,
    /// How it is entered and stored.
    pub kind: FieldKind,
    /// Whether a record must have a value.
    #[serde(default)]
    pub required: bool,
    /// A hint shown beside the input.
    #[serde(default)]
    pub hint: String,
    /// The choices of a select field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Whether the section list shows it as a column.
    #[serde(default)]
    pub show_in_list: bool,
    /// Whether its value is the record's name.
    #[serde(default)]
    pub title: bool,
    /// Whether the date marks an expiration (listed on the expirations page).
    #[serde(default)]
    pub expiration: bool,
    /// For tag fields: what may be linked — built-in kinds (`configuration`, …)
    /// or asset type slugs; empty means any record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tag_targets: Vec<String>,
    /// When the field was removed; its values stay in the records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_at: Option<NaiveDateTime>,
}

impl FieldDef {
    /// Whether the field is in use (not removed).
    pub fn is_active(&self) -> bool {
        self.removed_at.is_none()
    }
}

/// An asset type of a tenant.
#[derive(Clone, Debug)]
pub struct AssetType {
    /// Its id.
    pub id: String,
    /// Its name, e.g. "SSL-Zertifikat".
    pub name: String,
    /// Its path segment: `/organizations/{id}/{slug}`.
    pub slug: String,
    /// A short symbol shown beside the name (an emoji), or "".
    pub icon: String,
    /// Every field, active ones in their order, removed ones after them.
    pub fields: Vec<FieldDef>,
    /// Archived types leave the sidebar; their records stay.
    pub archived: bool,
    /// Last change.
    pub updated_at: NaiveDateTime,
    /// Who changed it last.
    pub updated_by: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = asset_types)]
struct TypeRow {
    id: String,
    name: String,
    slug: String,
    icon: String,
    fields: String,
    archived: bool,
    updated_at: NaiveDateTime,
    updated_by: Option<String>,
}

impl From<TypeRow> for AssetType {
    fn from(row: TypeRow) -> Self {
        AssetType {
            id: row.id,
            name: row.name,
            slug: row.slug,
            icon: row.icon,
            fields: serde_json::from_str(&row.fields).unwrap_or_default(),
            archived: row.archived,
            updated_at: row.updated_at,
            updated_by: row.updated_by,
        }
    }
}

impl AssetType {
    /// The fields in use, in their order.
    pub fn active_fields(&self) -> impl Iterator<Item = &FieldDef> {
        self.fields.iter().filter(|f| f.is_active())
    }

    /// An active field by id.
    pub fn field(&self, id: &str) -> Option<&FieldDef> {
        self.active_fields().find(|f| f.id == id)
    }

    /// An active field by name (case-insensitive, as names are unique so).
    pub fn field_named(&self, name: &str) -> Option<&FieldDef> {
        self.active_fields().find(|f| f.name.eq_ignore_ascii_case(name.trim()))
    }

    /// The field whose value names the record, if any.
    pub fn title_field(&self) -> Option<&FieldDef> {
        self.active_fields().find(|f| f.title)
    }

    /// The first password field (what a plain reveal shows).
    pub fn main_secret(&self) -> Option<&FieldDef> {
        self.active_fields().find(|f| f.kind == FieldKind::Password)
    }

    /// The type as it stands, as an input to [`update`]: what an editor
    /// starts from, and what a change that leaves the fields alone gives.
    pub fn input(&self) -> TypeInput {
        TypeInput {
            name: self.name.clone(),
            slug: self.slug.clone(),
            icon: self.icon.clone(),
            fields: self
                .active_fields()
                .map(|f| FieldInput {
                    id: Some(f.id.clone()),
                    name: f.name.clone(),
                    kind: f.kind.as_str().to_owned(),
                    required: f.required,
                    hint: f.hint.clone(),
                    options: f.options.clone(),
                    show_in_list: f.show_in_list,
                    title: f.title,
                    expiration: f.expiration,
                    tag_targets: f.tag_targets.clone(),
                })
                .collect(),
        }
    }
}

/// What a form or the API gives for a field of a type.
#[derive(Clone, Debug, Default)]
pub struct FieldInput {
    /// The id of an existing field; `None` for a new one.
    pub id: Option<String>,
    /// Its label.
    pub name: String,
    /// Its kind (as text, checked here).
    pub kind: String,
    /// Required.
    pub required: bool,
    /// Hint.
    pub hint: String,
    /// Options (select fields).
    pub options: Vec<String>,
    /// Listed as a column.
    pub show_in_list: bool,
    /// Names the record.
    pub title: bool,
    /// Marks an expiration (date fields).
    pub expiration: bool,
    /// What a tag field may link.
    pub tag_targets: Vec<String>,
}

/// What a form or the API gives for a type.
#[derive(Clone, Debug, Default)]
pub struct TypeInput {
    /// Name.
    pub name: String,
    /// Path segment.
    pub slug: String,
    /// Icon.
    pub icon: String,
    /// The fields in their new order; existing fields left out are removed.
    pub fields: Vec<FieldInput>,
}

/// Path segments an asset type may not take: the built-in sections and the
/// words of the organization's own pages.
const RESERVED_SLUGS: &[&str] = &[
    "new",
    "edit",
    "archive",
    "restore",
    "access",
    "invite",
    "related",
    "attachments",
    "assets",
    "vpns",
    "overview",
    "expirations",
    "settings",
    "search",
];

fn one_line(text: &str) -> bool {
    !text.chars().any(char::is_control)
}

fn check_slug(slug: &str) -> Result<(), AssetError> {
    let ok = (2..=50).contains(&slug.len())
        && slug.starts_with(|c: char| c.is_ascii_lowercase())
        && !slug.ends_with('-')
        && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !ok {
        return Err(AssetError::invalid("slug", "2 to 50 of a-z, 0-9 and -, starting with a letter"));
    }
    if Section::from_slug(slug).is_some() || RESERVED_SLUGS.contains(&slug) {
        return Err(AssetError::invalid("slug", format!("{slug} is reserved; choose another")));
    }
    Ok(())
}

/// A slug made from a name: `SSL-Zertifikat` → `ssl-zertifikat`.
pub fn slug_from(name: &str) -> String {
    let mut slug = String::new();
    for c in name.trim().to_lowercase().chars() {
        let mapped = match c {
            'ä' => "ae".to_owned(),
            'ö' => "oe".to_owned(),
            'ü' => "ue".to_owned(),
            'ß' => "ss".to_owned(),
            c if c.is_ascii_alphanumeric() => c.to_string(),
            _ => "-".to_owned(),
        };
        if mapped == "-" && (slug.is_empty() || slug.ends_with('-')) {
            continue;
        }
        slug.push_str(&mapped);
    }
    // A slug starts with a letter, has two characters at least and takes
    // no reserved word, whatever the name: `365` → `type-365`, `VPN` → `vpn-type`.
    if !slug.starts_with(|c: char| c.is_ascii_lowercase()) {
        slug.insert_str(0, if slug.is_empty() { "type" } else { "type-" });
    }
    let mut slug: String = slug.chars().take(45).collect::<String>().trim_end_matches('-').to_owned();
    if slug.len() < 2 || Section::from_slug(&slug).is_some() || RESERVED_SLUGS.contains(&slug.as_str()) {
        slug.push_str("-type");
    }
    slug
}

/// Checks a type's name, slug, icon and fields against each other and
/// against the targets tags may name (`known_targets`: built-in kinds and
/// the tenant's type slugs). Returns the active fields to store.
fn validate(
    input: &TypeInput,
    existing: &[FieldDef],
    known_targets: &HashSet<String>,
) -> Result<Vec<FieldDef>, AssetError> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 || !one_line(name) {
        return Err(AssetError::invalid("name", "1 to 100 characters, one line"));
    }
    check_slug(input.slug.trim())?;
    if input.icon.chars().count() > 8 || !one_line(&input.icon) {
        return Err(AssetError::invalid("icon", "at most 8 characters (an emoji)"));
    }
    if input.fields.len() > MAX_FIELDS {
        return Err(AssetError::invalid("fields", format!("at most {MAX_FIELDS} fields")));
    }
    let mut names = HashSet::new();
    let mut ids = HashSet::new();
    let mut fields = Vec::with_capacity(input.fields.len());
    for field in &input.fields {
        let name = field.name.trim();
        if name.is_empty() || name.chars().count() > 100 || !one_line(name) {
            return Err(AssetError::invalid("fields", "every field needs a name of 1 to 100 characters, one line"));
        }
        if !names.insert(name.to_lowercase()) {
            return Err(AssetError::invalid("fields", format!("two fields are named {name:?}")));
        }
        let Some(kind) = FieldKind::parse(field.kind.trim()) else {
            return Err(AssetError::invalid(
                "fields",
                format!(
                    "{name}: the kind is one of text, textbox, number, percent, date, checkbox, select, password, tag, upload, header"
                ),
            ));
        };
        let id = match &field.id {
            Some(id) => {
                let Some(old) = existing.iter().find(|f| &f.id == id) else {
                    return Err(AssetError::invalid("fields", format!("{name}: no such field id {id:?}")));
                };
                if old.kind != kind {
                    // The stored values were checked for the old kind; they
                    // would not read as the new one.
                    return Err(AssetError::invalid(
                        "fields",
                        format!("{name}: a field's kind cannot change; add a new field instead"),
                    ));
                }
                id.clone()
            }
            None => short_id(),
        };
        if !ids.insert(id.clone()) {
            return Err(AssetError::invalid("fields", format!("{name}: the field is listed twice")));
        }
        if field.hint.chars().count() > 500 || !one_line(&field.hint) {
            return Err(AssetError::invalid(
                "fields",
                format!("{name}: the hint has at most 500 characters, one line"),
            ));
        }
        let options: Vec<String> = if kind == FieldKind::Select {
            let options: Vec<String> =
                field.options.iter().map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()).collect();
            let distinct: HashSet<&String> = options.iter().collect();
            if options.is_empty() || options.len() > MAX_OPTIONS || distinct.len() != options.len() {
                return Err(AssetError::invalid(
                    "fields",
                    format!("{name}: a select field needs 1 to {MAX_OPTIONS} different options"),
                ));
            }
            if options.iter().any(|o| o.chars().count() > 200 || !one_line(o)) {
                return Err(AssetError::invalid("fields", format!("{name}: options have at most 200 characters")));
            }
            options
        } else {
            Vec::new()
        };
        if field.title && !kind.can_be_title() {
            return Err(AssetError::invalid(
                "fields",
                format!("{name}: only text, number, date and select fields can name the record"),
            ));
        }
        if field.expiration && kind != FieldKind::Date {
            return Err(AssetError::invalid("fields", format!("{name}: only date fields mark an expiration")));
        }
        let tag_targets: Vec<String> = if kind == FieldKind::Tag {
            let targets: Vec<String> = field.tag_targets.iter().map(|t| t.trim().to_owned()).collect();
            if let Some(unknown) = targets.iter().find(|t| !known_targets.contains(*t)) {
                return Err(AssetError::invalid(
                    "fields",
                    format!("{name}: {unknown:?} is neither a kind of record nor an asset type"),
                ));
            }
            targets
        } else {
            Vec::new()
        };
        fields.push(FieldDef {
            id,
            name: name.to_owned(),
            kind,
            required: field.required && !matches!(kind, FieldKind::Header | FieldKind::Checkbox | FieldKind::Upload),
            hint: field.hint.trim().to_owned(),
            options,
            show_in_list: field.show_in_list && kind.can_be_listed(),
            title: field.title,
            expiration: field.expiration,
            tag_targets,
            removed_at: None,
        });
    }
    if fields.iter().filter(|f| f.title).count() > 1 {
        return Err(AssetError::invalid("fields", "only one field can name the record"));
    }
    Ok(fields)
}

/// A field id: short, random, never reused within a type.
fn short_id() -> String {
    new_id().replace('-', "").chars().rev().take(12).collect()
}

fn load_row(conn: &mut DbConn, tenant: &TenantId, id: &str) -> Result<AssetType, AssetError> {
    Ok(asset_types::table
        .find((tenant.as_str(), id))
        .select(TypeRow::as_select())
        .first::<TypeRow>(conn)
        .optional()?
        .ok_or(AssetError::NotFound)?
        .into())
}

/// A type by id (archived ones too).
pub fn get(conn: &mut DbConn, tenant: &TenantId, id: &str) -> Result<AssetType, AssetError> {
    load_row(conn, tenant, id)
}

/// A type by slug or id (archived ones too).
pub fn find(conn: &mut DbConn, tenant: &TenantId, slug_or_id: &str) -> Result<AssetType, AssetError> {
    let row = asset_types::table
        .filter(asset_types::tenant_id.eq(tenant.as_str()))
        .filter(asset_types::slug.eq(slug_or_id).or(asset_types::id.eq(slug_or_id)))
        .select(TypeRow::as_select())
        .first::<TypeRow>(conn)
        .optional()?;
    row.map(AssetType::from).ok_or(AssetError::NotFound)
}

/// Every type's slug and name by its id (archived ones too), for showing
/// records of any type.
pub fn labels(conn: &mut DbConn, tenant: &TenantId) -> Result<HashMap<String, (String, String)>, AssetError> {
    Ok(asset_types::table
        .filter(asset_types::tenant_id.eq(tenant.as_str()))
        .select((asset_types::id, asset_types::slug, asset_types::name))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, slug, name)| (id, (slug, name)))
        .collect())
}

/// Every type of the tenant, by name; archived ones only when asked.
pub fn list(conn: &mut DbConn, tenant: &TenantId, include_archived: bool) -> Result<Vec<AssetType>, AssetError> {
    let mut query = asset_types::table
        .filter(asset_types::tenant_id.eq(tenant.as_str()))
        .order(asset_types::name)
        .select(TypeRow::as_select())
        .into_boxed();
    if !include_archived {
        query = query.filter(asset_types::archived.eq(false));
    }
    Ok(query.load::<TypeRow>(conn)?.into_iter().map(AssetType::from).collect())
}

/// A tenant's asset types kept between requests, so that an organization
/// page need not load them each time.
///
/// Every change to a tenant's types gives it a new `asset_types_version` in
/// the same transaction ([`create`], [`update`], [`set_archived`]), and a page
/// reads that version in a statement it makes anyway (the sidebar's
/// [`crate::organizations::counts`]). A kept list is used only for the
/// version it was loaded at, so every node sees a change with its commit;
/// nothing needs to be told. The list is loaded after the version was read,
/// so it is never older than its version.
#[derive(Clone)]
pub struct TypeCache {
    kept: moka::sync::Cache<String, Arc<Versioned>>,
}

struct Versioned {
    version: i64,
    types: Arc<[AssetType]>,
}

impl std::fmt::Debug for TypeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypeCache").field("tenants", &self.kept.entry_count()).finish()
    }
}

impl TypeCache {
    /// A cache of at most `tenants` tenants' types; a tenant's list is
    /// dropped after ten minutes unused.
    pub fn new(tenants: u64) -> Self {
        let kept = moka::sync::Cache::builder()
            .max_capacity(tenants)
            .time_to_idle(std::time::Duration::from_secs(600))
            .build();
        Self { kept }
    }

    /// Every type of the tenant by name, archived ones too, as of `version`
    /// (read in this transaction): kept if the cache holds that version,
    /// loaded and kept otherwise.
    pub fn types(&self, conn: &mut DbConn, tenant: &TenantId, version: i64) -> Result<Arc<[AssetType]>, AssetError> {
        if let Some(hit) = self.kept.get(tenant.as_str()).filter(|kept| kept.version == version) {
            return Ok(Arc::clone(&hit.types));
        }
        let types: Arc<[AssetType]> = list(conn, tenant, true)?.into();
        self.kept.insert(tenant.as_str().to_owned(), Arc::new(Versioned { version, types: Arc::clone(&types) }));
        Ok(types)
    }
}

/// Marks a change to the tenant's types (see [`TypeCache`]) with a random
/// version, not the next number: a transaction that read its own change
/// and then rolled back may have kept a list under its version, and a
/// counter would hand that number to the next change that commits.
fn changed(conn: &mut DbConn, tenant: &TenantId) -> Result<(), AssetError> {
    diesel::update(tenants::table.find(tenant.as_str()))
        .set(tenants::asset_types_version.eq(rand::random::<i64>()))
        .execute(conn)?;
    Ok(())
}

/// What tag fields may name: the built-in kinds and the tenant's type slugs.
fn known_targets(conn: &mut DbConn, tenant: &TenantId, also: &str) -> Result<HashSet<String>, AssetError> {
    let mut known: HashSet<String> = Kind::ALL.iter().map(|k| k.as_str().to_owned()).collect();
    let slugs: Vec<String> =
        asset_types::table.filter(asset_types::tenant_id.eq(tenant.as_str())).select(asset_types::slug).load(conn)?;
    known.extend(slugs);
    known.insert(also.trim().to_owned());
    Ok(known)
}

fn taken(conn: &mut DbConn, tenant: &TenantId, input: &TypeInput, except: Option<&str>) -> Result<(), AssetError> {
    let mut query = asset_types::table
        .filter(asset_types::tenant_id.eq(tenant.as_str()))
        .filter(asset_types::name.eq(input.name.trim()).or(asset_types::slug.eq(input.slug.trim())))
        .select((asset_types::name, asset_types::slug))
        .into_boxed();
    if let Some(id) = except {
        query = query.filter(asset_types::id.ne(id));
    }
    match query.first::<(String, String)>(conn).optional()? {
        Some((name, _)) if name == input.name.trim() => Err(AssetError::Taken("name")),
        Some(_) => Err(AssetError::Taken("slug")),
        None => Ok(()),
    }
}

fn event<'a>(by: Actor, action: AuditAction, kind: &'a AssetType, details: serde_json::Value) -> NewEvent<'a> {
    NewEvent::new(by, action).target("asset_type", &kind.id).details(details)
}

/// Creates a type; the caller decided access.
pub fn create(conn: &mut DbConn, tenant: &TenantId, input: &TypeInput, by: Actor) -> Result<AssetType, AssetError> {
    let known = known_targets(conn, tenant, &input.slug)?;
    let fields = validate(input, &[], &known)?;
    taken(conn, tenant, input, None)?;
    let id = new_id();
    let now = cairn_store::now();
    diesel::insert_into(asset_types::table)
        .values((
            asset_types::tenant_id.eq(tenant.as_str()),
            asset_types::id.eq(&id),
            asset_types::name.eq(input.name.trim()),
            asset_types::slug.eq(input.slug.trim()),
            asset_types::icon.eq(input.icon.trim()),
            asset_types::fields.eq(serde_json::to_string(&fields).unwrap_or_default()),
            asset_types::archived.eq(false),
            asset_types::created_at.eq(now),
            asset_types::updated_at.eq(now),
            asset_types::updated_by.eq(actor_label(&by)),
        ))
        .execute(conn)?;
    changed(conn, tenant)?;
    let created = load_row(conn, tenant, &id)?;
    let details = serde_json::json!({ "name": created.name, "fields": created.fields.len() });
    audit::record(conn, tenant, &event(by, AuditAction::AssetTypeCreated, &created, details))?;
    Ok(created)
}

/// How many records hold a value in each field of a type (plain values,
/// sealed values, links and files).
pub fn value_counts(conn: &mut DbConn, tenant: &TenantId, type_id: &str) -> Result<BTreeMap<String, i64>, AssetError> {
    let rows: Vec<(String, String, String)> = records::table
        .filter(records::tenant_id.eq(tenant.as_str()))
        .filter(records::asset_type_id.eq(type_id))
        .select((records::id, records::fields, records::secrets))
        .load(conn)?;
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    let ids: Vec<&String> = rows.iter().map(|(id, _, _)| id).collect();
    for (_, fields, secrets) in &rows {
        let mut keys: BTreeSet<String> = BTreeSet::new();
        for json in [fields, secrets] {
            let map: BTreeMap<String, serde_json::Value> = serde_json::from_str(json).unwrap_or_default();
            keys.extend(map.into_keys());
        }
        for key in keys {
            *counts.entry(key).or_default() += 1;
        }
    }
    if !ids.is_empty() {
        let linked: Vec<(String, i64)> = relations::table
            .filter(relations::tenant_id.eq(tenant.as_str()))
            .filter(relations::source_id.eq_any(&ids))
            .filter(relations::field_id.ne(""))
            .group_by(relations::field_id)
            .select((relations::field_id, diesel::dsl::count_star()))
            .load(conn)?;
        let files: Vec<(String, i64)> = attachments::table
            .filter(attachments::tenant_id.eq(tenant.as_str()))
            .filter(attachments::owner_id.eq_any(&ids))
            .filter(attachments::field_id.ne(""))
            .group_by(attachments::field_id)
            .select((attachments::field_id, diesel::dsl::count_star()))
            .load(conn)?;
        for (field, n) in linked.into_iter().chain(files) {
            *counts.entry(field).or_default() += n;
        }
    }
    Ok(counts)
}

/// Fields a change would remove although records hold values in them, as
/// (name, how many records).
pub fn removals_with_values(
    conn: &mut DbConn,
    tenant: &TenantId,
    current: &AssetType,
    input: &TypeInput,
) -> Result<Vec<(String, i64)>, AssetError> {
    let kept: HashSet<&str> = input.fields.iter().filter_map(|f| f.id.as_deref()).collect();
    let removed: Vec<&FieldDef> = current.active_fields().filter(|f| !kept.contains(f.id.as_str())).collect();
    if removed.is_empty() {
        return Ok(Vec::new());
    }
    let counts = value_counts(conn, tenant, &current.id)?;
    Ok(removed
        .into_iter()
        .filter_map(|f| counts.get(&f.id).filter(|n| **n > 0).map(|n| (f.name.clone(), *n)))
        .collect())
}

/// Changes a type: name, slug, icon and fields (renamed, reordered, added,
/// removed). Removing a field that holds values needs `confirm_removal`;
/// the values stay in the records (the field is kept, marked removed).
/// Returns the type as it is now and whether expirations must be rebuilt.
pub fn update(
    conn: &mut DbConn,
    tenant: &TenantId,
    current: &AssetType,
    input: &TypeInput,
    confirm_removal: bool,
    by: Actor,
) -> Result<AssetType, AssetError> {
    let known = known_targets(conn, tenant, &input.slug)?;
    let mut fields = validate(input, &current.fields, &known)?;
    taken(conn, tenant, input, Some(&current.id))?;
    let with_values = removals_with_values(conn, tenant, current, input)?;
    if !with_values.is_empty() && !confirm_removal {
        return Err(AssetError::ValuesWouldBeRemoved(with_values));
    }
    let now = cairn_store::now();
    let kept: HashSet<String> = fields.iter().map(|f| f.id.clone()).collect();
    let removed: Vec<FieldDef> = current
        .fields
        .iter()
        .filter(|f| !kept.contains(&f.id))
        .map(|f| FieldDef { removed_at: f.removed_at.or(Some(now)), title: false, expiration: false, ..f.clone() })
        .collect();
    let removed_names: Vec<String> =
        removed.iter().filter(|f| f.removed_at == Some(now)).map(|f| f.name.clone()).collect();
    fields.extend(removed);
    diesel::update(asset_types::table.find((tenant.as_str(), current.id.as_str())))
        .set((
            asset_types::name.eq(input.name.trim()),
            asset_types::slug.eq(input.slug.trim()),
            asset_types::icon.eq(input.icon.trim()),
            asset_types::fields.eq(serde_json::to_string(&fields).unwrap_or_default()),
            asset_types::updated_at.eq(now),
            asset_types::updated_by.eq(actor_label(&by)),
        ))
        .execute(conn)?;
    changed(conn, tenant)?;
    let updated = load_row(conn, tenant, &current.id)?;
    let details = serde_json::json!({
        "name": updated.name,
        "renamed_from": (current.name != updated.name).then_some(&current.name),
        "removed_fields": removed_names,
    });
    audit::record(conn, tenant, &event(by, AuditAction::AssetTypeUpdated, &updated, details))?;
    Ok(updated)
}

/// Archives or restores a type: archived types leave the sidebar and
/// forms; their records stay.
pub fn set_archived(
    conn: &mut DbConn,
    tenant: &TenantId,
    current: &AssetType,
    archived: bool,
    by: Actor,
) -> Result<(), AssetError> {
    diesel::update(asset_types::table.find((tenant.as_str(), current.id.as_str())))
        .set((asset_types::archived.eq(archived), asset_types::updated_at.eq(cairn_store::now())))
        .execute(conn)?;
    changed(conn, tenant)?;
    let action = if archived { AuditAction::AssetTypeArchived } else { AuditAction::AssetTypeRestored };
    audit::record(conn, tenant, &event(by, action, current, serde_json::json!({ "name": current.name })))?;
    Ok(())
}

/// Ready-made types an owner can start from, as in Hudu's and IT Glue's
/// templates: (key, name, slug, icon, fields as (name, kind, flags)).
pub struct Template {
    /// Its key in forms.
    pub key: &'static str,
    /// The type's name.
    pub name: &'static str,
    /// Its slug.
    pub slug: &'static str,
    /// Its icon.
    pub icon: &'static str,
    /// Its fields: name, kind, and `t` (title), `l` (listed), `e` (expiration), `r` (required).
    pub fields: &'static [(&'static str, FieldKind, &'static str)],
}

/// The templates on offer.
pub const TEMPLATES: &[Template] = &[
    Template {
        key: "ssl-certificate",
        name: "SSL certificate",
        slug: "ssl-certificates",
        icon: "🔒",
        fields: &[
            ("Common name", FieldKind::Text, "tlr"),
            ("Issuer", FieldKind::Text, "l"),
            ("Valid until", FieldKind::Date, "ler"),
            ("Private key", FieldKind::Password, ""),
            ("Notes", FieldKind::Textbox, ""),
        ],
    },
    Template {
        key: "domain",
        name: "Domain",
        slug: "domains",
        icon: "🌐",
        fields: &[
            ("Domain name", FieldKind::Text, "tlr"),
            ("Registrar", FieldKind::Text, "l"),
            ("Expires", FieldKind::Date, "le"),
            ("Registrar login", FieldKind::Tag, ""),
            ("Notes", FieldKind::Textbox, ""),
        ],
    },
    Template {
        key: "licence",
        name: "Licence",
        slug: "licences",
        icon: "🔑",
        fields: &[
            ("Product", FieldKind::Text, "tlr"),
            ("Seats", FieldKind::Number, "l"),
            ("Licence key", FieldKind::Password, ""),
            ("Ends", FieldKind::Date, "le"),
            ("Notes", FieldKind::Textbox, ""),
        ],
    },
    Template {
        key: "internet",
        name: "Internet connection",
        slug: "internet",
        icon: "📡",
        fields: &[
            ("Provider", FieldKind::Text, "tlr"),
            ("Download (Mbit/s)", FieldKind::Number, "l"),
            ("Upload (Mbit/s)", FieldKind::Number, "l"),
            ("Static IP addresses", FieldKind::Text, "l"),
            ("Contract ends", FieldKind::Date, "e"),
            ("Notes", FieldKind::Textbox, ""),
        ],
    },
    Template {
        key: "application",
        name: "Application",
        slug: "applications",
        icon: "🧩",
        fields: &[
            ("Name", FieldKind::Text, "tlr"),
            ("Vendor", FieldKind::Text, "l"),
            ("Version", FieldKind::Text, "l"),
            ("Servers", FieldKind::Tag, ""),
            ("Notes", FieldKind::Textbox, ""),
        ],
    },
    Template {
        key: "backup",
        name: "Backup job",
        slug: "backups",
        icon: "💾",
        fields: &[
            ("Job", FieldKind::Text, "tlr"),
            ("Schedule", FieldKind::Text, "l"),
            ("Retention (days)", FieldKind::Number, "l"),
            ("Target", FieldKind::Text, "l"),
            ("Protected systems", FieldKind::Tag, ""),
            ("Notes", FieldKind::Textbox, ""),
        ],
    },
];

impl Template {
    /// The type this template describes, as an input to [`create`].
    pub fn input(&self) -> TypeInput {
        TypeInput {
            name: self.name.to_owned(),
            slug: self.slug.to_owned(),
            icon: self.icon.to_owned(),
            fields: self
                .fields
                .iter()
                .map(|(name, kind, flags)| FieldInput {
                    name: (*name).to_owned(),
                    kind: kind.as_str().to_owned(),
                    title: flags.contains('t'),
                    show_in_list: flags.contains('l'),
                    expiration: flags.contains('e'),
                    required: flags.contains('r'),
                    tag_targets: if *kind == FieldKind::Tag && self.key == "domain" {
                        vec!["password".to_owned()]
                    } else if *kind == FieldKind::Tag {
                        vec!["configuration".to_owned()]
                    } else {
                        Vec::new()
                    },
                    ..Default::default()
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> HashSet<String> {
        ["configuration", "password", "ssl"].iter().map(|s| s.to_string()).collect()
    }

    fn field(name: &str, kind: &str) -> FieldInput {
        FieldInput { name: name.into(), kind: kind.into(), ..Default::default() }
    }

    #[test]
    fn slugs_are_made_from_names_and_checked() {
        assert_eq!(slug_from("SSL-Zertifikat"), "ssl-zertifikat");
        assert_eq!(slug_from("  Geräte & Lizenzen!! "), "geraete-lizenzen");
        for (name, slug) in [("365", "type-365"), ("0", "type-0"), ("!!", "type"), ("VPN", "vpn-type"), ("x", "x-type")]
        {
            assert_eq!(slug_from(name), slug, "{name}");
            assert!(check_slug(&slug_from(name)).is_ok(), "{name}");
        }
        assert!(check_slug("ssl-zertifikat").is_ok());
        for bad in ["", "x", "-a", "a-", "Ab", "passwords", "new", "a b", "ä"] {
            assert!(check_slug(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn definitions_are_validated() {
        let mut input = TypeInput {
            name: "SSL-Zertifikat".into(),
            slug: "ssl".into(),
            icon: "🔒".into(),
            fields: vec![field("Common name", "text"), field("Gültig bis", "date")],
        };
        input.fields[0].title = true;
        input.fields[1].expiration = true;
        let fields = validate(&input, &[], &known()).expect("valid");
        assert_eq!(fields.len(), 2);
        assert!(fields[0].title && fields[1].expiration);
        assert_ne!(fields[0].id, fields[1].id);

        let mut twice = input.clone();
        twice.fields.push(field("common NAME", "text"));
        assert!(validate(&twice, &[], &known()).is_err(), "names are unique");
        let mut bad_kind = input.clone();
        bad_kind.fields.push(field("X", "colour"));
        assert!(validate(&bad_kind, &[], &known()).is_err());
        let mut empty_select = input.clone();
        empty_select.fields.push(field("Typ", "select"));
        assert!(validate(&empty_select, &[], &known()).is_err(), "select needs options");
        let mut expiring_text = input.clone();
        expiring_text.fields[0].expiration = true;
        assert!(validate(&expiring_text, &[], &known()).is_err(), "only dates expire");
        let mut two_titles = input.clone();
        two_titles.fields[1].title = true;
        assert!(validate(&two_titles, &[], &known()).is_err());
        let mut unknown_tag = input.clone();
        unknown_tag.fields.push(FieldInput { tag_targets: vec!["toaster".into()], ..field("Geräte", "tag") });
        assert!(validate(&unknown_tag, &[], &known()).is_err());

        // An existing field keeps its id and may be renamed, not re-kinded.
        let mut renamed = input.clone();
        renamed.fields[0].id = Some(fields[0].id.clone());
        renamed.fields[0].name = "CN".into();
        let again = validate(&renamed, &fields, &known()).expect("renamed");
        assert_eq!(again[0].id, fields[0].id);
        renamed.fields[0].kind = "number".into();
        assert!(validate(&renamed, &fields, &known()).is_err());
    }

    #[test]
    fn templates_are_valid() {
        let mut known = known();
        known.extend(TEMPLATES.iter().map(|t| t.slug.to_owned()));
        for template in TEMPLATES {
            validate(&template.input(), &[], &known).unwrap_or_else(|e| panic!("{}: {e}", template.key));
        }
    }
}
