//! Custom domains: a tenant answers at a name of its own once the name is
//! proven its own, by a DNS TXT record or by an operator.
//!
//! The functions take the caller's transaction (a platform one: a domain is
//! unique across all tenants) so the change and its audit event commit together.

use cairn_store::audit::{self, Actor, AuditAction, NewEvent};
use cairn_store::schema::tenant_domains;
use cairn_store::{DbConn, TenantId, new_id};
use diesel::prelude::*;

use crate::{HostTarget, TenancyError};

/// The label under the domain where the TXT record goes.
pub const TXT_LABEL: &str = "_cairn-verify";

/// An unverified claim older than this no longer blocks others from the name.
const CLAIM_DAYS: i64 = 7;

/// One custom domain of a tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomDomain {
    /// Its id.
    pub id: String,
    /// The host name.
    pub domain: String,
    /// Whether the tenant answers at it.
    pub verified: bool,
    /// The value the TXT record must hold.
    pub token: String,
}

impl CustomDomain {
    /// The name of the TXT record that proves the domain.
    pub fn record_name(&self) -> String {
        format!("{TXT_LABEL}.{}", self.domain)
    }

    /// The text the TXT record must hold.
    pub fn record_value(&self) -> String {
        format!("cairn-verify={}", self.token)
    }
}

/// A host name that may be a custom domain, lower-cased; anything else is refused.
pub fn parse(domain: &str) -> Result<String, TenancyError> {
    match crate::classify_host(Some(domain.trim()), "") {
        HostTarget::Custom(domain) if domain.contains('.') => Ok(domain),
        _ => Err(TenancyError::Domain(domain.trim().to_owned(), "is not a valid host name")),
    }
}

type Row = (String, String, Option<chrono::NaiveDateTime>, String);

fn from_row((id, domain, verified_at, token): Row) -> CustomDomain {
    CustomDomain { id, domain, verified: verified_at.is_some(), token }
}

/// Adds `domain` to `tenant`, verified at once or waiting for its TXT record.
/// A name another tenant uses, or claimed within the last week, is refused.
pub fn add(
    conn: &mut DbConn,
    tenant: &TenantId,
    domain: &str,
    verified: bool,
    actor: Actor,
) -> Result<CustomDomain, TenancyError> {
    let now = cairn_store::now();
    // Stale claims that were never proven give the name back.
    diesel::delete(
        tenant_domains::table
            .filter(tenant_domains::domain.eq(domain))
            .filter(tenant_domains::verified_at.is_null())
            .filter(tenant_domains::created_at.lt(now - chrono::Duration::days(CLAIM_DAYS))),
    )
    .execute(conn)?;
    let taken: i64 = tenant_domains::table.filter(tenant_domains::domain.eq(domain)).count().get_result(conn)?;
    if taken > 0 {
        return Err(TenancyError::DomainTaken(domain.to_owned()));
    }
    let id = new_id();
    let token = uuid::Uuid::new_v4().simple().to_string();
    diesel::insert_into(tenant_domains::table)
        .values((
            tenant_domains::tenant_id.eq(tenant.as_str()),
            tenant_domains::id.eq(&id),
            tenant_domains::domain.eq(domain),
            tenant_domains::created_at.eq(now),
            tenant_domains::verification_token.eq(&token),
            tenant_domains::verified_at.eq(verified.then_some(now)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        tenant,
        &NewEvent::new(actor, AuditAction::TenantDomainAdded)
            .target("tenant_domain", &id)
            .details(serde_json::json!({ "domain": domain, "verified": verified })),
    )?;
    Ok(CustomDomain { id, domain: domain.to_owned(), verified, token })
}

/// The tenant's custom domains, by name.
pub fn list(conn: &mut DbConn, tenant: &TenantId) -> Result<Vec<CustomDomain>, TenancyError> {
    let rows: Vec<Row> = tenant_domains::table
        .filter(tenant_domains::tenant_id.eq(tenant.as_str()))
        .order(tenant_domains::domain)
        .select((
            tenant_domains::id,
            tenant_domains::domain,
            tenant_domains::verified_at,
            tenant_domains::verification_token,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// One of the tenant's custom domains, by id or by name.
pub fn find(conn: &mut DbConn, tenant: &TenantId, id_or_name: &str) -> Result<Option<CustomDomain>, TenancyError> {
    Ok(list(conn, tenant)?.into_iter().find(|d| d.id == id_or_name || d.domain == id_or_name))
}

/// Marks a domain verified; `how` says by what (`dns`, `operator`).
pub fn mark_verified(
    conn: &mut DbConn,
    tenant: &TenantId,
    domain: &CustomDomain,
    how: &str,
    actor: Actor,
) -> Result<(), TenancyError> {
    diesel::update(tenant_domains::table.find((tenant.as_str(), domain.id.as_str())))
        .set(tenant_domains::verified_at.eq(Some(cairn_store::now())))
        .execute(conn)?;
    audit::record(
        conn,
        tenant,
        &NewEvent::new(actor, AuditAction::TenantDomainVerified)
            .target("tenant_domain", &domain.id)
            .details(serde_json::json!({ "domain": domain.domain, "by": how })),
    )?;
    Ok(())
}

/// Removes a domain: the tenant no longer answers at it.
pub fn remove(conn: &mut DbConn, tenant: &TenantId, domain: &CustomDomain, actor: Actor) -> Result<(), TenancyError> {
    diesel::delete(tenant_domains::table.find((tenant.as_str(), domain.id.as_str()))).execute(conn)?;
    audit::record(
        conn,
        tenant,
        &NewEvent::new(actor, AuditAction::TenantDomainRemoved)
            .target("tenant_domain", &domain.id)
            .details(serde_json::json!({ "domain": domain.domain })),
    )?;
    Ok(())
}
