//! Pieces the sign-in pages share: the client's address, stage routing,
//! password checking with throttling, and wording of password problems.

use std::sync::Arc;

use cairn_auth::password::PasswordProblem;
use cairn_auth::sessions::Stage;
use cairn_auth::{AuthError, User, throttle, users};
use cairn_store::audit::{self, Actor, NewEvent};
use cairn_tenancy::{Site, Tenant};
use poem::web::Redirect;
use poem::{IntoResponse, Request, Response};

use crate::App;
use crate::i18n::Texts;
use crate::session::Signed;

/// The client's address: the TCP peer, or behind a trusted reverse proxy
/// the last `X-Forwarded-For` entry (the one the proxy itself appended).
pub fn client_ip(req: &Request) -> String {
    let trusted = req.data::<Arc<App>>().is_some_and(|app| app.trust_forwarded_for);
    if trusted
        && let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|ip| ip.trim().parse::<std::net::IpAddr>().ok())
    {
        return ip.to_string();
    }
    req.remote_addr().as_socket_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

/// The tenant of a tenant-host request (routes under the tenant router always have one).
pub fn tenant_of(req: &Request) -> poem::Result<Arc<Tenant>> {
    match req.data::<Site>() {
        Some(Site::Tenant(tenant)) => Ok(Arc::clone(tenant)),
        _ => Err(crate::error::not_found()),
    }
}

/// The stage a user's session starts in after a correct password.
pub fn stage_after_password(tenant: &Tenant, user: &User) -> Stage {
    if user.mfa_enrolled() {
        Stage::MfaPending
    } else if tenant.mfa_required {
        Stage::EnrolMfa
    } else {
        Stage::Full
    }
}

/// Where a session of `stage` continues.
pub fn page_of_stage(stage: Stage, next: &str) -> String {
    match stage {
        Stage::EnrolMfa => "/mfa/setup".into(),
        Stage::MfaPending if next.is_empty() || next == "/" => "/login/mfa".into(),
        Stage::MfaPending => format!("/login/mfa?next={}", url_escape(next)),
        Stage::Full => local_path(next, "/organizations").to_owned(),
    }
}

/// `next` if it is a path on this host, else `fallback`: never an open redirect.
pub fn local_path<'a>(next: &'a str, fallback: &'a str) -> &'a str {
    let is_local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
        && next.len() < 2000;
    if is_local { next } else { fallback }
}

fn url_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path("/login", "/"), "/login");
        assert_eq!(local_path("/organizations?x=1", "/"), "/organizations?x=1");
        for bad in [
            "",
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "/a\r\nSet-Cookie: x",
        ] {
            assert_eq!(local_path(bad, "/"), "/", "{bad:?}");
        }
    }
}

/// A 303 to `path`.
pub fn see_other(path: &str) -> Response {
    Redirect::see_other(path).into_response()
}

/// Why a password sign-in failed. Unknown account, wrong password and
/// disabled account are one case on purpose.
#[derive(Debug)]
pub enum SignInFailure {
    /// Wrong in some way; the same answer for every cause.
    Rejected,
    /// Throttled: wait this many seconds.
    Locked(i64),
}

/// Checks e-mail and password in `tenant`, with throttling per account and
/// per client address; an unknown account costs the same time as a wrong password.
pub async fn check_password(
    app: &Arc<App>,
    tenant: &Tenant,
    email: &str,
    password: &str,
    ip: &str,
) -> poem::Result<Result<User, SignInFailure>> {
    let keys = vec![throttle::account_key(&tenant.slug, email), throttle::address_key(ip)];
    let (tenant_id, lookup_email, check_keys) = (tenant.id.clone(), email.to_owned(), keys.clone());
    let looked_up = app
        .db
        .tenant_tx(&tenant.id, move |conn| -> Result<Result<Option<User>, i64>, AuthError> {
            match throttle::check(conn, &check_keys) {
                Err(AuthError::Locked(secs)) => return Ok(Err(secs)),
                Err(other) => return Err(other),
                Ok(()) => {}
            }
            Ok(Ok(users::by_email(conn, &tenant_id, &lookup_email)?))
        })
        .await
        .map_err(crate::error::internal)?;
    let user = match looked_up {
        Err(secs) => return Ok(Err(SignInFailure::Locked(secs))),
        Ok(user) => user,
    };
    // Hashing is slow on purpose: off the async threads.
    let (passwords, candidate, attempt) = (app.passwords.clone(), user.clone(), password.to_owned());
    let matched = tokio::task::spawn_blocking(move || {
        cairn_auth::resets::verify_sign_in(&passwords, candidate.as_ref(), &attempt)
    })
    .await
    .map_err(crate::error::internal)?;
    let accepted = user.filter(|u| matched && u.active);
    let (tenant_id, ok_user, ip, email) =
        (tenant.id.clone(), accepted.clone(), ip.to_owned(), email.trim().to_lowercase());
    app.db
        .tenant_tx(&tenant.id, move |conn| -> Result<(), AuthError> {
            match &ok_user {
                Some(_) => throttle::clear(conn, &keys[0])?,
                None => {
                    throttle::record_failure(conn, &keys[0], throttle::ACCOUNT_FREE_FAILURES)?;
                    throttle::record_failure(conn, &keys[1], throttle::ADDRESS_FREE_FAILURES)?;
                    let mut event =
                        NewEvent::new(Actor::System, "sign_in.failed").details(serde_json::json!({ "email": email }));
                    event.ip = Some(&ip);
                    audit::record(conn, &tenant_id, &event)?;
                }
            }
            Ok(())
        })
        .await
        .map_err(crate::error::internal)?;
    Ok(accepted.ok_or(SignInFailure::Rejected))
}

/// The sentence for a password problem in the page's language.
pub fn password_problem(t: &'static Texts, problem: PasswordProblem) -> &'static str {
    match problem {
        PasswordProblem::TooShort => t.password_too_short,
        PasswordProblem::TooLong => t.password_too_long,
        PasswordProblem::Mismatch => t.password_mismatch,
        PasswordProblem::ContainsIdentity => t.password_identity,
        PasswordProblem::Weak => t.password_weak,
    }
}

/// The signed-in user of a page that needs a full session.
pub fn full_session(req: &Request) -> Option<Signed> {
    req.data::<Signed>().filter(|s| s.is_full()).cloned()
}

/// Records an audit event for a signed-in user's action.
pub fn user_actor(user: &User) -> Actor {
    Actor::User { id: user.id.clone(), email: user.email.clone() }
}
