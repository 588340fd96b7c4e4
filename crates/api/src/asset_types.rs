//! `/asset-types`: the tenant's own kinds of records. Everyone who reads
//! documentation may list them; owners define, change and archive them.

use std::sync::Arc;

use cairn_app::App;
use cairn_assets::asset_types::{AssetType, FieldDef, FieldInput, TypeInput};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use crate::ApiTags;
use crate::auth::ApiKey;
use crate::problem::ApiError;
use crate::text::{Text, text};

/// How a field is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum FieldKindIn {
    /// One line of text.
    Text,
    /// Markdown text.
    Textbox,
    /// A number.
    Number,
    /// A percentage, 0 to 100.
    Percent,
    /// A date (YYYY-MM-DD).
    Date,
    /// Yes or no.
    Checkbox,
    /// One of the options.
    Select,
    /// A sealed secret, shown only by `reveal`.
    Password,
    /// Links to other records of the organization.
    Tag,
    /// Files (attachments of the field).
    Upload,
    /// A heading between fields.
    Header,
}

impl FieldKindIn {
    fn as_str(self) -> &'static str {
        match self {
            FieldKindIn::Text => "text",
            FieldKindIn::Textbox => "textbox",
            FieldKindIn::Number => "number",
            FieldKindIn::Percent => "percent",
            FieldKindIn::Date => "date",
            FieldKindIn::Checkbox => "checkbox",
            FieldKindIn::Select => "select",
            FieldKindIn::Password => "password",
            FieldKindIn::Tag => "tag",
            FieldKindIn::Upload => "upload",
            FieldKindIn::Header => "header",
        }
    }
}

/// A field of a type, as given.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct FieldIn {
    /// The id of an existing field (keeps its values when renamed or moved); omit for a new field.
    #[oai(validator(max_length = 64))]
    pub id: Option<Text>,
    /// Its label: 1 to 100 characters, unique within the type.
    #[oai(validator(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$"
    ))]
    pub name: Text,
    /// How it is entered.
    pub kind: FieldKindIn,
    /// Whether a record must fill it.
    pub required: Option<bool>,
    /// A hint shown below the input.
    #[oai(validator(max_length = 500, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    pub hint: Option<Text>,
    /// A select's options.
    #[oai(validator(max_items = 200))]
    pub options: Option<Vec<Text>>,
    /// Whether section lists show it as a column.
    pub show_in_list: Option<bool>,
    /// Whether it names the record (one text field at most).
    pub title: Option<bool>,
    /// Whether its date expires (date fields).
    pub expiration: Option<bool>,
    /// What a tag field may link: built-in kinds (`configuration`, …) or type slugs; empty for anything.
    #[oai(validator(max_items = 50))]
    pub tag_targets: Option<Vec<Text>>,
}

impl From<FieldIn> for FieldInput {
    fn from(f: FieldIn) -> Self {
        FieldInput {
            id: text(f.id),
            name: f.name.0,
            kind: f.kind.as_str().to_owned(),
            required: f.required.unwrap_or(false),
            hint: text(f.hint).unwrap_or_default(),
            options: f.options.unwrap_or_default().into_iter().map(|t| t.0).collect(),
            show_in_list: f.show_in_list.unwrap_or(false),
            title: f.title.unwrap_or(false),
            expiration: f.expiration.unwrap_or(false),
            tag_targets: f.tag_targets.unwrap_or_default().into_iter().map(|t| t.0).collect(),
        }
    }
}

/// A field of a type.
#[derive(Debug, Clone, Object)]
pub struct FieldOut {
    /// Its stable id.
    pub id: String,
    /// Its label (what asset bodies key values by).
    pub name: String,
    /// How it is entered.
    pub kind: String,
    /// Required.
    pub required: bool,
    /// Hint.
    pub hint: String,
    /// A select's options.
    pub options: Vec<String>,
    /// Listed as a column.
    pub show_in_list: bool,
    /// Names the record.
    pub title: bool,
    /// Its date expires.
    pub expiration: bool,
    /// What a tag field may link.
    pub tag_targets: Vec<String>,
}

impl From<&FieldDef> for FieldOut {
    fn from(f: &FieldDef) -> Self {
        FieldOut {
            id: f.id.clone(),
            name: f.name.clone(),
            kind: f.kind.as_str().to_owned(),
            required: f.required,
            hint: f.hint.clone(),
            options: f.options.clone(),
            show_in_list: f.show_in_list,
            title: f.title,
            expiration: f.expiration,
            tag_targets: f.tag_targets.clone(),
        }
    }
}

/// An asset type.
#[derive(Debug, Clone, Object)]
pub struct AssetTypeOut {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its path segment (`/organizations/{org}/assets/{slug}`).
    pub slug: String,
    /// Its icon (an emoji), or "".
    pub icon: String,
    /// Whether it is archived (out of sidebars and expirations).
    pub archived: bool,
    /// Its fields, in order (removed ones are not listed).
    pub fields: Vec<FieldOut>,
    /// Last change (UTC).
    pub updated_at: chrono::NaiveDateTime,
}

impl From<AssetType> for AssetTypeOut {
    fn from(t: AssetType) -> Self {
        AssetTypeOut {
            fields: t.active_fields().map(FieldOut::from).collect(),
            id: t.id,
            name: t.name,
            slug: t.slug,
            icon: t.icon,
            archived: t.archived,
            updated_at: t.updated_at,
        }
    }
}

/// A new asset type.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct AssetTypeCreate {
    /// Its name: 1 to 100 characters, unique in the tenant.
    #[oai(validator(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$"
    ))]
    pub name: Text,
    /// Its path segment: 2 to 50 of a-z, 0-9 and -; made from the name when omitted.
    #[oai(validator(max_length = 50, pattern = "^[a-z][a-z0-9-]{0,48}[a-z0-9]$"))]
    pub slug: Option<Text>,
    /// An emoji (at most 8 characters, one line).
    #[oai(validator(max_length = 8, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    pub icon: Option<Text>,
    /// Its fields, in order.
    #[oai(validator(max_items = 100))]
    pub fields: Vec<FieldIn>,
}

/// Changes to an asset type; only what is given changes. `fields`, when
/// given, is the whole new list: existing fields are named by `id`, fields
/// left out are removed.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct AssetTypePatch {
    /// Its name.
    #[oai(validator(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$"
    ))]
    pub name: Option<Text>,
    /// Its path segment: 2 to 50 of a-z, 0-9 and -.
    #[oai(validator(max_length = 50, pattern = "^[a-z][a-z0-9-]{0,48}[a-z0-9]$"))]
    pub slug: Option<Text>,
    /// An emoji (at most 8 characters, one line).
    #[oai(validator(max_length = 8, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    pub icon: Option<Text>,
    /// The whole new field list.
    #[oai(validator(max_items = 100))]
    pub fields: Option<Vec<FieldIn>>,
}

/// Answer of a create.
#[derive(ApiResponse)]
pub enum TypeCreated {
    /// Created.
    #[oai(status = 201)]
    Created(Json<AssetTypeOut>),
}

/// Answer of an archive.
#[derive(ApiResponse)]
pub enum TypeArchived {
    /// Archived: it leaves sidebars and expirations; its records stay.
    #[oai(status = 204)]
    Archived,
}

/// The asset type operations.
pub struct AssetTypesApi;

#[OpenApi(tag = "ApiTags::AssetTypes")]
impl AssetTypesApi {
    /// List asset types
    #[oai(path = "/asset-types", method = "get", operation_id = "listAssetTypes")]
    async fn list(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// Archived types too (owners).
        include_archived: Query<Option<bool>>,
    ) -> Result<Json<Vec<AssetTypeOut>>, ApiError> {
        let types = app.asset_types(&caller, include_archived.0.unwrap_or(false)).await?;
        Ok(Json(types.into_iter().map(AssetTypeOut::from).collect()))
    }

    /// Define an asset type
    #[oai(path = "/asset-types", method = "post", operation_id = "createAssetType")]
    async fn create(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        body: Json<AssetTypeCreate>,
    ) -> Result<TypeCreated, ApiError> {
        let body = body.0;
        let input = TypeInput {
            name: body.name.0,
            slug: text(body.slug).unwrap_or_default(),
            icon: text(body.icon).unwrap_or_default(),
            fields: body.fields.into_iter().map(FieldInput::from).collect(),
        };
        let created = app.create_asset_type(&caller, input).await?;
        Ok(TypeCreated::Created(Json(created.into())))
    }

    /// Show an asset type
    #[oai(path = "/asset-types/:id", method = "get", operation_id = "getAssetType")]
    async fn get(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The type's id or slug.
        id: Path<String>,
    ) -> Result<Json<AssetTypeOut>, ApiError> {
        let found = app.asset_type(&caller, &id.0).await?;
        // An archived type is gone from here (lists show it with `include_archived`).
        if found.archived {
            return Err(ApiError::not_found());
        }
        Ok(Json(found.into()))
    }

    /// Change an asset type
    ///
    /// Renaming and reordering fields keeps every value. Removing fields
    /// that hold values answers 409 unless `confirm_removal=true`.
    #[oai(path = "/asset-types/:id", method = "patch", operation_id = "updateAssetType")]
    async fn update(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The type's id or slug.
        id: Path<String>,
        /// Remove fields that hold values.
        confirm_removal: Query<Option<bool>>,
        body: Json<AssetTypePatch>,
    ) -> Result<Json<AssetTypeOut>, ApiError> {
        let current = app.asset_type(&caller, &id.0).await?;
        let body = body.0;
        let mut input = current.input();
        if let Some(fields) = body.fields {
            input.fields = fields.into_iter().map(FieldInput::from).collect();
        }
        input.name = text(body.name).unwrap_or(input.name);
        input.slug = text(body.slug).unwrap_or(input.slug);
        input.icon = text(body.icon).unwrap_or(input.icon);
        let updated = app.update_asset_type(&caller, &current.id, input, confirm_removal.0.unwrap_or(false)).await?;
        Ok(Json(updated.into()))
    }

    /// Archive an asset type
    #[oai(path = "/asset-types/:id", method = "delete", operation_id = "archiveAssetType")]
    async fn archive(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The type's id or slug.
        id: Path<String>,
    ) -> Result<TypeArchived, ApiError> {
        let current = app.asset_type(&caller, &id.0).await?;
        app.set_asset_type_archived(&caller, &current.id, true).await?;
        Ok(TypeArchived::Archived)
    }
}
