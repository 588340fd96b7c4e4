//! `/organizations`: the MSP's customers.

use cairn_app::OrganizationId;
use cairn_assets::organizations::{Organization, OrganizationInput};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use crate::ApiTags;
use crate::auth::ApiKey;
use crate::list::{Meta, Paging, sort_of};
use crate::problem::ApiError;
use crate::text::{Text, text};

/// An organization.
#[derive(Debug, Clone, Object)]
pub struct OrganizationOut {
    /// Its id.
    pub id: String,
    /// Its name, unique in the tenant.
    pub name: String,
    /// A short name.
    pub short_name: String,
    /// `customer`, `internal` or `vendor`.
    pub kind: String,
    /// `active` (archived organizations are not listed).
    pub status: String,
    /// Notes shown on its overview.
    pub quick_notes: String,
    /// A warning shown on every page of it.
    pub alert: String,
    /// Last change (UTC).
    pub updated_at: chrono::NaiveDateTime,
    /// Who changed it last.
    pub updated_by: Option<String>,
}

impl From<Organization> for OrganizationOut {
    fn from(o: Organization) -> Self {
        OrganizationOut {
            id: o.id,
            name: o.name,
            short_name: o.short_name,
            kind: o.kind,
            status: o.status,
            quick_notes: o.quick_notes,
            alert: o.alert,
            updated_at: o.updated_at,
            updated_by: o.updated_by,
        }
    }
}

/// A page of organizations.
#[derive(Debug, Clone, Object)]
pub struct OrganizationList {
    /// The organizations of this page.
    pub data: Vec<OrganizationOut>,
    /// Paging.
    pub meta: Meta,
}

/// Kinds of organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum)]
#[oai(rename_all = "lowercase")]
pub enum OrganizationKind {
    /// A customer of the MSP.
    Customer,
    /// The MSP itself.
    Internal,
    /// A supplier.
    Vendor,
}

impl OrganizationKind {
    fn as_str(self) -> &'static str {
        match self {
            OrganizationKind::Customer => "customer",
            OrganizationKind::Internal => "internal",
            OrganizationKind::Vendor => "vendor",
        }
    }
}

/// A new organization.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct OrganizationCreate {
    /// Its name (1 to 200 characters, one line, unique in the tenant).
    #[oai(validator(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$"
    ))]
    pub name: Text,
    /// A short name (at most 50 characters).
    #[oai(validator(max_length = 50, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    pub short_name: Option<Text>,
    /// `customer` when not given.
    pub kind: Option<OrganizationKind>,
    /// Notes for its overview.
    #[oai(validator(max_length = 10000, pattern = "^[^\\u0000]*$"))]
    pub quick_notes: Option<Text>,
    /// A warning for every page of it.
    #[oai(validator(max_length = 1000, pattern = "^[^\\u0000]*$"))]
    pub alert: Option<Text>,
}

/// Changes to an organization: only the fields given change.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct OrganizationPatch {
    /// Its name (1 to 200 characters, one line, unique in the tenant).
    #[oai(validator(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$"
    ))]
    pub name: Option<Text>,
    /// A short name (at most 50 characters).
    #[oai(validator(max_length = 50, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    pub short_name: Option<Text>,
    /// The kind of organization.
    pub kind: Option<OrganizationKind>,
    /// Notes for its overview.
    #[oai(validator(max_length = 10000, pattern = "^[^\\u0000]*$"))]
    pub quick_notes: Option<Text>,
    /// A warning for every page of it.
    #[oai(validator(max_length = 1000, pattern = "^[^\\u0000]*$"))]
    pub alert: Option<Text>,
}

/// Answer of a create.
#[derive(ApiResponse)]
pub enum Created {
    /// Created.
    #[oai(status = 201)]
    Created(Json<OrganizationOut>),
}

/// Answer of an archive.
#[derive(ApiResponse)]
pub enum Archived {
    /// Archived: it leaves every list; its documentation stays.
    #[oai(status = 204)]
    Archived,
}

/// The organizations operations.
pub struct OrganizationsApi;

#[OpenApi(tag = "ApiTags::Organizations")]
impl OrganizationsApi {
    /// List organizations
    ///
    /// Staff keys see every active organization; customer keys those they
    /// were made for. `q` filters by name, `sort` is `name` or `updated_at`
    /// (`-` for descending).
    #[oai(path = "/organizations", method = "get", operation_id = "listOrganizations")]
    async fn list(
        &self,
        app: poem::web::Data<&std::sync::Arc<cairn_app::App>>,
        ApiKey(caller): ApiKey,
        /// Page, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u32>>,
        /// Rows per page (default 50, at most 1000).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        per_page: Query<Option<u32>>,
        /// Text the name or short name contains.
        q: Query<Option<String>>,
        /// `name`, `updated_at`; `-` first for descending.
        #[oai(validator(pattern = "^-?(name|updated_at)$"))]
        sort: Query<Option<String>>,
    ) -> Result<Json<OrganizationList>, ApiError> {
        let paging = Paging::new(page.0, per_page.0)?;
        let mut all = app.organizations(&caller).await?;
        if let Some(needle) = q.0.as_deref().map(str::to_lowercase).filter(|n| !n.is_empty()) {
            all.retain(|o| o.name.to_lowercase().contains(&needle) || o.short_name.to_lowercase().contains(&needle));
        }
        let (field, desc) = sort_of(sort.0.as_deref());
        match field.as_str() {
            "" | "name" => {}
            "updated_at" => all.sort_by_key(|o| o.updated_at),
            _ => return Err(ApiError::invalid("sort", "name or updated_at, - for descending")),
        }
        if desc {
            all.reverse();
        }
        let (data, meta) = paging.slice(all);
        Ok(Json(OrganizationList { data: data.into_iter().map(OrganizationOut::from).collect(), meta }))
    }

    /// Create an organization
    #[oai(path = "/organizations", method = "post", operation_id = "createOrganization")]
    async fn create(
        &self,
        app: poem::web::Data<&std::sync::Arc<cairn_app::App>>,
        ApiKey(caller): ApiKey,
        body: Json<OrganizationCreate>,
    ) -> Result<Created, ApiError> {
        let body = body.0;
        let input = OrganizationInput {
            name: body.name.0,
            short_name: text(body.short_name).unwrap_or_default(),
            kind: body.kind.unwrap_or(OrganizationKind::Customer).as_str().to_owned(),
            quick_notes: text(body.quick_notes).unwrap_or_default(),
            alert: text(body.alert).unwrap_or_default(),
        };
        let organization = app.create_organization(&caller, input).await?;
        Ok(Created::Created(Json(organization.into())))
    }

    /// Show an organization
    #[oai(path = "/organizations/:org", method = "get", operation_id = "getOrganization")]
    async fn get(
        &self,
        app: poem::web::Data<&std::sync::Arc<cairn_app::App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
    ) -> Result<Json<OrganizationOut>, ApiError> {
        let overview = app.organization_overview(&caller, &OrganizationId::new(org.0)).await?;
        Ok(Json(overview.org.organization.into()))
    }

    /// Change an organization
    #[oai(path = "/organizations/:org", method = "patch", operation_id = "updateOrganization")]
    async fn update(
        &self,
        app: poem::web::Data<&std::sync::Arc<cairn_app::App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        body: Json<OrganizationPatch>,
    ) -> Result<Json<OrganizationOut>, ApiError> {
        let id = OrganizationId::new(org.0);
        let current = app.organization_for_edit(&caller, &id).await?;
        let patch = body.0;
        let input = OrganizationInput {
            name: text(patch.name).unwrap_or(current.name),
            short_name: text(patch.short_name).unwrap_or(current.short_name),
            kind: patch.kind.map(|k| k.as_str().to_owned()).unwrap_or(current.kind),
            quick_notes: text(patch.quick_notes).unwrap_or(current.quick_notes),
            alert: text(patch.alert).unwrap_or(current.alert),
        };
        app.update_organization(&caller, &id, input).await?;
        Ok(Json(app.organization_for_edit(&caller, &id).await?.into()))
    }

    /// Archive an organization
    #[oai(path = "/organizations/:org", method = "delete", operation_id = "archiveOrganization")]
    async fn archive(
        &self,
        app: poem::web::Data<&std::sync::Arc<cairn_app::App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
    ) -> Result<Archived, ApiError> {
        app.archive_organization(&caller, &OrganizationId::new(org.0)).await?;
        Ok(Archived::Archived)
    }
}
