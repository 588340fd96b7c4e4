//! Sign-in pages: the tenant's own and the platform's (apex) one.

use askama::Template;
use poem::http::StatusCode;
use poem::web::Redirect;
use poem::{Request, Response, handler};

use crate::page::{Frame, render};

/// A tenant's sign-in card.
#[derive(Template)]
#[template(path = "login.html")]
struct TenantLogin {
    frame: Frame,
    tenant_name: String,
}

/// The platform sign-in card, asking for the subdomain first.
#[derive(Template)]
#[template(path = "apex_login.html")]
struct ApexLogin {
    frame: Frame,
}

/// `/` on a tenant host.
#[handler]
pub fn tenant_root() -> Redirect {
    Redirect::see_other("/login")
}

/// `/` on the apex.
#[handler]
pub fn apex_root() -> Redirect {
    Redirect::see_other("/login")
}

/// `GET /login` on a tenant host.
#[handler]
pub fn tenant_login_page(req: &Request) -> Response {
    let frame = Frame::for_request(req);
    let tenant_name = frame.tenant.as_ref().map(|t| t.name.clone()).unwrap_or_default();
    render(StatusCode::OK, &TenantLogin { frame, tenant_name })
}

/// `GET /login` on the apex.
#[handler]
pub fn apex_login_page(req: &Request) -> Response {
    render(StatusCode::OK, &ApexLogin { frame: Frame::for_request(req) })
}
