//! Error pages: no such workspace, suspended workspace, unknown path, failure.

use std::sync::Arc;

use askama::Template;
use cairn_tenancy::{Site, Tenant, TenantRejection};
use poem::http::StatusCode;
use poem::{Endpoint, IntoResponse, Request, Response};

use crate::i18n::texts;
use crate::page::{Frame, accepted_locale, pick_locale, render};

/// A card with a title, a sentence and the frame.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    frame: Frame,
    title: &'static str,
    text: &'static str,
}

/// Which message an error page carries.
#[derive(Clone, Copy)]
enum Kind {
    NoWorkspace,
    Suspended,
    PageNotFound,
    Failure,
}

fn error_page(
    kind: Kind,
    tenant: Option<Arc<Tenant>>,
    accepted: Option<cairn_tenancy::Locale>,
    path: String,
) -> ErrorPage {
    let t = texts(pick_locale(accepted, tenant.as_deref()));
    let (title, text) = match kind {
        Kind::NoWorkspace => (t.not_found_title, t.not_found_text),
        Kind::Suspended => (t.suspended_title, t.suspended_text),
        Kind::PageNotFound => (t.page_not_found_title, t.page_not_found_text),
        Kind::Failure => (t.error_title, t.error_text),
    };
    let time_zone = tenant.as_ref().map(|t| t.time_zone).unwrap_or(chrono_tz::UTC);
    ErrorPage {
        frame: Frame {
            t,
            tenant,
            user: None,
            avatar: None,
            show_privacy: false,
            path,
            theme: "system",
            csrf: String::new(),
            time_zone,
        },
        title,
        text,
    }
}

/// Turns errors of the pages below into HTML pages in the visitor's language.
/// Client errors other than 404 (405, 400, 415, …) pass through as they are.
pub async fn render_error_pages<E: Endpoint>(inner: Arc<E>, req: Request) -> poem::Result<Response> {
    let tenant = match req.data::<Site>() {
        Some(Site::Tenant(t)) => Some(Arc::clone(t)),
        _ => None,
    };
    let accepted = accepted_locale(&req);
    let path = req.uri().path().to_owned();
    let error = match inner.call(req).await {
        Ok(response) => return Ok(response.into_response()),
        Err(error) => error,
    };
    let status = error.status();
    let (kind, tenant) = match error.downcast_ref::<TenantRejection>() {
        Some(TenantRejection::NotFound) => (Kind::NoWorkspace, None),
        Some(TenantRejection::Suspended(suspended)) => (Kind::Suspended, Some(Arc::clone(suspended))),
        Some(TenantRejection::Unavailable) => (Kind::Failure, None),
        None if status == StatusCode::NOT_FOUND => (Kind::PageNotFound, tenant),
        None if status.is_server_error() => {
            tracing::error!(error = %error, "request failed");
            (Kind::Failure, tenant)
        }
        None => return Err(error),
    };
    Ok(render(status, &error_page(kind, tenant, accepted, path)))
}
