//! Invitations: a single-use, expiring link that lets one person create an
//! account. Only the token's hash is stored; re-sending voids the old link.

use std::time::Duration;

use cairn_mail::MailContent;
use cairn_mail::outbox::{self, Recipient};
use cairn_store::schema::{invitations, organizations, users};
use cairn_store::{DbConn, TenantId, new_id};
use cairn_tenancy::{PublicUrls, Tenant};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::users::normalize_email;
use crate::{AuthError, Role, User, hash_token, new_token};

/// A stored invitation.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = invitations)]
pub struct Invitation {
    /// Its id.
    pub id: String,
    /// The invited address (lower-case).
    pub email: String,
    /// The role the account gets.
    pub role: String,
    /// The organization the account is granted, if any.
    pub organization_id: Option<String>,
    /// Who invited.
    pub invited_by: Option<String>,
    /// When the link expires.
    pub expires_at: NaiveDateTime,
    /// When it was used.
    pub used_at: Option<NaiveDateTime>,
    /// When it was revoked.
    pub revoked_at: Option<NaiveDateTime>,
    /// When it was made.
    pub created_at: NaiveDateTime,
}

impl Invitation {
    /// Whether the link still works.
    pub fn is_pending(&self) -> bool {
        self.used_at.is_none() && self.revoked_at.is_none() && self.expires_at > cairn_store::now()
    }
}

/// What to invite.
#[derive(Clone, Debug)]
pub struct NewInvitation {
    /// The address.
    pub email: String,
    /// The role.
    pub role: Role,
    /// An organization to grant (viewer access), by id.
    pub organization_id: Option<String>,
    /// The inviting user, if a user (not an operator) invites.
    pub invited_by: Option<User>,
    /// How long the link works.
    pub ttl: Duration,
}

/// Creates an invitation and queues its mail, in the caller's transaction.
/// Returns the invitation and its link (shown to operators by the CLI).
pub fn create(
    conn: &mut DbConn,
    tenant: &Tenant,
    urls: &PublicUrls,
    new: &NewInvitation,
) -> Result<(Invitation, String), AuthError> {
    create_mailing(conn, tenant, urls, new, false)
}

/// Creates the invitation of a self-signed-up workspace's first owner: its
/// mail says the workspace is ready rather than that someone invites them.
pub fn create_first_owner(
    conn: &mut DbConn,
    tenant: &Tenant,
    urls: &PublicUrls,
    new: &NewInvitation,
) -> Result<(Invitation, String), AuthError> {
    create_mailing(conn, tenant, urls, new, true)
}

fn create_mailing(
    conn: &mut DbConn,
    tenant: &Tenant,
    urls: &PublicUrls,
    new: &NewInvitation,
    first_owner: bool,
) -> Result<(Invitation, String), AuthError> {
    let email = normalize_email(&new.email);
    if !cairn_mail::outbox::is_valid_address(&email) {
        return Err(AuthError::invalid("email", "Enter a valid e-mail address."));
    }
    let taken: i64 = users::table
        .filter(users::tenant_id.eq(tenant.id.as_str()))
        .filter(users::email.eq(&email))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Err(AuthError::EmailTaken);
    }
    let organization = match &new.organization_id {
        Some(id) => Some(
            organizations::table
                .find((tenant.id.as_str(), id.as_str()))
                .select(organizations::name)
                .first::<String>(conn)
                .optional()?
                .ok_or_else(|| AuthError::invalid("organization", "No such organization."))?,
        ),
        None => None,
    };
    // One live link per address: a new invitation voids older ones.
    revoke_pending_for(conn, &tenant.id, &email)?;
    let token = new_token();
    let id = new_id();
    let now = cairn_store::now();
    let expires_at = now + chrono::Duration::from_std(new.ttl).unwrap_or(chrono::Duration::days(7));
    diesel::insert_into(invitations::table)
        .values((
            invitations::tenant_id.eq(tenant.id.as_str()),
            invitations::id.eq(&id),
            invitations::token_hash.eq(hash_token(&token)),
            invitations::email.eq(&email),
            invitations::role.eq(new.role.as_str()),
            invitations::organization_id.eq(&new.organization_id),
            invitations::invited_by.eq(new.invited_by.as_ref().map(|u| u.id.clone())),
            invitations::expires_at.eq(expires_at),
            invitations::created_at.eq(now),
        ))
        .execute(conn)?;
    let link = urls.tenant(&tenant.slug, &format!("/invitations/{token}"));
    let inviter =
        new.invited_by.as_ref().map(User::full_name).filter(|n| !n.is_empty()).unwrap_or_else(|| tenant.name.clone());
    outbox::enqueue(
        conn,
        tenant,
        Recipient { address: &email, name: None, locale: tenant.locale },
        &if first_owner {
            MailContent::WorkspaceReady { link: link.clone(), expires_at }
        } else {
            MailContent::Invitation { inviter, organization, link: link.clone(), expires_at }
        },
    )?;
    let invitation =
        invitations::table.find((tenant.id.as_str(), id.as_str())).select(Invitation::as_select()).first(conn)?;
    Ok((invitation, link))
}

fn revoke_pending_for(conn: &mut DbConn, tenant: &TenantId, email: &str) -> Result<(), AuthError> {
    diesel::update(invitations::table)
        .filter(invitations::tenant_id.eq(tenant.as_str()))
        .filter(invitations::email.eq(email))
        .filter(invitations::used_at.is_null())
        .filter(invitations::revoked_at.is_null())
        .set(invitations::revoked_at.eq(cairn_store::now()))
        .execute(conn)?;
    Ok(())
}

/// The pending invitation of a link token; anything else is [`AuthError::LinkInvalid`].
pub fn find_pending(conn: &mut DbConn, tenant: &TenantId, token: &str) -> Result<Invitation, AuthError> {
    invitations::table
        .filter(invitations::tenant_id.eq(tenant.as_str()))
        .filter(invitations::token_hash.eq(hash_token(token)))
        .select(Invitation::as_select())
        .first::<Invitation>(conn)
        .optional()?
        .filter(Invitation::is_pending)
        .ok_or(AuthError::LinkInvalid)
}

/// Accepts an invitation: marks it used (once, atomically) and creates the
/// user. The organization it names is granted by the caller, in the same
/// transaction (grants are written by `cairn-assets` alone).
pub fn accept(
    conn: &mut DbConn,
    tenant: &Tenant,
    token: &str,
    first_name: &str,
    last_name: &str,
    password_hash: &str,
) -> Result<User, AuthError> {
    let invitation = find_pending(conn, &tenant.id, token)?;
    let now = cairn_store::now();
    let claimed = diesel::update(invitations::table.find((tenant.id.as_str(), invitation.id.as_str())))
        .filter(invitations::used_at.is_null())
        .filter(invitations::revoked_at.is_null())
        .set(invitations::used_at.eq(now))
        .execute(conn)?;
    if claimed != 1 {
        return Err(AuthError::LinkInvalid);
    }
    let taken: i64 = users::table
        .filter(users::tenant_id.eq(tenant.id.as_str()))
        .filter(users::email.eq(&invitation.email))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Err(AuthError::LinkInvalid);
    }
    let id = new_id();
    diesel::insert_into(users::table)
        .values((
            users::tenant_id.eq(tenant.id.as_str()),
            users::id.eq(&id),
            users::email.eq(&invitation.email),
            users::first_name.eq(first_name),
            users::last_name.eq(last_name),
            users::role.eq(&invitation.role),
            users::status.eq("active"),
            users::password_hash.eq(password_hash),
            users::totp_last_step.eq(0_i64),
            users::theme.eq("system"),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    crate::users::by_id(conn, &tenant.id, &id)
}

/// Re-sends an invitation: a new link and mail; the old link stops working.
pub fn resend(
    conn: &mut DbConn,
    tenant: &Tenant,
    urls: &PublicUrls,
    id: &str,
    by: Option<User>,
    ttl: Duration,
) -> Result<(Invitation, String), AuthError> {
    let old =
        invitations::table.find((tenant.id.as_str(), id)).select(Invitation::as_select()).first::<Invitation>(conn)?;
    if old.used_at.is_some() {
        return Err(AuthError::LinkInvalid);
    }
    let role = old.role.parse().map_err(|_| AuthError::NotFound)?;
    create(
        conn,
        tenant,
        urls,
        &NewInvitation { email: old.email, role, organization_id: old.organization_id, invited_by: by, ttl },
    )
}

/// Revokes an invitation; its link stops working.
pub fn revoke(conn: &mut DbConn, tenant: &TenantId, id: &str) -> Result<(), AuthError> {
    let changed = diesel::update(invitations::table.find((tenant.as_str(), id)))
        .filter(invitations::used_at.is_null())
        .set(invitations::revoked_at.eq(cairn_store::now()))
        .execute(conn)?;
    if changed == 1 { Ok(()) } else { Err(AuthError::NotFound) }
}

/// The tenant's invitations that still work, newest first.
pub fn pending(conn: &mut DbConn, tenant: &TenantId) -> Result<Vec<Invitation>, AuthError> {
    let now = cairn_store::now();
    Ok(invitations::table
        .filter(invitations::tenant_id.eq(tenant.as_str()))
        .filter(invitations::used_at.is_null())
        .filter(invitations::revoked_at.is_null())
        .filter(invitations::expires_at.gt(now))
        .order(invitations::created_at.desc())
        .select(Invitation::as_select())
        .load(conn)?)
}
