//! Accepting an invitation: the create-account form.

use askama::Template;
use cairn_app::{AccountInput, AppError};
use poem::http::StatusCode;
use poem::web::{Form, Path};
use poem::{Request, Response, handler};
use serde::Deserialize;

use crate::error::WebResult;
use crate::extract::{AppData, ClientIp, TenantHost};
use crate::flow::{page_of_stage, see_other};
use crate::messages::form_error;
use crate::page::{Frame, link_invalid, no_referrer, render};
use crate::session::session_cookie;

#[derive(Template)]
#[template(path = "invitation.html")]
struct CreateAccount {
    frame: Frame,
    token: String,
    email: String,
    first_name: String,
    last_name: String,
    error_field: String,
    error: String,
}

/// The create-account form.
#[derive(Deserialize)]
pub struct CreateAccountForm {
    first_name: String,
    last_name: String,
    password: String,
    password_confirm: String,
}

/// `GET /invitations/{token}`: the create-account form, or a page saying the link is no longer valid.
#[handler]
pub async fn invitation_page(
    req: &Request,
    app: AppData<'_>,
    TenantHost(tenant): TenantHost,
    Path(token): Path<String>,
) -> WebResult<Response> {
    match app.invitation(&tenant, token.clone()).await {
        Ok(invitation) => {
            let page = CreateAccount {
                frame: Frame::for_request(req),
                token,
                email: invitation.email,
                first_name: String::new(),
                last_name: String::new(),
                error_field: String::new(),
                error: String::new(),
            };
            Ok(no_referrer(render(StatusCode::OK, &page)))
        }
        Err(AppError::LinkInvalid) => Ok(link_invalid(req)),
        Err(other) => Err(other.into()),
    }
}

/// `POST /invitations/{token}`: creates the user and a session that can only enrol MFA.
#[handler]
pub async fn invitation_accept(
    req: &Request,
    app: AppData<'_>,
    TenantHost(tenant): TenantHost,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    Form(form): Form<CreateAccountForm>,
) -> WebResult<Response> {
    let input = AccountInput {
        first_name: form.first_name.clone(),
        last_name: form.last_name.clone(),
        password: form.password,
        password_confirm: form.password_confirm,
    };
    match app.accept_invitation(&tenant, token.clone(), &input, &ip).await {
        Ok(session) => {
            req.cookie().add(session_cookie(&app, &session.token));
            Ok(see_other(&page_of_stage(session.stage, "/profile")))
        }
        Err(AppError::LinkInvalid) => Ok(link_invalid(req)),
        Err(error) => {
            let frame = Frame::for_request(req);
            let (error_field, message) = form_error(frame.t, &error).ok_or(error)?;
            let invitation = app.invitation(&tenant, token.clone()).await?;
            let page = CreateAccount {
                frame,
                token,
                email: invitation.email,
                first_name: form.first_name,
                last_name: form.last_name,
                error_field,
                error: message,
            };
            Ok(no_referrer(render(StatusCode::UNPROCESSABLE_ENTITY, &page)))
        }
    }
}
