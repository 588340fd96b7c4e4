//! Sign-in throttling, stored in the database so it holds across nodes.
//!
//! Failures are counted per key (an account, a client address). After a few,
//! each further failure locks the key for a growing time (2 s, 4 s, 8 s, …,
//! at most 15 min). A key's count starts over an hour after its first failure.

use cairn_store::DbConn;
use cairn_store::schema::login_throttle;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};

use crate::AuthError;

/// Failures an account may have before locks begin.
pub const ACCOUNT_FREE_FAILURES: i32 = 3;
/// Failures a client address may have before locks begin (it may serve many people).
pub const ADDRESS_FREE_FAILURES: i32 = 20;
/// Wrong second-factor codes an account may have, across sign-ins, before
/// locks begin. A correct password does not forgive them; a correct code does.
pub const MFA_FREE_FAILURES: i32 = 5;
const MAX_LOCK_SECS: i64 = 15 * 60;
const WINDOW_SECS: i64 = 3600;

/// The key of an account (tenant and e-mail, whether or not it exists).
pub fn account_key(tenant_slug: &str, email: &str) -> String {
    format!("account:{tenant_slug}:{}", email.trim().to_lowercase())
}

/// The key of an account's second factor (wrong codes after a right password).
pub fn mfa_key(tenant_slug: &str, user_id: &str) -> String {
    format!("mfa:{tenant_slug}:{user_id}")
}

/// The key of an account's re-authentication (the current password asked
/// again before a password change or new recovery codes).
pub fn reauth_key(tenant_slug: &str, user_id: &str) -> String {
    format!("reauth:{tenant_slug}:{user_id}")
}

/// The key of a client address.
pub fn address_key(ip: &str) -> String {
    format!("address:{ip}")
}

/// Refuses when any key is locked now; the error tells how long to wait.
pub fn check(conn: &mut DbConn, keys: &[String]) -> Result<(), AuthError> {
    let now = cairn_store::now();
    let locked: Option<NaiveDateTime> = login_throttle::table
        .filter(login_throttle::key.eq_any(keys))
        .filter(login_throttle::locked_until.gt(now))
        .select(diesel::dsl::max(login_throttle::locked_until))
        .first::<Option<NaiveDateTime>>(conn)?;
    match locked {
        Some(until) => Err(AuthError::Locked((until - now).num_seconds().max(1))),
        None => Ok(()),
    }
}

const UPSERT_POSTGRES: &str = "INSERT INTO login_throttle (key, failures, window_start, locked_until, updated_at)
VALUES ($1, 1, $2, NULL, $2)
ON CONFLICT (key) DO UPDATE SET
    failures = CASE WHEN login_throttle.window_start < $3 THEN 1 ELSE login_throttle.failures + 1 END,
    window_start = CASE WHEN login_throttle.window_start < $3 THEN $2 ELSE login_throttle.window_start END,
    updated_at = $2";

const UPSERT_SQLITE: &str = "INSERT INTO login_throttle (key, failures, window_start, locked_until, updated_at)
VALUES (?1, 1, ?2, NULL, ?2)
ON CONFLICT (key) DO UPDATE SET
    failures = CASE WHEN login_throttle.window_start < ?3 THEN 1 ELSE login_throttle.failures + 1 END,
    window_start = CASE WHEN login_throttle.window_start < ?3 THEN ?2 ELSE login_throttle.window_start END,
    updated_at = ?2";

/// Counts a failure for `key`; past `free` failures the key is locked for a
/// time that doubles with each further failure. Returns whether this
/// failure began the locks (the one to tell someone about).
pub fn record_failure(conn: &mut DbConn, key: &str, free: i32) -> Result<bool, AuthError> {
    let now = cairn_store::now();
    let window_floor = now - chrono::Duration::seconds(WINDOW_SECS);
    match conn {
        DbConn::Postgres(pg) => diesel::sql_query(UPSERT_POSTGRES)
            .bind::<Text, _>(key)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(window_floor)
            .execute(pg)?,
        DbConn::Sqlite(lite) => diesel::sql_query(UPSERT_SQLITE)
            .bind::<Text, _>(key)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(window_floor)
            .execute(lite)?,
    };
    let failures: i32 = login_throttle::table.find(key).select(login_throttle::failures).first(conn)?;
    if failures > free {
        let exponent = u32::try_from(failures - free).unwrap_or(0).min(20);
        let secs = 2_i64.saturating_pow(exponent).min(MAX_LOCK_SECS);
        diesel::update(login_throttle::table.find(key))
            .set(login_throttle::locked_until.eq(now + chrono::Duration::seconds(secs)))
            .execute(conn)?;
    }
    Ok(failures == free + 1)
}

/// The keys among `keys` that are locked now, with the end of their lock.
pub fn locked(conn: &mut DbConn, keys: &[String]) -> Result<Vec<(String, NaiveDateTime)>, AuthError> {
    let now = cairn_store::now();
    let rows: Vec<(String, Option<NaiveDateTime>)> = login_throttle::table
        .filter(login_throttle::key.eq_any(keys))
        .filter(login_throttle::locked_until.gt(now))
        .select((login_throttle::key, login_throttle::locked_until))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(key, until)| until.map(|u| (key, u))).collect())
}

/// Forgets a key's failures (after a successful sign-in).
pub fn clear(conn: &mut DbConn, key: &str) -> Result<(), AuthError> {
    diesel::delete(login_throttle::table.find(key)).execute(conn)?;
    Ok(())
}
