//! Organizations (the MSP's customers) and who may see them.

use std::collections::HashMap;

use cairn_auth::User;
use cairn_auth::policy::{Access, Action, Principal, Resource, can};
use cairn_store::audit::{self, Actor, AuditAction, NewEvent};
use cairn_store::schema::{documents, organization_grants, organizations, records, tenants, users};
use cairn_store::{DbConn, TenantId, new_id};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::{AssetError, Kind, Section};

/// Kinds of organization.
pub const KINDS: &[&str] = &["customer", "internal", "vendor"];

/// An organization.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = organizations)]
pub struct Organization {
    /// Its id.
    pub id: String,
    /// Its name (unique in the tenant).
    pub name: String,
    /// A short name, e.g. for the header.
    pub short_name: String,
    /// customer, internal or vendor.
    pub kind: String,
    /// active or archived.
    pub status: String,
    /// Notes shown on the overview.
    pub quick_notes: String,
    /// A warning shown on every page of the organization.
    pub alert: String,
    /// Last change.
    pub updated_at: NaiveDateTime,
    /// Who changed it last (a readable label).
    pub updated_by: Option<String>,
}

/// What a form gives for an organization.
#[derive(Clone, Debug, Default)]
pub struct OrganizationInput {
    /// Name.
    pub name: String,
    /// Short name.
    pub short_name: String,
    /// customer, internal or vendor.
    pub kind: String,
    /// Quick notes.
    pub quick_notes: String,
    /// Alert.
    pub alert: String,
}

impl OrganizationInput {
    fn validate(&self) -> Result<(), AssetError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err(AssetError::invalid("name", "1 to 200 characters"));
        }
        if self.short_name.chars().count() > 50 || self.short_name.chars().any(char::is_control) {
            return Err(AssetError::invalid("short_name", "at most 50 characters, one line"));
        }
        if !KINDS.contains(&self.kind.as_str()) {
            return Err(AssetError::invalid("kind", "customer, internal or vendor"));
        }
        if self.quick_notes.chars().count() > 10_000 || self.quick_notes.contains('\0') {
            return Err(AssetError::invalid("quick_notes", "at most 10000 characters, no NUL"));
        }
        if self.alert.chars().count() > 1_000 || self.alert.contains('\0') {
            return Err(AssetError::invalid("alert", "at most 1000 characters, no NUL"));
        }
        Ok(())
    }
}

/// The actor of an audit event caused by `user`.
pub fn actor(user: &User) -> Actor {
    Actor::User { id: user.id.clone(), email: user.email.clone() }
}

fn taken(conn: &mut DbConn, tenant: &TenantId, name: &str, except: Option<&str>) -> Result<bool, AssetError> {
    let mut query = organizations::table
        .filter(organizations::tenant_id.eq(tenant.as_str()))
        .filter(organizations::name.eq(name))
        .into_boxed();
    if let Some(id) = except {
        query = query.filter(organizations::id.ne(id));
    }
    Ok(query.count().get_result::<i64>(conn)? > 0)
}

/// Creates an organization; the caller has checked `can(Create, Tenant)`.
pub fn create(
    conn: &mut DbConn,
    tenant: &TenantId,
    input: &OrganizationInput,
    by: Actor,
) -> Result<Organization, AssetError> {
    input.validate()?;
    let name = input.name.trim();
    if taken(conn, tenant, name, None)? {
        return Err(AssetError::NameTaken);
    }
    let id = new_id();
    let now = cairn_store::now();
    let label = actor_label(&by);
    diesel::insert_into(organizations::table)
        .values((
            organizations::tenant_id.eq(tenant.as_str()),
            organizations::id.eq(&id),
            organizations::name.eq(name),
            organizations::short_name.eq(input.short_name.trim()),
            organizations::kind.eq(&input.kind),
            organizations::status.eq("active"),
            organizations::quick_notes.eq(input.quick_notes.trim()),
            organizations::alert.eq(input.alert.trim()),
            organizations::created_at.eq(now),
            organizations::updated_at.eq(now),
            organizations::updated_by.eq(label),
        ))
        .execute(conn)?;
    let mut event = NewEvent::new(by, AuditAction::OrganizationCreated).target("organization", &id);
    event.organization_id = Some(&id);
    audit::record(conn, tenant, &event)?;
    get(conn, tenant, &id)
}

/// Changes an organization.
pub fn update(
    conn: &mut DbConn,
    tenant: &TenantId,
    id: &str,
    input: &OrganizationInput,
    by: Actor,
) -> Result<(), AssetError> {
    input.validate()?;
    if taken(conn, tenant, input.name.trim(), Some(id))? {
        return Err(AssetError::NameTaken);
    }
    diesel::update(organizations::table.find((tenant.as_str(), id)))
        .set((
            organizations::name.eq(input.name.trim()),
            organizations::short_name.eq(input.short_name.trim()),
            organizations::kind.eq(&input.kind),
            organizations::quick_notes.eq(input.quick_notes.trim()),
            organizations::alert.eq(input.alert.trim()),
            organizations::updated_at.eq(cairn_store::now()),
            organizations::updated_by.eq(actor_label(&by)),
        ))
        .execute(conn)?;
    let mut event = NewEvent::new(by, AuditAction::OrganizationUpdated).target("organization", id);
    event.organization_id = Some(id);
    audit::record(conn, tenant, &event)?;
    Ok(())
}

/// Archives an organization: it leaves every list; its records stay.
pub fn archive(conn: &mut DbConn, tenant: &TenantId, id: &str, by: Actor) -> Result<(), AssetError> {
    diesel::update(organizations::table.find((tenant.as_str(), id)))
        .set((organizations::status.eq("archived"), organizations::updated_at.eq(cairn_store::now())))
        .execute(conn)?;
    let mut event = NewEvent::new(by, AuditAction::OrganizationArchived).target("organization", id);
    event.organization_id = Some(id);
    audit::record(conn, tenant, &event)?;
    Ok(())
}

/// A readable label of who acted.
pub fn actor_label(actor: &Actor) -> String {
    match actor {
        Actor::User { email, .. } => email.clone(),
        Actor::Operator(label) => format!("operator:{label}"),
        Actor::System => "system".into(),
    }
}

/// An organization by id (any status).
pub fn get(conn: &mut DbConn, tenant: &TenantId, id: &str) -> Result<Organization, AssetError> {
    Ok(organizations::table.find((tenant.as_str(), id)).select(Organization::as_select()).first(conn)?)
}

/// The id of the active organization named `name` in `tenant`.
pub fn id_by_name(conn: &mut DbConn, tenant: &TenantId, name: &str) -> Result<String, AssetError> {
    organizations::table
        .filter(organizations::tenant_id.eq(tenant.as_str()))
        .filter(organizations::name.eq(name.trim()))
        .filter(organizations::status.eq("active"))
        .select(organizations::id)
        .first(conn)
        .optional()?
        .ok_or_else(|| AssetError::invalid("org", format!("no organization named {:?}", name.trim())))
}

/// The active organizations of a tenant as (id, name), by name: for pickers and filters.
pub fn names(
    conn: &mut DbConn,
    tenant: &TenantId,
    include_archived: bool,
) -> Result<Vec<(String, String)>, AssetError> {
    let mut query = organizations::table
        .filter(organizations::tenant_id.eq(tenant.as_str()))
        .order(organizations::name)
        .select((organizations::id, organizations::name))
        .into_boxed();
    if !include_archived {
        query = query.filter(organizations::status.eq("active"));
    }
    Ok(query.load(conn)?)
}

/// The user's grant on an organization, if any.
pub fn grant_of(
    conn: &mut DbConn,
    tenant: &TenantId,
    organization_id: &str,
    user_id: &str,
) -> Result<Option<Access>, AssetError> {
    let access: Option<String> = organization_grants::table
        .find((tenant.as_str(), organization_id, user_id))
        .select(organization_grants::access)
        .first(conn)
        .optional()?;
    Ok(access.as_deref().and_then(Access::parse))
}

/// Every grant of a user, by organization id (one query, for lists and search).
pub fn grants_of_user(conn: &mut DbConn, user: &User) -> Result<HashMap<String, Access>, AssetError> {
    let rows: Vec<(String, String)> = organization_grants::table
        .filter(organization_grants::tenant_id.eq(user.tenant_id.as_str()))
        .filter(organization_grants::user_id.eq(&user.id))
        .select((organization_grants::organization_id, organization_grants::access))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(org, access)| Access::parse(&access).map(|a| (org, a))).collect())
}

/// The active organization `id` if `user` may do `action` on it; anything
/// else — missing, archived, another tenant's, not granted — is `NotFound`.
pub fn authorize(
    conn: &mut DbConn,
    user: &User,
    id: &str,
    action: Action,
) -> Result<(Organization, Option<Access>), AssetError> {
    let tenant = user.tenant_id.as_str();
    // The organization and the user's grant on it in one statement: every
    // organization page asks this first (on the engine's own connection).
    let (organization, access): (Organization, Option<String>) =
        cairn_store::on_engine!(conn, |c| organizations::table
            .left_join(
                organization_grants::table.on(organization_grants::tenant_id
                    .eq(organizations::tenant_id)
                    .and(organization_grants::organization_id.eq(organizations::id))
                    .and(organization_grants::user_id.eq(&user.id))),
            )
            .filter(organizations::tenant_id.eq(tenant))
            .filter(organizations::id.eq(id))
            .select((Organization::as_select(), organization_grants::access.nullable()))
            .first(c))?;
    if organization.status != "active" {
        return Err(AssetError::NotFound);
    }
    let grant = access.as_deref().and_then(Access::parse);
    let principal = Principal { role: user.role };
    let resource = Resource::Organization { grant };
    if !can(&principal, Action::View, &resource) || !can(&principal, action, &resource) {
        return Err(AssetError::NotFound);
    }
    Ok((organization, grant))
}

/// The active organizations `user` may open, by name.
pub fn visible(conn: &mut DbConn, user: &User) -> Result<Vec<Organization>, AssetError> {
    let tenant = user.tenant_id.as_str();
    let mut query = organizations::table
        .filter(organizations::tenant_id.eq(tenant))
        .filter(organizations::status.eq("active"))
        .order(organizations::name)
        .select(Organization::as_select())
        .into_boxed();
    let everything = can(&Principal { role: user.role }, Action::View, &Resource::Organization { grant: None });
    if !everything {
        query = query.filter(
            organizations::id.eq_any(
                organization_grants::table
                    .filter(organization_grants::tenant_id.eq(tenant))
                    .filter(organization_grants::user_id.eq(user.id.clone()))
                    .select(organization_grants::organization_id),
            ),
        );
    }
    Ok(query.load(conn)?)
}

/// How many entries of each section, and of each asset type (by id), a user sees.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    /// Built-in sections.
    pub sections: HashMap<Section, i64>,
    /// Asset types, by id.
    pub asset_types: HashMap<String, i64>,
    /// The tenant's asset-type version as this statement saw it, for
    /// [`crate::asset_types::TypeCache`].
    pub asset_types_version: i64,
}

/// The kind under which [`counts`] returns the documents' row.
const DOCUMENTS_ROW: &str = "#documents";
/// The kind under which [`counts`] returns the asset-type version.
const VERSION_ROW: &str = "#types";

/// How many records of each section and asset type `user` sees in the
/// organization, how many documents it has, and the tenant's asset-type
/// version: one statement.
pub fn counts(
    conn: &mut DbConn,
    user: &User,
    organization_id: &str,
    grant: Option<Access>,
) -> Result<Counts, AssetError> {
    let tenant = user.tenant_id.as_str();
    let staff_view = can(
        &Principal { role: user.role },
        Action::View,
        &Resource::Record { grant, visibility: cairn_auth::policy::Visibility::Staff },
    );
    // The documents' count and the types' version ride along in the same
    // statement (one round trip for the whole sidebar), under kinds no
    // record has.
    let rows = cairn_store::on_engine!(conn, |c| {
        let mut query = records::table
            .filter(records::tenant_id.eq(tenant))
            .filter(records::organization_id.eq(organization_id))
            .filter(records::archived.eq(false))
            .group_by((records::kind, records::asset_type_id))
            .select((records::kind, records::asset_type_id, diesel::dsl::count_star()))
            .into_boxed();
        if !staff_view {
            query = query.filter(records::visibility.eq("everyone"));
        }
        let documents = documents::table
            .filter(documents::tenant_id.eq(tenant))
            .filter(documents::organization_id.eq(organization_id))
            .filter(documents::archived.eq(false))
            .select((
                DOCUMENTS_ROW.into_sql::<diesel::sql_types::Text>(),
                None::<String>.into_sql::<diesel::sql_types::Nullable<diesel::sql_types::Text>>(),
                diesel::dsl::count_star(),
            ));
        let version = tenants::table.filter(tenants::id.eq(tenant)).select((
            VERSION_ROW.into_sql::<diesel::sql_types::Text>(),
            None::<String>.into_sql::<diesel::sql_types::Nullable<diesel::sql_types::Text>>(),
            tenants::asset_types_version,
        ));
        query.union_all(documents).union_all(version).load::<(String, Option<String>, i64)>(c)
    })?;
    let mut counts = Counts::default();
    for (kind, asset_type, n) in rows {
        match kind.as_str() {
            DOCUMENTS_ROW => {
                counts.sections.insert(Section::Documents, n);
                continue;
            }
            VERSION_ROW => {
                counts.asset_types_version = n;
                continue;
            }
            _ => {}
        }
        match (Kind::parse(&kind).and_then(Kind::section), asset_type) {
            (Some(section), _) => {
                counts.sections.insert(section, n);
            }
            (None, Some(asset_type)) => {
                counts.asset_types.insert(asset_type, n);
            }
            (None, None) => {}
        }
    }
    Ok(counts)
}

/// A customer's access to an organization, for the overview's access list.
#[derive(Clone, Debug)]
pub struct GrantRow {
    /// The user.
    pub user_id: String,
    /// Their name.
    pub name: String,
    /// Their e-mail.
    pub email: String,
    /// viewer or editor.
    pub access: String,
}

/// Who has access to an organization.
pub fn grants(conn: &mut DbConn, tenant: &TenantId, organization_id: &str) -> Result<Vec<GrantRow>, AssetError> {
    let rows: Vec<(String, String, String, String, String)> =
        organization_grants::table
            .inner_join(users::table.on(
                users::tenant_id.eq(organization_grants::tenant_id).and(users::id.eq(organization_grants::user_id)),
            ))
            .filter(organization_grants::tenant_id.eq(tenant.as_str()))
            .filter(organization_grants::organization_id.eq(organization_id))
            .order(users::email)
            .select((users::id, users::first_name, users::last_name, users::email, organization_grants::access))
            .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user_id, first, last, email, access)| GrantRow {
            user_id,
            name: format!("{first} {last}").trim().to_owned(),
            email,
            access,
        })
        .collect())
}

/// Grants (or changes) a user's access to an organization.
pub fn set_grant(
    conn: &mut DbConn,
    tenant: &TenantId,
    organization_id: &str,
    user_id: &str,
    access: Access,
    by: Actor,
) -> Result<(), AssetError> {
    let _user = cairn_auth::users::by_id(conn, tenant, user_id).map_err(|_| AssetError::NotFound)?;
    diesel::delete(organization_grants::table.find((tenant.as_str(), organization_id, user_id))).execute(conn)?;
    diesel::insert_into(organization_grants::table)
        .values((
            organization_grants::tenant_id.eq(tenant.as_str()),
            organization_grants::organization_id.eq(organization_id),
            organization_grants::user_id.eq(user_id),
            organization_grants::access.eq(access.as_str()),
            organization_grants::created_at.eq(cairn_store::now()),
        ))
        .execute(conn)?;
    let mut event = NewEvent::new(by, AuditAction::OrganizationAccessGranted)
        .target("user", user_id)
        .details(serde_json::json!({ "access": access.as_str() }));
    event.organization_id = Some(organization_id);
    audit::record(conn, tenant, &event)?;
    Ok(())
}

/// Revokes a user's access to an organization.
pub fn revoke_grant(
    conn: &mut DbConn,
    tenant: &TenantId,
    organization_id: &str,
    user_id: &str,
    by: Actor,
) -> Result<(), AssetError> {
    let removed =
        diesel::delete(organization_grants::table.find((tenant.as_str(), organization_id, user_id))).execute(conn)?;
    if removed == 0 {
        return Err(AssetError::NotFound);
    }
    let mut event = NewEvent::new(by, AuditAction::OrganizationAccessRevoked).target("user", user_id);
    event.organization_id = Some(organization_id);
    audit::record(conn, tenant, &event)?;
    Ok(())
}
