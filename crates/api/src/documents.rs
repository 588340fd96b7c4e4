//! `/organizations/{org}/documents`: an organization's documents (Markdown),
//! with their revisions.

use std::sync::Arc;

use cairn_app::{App, OrganizationId, Place, RecordId};
use cairn_assets::documents::{Document, Revision};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use crate::ApiTags;
use crate::auth::ApiKey;
use crate::list::{Meta, Paging};
use crate::problem::ApiError;
use crate::text::{Text, text};

/// A document.
#[derive(Debug, Clone, Object)]
pub struct DocumentOut {
    /// Its id.
    pub id: String,
    /// Its organization.
    pub organization_id: Option<String>,
    /// Its title.
    pub title: String,
    /// Its text (Markdown).
    pub body: String,
    /// Its current revision, from 1.
    pub revision: i32,
    /// Last change (UTC).
    pub updated_at: chrono::NaiveDateTime,
    /// Who changed it last.
    pub updated_by: Option<String>,
    /// The folder it is filed under (`Anleitungen/Netzwerk`; empty for none).
    pub folder: String,
}

impl From<Document> for DocumentOut {
    fn from(d: Document) -> Self {
        DocumentOut {
            id: d.id,
            organization_id: d.organization_id,
            title: d.title,
            body: d.body,
            revision: d.revision,
            updated_at: d.updated_at,
            updated_by: d.updated_by,
            folder: d.folder,
        }
    }
}

/// A page of documents.
#[derive(Debug, Clone, Object)]
pub struct DocumentList {
    /// The documents of this page, by title.
    pub data: Vec<DocumentOut>,
    /// Paging.
    pub meta: Meta,
}

/// A revision of a document.
#[derive(Debug, Clone, Object)]
pub struct RevisionOut {
    /// Its number.
    pub revision: i32,
    /// The title then.
    pub title: String,
    /// The text then.
    pub body: String,
    /// Who wrote it.
    pub author: String,
    /// When (UTC).
    pub created_at: chrono::NaiveDateTime,
}

impl From<Revision> for RevisionOut {
    fn from(r: Revision) -> Self {
        RevisionOut { revision: r.revision, title: r.title, body: r.body, author: r.author, created_at: r.created_at }
    }
}

/// A new document.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct DocumentCreate {
    /// Its title: 1 to 200 characters, one line.
    #[oai(validator(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$"
    ))]
    pub title: Text,
    /// Its text (Markdown).
    #[oai(validator(max_length = 200000, pattern = "^[^\\u0000]*$"))]
    pub body: Option<Text>,
}

/// Changes to a document: a new revision; only the fields given change.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct DocumentPatch {
    /// Its title: 1 to 200 characters, one line.
    #[oai(validator(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$"
    ))]
    pub title: Option<Text>,
    /// Its text (Markdown).
    #[oai(validator(max_length = 200000, pattern = "^[^\\u0000]*$"))]
    pub body: Option<Text>,
}

/// Answer of a create.
#[derive(ApiResponse)]
pub enum Created {
    /// Created (revision 1).
    #[oai(status = 201)]
    Created(Json<DocumentOut>),
}

/// Answer of an archive.
#[derive(ApiResponse)]
pub enum Archived {
    /// Archived.
    #[oai(status = 204)]
    Archived,
}

fn place(org: String) -> Place {
    Place::Organization(OrganizationId::new(org))
}

/// The documents operations.
pub struct DocumentsApi;

#[OpenApi(tag = "ApiTags::Documents")]
impl DocumentsApi {
    /// List documents
    #[oai(path = "/organizations/:org/documents", method = "get", operation_id = "listDocuments")]
    async fn list(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// Page, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u32>>,
        /// Rows per page (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        per_page: Query<Option<u32>>,
        /// Text the title or the text contains.
        q: Query<Option<String>>,
    ) -> Result<Json<DocumentList>, ApiError> {
        let paging = Paging::new(page.0, per_page.0)?;
        let mut documents = app.documents(&caller, &place(org.0)).await?.documents;
        if let Some(needle) = q.0.as_deref().map(str::to_lowercase).filter(|n| !n.is_empty()) {
            documents.retain(|d| d.title.to_lowercase().contains(&needle) || d.body.to_lowercase().contains(&needle));
        }
        let (data, meta) = paging.slice(documents);
        Ok(Json(DocumentList { data: data.into_iter().map(DocumentOut::from).collect(), meta }))
    }

    /// Create a document
    #[oai(path = "/organizations/:org/documents", method = "post", operation_id = "createDocument")]
    async fn create(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        body: Json<DocumentCreate>,
    ) -> Result<Created, ApiError> {
        let body = body.0;
        let document =
            app.create_document(&caller, &place(org.0), body.title.0, text(body.body).unwrap_or_default()).await?;
        Ok(Created::Created(Json(document.into())))
    }

    /// Show a document
    #[oai(path = "/organizations/:org/documents/:id", method = "get", operation_id = "getDocument")]
    async fn get(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The document's id.
        id: Path<String>,
    ) -> Result<Json<DocumentOut>, ApiError> {
        let view = app.document(&caller, &place(org.0), &RecordId::new(id.0), None).await?;
        Ok(Json(view.document.into()))
    }

    /// List a document's revisions
    #[oai(path = "/organizations/:org/documents/:id/revisions", method = "get", operation_id = "listRevisions")]
    async fn revisions(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The document's id.
        id: Path<String>,
    ) -> Result<Json<Vec<RevisionOut>>, ApiError> {
        let view = app.document(&caller, &place(org.0), &RecordId::new(id.0), None).await?;
        Ok(Json(view.revisions.into_iter().map(RevisionOut::from).collect()))
    }

    /// Change a document
    ///
    /// Saves a new revision; the old ones stay.
    #[oai(path = "/organizations/:org/documents/:id", method = "patch", operation_id = "updateDocument")]
    async fn update(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The document's id.
        id: Path<String>,
        body: Json<DocumentPatch>,
    ) -> Result<Json<DocumentOut>, ApiError> {
        let (place, id) = (place(org.0), RecordId::new(id.0));
        let current = app.document_for_edit(&caller, &place, &id).await?;
        let body = body.0;
        let title = text(body.title).unwrap_or(current.title);
        let text_body = text(body.body).unwrap_or(current.body);
        app.update_document(&caller, &place, &id, title, text_body).await?;
        Ok(Json(app.document(&caller, &place, &id, None).await?.document.into()))
    }

    /// Archive a document
    #[oai(path = "/organizations/:org/documents/:id", method = "delete", operation_id = "archiveDocument")]
    async fn archive(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The document's id.
        id: Path<String>,
    ) -> Result<Archived, ApiError> {
        app.archive_document(&caller, &place(org.0), &RecordId::new(id.0)).await?;
        Ok(Archived::Archived)
    }
}
