//! Server-side sessions. The cookie holds a random token; the table its hash.
//!
//! A session moves through stages: `enrol_mfa` (new account, may only enrol
//! MFA) → `mfa_pending` (password checked, code still due) → `full`. Every
//! promotion issues a new token, so a token seen before sign-in is worthless
//! after it.

use std::time::Duration;

use cairn_store::schema::{sessions, user_avatars, users};
use cairn_store::{DbConn, TenantId, new_id};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::users::{User, UserRow};
use crate::{AuthError, hash_token, new_token};

/// How long an unused handoff code from the apex sign-in stays valid.
pub const HANDOFF_TTL: Duration = Duration::from_secs(60);

/// Wrong MFA codes one challenge tolerates.
pub const MAX_MFA_FAILURES: i32 = 5;

/// Where a session stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// A new account that must enrol MFA before anything else.
    EnrolMfa,
    /// Password checked; the MFA code is still due.
    MfaPending,
    /// Signed in.
    Full,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::EnrolMfa => "enrol_mfa",
            Stage::MfaPending => "mfa_pending",
            Stage::Full => "full",
        }
    }

    fn parse(s: &str) -> Stage {
        match s {
            "full" => Stage::Full,
            "enrol_mfa" => Stage::EnrolMfa,
            _ => Stage::MfaPending,
        }
    }
}

/// Session lifetimes.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// Ends a session unused for this long.
    pub idle: Duration,
    /// Ends every session this long after sign-in.
    pub absolute: Duration,
}

/// A live session.
#[derive(Clone, Debug)]
pub struct Session {
    /// The tenant.
    pub tenant_id: TenantId,
    /// The session's id (not its token).
    pub id: String,
    /// Whose session.
    pub user_id: String,
    /// Its stage.
    pub stage: Stage,
    /// The CSRF token of its forms.
    pub csrf_token: String,
    /// Wrong MFA codes so far in this challenge.
    pub mfa_failures: i32,
    /// Last request seen.
    pub last_seen_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = sessions)]
struct SessionRow {
    tenant_id: String,
    id: String,
    user_id: String,
    stage: String,
    csrf_token: String,
    mfa_failures: i32,
    // Read on every page view: the fast reading of SQLite's text.
    #[diesel(deserialize_as = cairn_store::Stamp)]
    last_seen_at: NaiveDateTime,
    #[diesel(deserialize_as = cairn_store::Stamp)]
    expires_at: NaiveDateTime,
}

fn now() -> NaiveDateTime {
    cairn_store::now()
}

fn later(d: Duration) -> NaiveDateTime {
    now() + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::hours(12))
}

/// Starts a session; returns it and the token for the cookie.
pub fn create(
    conn: &mut DbConn,
    tenant: &TenantId,
    user_id: &str,
    stage: Stage,
    ip: Option<&str>,
    timeouts: &Timeouts,
) -> Result<(Session, String), AuthError> {
    let token = new_token();
    let id = new_id();
    let csrf = new_token();
    let now = now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::tenant_id.eq(tenant.as_str()),
            sessions::id.eq(&id),
            sessions::token_hash.eq(hash_token(&token)),
            sessions::user_id.eq(user_id),
            sessions::stage.eq(stage.as_str()),
            sessions::csrf_token.eq(&csrf),
            sessions::mfa_failures.eq(0),
            sessions::ip.eq(ip),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::expires_at.eq(later(timeouts.absolute)),
        ))
        .execute(conn)?;
    let session = Session {
        tenant_id: tenant.clone(),
        id,
        user_id: user_id.to_owned(),
        stage,
        csrf_token: csrf,
        mfa_failures: 0,
        last_seen_at: now,
    };
    Ok((session, token))
}

/// What a read alone can tell of a cookie's session.
#[derive(Debug)]
pub enum Peek {
    /// No such session: nothing to write.
    Unknown,
    /// Live, and its idle deadline was moved less than a minute ago.
    Fresh(Box<Found>),
    /// Expired, or due for its idle deadline to move: [`find`] must run in a
    /// write transaction.
    NeedsWrite,
}

/// A live session with its user, as one query found them.
#[derive(Debug)]
pub struct Found {
    /// The session.
    pub session: Session,
    /// Its user (possibly disabled since: the caller looks).
    pub user: User,
    /// The version of the user's picture, if there is one.
    pub avatar_version: Option<i64>,
}

/// Looks a session up without writing, so that most page views need no
/// write transaction (on SQLite, no write lock). The session, its user and
/// the user's picture version come in one query: it runs on every page view.
pub fn peek(conn: &mut DbConn, tenant: &TenantId, token: &str, timeouts: &Timeouts) -> Result<Peek, AuthError> {
    let token_hash = hash_token(token);
    // Every page view asks this: on the engine's own connection (see `on_engine!`).
    let found = cairn_store::on_engine!(conn, |c| sessions::table
        .inner_join(users::table.on(users::tenant_id.eq(sessions::tenant_id).and(users::id.eq(sessions::user_id))))
        .left_join(
            user_avatars::table
                .on(user_avatars::tenant_id.eq(sessions::tenant_id).and(user_avatars::user_id.eq(sessions::user_id))),
        )
        .filter(sessions::tenant_id.eq(tenant.as_str()))
        .filter(sessions::token_hash.eq(&token_hash))
        .select((SessionRow::as_select(), UserRow::as_select(), user_avatars::updated_at.nullable()))
        .first::<(SessionRow, UserRow, Option<NaiveDateTime>)>(c)
        .optional())?;
    Ok(match found {
        None => Peek::Unknown,
        Some((row, user, avatar_at)) => match freshness(&row, timeouts, now()) {
            Freshness::Live => Peek::Fresh(Box::new(Found {
                session: row.into(),
                user: user.into(),
                avatar_version: crate::avatar::version_of(avatar_at),
            })),
            Freshness::Expired | Freshness::TouchDue => Peek::NeedsWrite,
        },
    })
}

/// How stale `last_seen_at` may be before a request moves it.
const TOUCH_AFTER: chrono::Duration = chrono::Duration::seconds(60);

/// The live session of a cookie token in `tenant`. Expired or idle sessions
/// are deleted and not returned. Touches `last_seen_at` at most once a minute.
pub fn find(
    conn: &mut DbConn,
    tenant: &TenantId,
    token: &str,
    timeouts: &Timeouts,
) -> Result<Option<Session>, AuthError> {
    let Some(row) = lookup(conn, tenant, token)? else {
        return Ok(None);
    };
    let now = now();
    match freshness(&row, timeouts, now) {
        Freshness::Expired => {
            end(conn, tenant, &row.id)?;
            return Ok(None);
        }
        Freshness::TouchDue => {
            diesel::update(sessions::table.find((tenant.as_str(), row.id.as_str())))
                .set(sessions::last_seen_at.eq(now))
                .execute(conn)?;
        }
        Freshness::Live => {}
    }
    Ok(Some(row.into()))
}

/// Where a stored session stands at `now`.
enum Freshness {
    /// Past its absolute or idle deadline.
    Expired,
    /// Live, its idle deadline due to move.
    TouchDue,
    /// Live, touched within the minute.
    Live,
}

fn freshness(row: &SessionRow, timeouts: &Timeouts, now: NaiveDateTime) -> Freshness {
    let idle = chrono::Duration::from_std(timeouts.idle).unwrap_or(chrono::Duration::minutes(30));
    if row.expires_at <= now || row.last_seen_at + idle <= now {
        Freshness::Expired
    } else if now - row.last_seen_at > TOUCH_AFTER {
        Freshness::TouchDue
    } else {
        Freshness::Live
    }
}

/// The stored session of a cookie token, whatever its state.
fn lookup(conn: &mut DbConn, tenant: &TenantId, token: &str) -> Result<Option<SessionRow>, AuthError> {
    Ok(sessions::table
        .filter(sessions::tenant_id.eq(tenant.as_str()))
        .filter(sessions::token_hash.eq(hash_token(token)))
        .select(SessionRow::as_select())
        .first::<SessionRow>(conn)
        .optional()?)
}

impl From<SessionRow> for Session {
    fn from(row: SessionRow) -> Self {
        Session {
            tenant_id: TenantId::new(row.tenant_id),
            id: row.id,
            user_id: row.user_id,
            stage: Stage::parse(&row.stage),
            csrf_token: row.csrf_token,
            mfa_failures: row.mfa_failures,
            last_seen_at: row.last_seen_at,
        }
    }
}

/// Moves a session to `stage` with a new token (and CSRF token); returns the new cookie token.
pub fn promote(conn: &mut DbConn, session: &Session, stage: Stage) -> Result<String, AuthError> {
    let token = new_token();
    diesel::update(sessions::table.find((session.tenant_id.as_str(), session.id.as_str())))
        .set((
            sessions::stage.eq(stage.as_str()),
            sessions::token_hash.eq(hash_token(&token)),
            sessions::csrf_token.eq(new_token()),
            sessions::mfa_failures.eq(0),
            sessions::last_seen_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(token)
}

/// Counts a wrong MFA code; returns the count so far.
pub fn record_mfa_failure(conn: &mut DbConn, session: &Session) -> Result<i32, AuthError> {
    diesel::update(sessions::table.find((session.tenant_id.as_str(), session.id.as_str())))
        .set(sessions::mfa_failures.eq(sessions::mfa_failures + 1))
        .execute(conn)?;
    Ok(sessions::table
        .find((session.tenant_id.as_str(), session.id.as_str()))
        .select(sessions::mfa_failures)
        .first(conn)?)
}

/// Ends one session.
pub fn end(conn: &mut DbConn, tenant: &TenantId, session_id: &str) -> Result<(), AuthError> {
    diesel::delete(sessions::table.find((tenant.as_str(), session_id))).execute(conn)?;
    Ok(())
}

/// Ends every session of a user, except `keep` if given.
pub fn end_all(conn: &mut DbConn, tenant: &TenantId, user_id: &str, keep: Option<&str>) -> Result<usize, AuthError> {
    let mut query = diesel::delete(sessions::table)
        .filter(sessions::tenant_id.eq(tenant.as_str()))
        .filter(sessions::user_id.eq(user_id))
        .into_boxed();
    if let Some(keep) = keep {
        query = query.filter(sessions::id.ne(keep));
    }
    Ok(query.execute(conn)?)
}

/// After a correct password on the apex: a session waiting for its MFA code,
/// reachable only through a single-use code valid for [`HANDOFF_TTL`].
/// Returns the code for the redirect to the tenant host.
pub fn create_handoff(
    conn: &mut DbConn,
    tenant: &TenantId,
    user_id: &str,
    stage: Stage,
    ip: Option<&str>,
    timeouts: &Timeouts,
) -> Result<String, AuthError> {
    // The session's own token is never shown: the tenant host issues a new one.
    let (session, _unused) = create(conn, tenant, user_id, stage, ip, timeouts)?;
    let code = new_token();
    diesel::update(sessions::table.find((tenant.as_str(), session.id.as_str())))
        .set((sessions::handoff_hash.eq(hash_token(&code)), sessions::handoff_expires_at.eq(later(HANDOFF_TTL))))
        .execute(conn)?;
    Ok(code)
}

/// Exchanges a handoff code for the session's cookie token, once.
pub fn consume_handoff(conn: &mut DbConn, tenant: &TenantId, code: &str) -> Result<String, AuthError> {
    let token = new_token();
    // One UPDATE decides: a second use, or a late one, changes no row.
    let changed = diesel::update(sessions::table)
        .filter(sessions::tenant_id.eq(tenant.as_str()))
        .filter(sessions::handoff_hash.eq(hash_token(code)))
        .filter(sessions::handoff_expires_at.gt(now()))
        .set((
            sessions::token_hash.eq(hash_token(&token)),
            sessions::handoff_hash.eq(None::<String>),
            sessions::handoff_expires_at.eq(None::<NaiveDateTime>),
            sessions::last_seen_at.eq(now()),
        ))
        .execute(conn)?;
    if changed == 1 { Ok(token) } else { Err(AuthError::LinkInvalid) }
}

/// Keeps a sealed message in the session until [`take_flash`] reads it once.
pub fn set_flash(conn: &mut DbConn, session: &Session, sealed: &str) -> Result<(), AuthError> {
    diesel::update(sessions::table.find((session.tenant_id.as_str(), session.id.as_str())))
        .set(sessions::flash_sealed.eq(sealed))
        .execute(conn)?;
    Ok(())
}

/// Reads and clears the session's sealed message.
pub fn take_flash(conn: &mut DbConn, session: &Session) -> Result<Option<String>, AuthError> {
    let key = (session.tenant_id.as_str(), session.id.as_str());
    let flash: Option<String> =
        sessions::table.find(key).select(sessions::flash_sealed).first(conn).optional()?.flatten();
    if flash.is_some() {
        diesel::update(sessions::table.find(key)).set(sessions::flash_sealed.eq(None::<String>)).execute(conn)?;
    }
    Ok(flash)
}
