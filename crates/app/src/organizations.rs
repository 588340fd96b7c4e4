//! Organizations, their overview with the sidebar, and customers' access.

use cairn_assets::organizations::{self, GrantRow, Organization, OrganizationInput};
use cairn_assets::{AssetError, Section};
use cairn_auth::policy::{Access, Action, Resource, can};
use cairn_auth::users;
use cairn_store::{OrganizationId, UserId};

use crate::state::Tx;
use crate::{App, AppError, Caller};

/// An organization as every one of its pages frames it: the sidebar with
/// counts, and what the caller may do there.
#[derive(Clone, Debug)]
pub struct OrgView {
    /// The organization.
    pub organization: Organization,
    /// How many entries of each section the caller sees, in sidebar order.
    pub counts: Vec<(Section, i64)>,
    /// The tenant's asset types with how many records of each the caller
    /// sees, by name; for customers only the types that hold any.
    pub asset_sections: Vec<(AssetSection, i64)>,
    /// Whether the caller may edit it and manage its access.
    pub can_manage: bool,
    /// Whether the caller may create entries in it.
    pub can_create: bool,
    /// The caller's grant on it (customers; staff need none).
    pub grant: Option<Access>,
}

/// An asset type as the sidebar shows it.
#[derive(Clone, Debug)]
pub struct AssetSection {
    /// Its path segment.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// Its icon, or "".
    pub icon: String,
}

/// The overview page of an organization.
#[derive(Debug)]
pub struct Overview {
    /// The frame.
    pub org: OrgView,
    /// Who has access (for those who manage it; empty otherwise).
    pub grants: Vec<GrantRow>,
    /// Active customers without access yet, as (id, label), for granting.
    pub candidates: Vec<(String, String)>,
}

/// The active organization `id` if the caller may do `action` on it, with
/// the caller's grant; anything else is `NotFound`. Operators act as owners.
pub(crate) fn authorize(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &str,
    action: Action,
) -> Result<(Organization, Option<Access>), AppError> {
    match caller.signed_in_user() {
        Some(user) => Ok(organizations::authorize(tx.conn, user, id, action)?),
        None => {
            let organization = organizations::get(tx.conn, tx.tenant, id)?;
            let allowed = organization.status == "active"
                && can(&caller.principal(), action, &Resource::Organization { grant: None });
            if allowed { Ok((organization, None)) } else { Err(AppError::NotFound) }
        }
    }
}

/// Builds the frame of an organization page: one statement for the counts,
/// and the asset types from the cache unless they changed.
pub(crate) fn org_view(
    tx: &mut Tx<'_>,
    caller: &Caller,
    organization: Organization,
    grant: Option<Access>,
) -> Result<OrgView, AppError> {
    let user = caller.require_user()?;
    let counts = organizations::counts(tx.conn, user, &organization.id, grant)?;
    let principal = caller.principal();
    let staff = principal.role.is_staff();
    let asset_sections = tx
        .types
        .types(tx.conn, tx.tenant, counts.asset_types_version)?
        .iter()
        .filter(|t| !t.archived)
        .map(|t| {
            let n = counts.asset_types.get(&t.id).copied().unwrap_or(0);
            (AssetSection { slug: t.slug.clone(), name: t.name.clone(), icon: t.icon.clone() }, n)
        })
        // Customers read documentation: a type with nothing in it is noise to them.
        .filter(|(_, n)| staff || *n > 0)
        .collect();
    let resource = Resource::Organization { grant };
    Ok(OrgView {
        counts: Section::ALL.into_iter().map(|s| (s, counts.sections.get(&s).copied().unwrap_or(0))).collect(),
        asset_sections,
        can_manage: can(&principal, Action::Edit, &resource),
        can_create: can(&principal, Action::Create, &resource),
        grant,
        organization,
    })
}

/// Authorizes `action` on an organization and builds its frame.
pub(crate) fn authorized_view(tx: &mut Tx<'_>, caller: &Caller, id: &str, action: Action) -> Result<OrgView, AppError> {
    let (organization, grant) = authorize(tx, caller, id, action)?;
    org_view(tx, caller, organization, grant)
}

impl App {
    /// Whether the caller may create organizations (the list's "New" button).
    pub fn may_create_organizations(&self, caller: &Caller) -> bool {
        can(&caller.principal(), Action::Create, &Resource::Tenant)
    }

    /// The organizations the caller may open: staff all active ones,
    /// customers those granted to them.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label()))]
    pub async fn organizations(&self, caller: &Caller) -> Result<Vec<Organization>, AppError> {
        let user = caller.require_user()?.clone();
        self.read(&caller.tenant().id, move |tx| Ok(organizations::visible(tx.conn, &user)?)).await
    }

    /// An organization's frame, if the caller may do `action` there (forms of new entries).
    pub async fn organization_view(
        &self,
        caller: &Caller,
        id: &OrganizationId,
        action: Action,
    ) -> Result<OrgView, AppError> {
        let (caller, id) = (caller.clone(), id.clone());
        self.read(&caller.tenant().id.clone(), move |tx| authorized_view(tx, &caller, id.as_str(), action)).await
    }

    /// The overview: frame, quick notes, and for staff who has access.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), org = %id))]
    pub async fn organization_overview(&self, caller: &Caller, id: &OrganizationId) -> Result<Overview, AppError> {
        let id = id.clone();
        self.read_for(caller, move |tx, caller| {
            let org = authorized_view(tx, caller, id.as_str(), Action::View)?;
            if !org.can_manage {
                return Ok(Overview { org, grants: Vec::new(), candidates: Vec::new() });
            }
            let grants = organizations::grants(tx.conn, tx.tenant, id.as_str())?;
            let candidates = users::active_customers(tx.conn, tx.tenant)?
                .into_iter()
                .filter(|u| !grants.iter().any(|g| g.user_id == u.id))
                .map(|u| (u.id.clone(), format!("{} <{}>", u.full_name(), u.email)))
                .collect();
            Ok(Overview { org, grants, candidates })
        })
        .await
    }

    /// An organization to edit.
    pub async fn organization_for_edit(&self, caller: &Caller, id: &OrganizationId) -> Result<Organization, AppError> {
        let (caller, id) = (caller.clone(), id.clone());
        self.read(&caller.tenant().id.clone(), move |tx| Ok(authorize(tx, &caller, id.as_str(), Action::Edit)?.0)).await
    }

    /// Creates an organization.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label()))]
    pub async fn create_organization(
        &self,
        caller: &Caller,
        input: OrganizationInput,
    ) -> Result<Organization, AppError> {
        if !self.may_create_organizations(caller) {
            return Err(AppError::NotFound);
        }
        let actor = caller.actor();
        self.write(&caller.tenant().id, move |tx| Ok(organizations::create(tx.conn, tx.tenant, &input, actor)?)).await
    }

    /// Changes an organization.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), org = %id))]
    pub async fn update_organization(
        &self,
        caller: &Caller,
        id: &OrganizationId,
        input: OrganizationInput,
    ) -> Result<(), AppError> {
        let (caller, id) = (caller.clone(), id.clone());
        self.write(&caller.tenant().id.clone(), move |tx| {
            authorize(tx, &caller, id.as_str(), Action::Edit)?;
            Ok(organizations::update(tx.conn, tx.tenant, id.as_str(), &input, caller.actor())?)
        })
        .await
    }

    /// Archives an organization: it leaves every list; its records stay.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), org = %id))]
    pub async fn archive_organization(&self, caller: &Caller, id: &OrganizationId) -> Result<(), AppError> {
        let (caller, id) = (caller.clone(), id.clone());
        self.write(&caller.tenant().id.clone(), move |tx| {
            authorize(tx, &caller, id.as_str(), Action::Archive)?;
            Ok(organizations::archive(tx.conn, tx.tenant, id.as_str(), caller.actor())?)
        })
        .await
    }

    /// Grants (or changes) a customer's access to an organization.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), org = %id))]
    pub async fn grant_access(
        &self,
        caller: &Caller,
        id: &OrganizationId,
        user: &UserId,
        access: Access,
    ) -> Result<(), AppError> {
        let (caller, id, user) = (caller.clone(), id.clone(), user.clone());
        self.write(&caller.tenant().id.clone(), move |tx| {
            authorize(tx, &caller, id.as_str(), Action::ManageAccess)?;
            Ok(organizations::set_grant(tx.conn, tx.tenant, id.as_str(), user.as_str(), access, caller.actor())?)
        })
        .await
    }

    /// Ends a customer's access at once: their open sessions see it on the next request.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), org = %id))]
    pub async fn revoke_access(&self, caller: &Caller, id: &OrganizationId, user: &UserId) -> Result<(), AppError> {
        let (caller, id, user) = (caller.clone(), id.clone(), user.clone());
        self.write(&caller.tenant().id.clone(), move |tx| {
            authorize(tx, &caller, id.as_str(), Action::ManageAccess)?;
            organizations::revoke_grant(tx.conn, tx.tenant, id.as_str(), user.as_str(), caller.actor()).map_err(|e| {
                match e {
                    AssetError::NotFound => AppError::NotFound,
                    other => other.into(),
                }
            })
        })
        .await
    }
}
