//! Markdown guides with revisions: per organization, or tenant-wide for
//! every customer of the tenant (the seed's "more guides").

use cairn_auth::User;
use cairn_auth::policy::{Access, Action, Principal, Resource, Visibility, can};
use cairn_store::audit::{self, Actor, AuditAction, NewEvent};
use cairn_store::schema::{document_revisions, documents};
use cairn_store::{DbConn, TenantId, new_id};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::AssetError;
use crate::organizations::{self, actor, actor_label};

/// A document at its current revision.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = documents)]
pub struct Document {
    /// Its id.
    pub id: String,
    /// Its organization; `None` for a tenant-wide guide.
    pub organization_id: Option<String>,
    /// Title.
    pub title: String,
    /// Markdown.
    pub body: String,
    /// Current revision number (1, 2, …).
    pub revision: i32,
    /// Last change.
    pub updated_at: NaiveDateTime,
    /// Who changed it last.
    pub updated_by: Option<String>,
    /// The folder path it is filed under (`Anleitungen/Netzwerk`; `""` for none).
    pub folder: String,
}

/// One stored revision.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = document_revisions)]
pub struct Revision {
    /// Its number.
    pub revision: i32,
    /// Title then.
    pub title: String,
    /// Markdown then.
    pub body: String,
    /// Who wrote it.
    pub author: String,
    /// When.
    pub created_at: NaiveDateTime,
}

fn validate(title: &str, body: &str) -> Result<(), AssetError> {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 200 || title.chars().any(char::is_control) {
        return Err(AssetError::invalid("title", "1 to 200 characters"));
    }
    if body.chars().count() > 200_000 || body.contains('\0') {
        return Err(AssetError::invalid("body", "at most 200000 characters, no NUL"));
    }
    Ok(())
}

/// Tenant-wide guides are read by everyone of the tenant, as if granted.
fn resource(user: &User, conn: &mut DbConn, organization_id: Option<&str>) -> Result<Resource, AssetError> {
    let grant = match organization_id {
        Some(id) => organizations::authorize(conn, user, id, Action::View)?.1,
        None => Some(Access::Viewer),
    };
    Ok(Resource::Record { grant, visibility: Visibility::Everyone })
}

fn may_create(conn: &mut DbConn, user: &User, organization_id: Option<&str>) -> Result<bool, AssetError> {
    let principal = Principal { role: user.role };
    Ok(match organization_id {
        Some(id) => organizations::authorize(conn, user, id, Action::Create).is_ok(),
        None => can(&principal, Action::Create, &Resource::Tenant),
    })
}

fn add_revision(
    conn: &mut DbConn,
    user: &User,
    document_id: &str,
    revision: i32,
    title: &str,
    body: &str,
) -> Result<(), AssetError> {
    diesel::insert_into(document_revisions::table)
        .values((
            document_revisions::tenant_id.eq(user.tenant_id.as_str()),
            document_revisions::document_id.eq(document_id),
            document_revisions::revision.eq(revision),
            document_revisions::title.eq(title),
            document_revisions::body.eq(body),
            document_revisions::author_id.eq(&user.id),
            document_revisions::author.eq(user.full_name()),
            document_revisions::created_at.eq(cairn_store::now()),
        ))
        .execute(conn)?;
    Ok(())
}

fn event<'a>(document: &'a Document, action: AuditAction, user: &User) -> NewEvent<'a> {
    let mut event = NewEvent::new(actor(user), action)
        .target("document", &document.id)
        .details(serde_json::json!({ "title": document.title, "revision": document.revision }));
    event.organization_id = document.organization_id.as_deref();
    event
}

/// Creates a document (revision 1).
pub fn create(
    conn: &mut DbConn,
    user: &User,
    organization_id: Option<&str>,
    title: &str,
    body: &str,
) -> Result<Document, AssetError> {
    if !may_create(conn, user, organization_id)? {
        return Err(AssetError::NotFound);
    }
    insert(conn, &user.tenant_id, organization_id, title, body, Some(user))
}

/// Stores a new document; callers decide access first. `author` is `None`
/// when the platform itself writes (seeding).
pub fn insert(
    conn: &mut DbConn,
    tenant: &TenantId,
    organization_id: Option<&str>,
    title: &str,
    body: &str,
    author: Option<&User>,
) -> Result<Document, AssetError> {
    let new = NewDocument { id: &new_id(), organization_id, title, body, folder: "" };
    insert_new(conn, tenant, &new, author)
}

/// A document to store with its id chosen beforehand (so that its body can
/// already link its own attachments) and filed in a folder.
#[derive(Clone, Copy, Debug)]
pub struct NewDocument<'a> {
    /// Its id (from [`new_id`]).
    pub id: &'a str,
    /// Its organization; `None` for a tenant-wide guide.
    pub organization_id: Option<&'a str>,
    /// Title.
    pub title: &'a str,
    /// Markdown.
    pub body: &'a str,
    /// Folder path (`/`-separated; `""` for none).
    pub folder: &'a str,
}

/// Stores a new document as [`insert`] does, with the id and folder given.
pub fn insert_new(
    conn: &mut DbConn,
    tenant: &TenantId,
    new: &NewDocument<'_>,
    author: Option<&User>,
) -> Result<Document, AssetError> {
    let NewDocument { id, organization_id, title, body, folder } = *new;
    validate(title, body)?;
    if folder.chars().count() > 1_000 || folder.chars().any(char::is_control) {
        return Err(AssetError::invalid("folder", "at most 1000 characters, one line"));
    }
    let id = id.to_owned();
    let now = cairn_store::now();
    let by = author.map(actor).unwrap_or(Actor::System);
    diesel::insert_into(documents::table)
        .values((
            documents::tenant_id.eq(tenant.as_str()),
            documents::id.eq(&id),
            documents::organization_id.eq(organization_id),
            documents::title.eq(title.trim()),
            documents::body.eq(body),
            documents::revision.eq(1),
            documents::archived.eq(false),
            documents::created_at.eq(now),
            documents::updated_at.eq(now),
            documents::updated_by.eq(actor_label(&by)),
            documents::folder.eq(folder),
        ))
        .execute(conn)?;
    diesel::insert_into(document_revisions::table)
        .values((
            document_revisions::tenant_id.eq(tenant.as_str()),
            document_revisions::document_id.eq(&id),
            document_revisions::revision.eq(1),
            document_revisions::title.eq(title.trim()),
            document_revisions::body.eq(body),
            document_revisions::author_id.eq(author.map(|u| u.id.clone())),
            document_revisions::author.eq(author.map(User::full_name).unwrap_or_else(|| actor_label(&by))),
            document_revisions::created_at.eq(now),
        ))
        .execute(conn)?;
    let document: Document =
        documents::table.find((tenant.as_str(), id.as_str())).select(Document::as_select()).first(conn)?;
    let mut event = NewEvent::new(by, AuditAction::DocumentCreated)
        .target("document", &document.id)
        .details(serde_json::json!({ "title": document.title, "revision": 1 }));
    event.organization_id = document.organization_id.as_deref();
    audit::record(conn, tenant, &event)?;
    Ok(document)
}

fn load(conn: &mut DbConn, user: &User, id: &str) -> Result<Document, AssetError> {
    Ok(documents::table
        .find((user.tenant_id.as_str(), id))
        .filter(documents::archived.eq(false))
        .select(Document::as_select())
        .first(conn)?)
}

/// The document `id` of the organization (or tenant-wide when `None`) if
/// `user` may do `action`; anything else is `NotFound`.
pub fn authorize(
    conn: &mut DbConn,
    user: &User,
    organization_id: Option<&str>,
    id: &str,
    action: Action,
) -> Result<Document, AssetError> {
    let document = load(conn, user, id)?;
    if document.organization_id.as_deref() != organization_id {
        return Err(AssetError::NotFound);
    }
    let resource = resource(user, conn, organization_id)?;
    let principal = Principal { role: user.role };
    let allowed = match (organization_id, action) {
        // Tenant-wide guides are written by staff only.
        (None, Action::Edit | Action::Archive) => can(&principal, Action::Create, &Resource::Tenant),
        _ => can(&principal, Action::View, &resource) && can(&principal, action, &resource),
    };
    if allowed { Ok(document) } else { Err(AssetError::NotFound) }
}

/// Whether `user` may write documents here (for showing the "New" button).
pub fn can_write(conn: &mut DbConn, user: &User, organization_id: Option<&str>) -> Result<bool, AssetError> {
    may_create(conn, user, organization_id)
}

/// Saves a new revision.
pub fn update(conn: &mut DbConn, user: &User, document: &Document, title: &str, body: &str) -> Result<(), AssetError> {
    validate(title, body)?;
    let revision = document.revision + 1;
    diesel::update(documents::table.find((user.tenant_id.as_str(), document.id.as_str())))
        .set((
            documents::title.eq(title.trim()),
            documents::body.eq(body),
            documents::revision.eq(revision),
            documents::updated_at.eq(cairn_store::now()),
            documents::updated_by.eq(actor_label(&actor(user))),
        ))
        .execute(conn)?;
    add_revision(conn, user, &document.id, revision, title.trim(), body)?;
    let updated = load(conn, user, &document.id)?;
    audit::record(conn, &user.tenant_id, &event(&updated, AuditAction::DocumentUpdated, user))?;
    Ok(())
}

/// Makes an old revision current again (as a new revision: history stays).
pub fn restore(conn: &mut DbConn, user: &User, document: &Document, revision: i32) -> Result<(), AssetError> {
    let old = revision_of(conn, user, &document.id, revision)?;
    update(conn, user, document, &old.title, &old.body)?;
    let restored = load(conn, user, &document.id)?;
    let event =
        event(&restored, AuditAction::DocumentRestored, user).details(serde_json::json!({ "from_revision": revision }));
    audit::record(conn, &user.tenant_id, &event)?;
    Ok(())
}

/// Archives a document.
pub fn archive(conn: &mut DbConn, user: &User, document: &Document) -> Result<(), AssetError> {
    diesel::update(documents::table.find((user.tenant_id.as_str(), document.id.as_str())))
        .set(documents::archived.eq(true))
        .execute(conn)?;
    audit::record(conn, &user.tenant_id, &event(document, AuditAction::DocumentArchived, user))?;
    Ok(())
}

/// The documents of an organization (or the tenant-wide guides), by title.
pub fn list(conn: &mut DbConn, user: &User, organization_id: Option<&str>) -> Result<Vec<Document>, AssetError> {
    let mut query = documents::table
        .filter(documents::tenant_id.eq(user.tenant_id.as_str()))
        .filter(documents::archived.eq(false))
        .order(documents::title)
        .select(Document::as_select())
        .into_boxed();
    query = match organization_id {
        Some(id) => {
            organizations::authorize(conn, user, id, Action::View)?;
            query.filter(documents::organization_id.eq(id.to_owned()))
        }
        None => query.filter(documents::organization_id.is_null()),
    };
    Ok(query.load(conn)?)
}

/// Every revision of a document, newest first.
pub fn revisions(conn: &mut DbConn, user: &User, document_id: &str) -> Result<Vec<Revision>, AssetError> {
    Ok(document_revisions::table
        .filter(document_revisions::tenant_id.eq(user.tenant_id.as_str()))
        .filter(document_revisions::document_id.eq(document_id))
        .order(document_revisions::revision.desc())
        .select(Revision::as_select())
        .load(conn)?)
}

/// One revision.
pub fn revision_of(conn: &mut DbConn, user: &User, document_id: &str, revision: i32) -> Result<Revision, AssetError> {
    Ok(document_revisions::table
        .find((user.tenant_id.as_str(), document_id, revision))
        .select(Revision::as_select())
        .first(conn)?)
}

/// Markdown to HTML that is safe to show: rendered by pulldown-cmark, then
/// cleaned by ammonia (no script, no event handlers, safe links only).
pub fn render(markdown: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    let mut unsafe_html = String::new();
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer"))
        .attribute_filter(|element, attribute, value| {
            // A picture loads as soon as the page is read, in the reader's
            // name: from this site it may only be an attachment, never a
            // page or an action.
            if element == "img" && attribute == "src" && !is_image_source(value) {
                return None;
            }
            Some(value.into())
        })
        .clean(&unsafe_html)
        .to_string()
}

/// Whether a Markdown image may load from `url`: another site, or an
/// attachment download of this one (`…/attachments/{id}`).
fn is_image_source(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("//") {
        return true;
    }
    let path = lower.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').collect();
    (path.starts_with("/organizations/") || path.starts_with("/guides/"))
        && !lower.contains('?')
        && segments.len() >= 4
        && segments[segments.len() - 2] == "attachments"
        && !segments.iter().any(|s| *s == ".." || *s == "." || s.contains('%'))
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn markdown_is_rendered_and_sanitized() {
        let html = render(
            "# Drucker\n\n**Wichtig**: <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
        );
        assert!(html.contains("<h1>Drucker</h1>"));
        assert!(html.contains("<strong>Wichtig</strong>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
        assert!(!html.contains("onerror"));
    }

    #[test]
    fn images_from_this_site_are_only_attachments() {
        let html = render(
            "![a](/organizations/o/documents/d/attachments/x) ![b](/organizations/o/wireless/w/qr.png) \
             ![c](https://example.com/p.png) ![d](/guides/g/attachments/y) ![e](/organizations/o/passwords/p/reveal) \
             ![f](/organizations/o/documents/d/attachments/../../passwords/p/attachments/z)",
        );
        assert!(html.contains("src=\"/organizations/o/documents/d/attachments/x\""), "{html}");
        assert!(html.contains("src=\"https://example.com/p.png\""), "{html}");
        assert!(html.contains("src=\"/guides/g/attachments/y\""), "{html}");
        assert!(!html.contains("qr.png") && !html.contains("reveal") && !html.contains(".."), "{html}");
    }
}
