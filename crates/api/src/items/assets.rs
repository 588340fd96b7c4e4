//! Related items and attachments below `/organizations/{org}/assets/{type}/{id}`.

use std::sync::Arc;

use cairn_app::App;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;

use super::{
    AttachmentCreated, AttachmentOut, Downloaded, RelateIn, RelatedCreated, RelatedOut, Removed, UploadIn, asset,
    attach, attachments, download, relate, related, remove, unrelate,
};
use crate::ApiTags;
use crate::auth::ApiKey;
use crate::problem::ApiError;

/// Related items and attachments of assets.
pub struct AssetItemsApi;

#[OpenApi(tag = "ApiTags::Related")]
impl AssetItemsApi {
    /// List an asset's related items
    #[oai(
        path = "/organizations/:org/assets/:asset_type/:id/related",
        method = "get",
        operation_id = "listAssetRelated"
    )]
    async fn related(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The type's slug.
        asset_type: Path<String>,
        /// The asset's id.
        id: Path<String>,
    ) -> Result<Json<Vec<RelatedOut>>, ApiError> {
        related(&app, &caller, asset(org.0, asset_type.0, id.0)).await
    }

    /// Relate an asset to another item
    #[oai(
        path = "/organizations/:org/assets/:asset_type/:id/related",
        method = "post",
        operation_id = "addAssetRelated"
    )]
    async fn relate(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The type's slug.
        asset_type: Path<String>,
        /// The asset's id.
        id: Path<String>,
        body: Json<RelateIn>,
    ) -> Result<RelatedCreated, ApiError> {
        relate(&app, &caller, asset(org.0, asset_type.0, id.0), body.0).await
    }

    /// Remove an asset's relation
    #[oai(
        path = "/organizations/:org/assets/:asset_type/:id/related/:target",
        method = "delete",
        operation_id = "removeAssetRelated"
    )]
    async fn unrelate(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The type's slug.
        asset_type: Path<String>,
        /// The asset's id.
        id: Path<String>,
        /// The other item's id.
        target: Path<String>,
    ) -> Result<Removed, ApiError> {
        unrelate(&app, &caller, asset(org.0, asset_type.0, id.0), &target.0).await
    }

    /// List an asset's attachments
    #[oai(
        path = "/organizations/:org/assets/:asset_type/:id/attachments",
        method = "get",
        operation_id = "listAssetAttachments"
    )]
    async fn attachments(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The type's slug.
        asset_type: Path<String>,
        /// The asset's id.
        id: Path<String>,
    ) -> Result<Json<Vec<AttachmentOut>>, ApiError> {
        attachments(&app, &caller, asset(org.0, asset_type.0, id.0)).await
    }

    /// Attach a file to an asset
    ///
    /// Multipart with the part `file`, and `field` naming an upload field's id to file it there.
    #[oai(
        path = "/organizations/:org/assets/:asset_type/:id/attachments",
        method = "post",
        operation_id = "addAssetAttachment"
    )]
    async fn attach(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The type's slug.
        asset_type: Path<String>,
        /// The asset's id.
        id: Path<String>,
        upload: UploadIn,
    ) -> Result<AttachmentCreated, ApiError> {
        attach(&app, &caller, asset(org.0, asset_type.0, id.0), upload).await
    }

    /// Download an asset's attachment
    #[oai(
        path = "/organizations/:org/assets/:asset_type/:id/attachments/:attachment",
        method = "get",
        operation_id = "getAssetAttachment"
    )]
    async fn download(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The type's slug.
        asset_type: Path<String>,
        /// The asset's id.
        id: Path<String>,
        /// The attachment's id.
        attachment: Path<String>,
    ) -> Result<Downloaded, ApiError> {
        download(&app, &caller, asset(org.0, asset_type.0, id.0), &attachment.0).await
    }

    /// Remove an asset's attachment
    #[oai(
        path = "/organizations/:org/assets/:asset_type/:id/attachments/:attachment",
        method = "delete",
        operation_id = "removeAssetAttachment"
    )]
    async fn remove(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The type's slug.
        asset_type: Path<String>,
        /// The asset's id.
        id: Path<String>,
        /// The attachment's id.
        attachment: Path<String>,
    ) -> Result<Removed, ApiError> {
        remove(&app, &caller, asset(org.0, asset_type.0, id.0), &attachment.0).await
    }
}
