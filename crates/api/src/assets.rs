//! `/organizations/{org}/assets/{type}`: records of the tenant's asset
//! types, with their values keyed by field name. Passwords go in sealed and
//! come out only through `reveal`; tag fields are lists of record ids.

use std::collections::BTreeMap;
use std::sync::Arc;

use cairn_app::{App, Caller, OrganizationId, RecordId, RecordSection};
use cairn_assets::asset_types::{AssetType, FieldKind};
use cairn_assets::records::{ListQuery, Record, RecordInput};
use cairn_auth::policy::Visibility;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use secrecy::{ExposeSecret, SecretString};

use crate::ApiTags;
use crate::auth::ApiKey;
use crate::list::{Meta, Paging, sort_of};
use crate::problem::ApiError;
use crate::records::{Revealed, VisibilityIn};
use crate::text::{Text, text};

/// An asset: its values by field name, and which password fields are set.
#[derive(Debug, Clone, Object)]
pub struct AssetOut {
    /// Its id.
    pub id: String,
    /// Its organization.
    pub organization_id: String,
    /// Its type's slug.
    pub asset_type: String,
    /// Its name (its title field's value when the type has one).
    pub name: String,
    /// Values by field name: text as strings, checkboxes as booleans, tag fields as lists of record ids.
    pub fields: BTreeMap<String, serde_json::Value>,
    /// Names of the password fields that hold a value.
    pub secrets_set: Vec<String>,
    /// `everyone` or `staff`.
    pub visibility: String,
    /// Last change (UTC).
    pub updated_at: chrono::NaiveDateTime,
    /// Who changed it last.
    pub updated_by: Option<String>,
}

/// A page of assets.
#[derive(Debug, Clone, Object)]
pub struct AssetList {
    /// The assets of this page.
    pub data: Vec<AssetOut>,
    /// Paging.
    pub meta: Meta,
}

/// A new asset.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct AssetCreate {
    /// Its name (left out when the type has a title field).
    #[oai(validator(max_length = 200))]
    pub name: Option<Text>,
    /// Values by field name.
    pub fields: Option<BTreeMap<String, serde_json::Value>>,
    /// Who may see it.
    pub visibility: Option<VisibilityIn>,
}

/// Changes to an asset: `fields` merges into the current values.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct AssetPatch {
    /// Its name.
    #[oai(validator(max_length = 200))]
    pub name: Option<Text>,
    /// Values by field name; a field left out keeps its value, `null` or "" clears it.
    pub fields: Option<BTreeMap<String, serde_json::Value>>,
    /// Who may see it.
    pub visibility: Option<VisibilityIn>,
}

/// Which secret to reveal.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct RevealIn {
    /// The password field's name; the first password field when omitted.
    #[oai(validator(max_length = 100))]
    pub field: Option<Text>,
}

/// Answer of a create.
#[derive(ApiResponse)]
pub enum AssetCreated {
    /// Created.
    #[oai(status = 201)]
    Created(Json<AssetOut>),
}

/// Answer of an archive.
#[derive(ApiResponse)]
pub enum AssetArchived {
    /// Archived.
    #[oai(status = 204)]
    Archived,
}

fn out(asset_type: &AssetType, record: Record, tags: &BTreeMap<String, Vec<String>>) -> AssetOut {
    let mut fields = BTreeMap::new();
    for field in asset_type.active_fields() {
        let value = match field.kind {
            FieldKind::Header | FieldKind::Upload | FieldKind::Password => continue,
            FieldKind::Tag => serde_json::json!(tags.get(&field.id).cloned().unwrap_or_default()),
            FieldKind::Checkbox => serde_json::Value::Bool(record.field(&field.id) == "true"),
            _ => serde_json::Value::String(record.field(&field.id).to_owned()),
        };
        fields.insert(field.name.clone(), value);
    }
    let secrets_set =
        asset_type.active_fields().filter(|f| record.secrets_set.contains(&f.id)).map(|f| f.name.clone()).collect();
    AssetOut {
        id: record.id,
        organization_id: record.organization_id,
        asset_type: asset_type.slug.clone(),
        name: record.name,
        fields,
        secrets_set,
        visibility: record.visibility.as_str().to_owned(),
        updated_at: record.updated_at,
        updated_by: record.updated_by,
    }
}

/// One value as the type's field takes it.
fn value_text(name: &str, value: &serde_json::Value) -> Result<String, ApiError> {
    match value {
        serde_json::Value::String(text) => Ok(text.clone()),
        serde_json::Value::Bool(true) => Ok("true".into()),
        serde_json::Value::Bool(false) | serde_json::Value::Null => Ok(String::new()),
        serde_json::Value::Number(number) => Ok(number.to_string()),
        _ => Err(ApiError::invalid(name, "a string, number, boolean or null")),
    }
}

/// Reads `fields` (by name) into `input`.
fn read_fields(
    asset_type: &AssetType,
    fields: BTreeMap<String, serde_json::Value>,
    input: &mut RecordInput,
) -> Result<(), ApiError> {
    for (name, value) in fields {
        let Some(field) = asset_type.field_named(&name) else {
            return Err(ApiError::invalid(&name, "no such field in this type"));
        };
        match field.kind {
            FieldKind::Header | FieldKind::Upload => {
                return Err(ApiError::invalid(&name, "not a value field (uploads are attachments)"));
            }
            FieldKind::Tag => {
                let ids = match &value {
                    serde_json::Value::Null => Vec::new(),
                    serde_json::Value::Array(items) => items
                        .iter()
                        .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| ApiError::invalid(&name, "record ids")))
                        .collect::<Result<_, _>>()?,
                    _ => return Err(ApiError::invalid(&name, "a list of record ids")),
                };
                input.tags.insert(field.id.clone(), ids);
            }
            FieldKind::Password => {
                let secret = value_text(&name, &value)?;
                if secret.is_empty() {
                    input.clear.insert(field.id.clone());
                } else {
                    input.secrets.insert(field.id.clone(), SecretString::from(secret));
                }
            }
            _ => {
                input.fields.insert(field.id.clone(), value_text(&name, &value)?);
            }
        }
    }
    Ok(())
}

fn visibility(v: VisibilityIn) -> Visibility {
    match v {
        VisibilityIn::Everyone => Visibility::Everyone,
        VisibilityIn::Staff => Visibility::Staff,
    }
}

/// The links of each tag field of a record.
async fn tags_of(
    app: &App,
    caller: &Caller,
    org: &OrganizationId,
    slug: &str,
    id: &RecordId,
) -> Result<(AssetType, Record, BTreeMap<String, Vec<String>>), ApiError> {
    let page = app.record(caller, org, RecordSection::Asset(slug.to_owned()), id).await?;
    let mut tags: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for related in page.related.iter().filter(|r| !r.field_id.is_empty()) {
        tags.entry(related.field_id.clone()).or_default().push(related.id.clone());
    }
    Ok((page.asset_type.ok_or_else(ApiError::not_found)?, page.record, tags))
}

/// The asset operations.
pub struct AssetsApi;

#[OpenApi(tag = "ApiTags::Assets")]
impl AssetsApi {
    /// List assets of a type
    #[oai(path = "/organizations/:org/assets/:asset_type", method = "get", operation_id = "listAssets")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The type's slug.
        asset_type: Path<String>,
        /// Page, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u32>>,
        /// Rows per page (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        per_page: Query<Option<u32>>,
        /// Text to look for.
        q: Query<Option<String>>,
        /// `name` or `updated`; `-` first for descending.
        #[oai(validator(pattern = "^-?(name|updated)$"))]
        sort: Query<Option<String>>,
    ) -> Result<Json<AssetList>, ApiError> {
        let paging = Paging::new(page.0, per_page.0)?;
        let (field, desc) = sort_of(sort.0.as_deref());
        let query = ListQuery {
            q: q.0.unwrap_or_default(),
            sort: field,
            desc,
            page: paging.page as usize,
            per_page: paging.per_page as usize,
        };
        let section = RecordSection::Asset(asset_type.0);
        let listed = app.records(&caller, &OrganizationId::new(org.0), section, query).await?;
        let asset_type = listed.asset_type.ok_or_else(ApiError::not_found)?;
        let records = if listed.page.page == paging.page as usize { listed.page.records } else { Vec::new() };
        let meta = Meta { page: paging.page, per_page: paging.per_page, total: listed.page.total as u64 };
        // Lists leave tag links out (a record's own page has them).
        let data = records.into_iter().map(|r| out(&asset_type, r, &BTreeMap::new())).collect();
        Ok(Json(AssetList { data, meta }))
    }

    /// Create an asset
    #[oai(path = "/organizations/:org/assets/:asset_type", method = "post", operation_id = "createAsset")]
    async fn create(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The type's slug.
        asset_type: Path<String>,
        body: Json<AssetCreate>,
    ) -> Result<AssetCreated, ApiError> {
        let org = OrganizationId::new(org.0);
        let section = RecordSection::Asset(asset_type.0.clone());
        let (_, found) = app.section_for_create(&caller, &org, section.clone()).await?;
        let found = found.ok_or_else(ApiError::not_found)?;
        let body = body.0;
        let mut input = RecordInput {
            name: text(body.name).unwrap_or_default(),
            visibility: body.visibility.map(visibility),
            ..Default::default()
        };
        read_fields(&found, body.fields.unwrap_or_default(), &mut input)?;
        let record = app.create_record(&caller, &org, section, input).await?;
        let (asset_type, record, tags) = tags_of(&app, &caller, &org, &asset_type.0, &RecordId::new(record.id)).await?;
        Ok(AssetCreated::Created(Json(out(&asset_type, record, &tags))))
    }

    /// Show an asset
    #[oai(path = "/organizations/:org/assets/:asset_type/:id", method = "get", operation_id = "getAsset")]
    async fn get(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The type's slug.
        asset_type: Path<String>,
        /// The asset's id.
        id: Path<String>,
    ) -> Result<Json<AssetOut>, ApiError> {
        let org = OrganizationId::new(org.0);
        let (asset_type, record, tags) = tags_of(&app, &caller, &org, &asset_type.0, &RecordId::new(id.0)).await?;
        Ok(Json(out(&asset_type, record, &tags)))
    }

    /// Change an asset
    #[oai(path = "/organizations/:org/assets/:asset_type/:id", method = "patch", operation_id = "updateAsset")]
    async fn update(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The type's slug.
        asset_type: Path<String>,
        /// The asset's id.
        id: Path<String>,
        body: Json<AssetPatch>,
    ) -> Result<Json<AssetOut>, ApiError> {
        let (org, id) = (OrganizationId::new(org.0), RecordId::new(id.0));
        let section = RecordSection::Asset(asset_type.0.clone());
        let page = app.record_edit_page(&caller, &org, section.clone(), &id).await?;
        let found = page.asset_type.ok_or_else(ApiError::not_found)?;
        let body = body.0;
        let mut input = RecordInput {
            name: text(body.name).unwrap_or(page.record.name.clone()),
            fields: page.record.fields.clone(),
            visibility: body.visibility.map(visibility),
            ..Default::default()
        };
        read_fields(&found, body.fields.unwrap_or_default(), &mut input)?;
        app.update_record(&caller, &org, section, &id, input).await?;
        let (asset_type, record, tags) = tags_of(&app, &caller, &org, &asset_type.0, &id).await?;
        Ok(Json(out(&asset_type, record, &tags)))
    }

    /// Archive an asset
    #[oai(path = "/organizations/:org/assets/:asset_type/:id", method = "delete", operation_id = "archiveAsset")]
    async fn archive(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The type's slug.
        asset_type: Path<String>,
        /// The asset's id.
        id: Path<String>,
    ) -> Result<AssetArchived, ApiError> {
        let section = RecordSection::Asset(asset_type.0);
        app.archive_record(&caller, &OrganizationId::new(org.0), section, &RecordId::new(id.0)).await?;
        Ok(AssetArchived::Archived)
    }

    /// Reveal an asset's password field
    ///
    /// Audited exactly like a reveal on the pages.
    #[oai(path = "/organizations/:org/assets/:asset_type/:id/reveal", method = "post", operation_id = "revealAsset")]
    async fn reveal(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The type's slug.
        asset_type: Path<String>,
        /// The asset's id.
        id: Path<String>,
        body: Json<RevealIn>,
    ) -> Result<Json<Revealed>, ApiError> {
        let found = app.asset_type(&caller, &asset_type.0).await?;
        let field = match text(body.0.field) {
            Some(name) => found.field_named(&name).map(|f| f.id.clone()).ok_or_else(ApiError::not_found)?,
            None => String::new(),
        };
        let section = RecordSection::Asset(asset_type.0);
        let revealed = app.reveal(&caller, &OrganizationId::new(org.0), section, &RecordId::new(id.0), &field).await?;
        Ok(Json(Revealed { value: revealed.value.expose_secret().to_owned(), remaining: revealed.remaining }))
    }
}
