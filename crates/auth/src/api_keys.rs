//! API keys: what scripts, PSAs and RMMs present to the REST API.
//!
//! A key is `cairn_<prefix>_<secret>`: the prefix finds the row, only the
//! SHA-256 of the whole key is stored (the secret is 256 random bits, so a
//! slow hash buys nothing), and it is shown once. Each key acts through a
//! user of its own (kind `api_key`: no password, no sessions, not listed
//! with the people), so the access policy, grants and the audit log treat it
//! like any user of its role. Requests are counted per key in a window
//! shared by every node.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use subtle::ConstantTimeEq;

use cairn_store::schema::{api_keys, api_rate_windows, users};
use cairn_store::{DbConn, TenantId, new_id};

use crate::tokens::{hash_token, new_token};
use crate::users::{User, UserRow};
use crate::{AuthError, Role};

/// What every key starts with, so leaked keys are easy to recognise and scan for.
const KEY_PREFIX: &str = "cairn_";

/// A stored key (never its secret).
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct ApiKey {
    /// Its id.
    pub id: String,
    /// The user it acts as.
    pub user_id: String,
    /// A name for people ("PSA sync").
    pub name: String,
    /// The public part, shown in lists and the audit log.
    pub prefix: String,
    /// The role it acts with.
    pub role: String,
    /// When it was made.
    pub created_at: NaiveDateTime,
    /// Who made it.
    pub created_by: String,
    /// When it stops working, if ever.
    pub expires_at: Option<NaiveDateTime>,
    /// When it was last used.
    pub last_used_at: Option<NaiveDateTime>,
    /// When it was revoked.
    pub revoked_at: Option<NaiveDateTime>,
}

impl ApiKey {
    /// Whether it still works at `now`.
    pub fn is_live(&self, now: NaiveDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| at > now)
    }
}

/// A key to make.
#[derive(Clone, Debug)]
pub struct NewApiKey {
    /// Its name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// When it stops working.
    pub expires_at: Option<NaiveDateTime>,
    /// Who makes it (an e-mail or `operator:…`).
    pub created_by: String,
}

/// Checks a key's name.
fn validate_name(name: &str) -> Result<String, AuthError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AuthError::invalid("name", "Enter 1 to 100 characters."));
    }
    Ok(name.to_owned())
}

/// Makes a key and the user it acts as; returns it and the key itself
/// (shown once, stored only hashed).
pub fn create(conn: &mut DbConn, tenant: &TenantId, new: &NewApiKey) -> Result<(ApiKey, String), AuthError> {
    let name = validate_name(&new.name)?;
    let prefix: String = new_token().chars().filter(char::is_ascii_alphanumeric).take(10).collect();
    let secret = new_token();
    let key = format!("{KEY_PREFIX}{prefix}_{secret}");
    let (id, user_id, now) = (new_id(), new_id(), cairn_store::now());
    diesel::insert_into(users::table)
        .values((
            users::tenant_id.eq(tenant.as_str()),
            users::id.eq(&user_id),
            // Unique in the tenant, never a mail address: nobody signs in as a key.
            users::email.eq(format!("api-key:{prefix}")),
            users::first_name.eq(&name),
            users::last_name.eq(""),
            users::role.eq(new.role.as_str()),
            users::status.eq("active"),
            users::password_hash.eq("!"),
            users::totp_last_step.eq(0_i64),
            users::theme.eq("system"),
            users::created_at.eq(now),
            users::updated_at.eq(now),
            users::kind.eq("api_key"),
        ))
        .execute(conn)?;
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::tenant_id.eq(tenant.as_str()),
            api_keys::id.eq(&id),
            api_keys::user_id.eq(&user_id),
            api_keys::name.eq(&name),
            api_keys::prefix.eq(&prefix),
            api_keys::secret_hash.eq(hash_token(&key)),
            api_keys::role.eq(new.role.as_str()),
            api_keys::created_at.eq(now),
            api_keys::created_by.eq(&new.created_by),
            api_keys::expires_at.eq(new.expires_at),
        ))
        .execute(conn)?;
    Ok((by_id(conn, tenant, &id)?, key))
}

/// A key by id.
pub fn by_id(conn: &mut DbConn, tenant: &TenantId, id: &str) -> Result<ApiKey, AuthError> {
    Ok(api_keys::table.find((tenant.as_str(), id)).select(ApiKey::as_select()).first(conn)?)
}

/// The tenant's keys, newest first.
pub fn list(conn: &mut DbConn, tenant: &TenantId) -> Result<Vec<ApiKey>, AuthError> {
    Ok(api_keys::table
        .filter(api_keys::tenant_id.eq(tenant.as_str()))
        .order(api_keys::created_at.desc())
        .select(ApiKey::as_select())
        .load(conn)?)
}

/// Revokes a key: it stops working at once, and its user is disabled.
pub fn revoke(conn: &mut DbConn, tenant: &TenantId, id: &str) -> Result<ApiKey, AuthError> {
    let key = by_id(conn, tenant, id)?;
    let now = cairn_store::now();
    diesel::update(api_keys::table.find((tenant.as_str(), id)))
        .filter(api_keys::revoked_at.is_null())
        .set(api_keys::revoked_at.eq(now))
        .execute(conn)?;
    diesel::update(users::table.find((tenant.as_str(), key.user_id.as_str())))
        .set((users::status.eq("disabled"), users::updated_at.eq(now)))
        .execute(conn)?;
    by_id(conn, tenant, id)
}

/// The live key `presented` in `tenant` and the user it acts as; `None`
/// for anything else (malformed, unknown, another tenant's, revoked,
/// expired). Marks the key used.
pub fn authenticate(
    conn: &mut DbConn,
    tenant: &TenantId,
    presented: &str,
) -> Result<Option<(ApiKey, User)>, AuthError> {
    let Some(prefix) = presented.strip_prefix(KEY_PREFIX).and_then(|rest| rest.split_once('_')).map(|(p, _)| p) else {
        return Ok(None);
    };
    if presented.len() > 200 || prefix.is_empty() {
        return Ok(None);
    }
    let Some((key, secret_hash)) = api_keys::table
        .filter(api_keys::tenant_id.eq(tenant.as_str()))
        .filter(api_keys::prefix.eq(prefix))
        .select((ApiKey::as_select(), api_keys::secret_hash))
        .first::<(ApiKey, String)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let now = cairn_store::now();
    if !bool::from(hash_token(presented).as_bytes().ct_eq(secret_hash.as_bytes())) || !key.is_live(now) {
        return Ok(None);
    }
    let user: User = users::table
        .find((tenant.as_str(), key.user_id.as_str()))
        .select(UserRow::as_select())
        .first::<UserRow>(conn)?
        .into();
    if !user.active {
        return Ok(None);
    }
    // Last use to the minute is enough, and spares a write on most requests.
    if key.last_used_at.is_none_or(|at| now - at > chrono::Duration::seconds(60)) {
        diesel::update(api_keys::table.find((tenant.as_str(), key.id.as_str())))
            .set(api_keys::last_used_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some((key, user)))
}

/// Counts one request of `key` in the current window of `window_secs`;
/// `Err(AuthError::Locked(seconds))` once more than `limit` were made, with
/// the seconds until the window ends. The count lives in the database, so
/// every node shares it.
pub fn count_request(
    conn: &mut DbConn,
    tenant: &TenantId,
    key_id: &str,
    limit: u32,
    window_secs: u32,
) -> Result<(), AuthError> {
    let now = chrono::Utc::now().timestamp();
    let window = i64::from(window_secs.max(1));
    let start = now - now.rem_euclid(window);
    let row = api_rate_windows::table.find((tenant.as_str(), key_id));
    let bumped = diesel::update(row.filter(api_rate_windows::window_start.eq(start)))
        .set(api_rate_windows::requests.eq(api_rate_windows::requests + 1))
        .execute(conn)?;
    if bumped == 0 {
        // A new window (or the first request): start counting again.
        let reset = diesel::update(row)
            .set((api_rate_windows::window_start.eq(start), api_rate_windows::requests.eq(1)))
            .execute(conn)?;
        if reset == 0 {
            diesel::insert_into(api_rate_windows::table)
                .values((
                    api_rate_windows::tenant_id.eq(tenant.as_str()),
                    api_rate_windows::key_id.eq(key_id),
                    api_rate_windows::window_start.eq(start),
                    api_rate_windows::requests.eq(1),
                ))
                .execute(conn)?;
        }
    }
    let requests: i32 = row.select(api_rate_windows::requests).first(conn)?;
    if i64::from(requests) > i64::from(limit) {
        return Err(AuthError::Locked((start + window - now).max(1)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(validate_name("PSA sync").is_ok());
        assert!(validate_name("  ").is_err());
        assert!(validate_name("a\nb").is_err());
    }
}
