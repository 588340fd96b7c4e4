//! Self-service sign-up: a workspace that exists before its owner confirmed
//! the address. It is a tenant in status `unconfirmed` (its slug held, its
//! host answering nothing) with one `signups` row holding the link's hash;
//! confirming makes it active or leaves it for an operator's approval, and
//! unconfirmed ones are deleted once their link has expired.
//!
//! The functions take the caller's platform transaction.

use cairn_store::audit::Actor;
use cairn_store::schema::{signups, tenants};
use cairn_store::{DbConn, TenantId};
use cairn_vault::MasterKey;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::directory::{create_tenant, find_by_slug, purge};
use crate::{NewTenant, TenancyError, Tenant, TenantSlug, TenantStatus};

/// Whether `slug` can be signed up for now: `Ok` or why not (taken,
/// reserved, invalid) in words for the form.
pub fn availability(conn: &mut DbConn, slug: &str, reserved: &[String]) -> Result<TenantSlug, String> {
    let slug = TenantSlug::parse(slug)?;
    if reserved.iter().any(|r| r.eq_ignore_ascii_case(slug.as_str())) {
        return Err(format!("{slug} is reserved"));
    }
    match find_by_slug(conn, &slug) {
        Ok(tenant) if !is_stale(conn, &tenant.id).unwrap_or(false) => Err(format!("{slug} is taken")),
        Ok(_) | Err(TenancyError::NotFound(_)) => Ok(slug),
        Err(other) => {
            tracing::warn!(error = %other, "slug availability unknown");
            Err("the subdomain cannot be checked right now".into())
        }
    }
}

/// Whether `tenant` is an unconfirmed sign-up whose link has expired.
fn is_stale(conn: &mut DbConn, tenant: &TenantId) -> Result<bool, TenancyError> {
    let expired: i64 = signups::table
        .filter(signups::tenant_id.eq(tenant.as_str()))
        .filter(signups::confirmed_at.is_null())
        .filter(signups::expires_at.le(cairn_store::now()))
        .count()
        .get_result(conn)?;
    Ok(expired > 0)
}

/// Deletes every unconfirmed sign-up whose link has expired; returns how many.
pub fn sweep(conn: &mut DbConn) -> Result<usize, TenancyError> {
    let stale: Vec<String> = signups::table
        .filter(signups::confirmed_at.is_null())
        .filter(signups::expires_at.le(cairn_store::now()))
        .select(signups::tenant_id)
        .load(conn)?;
    for id in &stale {
        purge(conn, &TenantId::new(id.clone()))?;
    }
    Ok(stale.len())
}

/// Creates the unconfirmed workspace and its sign-up row. `token_hash` is
/// the hash of the link's token, which only the mail holds.
pub fn start(
    conn: &mut DbConn,
    master: &MasterKey,
    new: &NewTenant,
    email: &str,
    token_hash: &str,
    expires_at: NaiveDateTime,
) -> Result<Tenant, TenancyError> {
    new.validate()?;
    sweep(conn)?;
    let tenant = create_tenant(conn, master, new, Actor::System, TenantStatus::Unconfirmed)?;
    diesel::insert_into(signups::table)
        .values((
            signups::tenant_id.eq(tenant.id.as_str()),
            signups::token_hash.eq(token_hash),
            signups::email.eq(email),
            signups::expires_at.eq(expires_at),
            signups::created_at.eq(cairn_store::now()),
        ))
        .execute(conn)?;
    Ok(tenant)
}

/// A confirmed sign-up: the workspace and its owner's address.
#[derive(Clone, Debug)]
pub struct Confirmed {
    /// The workspace, in its new status.
    pub tenant: Tenant,
    /// The address that signed up (the first owner).
    pub email: String,
}

/// Confirms the sign-up whose link hashes to `token_hash`, if it is
/// unconfirmed and unexpired, and moves the workspace to `next` (active, or
/// awaiting approval). `None` for any other link.
pub fn confirm(conn: &mut DbConn, token_hash: &str, next: TenantStatus) -> Result<Option<Confirmed>, TenancyError> {
    let now = cairn_store::now();
    let row: Option<(String, String)> = signups::table
        .filter(signups::token_hash.eq(token_hash))
        .filter(signups::confirmed_at.is_null())
        .filter(signups::expires_at.gt(now))
        .select((signups::tenant_id, signups::email))
        .first(conn)
        .optional()?;
    let Some((id, email)) = row else { return Ok(None) };
    diesel::update(signups::table.find(&id)).set(signups::confirmed_at.eq(Some(now))).execute(conn)?;
    let (status, pending) = match next {
        TenantStatus::AwaitingApproval => (TenantStatus::Suspended, Some(next.as_str())),
        other => (other, None),
    };
    let changed = diesel::update(tenants::table.find(&id))
        .filter(tenants::pending.eq(TenantStatus::Unconfirmed.as_str()))
        .set((tenants::status.eq(status.as_str()), tenants::pending.eq(pending), tenants::updated_at.eq(now)))
        .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    let slug: String = tenants::table.find(&id).select(tenants::slug).first(conn)?;
    let tenant = find_by_slug(conn, &TenantSlug::parse(&slug).map_err(TenancyError::InvalidSlug)?)?;
    Ok(Some(Confirmed { tenant, email }))
}

/// The address that signed the tenant up, if it was signed up on the apex.
pub fn owner_email(conn: &mut DbConn, tenant: &TenantId) -> Result<Option<String>, TenancyError> {
    Ok(signups::table.find(tenant.as_str()).select(signups::email).first(conn).optional()?)
}

/// Opens a workspace that awaits approval; `false` if it was not awaiting it.
pub fn approve(conn: &mut DbConn, tenant: &TenantId) -> Result<bool, TenancyError> {
    let changed = diesel::update(tenants::table.find(tenant.as_str()))
        .filter(tenants::pending.eq(TenantStatus::AwaitingApproval.as_str()))
        .set((
            tenants::status.eq(TenantStatus::Active.as_str()),
            tenants::pending.eq(None::<String>),
            tenants::updated_at.eq(cairn_store::now()),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}
