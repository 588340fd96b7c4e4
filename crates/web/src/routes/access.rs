//! The seed's last step: "Would you also like access to your own
//! documentation?" — a request that reaches the MSP's staff by mail.

use std::sync::Arc;

use askama::Template;
use cairn_auth::{AuthError, Role, throttle, users};
use cairn_mail::MailContent;
use cairn_mail::outbox::{self, Recipient, is_valid_address};
use cairn_store::audit::{self, Actor, NewEvent};
use poem::http::StatusCode;
use poem::web::{Data, Form};
use poem::{Request, Response, handler};
use serde::Deserialize;

use crate::App;
use crate::flow::{client_ip, tenant_of};
use crate::page::{Frame, render};
use crate::session::Signed;

/// Requests one client address may send before it waits out growing locks.
const REQUESTS_PER_ADDRESS: i32 = 5;

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
pub fn request_form(req: &Request) -> Response {
    let (name, email) = match req.data::<Signed>() {
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
    app: Data<&Arc<App>>,
    Form(form): Form<AccessRequestForm>,
) -> poem::Result<Response> {
    let tenant = tenant_of(req)?;
    let frame = Frame::for_request(req);
    let name = form.name.trim().to_owned();
    let email = form.email.trim().to_lowercase();
    let valid = !name.is_empty()
        && name.chars().count() <= 200
        && !name.chars().any(char::is_control)
        && is_valid_address(&email)
        && form.company.chars().count() <= 200
        && !form.company.chars().any(char::is_control)
        && form.message.chars().count() <= 2000;
    if !valid {
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
    let (ten, ip) = (Arc::clone(&tenant), client_ip(req));
    let content = MailContent::AccessRequest {
        name,
        email: email.clone(),
        company: form.company.trim().to_owned(),
        message: form.message.trim().to_owned(),
    };
    app.db
        .tenant_tx(&tenant.id, move |conn| -> Result<(), AuthError> {
            let key = format!("access-request:{}", throttle::address_key(&ip));
            if throttle::check(conn, std::slice::from_ref(&key)).is_err() {
                // Throttled: the same answer, and nothing is sent.
                return Ok(());
            }
            throttle::record_failure(conn, &key, REQUESTS_PER_ADDRESS)?;
            let recipients: Vec<String> = if is_valid_address(&ten.support_email) {
                vec![ten.support_email.clone()]
            } else {
                users::list(conn, &ten.id)?
                    .into_iter()
                    .filter(|u| u.role == Role::Owner && u.active)
                    .map(|u| u.email)
                    .collect()
            };
            for address in &recipients {
                outbox::enqueue(conn, &ten, Recipient { address, name: None, locale: ten.locale }, &content)?;
            }
            let mut event =
                NewEvent::new(Actor::System, "access.requested").details(serde_json::json!({ "email": email }));
            event.ip = Some(&ip);
            audit::record(conn, &ten.id, &event)?;
            Ok(())
        })
        .await
        .map_err(crate::error::internal)?;
    app.mail_waker.notify_one();
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
