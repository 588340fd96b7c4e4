//! Related items and attachments of every record and document:
//! `/organizations/{org}/{section}/{id}/related|attachments` for the
//! built-in sections and documents, and the same below
//! `/organizations/{org}/assets/{type}/{id}`.

use std::sync::Arc;

use cairn_app::{App, Caller, ItemRef, OrganizationId, Place, RecordId, RecordSection};
use cairn_assets::Kind;
use cairn_assets::attachments::Attachment;
use cairn_assets::relations::Related;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::{Attachment as FilePayload, AttachmentType, Json};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiResponse, Enum, Multipart, Object, OpenApi};

use crate::ApiTags;
use crate::auth::ApiKey;
use crate::problem::ApiError;
use crate::text::{Text, text};

mod assets;

pub use assets::AssetItemsApi;

/// The built-in sections and documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum SectionIn {
    /// Configurations.
    Configurations,
    /// Contacts.
    Contacts,
    /// Passwords.
    Passwords,
    /// Wi-Fi networks.
    Wireless,
    /// VPNs.
    Vpns,
    /// Documents.
    Documents,
}

fn item(org: String, section: SectionIn, id: String) -> ItemRef {
    let (organization, id) = (OrganizationId::new(org), RecordId::new(id));
    let kind = match section {
        SectionIn::Configurations => Kind::Configuration,
        SectionIn::Contacts => Kind::Contact,
        SectionIn::Passwords => Kind::Password,
        SectionIn::Wireless => Kind::Wireless,
        SectionIn::Vpns => Kind::Vpn,
        SectionIn::Documents => return ItemRef::Document { place: Place::Organization(organization), id },
    };
    ItemRef::Record { organization, section: RecordSection::Builtin(kind), id }
}

fn asset(org: String, asset_type: String, id: String) -> ItemRef {
    ItemRef::Record {
        organization: OrganizationId::new(org),
        section: RecordSection::Asset(asset_type),
        id: RecordId::new(id),
    }
}

/// A related item.
#[derive(Debug, Clone, Object)]
pub struct RelatedOut {
    /// Its id.
    pub id: String,
    /// What it is: a built-in kind (`configuration`, …), `asset` or `document`.
    pub kind: String,
    /// For an asset: its type's slug.
    pub asset_type: Option<String>,
    /// Its name or title.
    pub name: String,
    /// Whether it is archived.
    pub archived: bool,
    /// The relation's note.
    pub note: String,
    /// For a tag field's link: the field's id ("" for a plain relation).
    pub field_id: String,
}

impl From<Related> for RelatedOut {
    fn from(r: Related) -> Self {
        RelatedOut {
            id: r.id,
            kind: r.kind.map_or("document", Kind::as_str).to_owned(),
            asset_type: r.asset_type.map(|(slug, _)| slug),
            name: r.name,
            archived: r.archived,
            note: r.note,
            field_id: r.field_id,
        }
    }
}

/// A relation to make.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct RelateIn {
    /// The other item's id (a record or document of the same organization).
    #[oai(validator(min_length = 1, max_length = 64))]
    pub target: Text,
    /// A note on the relation.
    #[oai(validator(max_length = 500))]
    pub note: Option<Text>,
}

/// An attachment.
#[derive(Debug, Clone, Object)]
pub struct AttachmentOut {
    /// Its id.
    pub id: String,
    /// Its file name (made safe).
    pub file_name: String,
    /// The type sniffed from its content.
    pub content_type: String,
    /// Its size in bytes.
    pub size: i64,
    /// The SHA-256 of its content, hex.
    pub sha256: String,
    /// For an asset's upload field: the field's id.
    pub field_id: String,
    /// When it was attached (UTC).
    pub created_at: chrono::NaiveDateTime,
    /// Who attached it.
    pub created_by: Option<String>,
}

impl From<Attachment> for AttachmentOut {
    fn from(a: Attachment) -> Self {
        AttachmentOut {
            id: a.id,
            file_name: a.file_name,
            content_type: a.content_type,
            size: a.size,
            sha256: a.sha256,
            field_id: a.field_id,
            created_at: a.created_at,
            created_by: a.created_by,
        }
    }
}

/// An upload.
#[derive(Debug, Multipart)]
pub struct UploadIn {
    /// The file.
    pub file: Upload,
    /// For an asset: the upload field's id.
    #[oai(rename = "field")]
    pub upload_field: Option<String>,
}

/// Answer of a relate.
#[derive(ApiResponse)]
pub enum RelatedCreated {
    /// Related; the item's relations now.
    #[oai(status = 201)]
    Created(Json<Vec<RelatedOut>>),
}

/// Answer of an upload.
#[derive(ApiResponse)]
pub enum AttachmentCreated {
    /// Attached.
    #[oai(status = 201)]
    Created(Json<AttachmentOut>),
}

/// Answer of a removal.
#[derive(ApiResponse)]
pub enum Removed {
    /// Removed.
    #[oai(status = 204)]
    Removed,
}

async fn related(app: &App, caller: &Caller, item: ItemRef) -> Result<Json<Vec<RelatedOut>>, ApiError> {
    Ok(Json(app.related(caller, &item).await?.into_iter().map(RelatedOut::from).collect()))
}

async fn relate(app: &App, caller: &Caller, item: ItemRef, body: RelateIn) -> Result<RelatedCreated, ApiError> {
    app.relate(caller, &item, &body.target.0, &text(body.note).unwrap_or_default()).await?;
    Ok(RelatedCreated::Created(related(app, caller, item).await?))
}

async fn unrelate(app: &App, caller: &Caller, item: ItemRef, target: &str) -> Result<Removed, ApiError> {
    app.unrelate(caller, &item, target).await?;
    Ok(Removed::Removed)
}

async fn attachments(app: &App, caller: &Caller, item: ItemRef) -> Result<Json<Vec<AttachmentOut>>, ApiError> {
    Ok(Json(app.attachments(caller, &item).await?.into_iter().map(AttachmentOut::from).collect()))
}

async fn attach(app: &App, caller: &Caller, item: ItemRef, upload: UploadIn) -> Result<AttachmentCreated, ApiError> {
    if upload.file.size() > app.max_attachment_bytes() {
        return Err(ApiError::invalid("file", "too large"));
    }
    let name = upload.file.file_name().unwrap_or("file").to_owned();
    let bytes = upload.file.into_vec().await.map_err(|_| ApiError::invalid("file", "the upload could not be read"))?;
    let attached = app.attach(caller, &item, &upload.upload_field.unwrap_or_default(), &name, bytes.into()).await?;
    Ok(AttachmentCreated::Created(Json(attached.into())))
}

/// Answer of a download: always an attachment, never rendered.
#[derive(ApiResponse)]
pub enum Downloaded {
    /// The file.
    #[oai(status = 200)]
    File(
        FilePayload<Vec<u8>>,
        /// Never sniffed by the browser.
        #[oai(header = "X-Content-Type-Options")]
        String,
    ),
}

async fn download(app: &App, caller: &Caller, item: ItemRef, id: &str) -> Result<Downloaded, ApiError> {
    let download = app.download(caller, &item, id).await?;
    let file = FilePayload::new(download.bytes.to_vec())
        .attachment_type(AttachmentType::Attachment)
        .filename(download.attachment.file_name);
    Ok(Downloaded::File(file, "nosniff".into()))
}

async fn remove(app: &App, caller: &Caller, item: ItemRef, id: &str) -> Result<Removed, ApiError> {
    app.remove_attachment(caller, &item, id).await?;
    Ok(Removed::Removed)
}

/// Related items and attachments.
pub struct ItemsApi;

#[OpenApi(tag = "ApiTags::Related")]
impl ItemsApi {
    /// List related items
    ///
    /// Both directions; only items the key may see; archived ones marked.
    #[oai(path = "/organizations/:org/:section/:id/related", method = "get", operation_id = "listRelated")]
    async fn related(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The section.
        section: Path<SectionIn>,
        /// The item's id.
        id: Path<String>,
    ) -> Result<Json<Vec<RelatedOut>>, ApiError> {
        related(&app, &caller, item(org.0, section.0, id.0)).await
    }

    /// Relate to another item
    #[oai(path = "/organizations/:org/:section/:id/related", method = "post", operation_id = "addRelated")]
    async fn relate(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The section.
        section: Path<SectionIn>,
        /// The item's id.
        id: Path<String>,
        body: Json<RelateIn>,
    ) -> Result<RelatedCreated, ApiError> {
        relate(&app, &caller, item(org.0, section.0, id.0), body.0).await
    }

    /// Remove a relation
    #[oai(path = "/organizations/:org/:section/:id/related/:target", method = "delete", operation_id = "removeRelated")]
    async fn unrelate(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The section.
        section: Path<SectionIn>,
        /// The item's id.
        id: Path<String>,
        /// The other item's id.
        target: Path<String>,
    ) -> Result<Removed, ApiError> {
        unrelate(&app, &caller, item(org.0, section.0, id.0), &target.0).await
    }

    /// List attachments
    #[oai(path = "/organizations/:org/:section/:id/attachments", method = "get", operation_id = "listAttachments")]
    async fn attachments(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The section.
        section: Path<SectionIn>,
        /// The item's id.
        id: Path<String>,
    ) -> Result<Json<Vec<AttachmentOut>>, ApiError> {
        attachments(&app, &caller, item(org.0, section.0, id.0)).await
    }

    /// Attach a file
    ///
    /// Multipart with the part `file`; the size limit is the server's `attachments.max_bytes`.
    #[oai(path = "/organizations/:org/:section/:id/attachments", method = "post", operation_id = "addAttachment")]
    async fn attach(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The section.
        section: Path<SectionIn>,
        /// The item's id.
        id: Path<String>,
        upload: UploadIn,
    ) -> Result<AttachmentCreated, ApiError> {
        attach(&app, &caller, item(org.0, section.0, id.0), upload).await
    }

    /// Download an attachment
    #[oai(
        path = "/organizations/:org/:section/:id/attachments/:attachment",
        method = "get",
        operation_id = "getAttachment"
    )]
    async fn download(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The section.
        section: Path<SectionIn>,
        /// The item's id.
        id: Path<String>,
        /// The attachment's id.
        attachment: Path<String>,
    ) -> Result<Downloaded, ApiError> {
        download(&app, &caller, item(org.0, section.0, id.0), &attachment.0).await
    }

    /// Remove an attachment
    #[oai(
        path = "/organizations/:org/:section/:id/attachments/:attachment",
        method = "delete",
        operation_id = "removeAttachment"
    )]
    async fn remove(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The section.
        section: Path<SectionIn>,
        /// The item's id.
        id: Path<String>,
        /// The attachment's id.
        attachment: Path<String>,
    ) -> Result<Removed, ApiError> {
        remove(&app, &caller, item(org.0, section.0, id.0), &attachment.0).await
    }
}
