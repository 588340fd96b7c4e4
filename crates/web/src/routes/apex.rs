//! The platform (apex) sign-in: the workspace typed by hand, then a
//! single-use handoff to the tenant's host, which asks for the code.

use askama::Template;
use poem::http::StatusCode;
use poem::web::{Form, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::login::failure_message;
use crate::error::WebResult;
use crate::extract::{AppData, ClientIp, TenantHost};
use crate::flow::{page_of_stage, see_other};
use crate::page::{Frame, link_invalid, no_referrer, render};
use crate::session::session_cookie;

#[derive(Template)]
#[template(path = "apex_login.html")]
struct ApexLogin {
    frame: Frame,
    error: Option<String>,
    subdomain: String,
    email: String,
    /// Whether `/signup` is open, so the page links it.
    signup_open: bool,
}

/// The apex sign-in form.
#[derive(Deserialize)]
pub struct ApexLoginForm {
    subdomain: String,
    email: String,
    password: String,
}

/// The handoff code in the query.
#[derive(Deserialize)]
pub struct HandoffQuery {
    #[serde(default)]
    code: String,
}

/// `/` on the apex.
#[handler]
pub fn apex_root() -> Response {
    see_other("/login")
}

/// `GET /login` on the apex.
#[handler]
pub fn apex_login_page(req: &Request, app: AppData<'_>) -> Response {
    let signup_open = app.signup_mode() != cairn_app::SignupMode::Closed;
    let page = ApexLogin {
        frame: Frame::for_request(req),
        error: None,
        subdomain: String::new(),
        email: String::new(),
        signup_open,
    };
    render(StatusCode::OK, &page)
}

/// `POST /login` on the apex: subdomain, e-mail, password → the tenant's handoff URL.
#[handler]
pub async fn apex_login(
    req: &Request,
    app: AppData<'_>,
    ClientIp(ip): ClientIp,
    Form(form): Form<ApexLoginForm>,
) -> WebResult<Response> {
    match app.sign_in_apex(&form.subdomain, &form.email, &form.password, &ip).await {
        Ok(url) => Ok(see_other(&url)),
        Err(error) => {
            let frame = Frame::for_request(req);
            let (status, message) = failure_message(&frame, &error, frame.t.apex_login_failed).ok_or(error)?;
            let signup_open = app.signup_mode() != cairn_app::SignupMode::Closed;
            let page =
                ApexLogin { frame, error: Some(message), subdomain: form.subdomain, email: form.email, signup_open };
            Ok(render(status, &page))
        }
    }
}

/// `GET /login/handoff?code=…` on the tenant host: exchanges the apex's
/// single-use code for this host's own session cookie.
#[handler]
pub async fn handoff(
    req: &Request,
    app: AppData<'_>,
    TenantHost(tenant): TenantHost,
    Query(query): Query<HandoffQuery>,
) -> WebResult<Response> {
    match app.exchange_handoff(&tenant, query.code).await {
        Ok(session) => {
            req.cookie().add(session_cookie(&app, &session.token));
            Ok(no_referrer(see_other(&page_of_stage(session.stage, ""))))
        }
        Err(cairn_app::AppError::LinkInvalid) => Ok(link_invalid(req)),
        Err(other) => Err(other.into()),
    }
}
