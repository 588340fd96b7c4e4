//! Signing in and out on the tenant's host: the password, the MFA code, logout.

use askama::Template;
use cairn_app::{AppError, MfaOutcome};
use cairn_auth::sessions::Stage;
use poem::http::StatusCode;
use poem::web::{Form, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use crate::error::WebResult;
use crate::extract::{AnySession, AppData, ClientIp, TenantHost};
use crate::flow::{self, page_of_stage, see_other};
use crate::page::{Frame, render};
use crate::session::{clear_session_cookie, session_cookie};

/// The tenant's sign-in page (also shown after a reset and an ended challenge).
#[derive(Template)]
#[template(path = "login.html")]
pub(super) struct TenantLogin {
    pub(super) frame: Frame,
    pub(super) error: Option<String>,
    pub(super) notice: Option<String>,
    pub(super) email: String,
    pub(super) next: String,
}

#[derive(Template)]
#[template(path = "login_mfa.html")]
struct LoginMfa {
    frame: Frame,
    error: Option<String>,
    next: String,
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

/// `/` on a tenant host: where the visitor's session stands, else sign-in.
#[handler]
pub fn tenant_root(AnySession(session): AnySession) -> Response {
    match session {
        Some(signed) => see_other(&page_of_stage(signed.session.stage, "")),
        None => see_other("/login"),
    }
}

/// `GET /login` on a tenant host; a session already under way continues where it stands.
#[handler]
pub fn tenant_login_page(req: &Request, AnySession(session): AnySession, Query(query): Query<NextQuery>) -> Response {
    if let Some(signed) = session {
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

/// The message of a failed password step, with its status.
pub(super) fn failure_message(frame: &Frame, error: &AppError, rejected: &'static str) -> Option<(StatusCode, String)> {
    match error {
        AppError::Rejected => Some((StatusCode::UNAUTHORIZED, rejected.to_owned())),
        AppError::Locked { seconds } => {
            Some((StatusCode::TOO_MANY_REQUESTS, frame.t.locked.replace("{seconds}", &seconds.to_string())))
        }
        _ => None,
    }
}

/// `POST /login` on a tenant host.
#[handler]
pub async fn tenant_login(
    req: &Request,
    app: AppData<'_>,
    TenantHost(tenant): TenantHost,
    ClientIp(ip): ClientIp,
    AnySession(previous): AnySession,
    Form(form): Form<LoginForm>,
) -> WebResult<Response> {
    let replacing = previous.map(|s| s.session.id);
    match app.sign_in(&tenant, &form.email, &form.password, &ip, replacing).await {
        Ok(session) => {
            req.cookie().add(session_cookie(&app, &session.token));
            Ok(see_other(&page_of_stage(session.stage, &form.next)))
        }
        Err(error) => {
            let frame = Frame::for_request(req);
            let (status, message) = failure_message(&frame, &error, frame.t.login_failed).ok_or(error)?;
            let page = TenantLogin { frame, error: Some(message), notice: None, email: form.email, next: form.next };
            Ok(render(status, &page))
        }
    }
}

/// `GET /login/mfa`: the code challenge after the password.
#[handler]
pub fn mfa_page(req: &Request, AnySession(session): AnySession, Query(query): Query<NextQuery>) -> Response {
    match session.map(|s| s.session.stage) {
        Some(Stage::MfaPending) => {
            render(StatusCode::OK, &LoginMfa { frame: Frame::for_request(req), error: None, next: query.next })
        }
        Some(stage) => see_other(&page_of_stage(stage, &query.next)),
        None => see_other("/login"),
    }
}

/// `POST /login/mfa`: a TOTP code or a recovery code; five wrong ones end the challenge.
#[handler]
pub async fn mfa_submit(
    req: &Request,
    app: AppData<'_>,
    TenantHost(tenant): TenantHost,
    ClientIp(ip): ClientIp,
    AnySession(session): AnySession,
    Form(form): Form<MfaForm>,
) -> WebResult<Response> {
    let Some(signed) = session.filter(|s| s.session.stage == Stage::MfaPending) else {
        return Ok(see_other("/login"));
    };
    let outcome = match app.verify_mfa(&tenant, &signed, &form.code, &form.recovery_code, &ip).await {
        Err(AppError::Locked { seconds }) => {
            // Too many wrong codes for this account, in this sign-in or earlier ones.
            let frame = Frame::for_request(req);
            let error = Some(frame.t.locked.replace("{seconds}", &seconds.to_string()));
            return Ok(render(StatusCode::TOO_MANY_REQUESTS, &LoginMfa { frame, error, next: form.next }));
        }
        other => other?,
    };
    match outcome {
        MfaOutcome::Passed(session) => {
            req.cookie().add(session_cookie(&app, &session.token));
            Ok(see_other(flow::local_path(&form.next, "/organizations")))
        }
        MfaOutcome::ChallengeOver => {
            clear_session_cookie(&app, req);
            let frame = Frame::for_request(req);
            let error = Some(frame.t.challenge_over.to_owned());
            Ok(render(
                StatusCode::UNAUTHORIZED,
                &TenantLogin { frame, error, notice: None, email: String::new(), next: String::new() },
            ))
        }
        MfaOutcome::WrongCode => {
            let frame = Frame::for_request(req);
            let error = Some(frame.t.code_wrong.to_owned());
            Ok(render(StatusCode::UNAUTHORIZED, &LoginMfa { frame, error, next: form.next }))
        }
    }
}

/// `POST /logout`: ends the session server-side.
#[handler]
pub async fn logout(
    req: &Request,
    app: AppData<'_>,
    TenantHost(tenant): TenantHost,
    AnySession(session): AnySession,
) -> WebResult<Response> {
    if let Some(signed) = session {
        app.sign_out(&tenant, signed.session.id).await?;
    }
    clear_session_cookie(&app, req);
    Ok(see_other("/login"))
}
