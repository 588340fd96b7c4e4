//! Documents: an organization's guides and the tenant-wide guides, with
//! revisions and restore.

use cairn_assets::documents::{self, Document, Revision};
use cairn_assets::organizations;
use cairn_auth::policy::Action;
use cairn_store::{OrganizationId, RecordId};

use crate::organizations::{OrgView, authorized_view};
use crate::state::Tx;
use crate::{App, AppError, Caller};

/// Where documents live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// An organization's documents.
    Organization(OrganizationId),
    /// The tenant-wide guides.
    Guides,
}

impl Place {
    fn organization(&self) -> Option<&str> {
        match self {
            Place::Organization(id) => Some(id.as_str()),
            Place::Guides => None,
        }
    }
}

/// A list of documents.
#[derive(Debug)]
pub struct DocumentList {
    /// The organization's frame (for an organization's documents).
    pub org: Option<OrgView>,
    /// The documents, by title.
    pub documents: Vec<Document>,
    /// Whether the caller may write documents here.
    pub can_create: bool,
}

/// A document's page.
#[derive(Debug)]
pub struct DocumentView {
    /// The document as it stands.
    pub document: Document,
    /// Whether the caller may edit it.
    pub can_edit: bool,
    /// Its revisions, newest first.
    pub revisions: Vec<Revision>,
    /// An older revision asked for, if any.
    pub shown: Option<Revision>,
    /// The organization's name (for an organization's document).
    pub organization_name: Option<String>,
    /// Related items the caller may see (an organization's documents only).
    pub related: Vec<cairn_assets::relations::Related>,
    /// Its attachments.
    pub attachments: Vec<cairn_assets::attachments::Attachment>,
}

fn authorize(
    tx: &mut Tx<'_>,
    caller: &Caller,
    place: &Place,
    id: &RecordId,
    action: Action,
) -> Result<Document, AppError> {
    Ok(documents::authorize(tx.conn, caller.require_user()?, place.organization(), id.as_str(), action)?)
}

impl App {
    /// The documents of a place the caller may see.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label()))]
    pub async fn documents(&self, caller: &Caller, place: &Place) -> Result<DocumentList, AppError> {
        let (caller, place) = (caller.clone(), place.clone());
        self.read(&caller.tenant().id.clone(), move |tx| {
            let org = match place.organization() {
                Some(id) => Some(authorized_view(tx, &caller, id, Action::View)?),
                None => None,
            };
            let user = caller.require_user()?;
            Ok(DocumentList {
                documents: documents::list(tx.conn, user, place.organization())?,
                can_create: documents::can_write(tx.conn, user, place.organization())?,
                org,
            })
        })
        .await
    }

    /// A document, with its revisions, and an older revision if asked.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), document = %id))]
    pub async fn document(
        &self,
        caller: &Caller,
        place: &Place,
        id: &RecordId,
        revision: Option<i32>,
    ) -> Result<DocumentView, AppError> {
        let (caller, place, id) = (caller.clone(), place.clone(), id.clone());
        self.read(&caller.tenant().id.clone(), move |tx| {
            let document = authorize(tx, &caller, &place, &id, Action::View)?;
            let can_edit = authorize(tx, &caller, &place, &id, Action::Edit).is_ok();
            let user = caller.require_user()?;
            let revisions = documents::revisions(tx.conn, user, &document.id)?;
            let shown = match revision {
                Some(n) => Some(documents::revision_of(tx.conn, user, &document.id, n)?),
                None => None,
            };
            let (organization_name, related) = match place.organization() {
                Some(org) => {
                    let grant = organizations::grant_of(tx.conn, tx.tenant, org, &user.id)?;
                    let related = cairn_assets::relations::of(tx.conn, user, grant, &document.id)?;
                    (Some(organizations::get(tx.conn, tx.tenant, org)?.name), related)
                }
                None => (None, Vec::new()),
            };
            let attachments = cairn_assets::attachments::list(tx.conn, tx.tenant, &document.id)?;
            Ok(DocumentView { document, can_edit, revisions, shown, organization_name, related, attachments })
        })
        .await
    }

    /// Whether the caller may write documents here; `NotFound` if not (the form does not exist for them).
    pub async fn may_write_documents(&self, caller: &Caller, place: &Place) -> Result<(), AppError> {
        let (caller, place) = (caller.clone(), place.clone());
        self.read(&caller.tenant().id.clone(), move |tx| {
            if documents::can_write(tx.conn, caller.require_user()?, place.organization())? {
                Ok(())
            } else {
                Err(AppError::NotFound)
            }
        })
        .await
    }

    /// A document to edit.
    pub async fn document_for_edit(&self, caller: &Caller, place: &Place, id: &RecordId) -> Result<Document, AppError> {
        let (caller, place, id) = (caller.clone(), place.clone(), id.clone());
        self.read(&caller.tenant().id.clone(), move |tx| authorize(tx, &caller, &place, &id, Action::Edit)).await
    }

    /// Creates a document (Markdown).
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label()))]
    pub async fn create_document(
        &self,
        caller: &Caller,
        place: &Place,
        title: String,
        body: String,
    ) -> Result<Document, AppError> {
        let (caller, place) = (caller.clone(), place.clone());
        self.write(&caller.tenant().id.clone(), move |tx| {
            Ok(documents::create(tx.conn, caller.require_user()?, place.organization(), &title, &body)?)
        })
        .await
    }

    /// Saves a new revision of a document.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), document = %id))]
    pub async fn update_document(
        &self,
        caller: &Caller,
        place: &Place,
        id: &RecordId,
        title: String,
        body: String,
    ) -> Result<(), AppError> {
        let (caller, place, id) = (caller.clone(), place.clone(), id.clone());
        self.write(&caller.tenant().id.clone(), move |tx| {
            let document = authorize(tx, &caller, &place, &id, Action::Edit)?;
            Ok(documents::update(tx.conn, caller.require_user()?, &document, &title, &body)?)
        })
        .await
    }

    /// Archives a document.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), document = %id))]
    pub async fn archive_document(&self, caller: &Caller, place: &Place, id: &RecordId) -> Result<(), AppError> {
        let (caller, place, id) = (caller.clone(), place.clone(), id.clone());
        self.write(&caller.tenant().id.clone(), move |tx| {
            let document = authorize(tx, &caller, &place, &id, Action::Archive)?;
            Ok(documents::archive(tx.conn, caller.require_user()?, &document)?)
        })
        .await
    }

    /// Makes an old revision current again, as a new revision: history stays.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), document = %id))]
    pub async fn restore_document(
        &self,
        caller: &Caller,
        place: &Place,
        id: &RecordId,
        revision: i32,
    ) -> Result<(), AppError> {
        let (caller, place, id) = (caller.clone(), place.clone(), id.clone());
        self.write(&caller.tenant().id.clone(), move |tx| {
            let document = authorize(tx, &caller, &place, &id, Action::Edit)?;
            Ok(documents::restore(tx.conn, caller.require_user()?, &document, revision)?)
        })
        .await
    }
}
