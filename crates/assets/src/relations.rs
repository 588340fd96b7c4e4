//! Related items: any record or document of an organization relates to any
//! other of the same organization, with an optional note. A relation is
//! stored once and listed from both ends. The links of an asset's tag
//! fields are relations too, marked with the field's id.

use std::collections::{BTreeMap, HashMap};

use cairn_auth::User;
use cairn_auth::policy::{Access, Action, Principal, Resource, Visibility, can};
use cairn_store::audit::{self, Actor, AuditAction, NewEvent};
use cairn_store::schema::{documents, records, relations};
use cairn_store::{DbConn, TenantId, new_id};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::organizations::actor_label;
use crate::{AssetError, Kind};

/// What an item of an organization is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ItemKind {
    /// A record (of a built-in kind or an asset type).
    Record,
    /// A document.
    Document,
}

impl ItemKind {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Record => "record",
            ItemKind::Document => "document",
        }
    }

    fn parse(text: &str) -> ItemKind {
        if text == "document" { ItemKind::Document } else { ItemKind::Record }
    }
}

/// One end of a relation: an item of an organization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// Its id.
    pub id: String,
    /// What it is.
    pub kind: ItemKind,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = relations)]
struct RelationRow {
    id: String,
    source_id: String,
    source_kind: String,
    target_id: String,
    target_kind: String,
    field_id: String,
    note: String,
    created_at: NaiveDateTime,
    created_by: Option<String>,
}

/// The other end of a relation, as a detail page lists it.
#[derive(Clone, Debug)]
pub struct Related {
    /// The relation's id.
    pub relation_id: String,
    /// The other item's id.
    pub id: String,
    /// A record's kind, or `None` for a document.
    pub kind: Option<Kind>,
    /// For an asset: its type's slug and name.
    pub asset_type: Option<(String, String)>,
    /// Its name or title.
    pub name: String,
    /// Whether it was archived (shown as such, never as a broken link).
    pub archived: bool,
    /// The note on the relation.
    pub note: String,
    /// The tag field of the source that holds the link, if any ("" for a plain relation).
    pub field_id: String,
    /// Whether the item shown is the relation's source (the link points here).
    pub incoming: bool,
    /// When it was made.
    pub created_at: NaiveDateTime,
    /// Who made it.
    pub created_by: Option<String>,
}

/// Longest note on a relation.
const MAX_NOTE: usize = 500;

/// Relates two items of one organization; the caller authorized both. A
/// second plain relation between the same two items (either way) is a
/// conflict; an item never relates to itself.
#[allow(clippy::too_many_arguments)]
pub fn add(
    conn: &mut DbConn,
    tenant: &TenantId,
    organization_id: &str,
    source: &Item,
    target: &Item,
    note: &str,
    by: Actor,
) -> Result<String, AssetError> {
    let note = note.trim();
    if note.chars().count() > MAX_NOTE || note.chars().any(char::is_control) {
        return Err(AssetError::invalid("note", "at most 500 characters, one line"));
    }
    if source.id == target.id {
        return Err(AssetError::invalid("target", "an item cannot relate to itself"));
    }
    let existing: i64 = relations::table
        .filter(relations::tenant_id.eq(tenant.as_str()))
        .filter(relations::field_id.eq(""))
        // Either way round; written with IN (not OR) so that the index on
        // the source serves it: an item never relates to itself, so no other
        // pair matches.
        .filter(relations::source_id.eq_any([&source.id, &target.id]))
        .filter(relations::target_id.eq_any([&source.id, &target.id]))
        .count()
        .get_result(conn)?;
    if existing > 0 {
        return Err(AssetError::Taken("target"));
    }
    let id = insert(conn, tenant, organization_id, source, target, "", note, &by)?;
    let mut event = NewEvent::new(by, AuditAction::RelationAdded)
        .target(source.kind.as_str(), &source.id)
        .details(serde_json::json!({ "related": target.id, "note": note }));
    event.organization_id = Some(organization_id);
    audit::record(conn, tenant, &event)?;
    Ok(id)
}

#[allow(clippy::too_many_arguments)]
fn insert(
    conn: &mut DbConn,
    tenant: &TenantId,
    organization_id: &str,
    source: &Item,
    target: &Item,
    field_id: &str,
    note: &str,
    by: &Actor,
) -> Result<String, AssetError> {
    let id = new_id();
    diesel::insert_into(relations::table)
        .values((
            relations::tenant_id.eq(tenant.as_str()),
            relations::id.eq(&id),
            relations::organization_id.eq(organization_id),
            relations::source_id.eq(&source.id),
            relations::source_kind.eq(source.kind.as_str()),
            relations::target_id.eq(&target.id),
            relations::target_kind.eq(target.kind.as_str()),
            relations::field_id.eq(field_id),
            relations::note.eq(note),
            relations::created_at.eq(cairn_store::now()),
            relations::created_by.eq(actor_label(by)),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Removes the plain relation between `item` and `other` (whichever way it
/// was made); `NotFound` if there is none. Tag links change with their field.
pub fn remove(
    conn: &mut DbConn,
    tenant: &TenantId,
    organization_id: &str,
    item: &Item,
    other: &str,
    by: Actor,
) -> Result<(), AssetError> {
    let removed = diesel::delete(
        relations::table
            .filter(relations::tenant_id.eq(tenant.as_str()))
            .filter(relations::organization_id.eq(organization_id))
            .filter(relations::field_id.eq(""))
            .filter(
                relations::source_id
                    .eq(&item.id)
                    .and(relations::target_id.eq(other))
                    .or(relations::source_id.eq(other).and(relations::target_id.eq(&item.id))),
            ),
    )
    .execute(conn)?;
    if removed == 0 {
        return Err(AssetError::NotFound);
    }
    let mut event = NewEvent::new(by, AuditAction::RelationRemoved)
        .target(item.kind.as_str(), &item.id)
        .details(serde_json::json!({ "related": other }));
    event.organization_id = Some(organization_id);
    audit::record(conn, tenant, &event)?;
    Ok(())
}

/// Replaces the links of a record's tag field with `targets` (record ids
/// the caller checked: same organization, allowed kinds).
pub fn set_tags(
    conn: &mut DbConn,
    tenant: &TenantId,
    organization_id: &str,
    source_id: &str,
    field_id: &str,
    targets: &[String],
    by: &Actor,
) -> Result<(), AssetError> {
    let current: Vec<String> = relations::table
        .filter(relations::tenant_id.eq(tenant.as_str()))
        .filter(relations::source_id.eq(source_id))
        .filter(relations::field_id.eq(field_id))
        .select(relations::target_id)
        .load(conn)?;
    let gone: Vec<&String> = current.iter().filter(|t| !targets.contains(t)).collect();
    if !gone.is_empty() {
        diesel::delete(
            relations::table
                .filter(relations::tenant_id.eq(tenant.as_str()))
                .filter(relations::source_id.eq(source_id))
                .filter(relations::field_id.eq(field_id))
                .filter(relations::target_id.eq_any(gone)),
        )
        .execute(conn)?;
    }
    let source = Item { id: source_id.to_owned(), kind: ItemKind::Record };
    for target in targets.iter().filter(|t| !current.contains(t)) {
        let target = Item { id: target.clone(), kind: ItemKind::Record };
        insert(conn, tenant, organization_id, &source, &target, field_id, "", by)?;
    }
    Ok(())
}

/// The tag links of records, by record id and field id, in the order made.
pub fn tags_of(
    conn: &mut DbConn,
    tenant: &TenantId,
    source_ids: &[&str],
) -> Result<HashMap<String, BTreeMap<String, Vec<String>>>, AssetError> {
    let rows: Vec<(String, String, String)> = relations::table
        .filter(relations::tenant_id.eq(tenant.as_str()))
        .filter(relations::source_id.eq_any(source_ids))
        .filter(relations::field_id.ne(""))
        .order(relations::id)
        .select((relations::source_id, relations::field_id, relations::target_id))
        .load(conn)?;
    let mut tags: HashMap<String, BTreeMap<String, Vec<String>>> = HashMap::new();
    for (source, field, target) in rows {
        tags.entry(source).or_default().entry(field).or_default().push(target);
    }
    Ok(tags)
}

/// Everything related to `item` that `user` may see, from both ends: a
/// customer sees a relation only when they may see the other end too.
/// `grant` is the user's grant on the organization.
pub fn of(conn: &mut DbConn, user: &User, grant: Option<Access>, item_id: &str) -> Result<Vec<Related>, AssetError> {
    let tenant = user.tenant_id.as_str();
    // Every record page asks: on the engine's own connection.
    let rows: Vec<RelationRow> = cairn_store::on_engine!(conn, |c| relations::table
        .filter(relations::tenant_id.eq(tenant))
        .filter(relations::source_id.eq(item_id).or(relations::target_id.eq(item_id)))
        .order(relations::id)
        .select(RelationRow::as_select())
        .load(c))?;
    // Most items relate to nothing: the statements below would each be a
    // round trip (and on PostgreSQL a planning of `= ANY`) for no row.
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ends: Vec<(String, ItemKind, &RelationRow, bool)> = rows
        .iter()
        .map(|r| {
            if r.source_id == item_id {
                (r.target_id.clone(), ItemKind::parse(&r.target_kind), r, false)
            } else {
                (r.source_id.clone(), ItemKind::parse(&r.source_kind), r, true)
            }
        })
        .collect();
    let record_ids: Vec<&str> =
        ends.iter().filter(|(_, k, _, _)| *k == ItemKind::Record).map(|(id, _, _, _)| id.as_str()).collect();
    let document_ids: Vec<&str> =
        ends.iter().filter(|(_, k, _, _)| *k == ItemKind::Document).map(|(id, _, _, _)| id.as_str()).collect();
    type RecordEnd = (String, String, String, String, bool, Option<String>);
    let (found_records, types): (HashMap<String, RecordEnd>, _) = if record_ids.is_empty() {
        Default::default()
    } else {
        let found = records::table
            .filter(records::tenant_id.eq(tenant))
            .filter(records::id.eq_any(&record_ids))
            .select((
                records::id,
                records::kind,
                records::name,
                records::visibility,
                records::archived,
                records::asset_type_id,
            ))
            .load::<RecordEnd>(conn)?
            .into_iter()
            .map(|r| (r.0.clone(), r))
            .collect();
        (found, crate::asset_types::labels(conn, &user.tenant_id)?)
    };
    let found_documents: HashMap<String, (String, bool)> = if document_ids.is_empty() {
        HashMap::new()
    } else {
        documents::table
            .filter(documents::tenant_id.eq(tenant))
            .filter(documents::id.eq_any(&document_ids))
            .select((documents::id, documents::title, documents::archived))
            .load::<(String, String, bool)>(conn)?
            .into_iter()
            .map(|(id, title, archived)| (id, (title, archived)))
            .collect()
    };
    let principal = Principal { role: user.role };
    let mut related = Vec::new();
    for (id, kind, row, incoming) in ends {
        let base = |name: String, kind: Option<Kind>, asset_type: Option<(String, String)>, archived: bool| Related {
            relation_id: row.id.clone(),
            id: id.clone(),
            kind,
            asset_type,
            name,
            archived,
            note: row.note.clone(),
            field_id: row.field_id.clone(),
            incoming,
            created_at: row.created_at,
            created_by: row.created_by.clone(),
        };
        match kind {
            ItemKind::Record => {
                let Some((_, kind, name, visibility, archived, type_id)) = found_records.get(&id) else { continue };
                let resource = Resource::Record { grant, visibility: Visibility::parse(visibility) };
                if !can(&principal, Action::View, &resource) {
                    continue;
                }
                let asset_type = type_id.as_ref().and_then(|t| types.get(t).cloned());
                related.push(base(name.clone(), Kind::parse(kind), asset_type, *archived));
            }
            ItemKind::Document => {
                let Some((title, archived)) = found_documents.get(&id) else { continue };
                related.push(base(title.clone(), None, None, *archived));
            }
        }
    }
    Ok(related)
}

/// Removes every relation of an item (when it is purged).
pub fn remove_all_of(conn: &mut DbConn, tenant: &TenantId, item_id: &str) -> Result<(), AssetError> {
    diesel::delete(
        relations::table
            .filter(relations::tenant_id.eq(tenant.as_str()))
            .filter(relations::source_id.eq(item_id).or(relations::target_id.eq(item_id))),
    )
    .execute(conn)?;
    Ok(())
}
