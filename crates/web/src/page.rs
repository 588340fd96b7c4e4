//! What every page shares: language, tenant branding, privacy notice.

use std::sync::Arc;

use askama::Template;
use cairn_tenancy::{Locale, Site, Tenant};
use poem::http::StatusCode;
use poem::http::header::ACCEPT_LANGUAGE;
use poem::web::Html;
use poem::{IntoResponse, Request, Response};

use crate::i18n::{Texts, texts};

/// The cookie that remembers a dismissed privacy notice.
pub const PRIVACY_COOKIE: &str = "cairn_privacy_ack";

/// The frame around every page: header, footer, notice.
#[derive(Debug)]
pub struct Frame {
    /// UI texts in the page's language.
    pub t: &'static Texts,
    /// The tenant whose workspace this is; `None` on the apex.
    pub tenant: Option<Arc<Tenant>>,
    /// Whether the privacy notice is still to be shown.
    pub show_privacy: bool,
    /// Where dismissing the notice returns to.
    pub path: String,
    /// `light`, `dark` or `system`.
    pub theme: &'static str,
}

impl Frame {
    /// The frame for this request: language by Accept-Language, then the
    /// tenant's default (English on the apex).
    pub fn for_request(req: &Request) -> Self {
        let tenant = match req.data::<Site>() {
            Some(Site::Tenant(tenant)) => Some(Arc::clone(tenant)),
            _ => None,
        };
        let locale = negotiate_locale(req, tenant.as_deref());
        Frame {
            t: texts(locale),
            tenant,
            show_privacy: req.cookie().get(PRIVACY_COOKIE).is_none(),
            path: req.uri().path().to_owned(),
            theme: "system",
        }
    }
}

impl Frame {
    /// A `tel:` link to the tenant's support phone (digits and `+` only).
    pub fn tel_href(&self) -> String {
        let phone = self.tenant.as_ref().map(|t| t.support_phone.as_str()).unwrap_or_default();
        format!("tel:{}", phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect::<String>())
    }
}

/// The language of a page: the browser's preference, then the tenant's default.
pub fn negotiate_locale(req: &Request, tenant: Option<&Tenant>) -> Locale {
    pick_locale(accepted_locale(req), tenant)
}

/// The browser's preferred supported language, if any.
pub fn accepted_locale(req: &Request) -> Option<Locale> {
    req.headers().get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Locale::from_accept_language)
}

/// The browser's choice, else the tenant's default, else English.
pub fn pick_locale(accepted: Option<Locale>, tenant: Option<&Tenant>) -> Locale {
    accepted.or(tenant.map(|t| t.locale)).unwrap_or(Locale::En)
}

/// Renders a template into an HTML response with the given status.
pub fn render<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(html) => Html(html).with_status(status).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
