//! Self-service sign-up on the apex: the form, the live subdomain check,
//! and the confirmation link from the mail (a page with a button, so mail
//! scanners that open links confirm nothing).

use askama::Template;
use cairn_app::{AppError, Confirmation, SignUp, SignupMode};
use poem::http::StatusCode;
use poem::web::{Form, Json, Path, Query};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use crate::error::{WebResult, not_found};
use crate::extract::{AppData, ClientIp};
use crate::flow::see_other;
use crate::messages::form_error;
use crate::page::{Frame, link_invalid, negotiate_locale, no_referrer, render};

#[derive(Template)]
#[template(path = "signup.html")]
struct SignupPage {
    frame: Frame,
    company: String,
    subdomain: String,
    email: String,
    base_domain: String,
    error_field: String,
    error: String,
}

#[derive(Template)]
#[template(path = "signup_confirm.html")]
struct ConfirmPage {
    frame: Frame,
    token: String,
}

#[derive(Template)]
#[template(path = "notice.html")]
struct Notice {
    frame: Frame,
    title: &'static str,
    text: &'static str,
}

/// The sign-up form.
#[derive(Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    company: String,
    #[serde(default)]
    subdomain: String,
    #[serde(default)]
    email: String,
    /// The honeypot: hidden from people, filled in by bots.
    #[serde(default)]
    website: String,
}

/// The subdomain to check.
#[derive(Deserialize)]
pub struct CheckQuery {
    #[serde(default)]
    subdomain: String,
}

fn open(app: &cairn_app::App) -> WebResult<()> {
    if app.signup_mode() == SignupMode::Closed { Err(not_found()) } else { Ok(()) }
}

fn form_page(req: &Request, app: &cairn_app::App, form: SignupForm, error: Option<(String, String)>) -> SignupPage {
    let (error_field, error) = error.unwrap_or_default();
    SignupPage {
        frame: Frame::for_request(req),
        company: form.company,
        subdomain: form.subdomain,
        email: form.email,
        base_domain: app.public().base_domain.clone(),
        error_field,
        error,
    }
}

/// `GET /signup` on the apex (404 when `signup.mode` is `closed`).
#[handler]
pub fn signup_page(req: &Request, app: AppData<'_>) -> WebResult<Response> {
    open(&app)?;
    let empty =
        SignupForm { company: String::new(), subdomain: String::new(), email: String::new(), website: String::new() };
    Ok(render(StatusCode::OK, &form_page(req, &app, empty, None)))
}

/// `GET /signup/check?subdomain=…`: whether the subdomain can be had, as
/// JSON `{"available": bool, "message": "…"}` for the form's live check.
#[handler]
pub async fn check(app: AppData<'_>, Query(query): Query<CheckQuery>) -> WebResult<Response> {
    let answer = app.subdomain_available(&query.subdomain).await?;
    let body = match answer {
        Ok(slug) => serde_json::json!({ "available": true, "subdomain": slug, "message": "" }),
        Err(why) => serde_json::json!({ "available": false, "message": why }),
    };
    Ok(Json(body).with_header("cache-control", "no-store").into_response())
}

/// `POST /signup`: the same "check your inbox" page whether or not the
/// address is known; invalid, reserved or taken subdomains are explained.
#[handler]
pub async fn signup_submit(
    req: &Request,
    app: AppData<'_>,
    ClientIp(ip): ClientIp,
    Form(form): Form<SignupForm>,
) -> WebResult<Response> {
    open(&app)?;
    let input = SignUp {
        company: form.company.clone(),
        subdomain: form.subdomain.clone(),
        email: form.email.clone(),
        honeypot: form.website.clone(),
    };
    match app.sign_up(input, &ip, negotiate_locale(req, None)).await {
        Ok(()) => {
            let frame = Frame::for_request(req);
            let (title, text) = (frame.t.signup_sent_title, frame.t.signup_sent);
            Ok(render(StatusCode::OK, &Notice { frame, title, text }))
        }
        Err(error) => {
            let t = Frame::for_request(req).t;
            let field_error = match &error {
                AppError::Conflict { field: "slug" } => {
                    Some(("subdomain".to_owned(), format!("{} {} is taken", t.field_invalid, form.subdomain.trim())))
                }
                other => form_error(t, other),
            };
            let Some(field_error) = field_error else { return Err(error.into()) };
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &form_page(req, &app, form, Some(field_error))))
        }
    }
}

/// `GET /signup/{token}`: the link from the mail, with a button to confirm.
#[handler]
pub fn confirm_page(req: &Request, app: AppData<'_>, Path(token): Path<String>) -> WebResult<Response> {
    open(&app)?;
    Ok(no_referrer(render(StatusCode::OK, &ConfirmPage { frame: Frame::for_request(req), token })))
}

/// `POST /signup/{token}`: opens the workspace and continues to the owner's
/// create-account page on its host, or says it awaits approval.
#[handler]
pub async fn confirm(req: &Request, app: AppData<'_>, Path(token): Path<String>) -> WebResult<Response> {
    open(&app)?;
    match app.confirm_signup(&token).await {
        Ok(Confirmation::Ready { link }) => Ok(no_referrer(see_other(&link))),
        Ok(Confirmation::AwaitingApproval) => {
            let frame = Frame::for_request(req);
            let (title, text) = (frame.t.signup_pending_title, frame.t.signup_pending);
            Ok(no_referrer(render(StatusCode::OK, &Notice { frame, title, text })))
        }
        Err(AppError::LinkInvalid) => Ok(link_invalid(req)),
        Err(other) => Err(other.into()),
    }
}
