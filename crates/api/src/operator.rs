//! The operator API at `/operator/v1` on the apex: tenants through their
//! whole life, for the platform's own automation.

use std::sync::Arc;

use cairn_app::App;
use cairn_tenancy::{Locale, NewTenant, Tenant, TenantChange, TenantSlug, TenantStatus};
use poem::Request;
use poem::web::Data;
use poem_openapi::auth::Bearer;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi, SecurityScheme, Tags};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use crate::list::{Meta, Paging};
use crate::problem::ApiError;
use crate::text::{Text, text};

/// The configured operator token, in request data.
#[derive(Clone)]
pub struct OperatorToken(pub Arc<SecretString>);

/// Who is calling, for the audit log.
const OPERATOR: &str = "api";

/// `Authorization: Bearer <operator.token>`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", key_name = "Authorization", checker = "check_token")]
pub struct Operator(());

async fn check_token(req: &Request, bearer: Bearer) -> Option<()> {
    let expected = req.data::<OperatorToken>()?;
    let given = bearer.token.as_bytes();
    bool::from(expected.0.expose_secret().as_bytes().ct_eq(given)).then_some(())
}

/// The groups of the operator API.
#[derive(Tags)]
pub enum OperatorTags {
    /// MSP workspaces.
    Tenants,
}

/// A tenant.
#[derive(Debug, Clone, Object)]
pub struct TenantOut {
    /// Its id.
    pub id: String,
    /// Its subdomain: `<slug>.<base domain>`.
    pub slug: String,
    /// The MSP's name.
    pub name: String,
    /// Support e-mail shown to customers.
    pub support_email: String,
    /// Support phone shown to customers.
    pub support_phone: String,
    /// `de` or `en`.
    pub locale: String,
    /// IANA time zone.
    pub time_zone: String,
    /// `active`, `suspended`, `unconfirmed` (signed up, address not yet
    /// confirmed) or `awaiting_approval` (confirmed, `signup.mode = approval`).
    pub status: String,
    /// When it was created (UTC).
    pub created_at: chrono::NaiveDateTime,
    /// Its custom domains (on single tenants; empty in lists).
    pub domains: Vec<String>,
    /// The first owner's invitation link (only in the answer of a create with `owner_email`).
    #[oai(skip_serializing_if_is_none)]
    pub owner_invitation_url: Option<String>,
}

impl TenantOut {
    fn new(t: Tenant, domains: Vec<String>, owner_invitation_url: Option<String>) -> Self {
        TenantOut {
            id: t.id.to_string(),
            slug: t.slug,
            name: t.name,
            support_email: t.support_email,
            support_phone: t.support_phone,
            locale: t.locale.as_str().to_owned(),
            time_zone: t.time_zone.name().to_owned(),
            status: t.status.as_str().to_owned(),
            created_at: t.created_at,
            domains,
            owner_invitation_url,
        }
    }
}

/// A page of tenants.
#[derive(Debug, Clone, Object)]
pub struct TenantList {
    /// The tenants of this page, by slug.
    pub data: Vec<TenantOut>,
    /// Paging.
    pub meta: Meta,
}

/// A new tenant.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct TenantCreate {
    /// The subdomain (dots allowed, e.g. `plusundplus.ch`); labels of a-z,
    /// 0-9 and -, at least one letter; a few names (`www`, `api`, …) are reserved.
    #[oai(validator(
        max_length = 120,
        pattern = "^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*([a-z]|[a-z][a-z0-9-]{0,61}[a-z0-9]|[a-z0-9][a-z0-9-]{0,61}[a-z]|[a-z0-9][a-z0-9-]{0,30}[a-z][a-z0-9-]{0,30}[a-z0-9])(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
    ))]
    pub slug: Text,
    /// The MSP's name.
    #[oai(validator(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$"
    ))]
    pub name: Text,
    /// Support e-mail shown to customers.
    pub support_email: Option<Text>,
    /// Support phone shown to customers: digits, spaces and + - ( ) / .
    #[oai(validator(max_length = 40, pattern = "^[0-9 +()/.-]*[0-9+()/.-][0-9 +()/.-]*$"))]
    pub support_phone: Option<Text>,
    /// `de` or `en` (default `en`).
    pub locale: Option<Text>,
    /// IANA time zone (default `UTC`).
    pub time_zone: Option<Text>,
    /// Invites the first owner; the answer carries the link.
    pub owner_email: Option<Text>,
}

/// Changes to a tenant: only the fields given change.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct TenantPatch {
    /// The MSP's name.
    #[oai(validator(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$"
    ))]
    pub name: Option<Text>,
    /// Support e-mail.
    pub support_email: Option<Text>,
    /// Support phone: digits, spaces and + - ( ) / .
    #[oai(validator(max_length = 40, pattern = "^[0-9 +()/.-]*[0-9+()/.-][0-9 +()/.-]*$"))]
    pub support_phone: Option<Text>,
    /// `de` or `en`.
    pub locale: Option<Text>,
    /// IANA time zone.
    pub time_zone: Option<Text>,
}

/// A custom domain to add.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct DomainAdd {
    /// The domain, e.g. `docs.plusundplus.ch` (not under the platform's base domain).
    #[oai(validator(
        max_length = 253,
        pattern = "^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$"
    ))]
    pub domain: Text,
}

/// Answer of a create.
#[derive(ApiResponse)]
pub enum TenantCreated {
    /// Created, with its first data key (and the owner's invitation, if asked).
    #[oai(status = 201)]
    Created(Json<TenantOut>),
}

/// Answer of a delete.
#[derive(ApiResponse)]
pub enum TenantDeleted {
    /// Deleted: its data key first, then every row it owned.
    #[oai(status = 204)]
    Deleted,
}

fn locale_of(text: Option<String>) -> Result<Option<Locale>, ApiError> {
    text.map(|l| l.parse::<Locale>().map_err(|_| ApiError::invalid("locale", "de or en"))).transpose()
}

fn time_zone_of(text: Option<String>) -> Result<Option<chrono_tz::Tz>, ApiError> {
    text.map(|z| z.parse::<chrono_tz::Tz>().map_err(|_| ApiError::invalid("time_zone", "an IANA time zone")))
        .transpose()
}

/// The tenants operations.
pub struct TenantsApi;

#[OpenApi(tag = "OperatorTags::Tenants")]
impl TenantsApi {
    /// List tenants
    #[oai(path = "/tenants", method = "get", operation_id = "listTenants")]
    async fn list(
        &self,
        app: Data<&Arc<App>>,
        _operator: Operator,
        /// Page, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u32>>,
        /// Rows per page (default 50, at most 1000).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        per_page: Query<Option<u32>>,
        /// Text the slug or name contains.
        q: Query<Option<String>>,
    ) -> Result<Json<TenantList>, ApiError> {
        let paging = Paging::new(page.0, per_page.0)?;
        let mut all = app.tenants().await?;
        if let Some(needle) = q.0.as_deref().map(str::to_lowercase).filter(|n| !n.is_empty()) {
            all.retain(|t| t.slug.contains(&needle) || t.name.to_lowercase().contains(&needle));
        }
        let (data, meta) = paging.slice(all);
        Ok(Json(TenantList { data: data.into_iter().map(|t| TenantOut::new(t, Vec::new(), None)).collect(), meta }))
    }

    /// Create a tenant
    ///
    /// Creates the workspace with its data key; with `owner_email` it also
    /// invites the first owner and answers the invitation link.
    #[oai(path = "/tenants", method = "post", operation_id = "createTenant")]
    async fn create(
        &self,
        app: Data<&Arc<App>>,
        _operator: Operator,
        body: Json<TenantCreate>,
    ) -> Result<TenantCreated, ApiError> {
        let body = body.0;
        let slug = TenantSlug::parse(&body.slug.0).map_err(|e| ApiError::invalid("slug", e))?;
        let new = NewTenant {
            slug,
            name: body.name.0,
            support_email: text(body.support_email).filter(|e| !e.is_empty()),
            support_phone: text(body.support_phone).filter(|p| !p.is_empty()),
            locale: locale_of(text(body.locale))?.unwrap_or(Locale::En),
            time_zone: time_zone_of(text(body.time_zone))?.unwrap_or(chrono_tz::UTC),
        };
        let (tenant, link) = app.create_tenant(new, text(body.owner_email), OPERATOR).await?;
        Ok(TenantCreated::Created(Json(TenantOut::new(tenant, Vec::new(), link))))
    }

    /// Show a tenant
    #[oai(path = "/tenants/:slug", method = "get", operation_id = "getTenant")]
    async fn get(
        &self,
        app: Data<&Arc<App>>,
        _operator: Operator,
        slug: Path<String>,
    ) -> Result<Json<TenantOut>, ApiError> {
        let (tenant, domains) = app.tenant(&slug.0).await?;
        Ok(Json(TenantOut::new(tenant, domains, None)))
    }

    /// Change a tenant
    #[oai(path = "/tenants/:slug", method = "patch", operation_id = "updateTenant")]
    async fn update(
        &self,
        app: Data<&Arc<App>>,
        _operator: Operator,
        slug: Path<String>,
        body: Json<TenantPatch>,
    ) -> Result<Json<TenantOut>, ApiError> {
        let body = body.0;
        let change = TenantChange {
            name: text(body.name),
            support_email: text(body.support_email),
            support_phone: text(body.support_phone),
            locale: locale_of(text(body.locale))?,
            time_zone: time_zone_of(text(body.time_zone))?,
            ..TenantChange::default()
        };
        app.update_tenant(&slug.0, change, OPERATOR).await?;
        let (tenant, domains) = app.tenant(&slug.0).await?;
        Ok(Json(TenantOut::new(tenant, domains, None)))
    }

    /// Suspend a tenant
    ///
    /// Its workspace answers 403 with the MSP's contact until it is resumed.
    #[oai(path = "/tenants/:slug/suspend", method = "post", operation_id = "suspendTenant")]
    async fn suspend(
        &self,
        app: Data<&Arc<App>>,
        _operator: Operator,
        slug: Path<String>,
    ) -> Result<Json<TenantOut>, ApiError> {
        let tenant = app.set_tenant_status(&slug.0, TenantStatus::Suspended, OPERATOR).await?;
        Ok(Json(TenantOut::new(tenant, Vec::new(), None)))
    }

    /// Resume a tenant
    #[oai(path = "/tenants/:slug/resume", method = "post", operation_id = "resumeTenant")]
    async fn resume(
        &self,
        app: Data<&Arc<App>>,
        _operator: Operator,
        slug: Path<String>,
    ) -> Result<Json<TenantOut>, ApiError> {
        let tenant = app.set_tenant_status(&slug.0, TenantStatus::Active, OPERATOR).await?;
        Ok(Json(TenantOut::new(tenant, Vec::new(), None)))
    }

    /// Approve a signed-up tenant
    ///
    /// Opens a workspace that awaits approval (`signup.mode = approval`) and
    /// mails its first owner the link to set up their account.
    #[oai(path = "/tenants/:slug/approve", method = "post", operation_id = "approveTenant")]
    async fn approve(
        &self,
        app: Data<&Arc<App>>,
        _operator: Operator,
        slug: Path<String>,
    ) -> Result<Json<TenantOut>, ApiError> {
        let (tenant, link) = app.approve_tenant(&slug.0, OPERATOR).await?;
        Ok(Json(TenantOut::new(tenant, Vec::new(), Some(link))))
    }

    /// Add a custom domain
    #[oai(path = "/tenants/:slug/domains", method = "post", operation_id = "addTenantDomain")]
    async fn add_domain(
        &self,
        app: Data<&Arc<App>>,
        _operator: Operator,
        slug: Path<String>,
        body: Json<DomainAdd>,
    ) -> Result<Json<TenantOut>, ApiError> {
        app.add_tenant_domain(&slug.0, body.0.domain.0.trim(), OPERATOR).await?;
        let (tenant, domains) = app.tenant(&slug.0).await?;
        Ok(Json(TenantOut::new(tenant, domains, None)))
    }

    /// Delete a tenant
    ///
    /// Destroys the tenant's data key (every secret becomes unreadable, in
    /// backups too), then deletes all its rows, its audit log included.
    #[oai(path = "/tenants/:slug", method = "delete", operation_id = "deleteTenant")]
    async fn delete(
        &self,
        app: Data<&Arc<App>>,
        _operator: Operator,
        slug: Path<String>,
    ) -> Result<TenantDeleted, ApiError> {
        app.delete_tenant(&slug.0, OPERATOR).await?;
        Ok(TenantDeleted::Deleted)
    }
}
