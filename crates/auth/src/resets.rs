//! Password reset by mail. The answer to a request is the same whether or
//! not the account exists; a reset never bypasses MFA.

use std::time::Duration;

use cairn_mail::MailContent;
use cairn_mail::outbox::{self, Recipient};
use cairn_store::schema::password_resets;
use cairn_store::{DbConn, TenantId, new_id};
use cairn_tenancy::{PublicUrls, Tenant};
use diesel::prelude::*;

use crate::{AuthError, User, hash_token, new_token, users};

/// Queues a reset mail if `email` belongs to an active user; does nothing otherwise.
pub fn request(
    conn: &mut DbConn,
    tenant: &Tenant,
    urls: &PublicUrls,
    email: &str,
    ttl: Duration,
) -> Result<(), AuthError> {
    let Some(user) = users::by_email(conn, &tenant.id, email)?.filter(|u| u.active) else {
        return Ok(());
    };
    let token = new_token();
    let now = cairn_store::now();
    let expires_at = now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(1));
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::tenant_id.eq(tenant.id.as_str()),
            password_resets::id.eq(new_id()),
            password_resets::token_hash.eq(hash_token(&token)),
            password_resets::user_id.eq(&user.id),
            password_resets::expires_at.eq(expires_at),
            password_resets::created_at.eq(now),
        ))
        .execute(conn)?;
    let link = urls.tenant(&tenant.slug, &format!("/password-reset/{token}"));
    outbox::enqueue(
        conn,
        tenant,
        Recipient { address: &user.email, name: Some(&user.full_name()), locale: user.locale.unwrap_or(tenant.locale) },
        &MailContent::PasswordReset { link, expires_at },
    )?;
    Ok(())
}

/// The user a pending reset token belongs to.
pub fn find(conn: &mut DbConn, tenant: &TenantId, token: &str) -> Result<User, AuthError> {
    let now = cairn_store::now();
    let user_id: String = password_resets::table
        .filter(password_resets::tenant_id.eq(tenant.as_str()))
        .filter(password_resets::token_hash.eq(hash_token(token)))
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(now))
        .select(password_resets::user_id)
        .first(conn)
        .optional()?
        .ok_or(AuthError::LinkInvalid)?;
    users::by_id(conn, tenant, &user_id)
}

/// Uses a reset token (once) to set `password_hash`; ends the user's sessions
/// and voids their other reset links.
pub fn complete(conn: &mut DbConn, tenant: &TenantId, token: &str, password_hash: &str) -> Result<User, AuthError> {
    let user = find(conn, tenant, token)?;
    let now = cairn_store::now();
    diesel::update(password_resets::table)
        .filter(password_resets::tenant_id.eq(tenant.as_str()))
        .filter(password_resets::user_id.eq(&user.id))
        .filter(password_resets::used_at.is_null())
        .set(password_resets::used_at.eq(now))
        .execute(conn)?;
    users::set_password_hash(conn, &user, password_hash)?;
    crate::sessions::end_all(conn, tenant, &user.id, None)?;
    Ok(user)
}

/// Changes a signed-in user's password and ends their other sessions.
pub fn change_password(
    conn: &mut DbConn,
    user: &User,
    keep_session: &str,
    password_hash: &str,
) -> Result<(), AuthError> {
    users::set_password_hash(conn, user, password_hash)?;
    crate::sessions::end_all(conn, &user.tenant_id, &user.id, Some(keep_session))?;
    Ok(())
}

/// Whether `password` is the user's current password.
pub fn verify_current(passwords: &crate::password::Passwords, user: &User, password: &str) -> bool {
    passwords.verify(password, &user.password_hash)
}

/// Whether `password` is the user's password; costs the same when `user` is `None`.
pub fn verify_sign_in(passwords: &crate::password::Passwords, user: Option<&User>, password: &str) -> bool {
    match user {
        Some(user) => passwords.verify(password, &user.password_hash),
        None => passwords.verify_dummy(password),
    }
}
