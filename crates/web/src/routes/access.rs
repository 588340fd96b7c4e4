//! The seed's last step: "Would you also like access to your own
//! documentation?" — a request that reaches the MSP's staff by mail.

use askama::Template;
use cairn_app::{AccessRequest, AppError};
use poem::http::StatusCode;
use poem::web::Form;
use poem::{Request, Response, handler};
use serde::Deserialize;

use crate::error::WebResult;
use crate::extract::{AnySession, AppData, ClientIp, TenantHost};
use crate::page::{Frame, render};

#[derive(Template)]
#[template(path = "access_request.html")]
struct AccessRequestPage {
    frame: Frame,
    sent: bool,
    error: String,
    name: String,
    email: String,
    company: String,
    message: String,
}

/// `GET /access-request` (prefilled for a signed-in user).
#[handler]
pub fn request_form(req: &Request, AnySession(session): AnySession) -> Response {
    let (name, email) = match session {
        Some(signed) => (signed.user.full_name(), signed.user.email.clone()),
        None => (String::new(), String::new()),
    };
    let page = AccessRequestPage {
        frame: Frame::for_request(req),
        sent: false,
        error: String::new(),
        name,
        email,
        company: String::new(),
        message: String::new(),
    };
    render(StatusCode::OK, &page)
}

/// The request.
#[derive(Deserialize)]
pub struct AccessRequestForm {
    name: String,
    email: String,
    #[serde(default)]
    company: String,
    #[serde(default)]
    message: String,
}

/// `POST /access-request`: mails the MSP's support address (or, without
/// one, its owners), audited; throttled per client address.
#[handler]
pub async fn submit(
    req: &Request,
    app: AppData<'_>,
    TenantHost(tenant): TenantHost,
    ClientIp(ip): ClientIp,
    Form(form): Form<AccessRequestForm>,
) -> WebResult<Response> {
    let frame = Frame::for_request(req);
    let request = AccessRequest {
        name: form.name.clone(),
        email: form.email.clone(),
        company: form.company.clone(),
        message: form.message.clone(),
    };
    match app.request_access(&tenant, &request, &ip).await {
        Ok(()) => {}
        Err(AppError::Invalid { .. }) => {
            let page = AccessRequestPage {
                error: frame.t.access_request_invalid.to_owned(),
                frame,
                sent: false,
                name: form.name,
                email: form.email,
                company: form.company,
                message: form.message,
            };
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
        Err(other) => return Err(other.into()),
    }
    let page = AccessRequestPage {
        frame,
        sent: true,
        error: String::new(),
        name: String::new(),
        email: String::new(),
        company: String::new(),
        message: String::new(),
    };
    Ok(render(StatusCode::OK, &page))
}
