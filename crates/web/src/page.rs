//! What every page shares: language, tenant branding, the signed-in user,
//! the CSRF token, the privacy notice.

use std::sync::{Arc, LazyLock};

use askama::Template;
use cairn_auth::{Role, User};
use cairn_tenancy::{Locale, Site, Tenant};
use chrono::NaiveDateTime;
use chrono::format::{Item, StrftimeItems};
use poem::http::HeaderValue;
use poem::http::StatusCode;
use poem::http::header::{self, ACCEPT_LANGUAGE};
use poem::web::Html;
use poem::{IntoResponse, Request, Response};

use crate::csrf::CsrfToken;
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
    /// The fully signed-in user, for the header menu.
    pub user: Option<User>,
    /// The URL of the user's picture (versioned, so browsers keep it), if they have one.
    pub avatar: Option<String>,
    /// Whether the privacy notice is still to be shown.
    pub show_privacy: bool,
    /// Where dismissing the notice returns to.
    pub path: String,
    /// `light`, `dark` or `system`.
    pub theme: &'static str,
    /// The token every form carries.
    pub csrf: String,
    /// The time zone times are shown in.
    pub time_zone: chrono_tz::Tz,
}

impl Frame {
    /// The frame for this request: language by the user's choice, then
    /// Accept-Language, then the tenant's default (English on the apex).
    pub fn for_request(req: &Request) -> Self {
        let tenant = match req.data::<Site>() {
            Some(Site::Tenant(tenant)) => Some(Arc::clone(tenant)),
            _ => None,
        };
        let session = crate::session::signed_in(req);
        let full = session.filter(|s| s.is_full());
        let user = full.map(|s| s.user.clone());
        let avatar = full.and_then(|s| s.avatar_version).map(|v| format!("/profile/avatar?v={v}"));
        let any_user = session.map(|s| &s.user);
        let locale = any_user.and_then(|u| u.locale).unwrap_or_else(|| negotiate_locale(req, tenant.as_deref()));
        let time_zone =
            any_user.and_then(|u| u.time_zone).or(tenant.as_ref().map(|t| t.time_zone)).unwrap_or(chrono_tz::UTC);
        Frame {
            t: texts(locale),
            theme: any_user.map(|u| u.theme.as_str()).unwrap_or("system"),
            tenant,
            user,
            avatar,
            show_privacy: req.cookie().get(PRIVACY_COOKIE).is_none(),
            path: req.uri().path().to_owned(),
            // A documentation view's session was looked up after the CSRF
            // middleware ran: its token is the session's own.
            csrf: match session {
                Some(s) => s.session.csrf_token.clone(),
                None => req.data::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default(),
            },
            time_zone,
        }
    }

    /// A `tel:` link to the tenant's support phone (digits and `+` only).
    pub fn tel_href(&self) -> String {
        let phone = self.tenant.as_ref().map(|t| t.support_phone.as_str()).unwrap_or_default();
        format!("tel:{}", phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect::<String>())
    }

    /// The tenant's name, or "Cairn" on the apex.
    pub fn site_name(&self) -> &str {
        self.tenant.as_ref().map(|t| t.name.as_str()).unwrap_or("Cairn")
    }

    /// A UTC time in the reader's time zone, e.g. `24.11.2026 14:05`.
    pub fn time(&self, at: &NaiveDateTime) -> String {
        // The patterns are parsed once: a list page formats a time per row.
        static GERMAN: LazyLock<Vec<Item<'static>>> = LazyLock::new(|| items("%d.%m.%Y %H:%M"));
        static ENGLISH: LazyLock<Vec<Item<'static>>> = LazyLock::new(|| items("%-d %b %Y, %H:%M"));
        fn items(pattern: &'static str) -> Vec<Item<'static>> {
            StrftimeItems::new(pattern).parse().unwrap_or_default()
        }
        let local = at.and_utc().with_timezone(&self.time_zone);
        let pattern = if self.t.lang == "de" { &GERMAN } else { &ENGLISH };
        local.format_with_items(pattern.iter()).to_string()
    }

    /// The URL of a static file that names its content (cached for good).
    pub fn asset(&self, path: &'static str) -> &'static str {
        crate::routes::versioned(path)
    }

    /// The versioned path of the tenant's logo, if it has one.
    pub fn logo(&self) -> Option<String> {
        self.tenant.as_ref().and_then(|t| t.logo_path())
    }

    /// Where the privacy policy is: the tenant's own notice here, else its link.
    pub fn privacy_href(&self) -> Option<String> {
        let tenant = self.tenant.as_ref()?;
        if tenant.privacy_notice.trim().is_empty() { tenant.privacy_url.clone() } else { Some("/privacy".to_owned()) }
    }

    /// Whether the signed-in user is an owner.
    pub fn is_owner(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Owner)
    }

    /// A text with `{tenant}` replaced by the tenant's name.
    pub fn with_tenant(&self, text: &str) -> String {
        text.replace("{tenant}", self.site_name())
    }
}

/// "This link is no longer valid" — for used, expired, replaced or unknown
/// invitation, reset and handoff links — with whom to contact.
#[derive(Template)]
#[template(path = "link_invalid.html")]
pub struct LinkInvalid {
    /// The frame.
    pub frame: Frame,
}

/// Marks a response `Referrer-Policy: no-referrer`: pages whose path or
/// query holds a token (invitations, resets, handoffs) never leak it.
pub fn no_referrer(mut response: Response) -> Response {
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// The "link no longer valid" page (410), without a referrer.
pub fn link_invalid(req: &Request) -> Response {
    no_referrer(render(StatusCode::GONE, &LinkInvalid { frame: Frame::for_request(req) }))
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

/// What a page's buffer starts with, so that a section list of 50 rows
/// (about 18 KB) is written without growing it: askama's size hint counts
/// only the template's own text, and growing by doubling copied the page.
const PAGE_CAPACITY: usize = 24 * 1024;

/// Renders a template into an HTML response with the given status.
pub fn render<T: Template>(status: StatusCode, template: &T) -> Response {
    let mut html = String::with_capacity(T::SIZE_HINT.max(PAGE_CAPACITY));
    match template.render_into(&mut html) {
        Ok(()) => Html(html).with_status(status).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
