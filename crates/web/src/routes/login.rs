//! Signing in and out: the tenant's own sign-in, the MFA challenge, the
//! platform (apex) sign-in with its handoff, and password reset.

use std::sync::Arc;

use askama::Template;
use cairn_auth::sessions::{self, Stage};
use cairn_auth::{AuthError, mfa, password, recovery, resets, throttle};
use cairn_store::audit::{self, NewEvent};
use cairn_tenancy::{HostTarget, TenantStatus, classify_host};
use poem::http::{HeaderValue, StatusCode, header};
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use crate::App;
use crate::flow::{self, SignInFailure, client_ip, page_of_stage, see_other, tenant_of, user_actor};
use crate::page::{Frame, LinkInvalid, render};
use crate::session::{Signed, clear_session_cookie, session_cookie};

#[derive(Template)]
#[template(path = "login.html")]
struct TenantLogin {
    frame: Frame,
    error: Option<String>,
    notice: Option<String>,
    email: String,
    next: String,
}

#[derive(Template)]
#[template(path = "apex_login.html")]
struct ApexLogin {
    frame: Frame,
    error: Option<String>,
    subdomain: String,
    email: String,
}

#[derive(Template)]
#[template(path = "login_mfa.html")]
struct LoginMfa {
    frame: Frame,
    error: Option<String>,
    next: String,
}

#[derive(Template)]
#[template(path = "notice.html")]
struct Notice {
    frame: Frame,
    title: &'static str,
    text: String,
}

#[derive(Template)]
#[template(path = "password_reset.html")]
struct ResetRequest {
    frame: Frame,
}

#[derive(Template)]
#[template(path = "password_reset_form.html")]
struct ResetForm {
    frame: Frame,
    token: String,
    email: String,
    error_field: &'static str,
    error: String,
}

/// `next` from a query string.
#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// The tenant sign-in form.
#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// The apex sign-in form.
#[derive(Deserialize)]
pub struct ApexLoginForm {
    subdomain: String,
    email: String,
    password: String,
}

/// The MFA challenge form.
#[derive(Deserialize)]
pub struct MfaForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    recovery_code: String,
    #[serde(default)]
    next: String,
}

/// `/` on a tenant host.
#[handler]
pub fn tenant_root(req: &Request) -> Response {
    match req.data::<Signed>() {
        Some(signed) => see_other(&page_of_stage(signed.session.stage, "")),
        None => see_other("/login"),
    }
}

/// `/` on the apex.
#[handler]
pub fn apex_root() -> Response {
    see_other("/login")
}

/// `GET /login` on a tenant host; a session already under way continues where it stands.
#[handler]
pub fn tenant_login_page(req: &Request, Query(query): Query<NextQuery>) -> Response {
    if let Some(signed) = req.data::<Signed>() {
        return see_other(&page_of_stage(signed.session.stage, &query.next));
    }
    let page = TenantLogin {
        frame: Frame::for_request(req),
        error: None,
        notice: None,
        email: String::new(),
        next: query.next,
    };
    render(StatusCode::OK, &page)
}

/// `POST /login` on a tenant host.
#[handler]
pub async fn tenant_login(req: &Request, app: Data<&Arc<App>>, Form(form): Form<LoginForm>) -> poem::Result<Response> {
    let tenant = tenant_of(req)?;
    let ip = client_ip(req);
    match flow::check_password(&app, &tenant, &form.email, &form.password, &ip).await? {
        Ok(user) => {
            let stage = flow::stage_after_password(&tenant, &user);
            let (tenant_id, timeouts, old) =
                (tenant.id.clone(), app.timeouts, req.data::<Signed>().map(|s| s.session.id.clone()));
            let token = app
                .db
                .tenant_tx(&tenant.id, move |conn| -> Result<String, AuthError> {
                    // A fresh session on every sign-in; whatever came before ends.
                    if let Some(old) = old {
                        sessions::end(conn, &tenant_id, &old)?;
                    }
                    let (session, token) = sessions::create(conn, &tenant_id, &user.id, stage, Some(&ip), &timeouts)?;
                    if stage == Stage::Full {
                        signed_in_event(conn, &tenant_id, &user, &ip, &session.id)?;
                    }
                    Ok(token)
                })
                .await
                .map_err(crate::error::internal)?;
            req.cookie().add(session_cookie(&app, &token));
            Ok(see_other(&page_of_stage(stage, &form.next)))
        }
        Err(failure) => {
            let frame = Frame::for_request(req);
            let (status, error) = failure_message(&frame, &failure, frame.t.login_failed);
            let page = TenantLogin { frame, error: Some(error), notice: None, email: form.email, next: form.next };
            Ok(render(status, &page))
        }
    }
}

fn failure_message(frame: &Frame, failure: &SignInFailure, rejected: &'static str) -> (StatusCode, String) {
    match failure {
        SignInFailure::Rejected => (StatusCode::UNAUTHORIZED, rejected.to_owned()),
        SignInFailure::Locked(secs) => {
            (StatusCode::TOO_MANY_REQUESTS, frame.t.locked.replace("{seconds}", &secs.to_string()))
        }
    }
}

fn signed_in_event(
    conn: &mut cairn_store::DbConn,
    tenant: &cairn_store::TenantId,
    user: &cairn_auth::User,
    ip: &str,
    session_id: &str,
) -> Result<(), AuthError> {
    let mut event = NewEvent::new(user_actor(user), "sign_in.succeeded").target("session", session_id);
    event.ip = Some(ip);
    audit::record(conn, tenant, &event)?;
    Ok(())
}

/// `GET /login/mfa`: the code challenge after the password.
#[handler]
pub fn mfa_page(req: &Request, Query(query): Query<NextQuery>) -> Response {
    match req.data::<Signed>().map(|s| s.session.stage) {
        Some(Stage::MfaPending) => {
            render(StatusCode::OK, &LoginMfa { frame: Frame::for_request(req), error: None, next: query.next })
        }
        Some(stage) => see_other(&page_of_stage(stage, &query.next)),
        None => see_other("/login"),
    }
}

/// `POST /login/mfa`: a TOTP code or a recovery code; five wrong ones end the challenge.
#[handler]
pub async fn mfa_submit(req: &Request, app: Data<&Arc<App>>, Form(form): Form<MfaForm>) -> poem::Result<Response> {
    let tenant = tenant_of(req)?;
    let Some(signed) = req.data::<Signed>().filter(|s| s.session.stage == Stage::MfaPending).cloned() else {
        return Ok(see_other("/login"));
    };
    let (master, ip) = (Arc::clone(&app.master_key), client_ip(req));
    let (tenant_id, code, recovery_code) = (tenant.id.clone(), form.code.clone(), form.recovery_code.clone());
    let outcome = app
        .db
        .tenant_tx(&tenant.id, move |conn| -> Result<Result<String, bool>, AuthError> {
            let user = &signed.user;
            let checked = if !recovery_code.trim().is_empty() {
                recovery::consume(conn, user, &recovery_code)
            } else {
                let keyring = cairn_tenancy::keys::keyring(conn, &master, &tenant_id)?;
                mfa::verify_code(conn, &keyring, user, &code)
            };
            match checked {
                Ok(()) => {
                    let token = sessions::promote(conn, &signed.session, Stage::Full)?;
                    signed_in_event(conn, &tenant_id, user, &ip, &signed.session.id)?;
                    Ok(Ok(token))
                }
                Err(AuthError::BadCode) => {
                    let failures = sessions::record_mfa_failure(conn, &signed.session)?;
                    let over = failures >= sessions::MAX_MFA_FAILURES;
                    if over {
                        sessions::end(conn, &tenant_id, &signed.session.id)?;
                    }
                    let mut event = NewEvent::new(user_actor(user), "sign_in.mfa_failed");
                    event.ip = Some(&ip);
                    audit::record(conn, &tenant_id, &event)?;
                    Ok(Err(over))
                }
                Err(other) => Err(other),
            }
        })
        .await
        .map_err(crate::error::internal)?;
    match outcome {
        Ok(token) => {
            req.cookie().add(session_cookie(&app, &token));
            Ok(see_other(flow::local_path(&form.next, "/organizations")))
        }
        Err(true) => {
            clear_session_cookie(&app, req);
            let frame = Frame::for_request(req);
            let error = Some(frame.t.challenge_over.to_owned());
            Ok(render(
                StatusCode::UNAUTHORIZED,
                &TenantLogin { frame, error, notice: None, email: String::new(), next: String::new() },
            ))
        }
        Err(false) => {
            let frame = Frame::for_request(req);
            let error = Some(frame.t.code_wrong.to_owned());
            Ok(render(StatusCode::UNAUTHORIZED, &LoginMfa { frame, error, next: form.next }))
        }
    }
}

/// `POST /logout`: ends the session server-side.
#[handler]
pub async fn logout(req: &Request, app: Data<&Arc<App>>) -> poem::Result<Response> {
    if let Some(signed) = req.data::<Signed>().cloned() {
        let tenant = signed.session.tenant_id.clone();
        app.db
            .tenant_tx(&tenant.clone(), move |conn| sessions::end(conn, &tenant, &signed.session.id))
            .await
            .map_err(crate::error::internal)?;
    }
    clear_session_cookie(&app, req);
    Ok(see_other("/login"))
}

/// `GET /login` on the apex.
#[handler]
pub fn apex_login_page(req: &Request) -> Response {
    let page =
        ApexLogin { frame: Frame::for_request(req), error: None, subdomain: String::new(), email: String::new() };
    render(StatusCode::OK, &page)
}

/// `POST /login` on the apex: subdomain, e-mail, password → a single-use
/// handoff to the tenant host, which asks for the MFA code.
#[handler]
pub async fn apex_login(
    req: &Request,
    app: Data<&Arc<App>>,
    Form(form): Form<ApexLoginForm>,
) -> poem::Result<Response> {
    let ip = client_ip(req);
    let typed = form.subdomain.trim().trim_end_matches('.').to_ascii_lowercase();
    let base = &app.public.base_domain;
    // Accept "plusundplus.ch" as well as a pasted "plusundplus.ch.<base>".
    let host = if typed.ends_with(&format!(".{base}")) { typed.clone() } else { format!("{typed}.{base}") };
    let tenant = match classify_host(Some(&host), base) {
        target @ HostTarget::Subdomain(_) => app.directory.resolve(&target).await.map_err(crate::error::internal)?,
        _ => None,
    };
    let tenant = tenant.filter(|t| t.status == TenantStatus::Active);
    let outcome = match &tenant {
        Some(tenant) => flow::check_password(&app, tenant, &form.email, &form.password, &ip).await?,
        None => {
            // No such workspace: spend the same time, and give the same answer.
            let (passwords, attempt) = (app.passwords.clone(), form.password.clone());
            tokio::task::spawn_blocking(move || passwords.verify_dummy(&attempt))
                .await
                .map_err(crate::error::internal)?;
            Err(SignInFailure::Rejected)
        }
    };
    match (tenant, outcome) {
        (Some(tenant), Ok(user)) => {
            let stage = flow::stage_after_password(&tenant, &user);
            let (tenant_id, timeouts, session_ip) = (tenant.id.clone(), app.timeouts, ip.clone());
            let code = app
                .db
                .tenant_tx(&tenant.id, move |conn| {
                    sessions::create_handoff(conn, &tenant_id, &user.id, stage, Some(&session_ip), &timeouts)
                })
                .await
                .map_err(crate::error::internal)?;
            Ok(see_other(&app.public.tenant(&tenant.slug, &format!("/login/handoff?code={code}"))))
        }
        (_, outcome) => {
            let failure = outcome.err().unwrap_or(SignInFailure::Rejected);
            let frame = Frame::for_request(req);
            let (status, error) = failure_message(&frame, &failure, frame.t.apex_login_failed);
            let page = ApexLogin { frame, error: Some(error), subdomain: form.subdomain, email: form.email };
            Ok(render(status, &page))
        }
    }
}

/// The handoff code in the query.
#[derive(Deserialize)]
pub struct HandoffQuery {
    #[serde(default)]
    code: String,
}

/// `GET /login/handoff?code=…` on the tenant host: exchanges the apex's
/// single-use code for this host's own session cookie.
#[handler]
pub async fn handoff(req: &Request, app: Data<&Arc<App>>, Query(query): Query<HandoffQuery>) -> poem::Result<Response> {
    let tenant = tenant_of(req)?;
    let (tenant_id, timeouts) = (tenant.id.clone(), app.timeouts);
    let exchanged = app
        .db
        .tenant_tx(&tenant.id, move |conn| -> Result<Option<(String, Stage)>, AuthError> {
            match sessions::consume_handoff(conn, &tenant_id, &query.code) {
                Ok(token) => {
                    let session = sessions::find(conn, &tenant_id, &token, &timeouts)?.ok_or(AuthError::LinkInvalid)?;
                    Ok(Some((token, session.stage)))
                }
                Err(AuthError::LinkInvalid) => Ok(None),
                Err(other) => Err(other),
            }
        })
        .await
        .map_err(crate::error::internal)?;
    let mut response = match exchanged {
        Some((token, stage)) => {
            req.cookie().add(session_cookie(&app, &token));
            see_other(&page_of_stage(stage, ""))
        }
        None => render(StatusCode::GONE, &LinkInvalid { frame: Frame::for_request(req) }),
    };
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(response)
}

/// Reset mails one account may receive before further requests wait out growing locks.
const RESETS_PER_ACCOUNT: i32 = 2;
/// Reset requests one client address may make before it is throttled.
const RESETS_PER_ADDRESS: i32 = 10;

/// `GET /password-reset`.
#[handler]
pub fn reset_page(req: &Request) -> Response {
    render(StatusCode::OK, &ResetRequest { frame: Frame::for_request(req) })
}

/// The reset request form.
#[derive(Deserialize)]
pub struct ResetRequestForm {
    email: String,
}

/// `POST /password-reset`: the same answer whether or not the account exists.
#[handler]
pub async fn reset_request(
    req: &Request,
    app: Data<&Arc<App>>,
    Form(form): Form<ResetRequestForm>,
) -> poem::Result<Response> {
    let tenant = tenant_of(req)?;
    let (ten, urls, ttl) = (Arc::clone(&tenant), app.public.clone(), app.reset_ttl);
    let (email, ip) = (form.email.clone(), client_ip(req));
    let result = app
        .db
        .tenant_tx(&tenant.id, move |conn| {
            // Each request counts against the account and the address, so nobody
            // can flood a mailbox with reset mails; a throttled request gets
            // the same page and sends nothing.
            let keys = [
                format!("reset:{}", throttle::account_key(&ten.slug, &email)),
                format!("reset:{}", throttle::address_key(&ip)),
            ];
            let throttled = throttle::check(conn, &keys).is_err();
            throttle::record_failure(conn, &keys[0], RESETS_PER_ACCOUNT)?;
            throttle::record_failure(conn, &keys[1], RESETS_PER_ADDRESS)?;
            if throttled { Ok(()) } else { resets::request(conn, &ten, &urls, &email, ttl) }
        })
        .await;
    match result {
        Ok(()) => app.mail_waker.notify_one(),
        // An address mail cannot go to gets the same page: nothing to tell apart.
        Err(AuthError::Mail(_)) => {}
        Err(other) => return Err(crate::error::internal(other)),
    }
    let frame = Frame::for_request(req);
    let page = Notice { title: frame.t.reset_title, text: frame.t.reset_sent.to_owned(), frame };
    Ok(render(StatusCode::OK, &page))
}

/// `GET /password-reset/{token}`.
#[handler]
pub async fn reset_form(req: &Request, app: Data<&Arc<App>>, Path(token): Path<String>) -> poem::Result<Response> {
    let tenant = tenant_of(req)?;
    let (tenant_id, lookup) = (tenant.id.clone(), token.clone());
    let user = app.db.tenant_tx(&tenant.id, move |conn| resets::find(conn, &tenant_id, &lookup)).await;
    let mut response = match user {
        Ok(user) => {
            let page = ResetForm {
                frame: Frame::for_request(req),
                token,
                email: user.email,
                error_field: "",
                error: String::new(),
            };
            render(StatusCode::OK, &page)
        }
        Err(AuthError::LinkInvalid | AuthError::NotFound) => {
            render(StatusCode::GONE, &LinkInvalid { frame: Frame::for_request(req) })
        }
        Err(other) => return Err(crate::error::internal(other)),
    };
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(response)
}

/// The new-password form.
#[derive(Deserialize)]
pub struct NewPasswordForm {
    new_password: String,
    new_password_confirm: String,
}

/// `POST /password-reset/{token}`: sets the password; the next sign-in still asks for MFA.
#[handler]
pub async fn reset_submit(
    req: &Request,
    app: Data<&Arc<App>>,
    Path(token): Path<String>,
    Form(form): Form<NewPasswordForm>,
) -> poem::Result<Response> {
    let tenant = tenant_of(req)?;
    let (tenant_id, lookup) = (tenant.id.clone(), token.clone());
    let user = match app.db.tenant_tx(&tenant.id, move |conn| resets::find(conn, &tenant_id, &lookup)).await {
        Ok(user) => user,
        Err(AuthError::LinkInvalid | AuthError::NotFound) => {
            return Ok(render(StatusCode::GONE, &LinkInvalid { frame: Frame::for_request(req) }));
        }
        Err(other) => return Err(crate::error::internal(other)),
    };
    if let Err(problem) = password::check_new_password(
        &form.new_password,
        &form.new_password_confirm,
        &user.email,
        &tenant.name,
        &user.first_name,
        &user.last_name,
    ) {
        let frame = Frame::for_request(req);
        let field =
            if problem == password::PasswordProblem::Mismatch { "new_password_confirm" } else { "new_password" };
        let error = flow::password_problem(frame.t, problem).to_owned();
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ResetForm { frame, token, email: user.email, error_field: field, error },
        ));
    }
    let passwords = app.passwords.clone();
    let new_password = form.new_password.clone();
    let hash = tokio::task::spawn_blocking(move || passwords.hash(&new_password))
        .await
        .map_err(crate::error::internal)?
        .map_err(crate::error::internal)?;
    let tenant_id = tenant.id.clone();
    app.db
        .tenant_tx(&tenant.id, move |conn| -> Result<(), AuthError> {
            let user = resets::complete(conn, &tenant_id, &token, &hash)?;
            audit::record(conn, &tenant_id, &NewEvent::new(user_actor(&user), "password.reset"))?;
            Ok(())
        })
        .await
        .map_err(crate::error::internal)?;
    let frame = Frame::for_request(req);
    let notice = Some(frame.t.reset_done.to_owned());
    Ok(render(StatusCode::OK, &TenantLogin { frame, error: None, notice, email: String::new(), next: String::new() }))
}
