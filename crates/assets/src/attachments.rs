//! Attachments: files on a record or document (and in an asset's upload
//! fields). Only their descriptions live here; the bytes are in the object
//! store under [`object_key`], written and removed by the application
//! around these rows.

use cairn_store::audit::{self, Actor, AuditAction, NewEvent};
use cairn_store::schema::attachments;
use cairn_store::{DbConn, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::AssetError;
use crate::organizations::actor_label;
use crate::relations::{Item, ItemKind};

/// The longest file name kept.
const MAX_NAME: usize = 200;

/// A file attached to a record or document.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = attachments)]
pub struct Attachment {
    /// Its id.
    pub id: String,
    /// The organization of its owner (`None` for a tenant-wide guide's).
    pub organization_id: Option<String>,
    /// The record or document it belongs to.
    pub owner_id: String,
    /// `record` or `document`.
    pub owner_kind: String,
    /// The asset's upload field it is in, or "".
    pub field_id: String,
    /// The name it was uploaded with, made safe.
    pub file_name: String,
    /// Its type, as sniffed from the content.
    pub content_type: String,
    /// Its size in bytes.
    pub size: i64,
    /// SHA-256 of its content, hex.
    pub sha256: String,
    /// Where the bytes are in the object store.
    pub object_key: String,
    /// When it was added.
    pub created_at: NaiveDateTime,
    /// Who added it.
    pub created_by: Option<String>,
}

/// Where an attachment's bytes live: every object of a tenant is below
/// `tenants/<id>/`, so a tenant's deletion removes them all by prefix.
pub fn object_key(tenant: &TenantId, attachment_id: &str) -> String {
    format!("{}attachments/{attachment_id}", tenant_prefix(tenant))
}

/// The prefix of every object of a tenant.
pub fn tenant_prefix(tenant: &TenantId) -> String {
    format!("tenants/{}/", tenant.as_str())
}

/// A file name as given by a browser or client, made safe to keep and to
/// send back: no path, no control characters, no leading dots, at most 200
/// characters (the extension kept); "file" when nothing is left.
pub fn sanitize_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String =
        base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':')).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_owned();
    if cleaned.is_empty() {
        return "file".to_owned();
    }
    if cleaned.chars().count() <= MAX_NAME {
        return cleaned;
    }
    let extension: String = match cleaned.rsplit_once('.') {
        Some((_, ext)) if ext.chars().count() <= 16 => format!(".{ext}"),
        _ => String::new(),
    };
    let stem: String = cleaned.chars().take(MAX_NAME - extension.chars().count()).collect();
    format!("{stem}{extension}")
}

/// What is known of a new attachment once its bytes are stored.
#[derive(Clone, Debug)]
pub struct NewAttachment<'a> {
    /// Its id (also in its object key).
    pub id: &'a str,
    /// The owner's organization.
    pub organization_id: Option<&'a str>,
    /// The record or document.
    pub owner: &'a Item,
    /// The upload field, or "".
    pub field_id: &'a str,
    /// The safe file name.
    pub file_name: &'a str,
    /// The sniffed type.
    pub content_type: &'a str,
    /// Bytes.
    pub size: i64,
    /// SHA-256, hex.
    pub sha256: &'a str,
    /// Where the bytes are.
    pub object_key: &'a str,
}

fn event<'a>(by: Actor, action: AuditAction, attachment: &'a Attachment) -> NewEvent<'a> {
    let mut event = NewEvent::new(by, action).target(&attachment.owner_kind, &attachment.owner_id).details(
        serde_json::json!({ "attachment": attachment.id, "file_name": attachment.file_name, "size": attachment.size }),
    );
    event.organization_id = attachment.organization_id.as_deref();
    event
}

/// Records an attachment whose bytes were stored; the caller authorized the owner.
pub fn add(conn: &mut DbConn, tenant: &TenantId, new: &NewAttachment<'_>, by: Actor) -> Result<Attachment, AssetError> {
    diesel::insert_into(attachments::table)
        .values((
            attachments::tenant_id.eq(tenant.as_str()),
            attachments::id.eq(new.id),
            attachments::organization_id.eq(new.organization_id),
            attachments::owner_id.eq(&new.owner.id),
            attachments::owner_kind.eq(new.owner.kind.as_str()),
            attachments::field_id.eq(new.field_id),
            attachments::file_name.eq(new.file_name),
            attachments::content_type.eq(new.content_type),
            attachments::size.eq(new.size),
            attachments::sha256.eq(new.sha256),
            attachments::object_key.eq(new.object_key),
            attachments::created_at.eq(cairn_store::now()),
            attachments::created_by.eq(actor_label(&by)),
        ))
        .execute(conn)?;
    let attachment = get(conn, tenant, &new.owner.id, new.id)?;
    audit::record(conn, tenant, &event(by, AuditAction::AttachmentAdded, &attachment))?;
    Ok(attachment)
}

/// The attachments of an item, oldest first.
pub fn list(conn: &mut DbConn, tenant: &TenantId, owner_id: &str) -> Result<Vec<Attachment>, AssetError> {
    // Every record page lists them: on the engine's own connection.
    Ok(cairn_store::on_engine!(conn, |c| attachments::table
        .filter(attachments::tenant_id.eq(tenant.as_str()))
        .filter(attachments::owner_id.eq(owner_id))
        .order(attachments::id)
        .select(Attachment::as_select())
        .load(c))?)
}

/// One attachment of an item.
pub fn get(conn: &mut DbConn, tenant: &TenantId, owner_id: &str, id: &str) -> Result<Attachment, AssetError> {
    attachments::table
        .filter(attachments::tenant_id.eq(tenant.as_str()))
        .filter(attachments::owner_id.eq(owner_id))
        .filter(attachments::id.eq(id))
        .select(Attachment::as_select())
        .first(conn)
        .optional()?
        .ok_or(AssetError::NotFound)
}

/// Notes a download in the audit log (attachments may hold keys and certificates).
pub fn downloaded(
    conn: &mut DbConn,
    tenant: &TenantId,
    attachment: &Attachment,
    by: Actor,
    ip: Option<&str>,
) -> Result<(), AssetError> {
    let mut event = event(by, AuditAction::AttachmentDownloaded, attachment);
    event.ip = ip;
    audit::record(conn, tenant, &event)?;
    Ok(())
}

/// Removes an attachment's row; the caller removes its bytes after the commit.
pub fn remove(conn: &mut DbConn, tenant: &TenantId, attachment: &Attachment, by: Actor) -> Result<(), AssetError> {
    diesel::delete(attachments::table.find((tenant.as_str(), attachment.id.as_str()))).execute(conn)?;
    audit::record(conn, tenant, &event(by, AuditAction::AttachmentRemoved, attachment))?;
    Ok(())
}

/// The owner of an attachment as an item.
pub fn owner_of(attachment: &Attachment) -> Item {
    let kind = if attachment.owner_kind == "document" { ItemKind::Document } else { ItemKind::Record };
    Item { id: attachment.owner_id.clone(), kind }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(sanitize_file_name("cert.pem"), "cert.pem");
        assert_eq!(sanitize_file_name("C:\\Users\\max\\Zertifikat Müller 🔒.pem"), "Zertifikat Müller 🔒.pem");
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_file_name(".htaccess"), "htaccess");
        assert_eq!(sanitize_file_name("a\r\nContent-Type: x\".txt"), "aContent-Type x.txt");
        assert_eq!(sanitize_file_name("..."), "file");
        let long = format!("{}.pdf", "x".repeat(400));
        let safe = sanitize_file_name(&long);
        assert_eq!(safe.chars().count(), 200);
        assert!(safe.ends_with(".pdf"));
    }
}
