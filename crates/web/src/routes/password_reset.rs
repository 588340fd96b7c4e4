//! Password reset by mail: the same answer whether or not the account exists.

use askama::Template;
use cairn_app::AppError;
use poem::http::StatusCode;
use poem::web::{Form, Path};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::login::TenantLogin;
use crate::error::WebResult;
use crate::extract::{AppData, ClientIp, TenantHost};
use crate::messages::form_error;
use crate::page::{Frame, link_invalid, no_referrer, render};

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
    error_field: String,
    error: String,
}

/// The reset request form.
#[derive(Deserialize)]
pub struct ResetRequestForm {
    email: String,
}

/// The new-password form.
#[derive(Deserialize)]
pub struct NewPasswordForm {
    new_password: String,
    new_password_confirm: String,
}

/// `GET /password-reset`.
#[handler]
pub fn reset_page(req: &Request) -> Response {
    render(StatusCode::OK, &ResetRequest { frame: Frame::for_request(req) })
}

/// `POST /password-reset`: the same answer whether or not the account exists.
#[handler]
pub async fn reset_request(
    req: &Request,
    app: AppData<'_>,
    TenantHost(tenant): TenantHost,
    ClientIp(ip): ClientIp,
    Form(form): Form<ResetRequestForm>,
) -> WebResult<Response> {
    app.request_password_reset(&tenant, &form.email, &ip).await?;
    let frame = Frame::for_request(req);
    let page = Notice { title: frame.t.reset_title, text: frame.t.reset_sent.to_owned(), frame };
    Ok(render(StatusCode::OK, &page))
}

/// `GET /password-reset/{token}`.
#[handler]
pub async fn reset_form(
    req: &Request,
    app: AppData<'_>,
    TenantHost(tenant): TenantHost,
    Path(token): Path<String>,
) -> WebResult<Response> {
    match app.password_reset_email(&tenant, token.clone()).await {
        Ok(email) => {
            let page = ResetForm {
                frame: Frame::for_request(req),
                token,
                email,
                error_field: String::new(),
                error: String::new(),
            };
            Ok(no_referrer(render(StatusCode::OK, &page)))
        }
        Err(AppError::LinkInvalid) => Ok(link_invalid(req)),
        Err(other) => Err(other.into()),
    }
}

/// `POST /password-reset/{token}`: sets the password; the next sign-in still asks for MFA.
#[handler]
pub async fn reset_submit(
    req: &Request,
    app: AppData<'_>,
    TenantHost(tenant): TenantHost,
    Path(token): Path<String>,
    Form(form): Form<NewPasswordForm>,
) -> WebResult<Response> {
    match app.complete_password_reset(&tenant, token.clone(), &form.new_password, &form.new_password_confirm).await {
        Ok(()) => {
            let frame = Frame::for_request(req);
            let notice = Some(frame.t.reset_done.to_owned());
            Ok(render(
                StatusCode::OK,
                &TenantLogin { frame, error: None, notice, email: String::new(), next: String::new() },
            ))
        }
        Err(AppError::LinkInvalid) => Ok(link_invalid(req)),
        Err(error) => {
            let frame = Frame::for_request(req);
            let (error_field, message) = form_error(frame.t, &error).ok_or(error)?;
            let email = app.password_reset_email(&tenant, token.clone()).await?;
            let page = ResetForm { frame, token, email, error_field, error: message };
            Ok(no_referrer(render(StatusCode::UNPROCESSABLE_ENTITY, &page)))
        }
    }
}
