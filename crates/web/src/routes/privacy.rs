//! Dismissing the privacy notice.

use poem::web::cookie::{Cookie, SameSite};
use poem::web::{Form, Redirect};
use poem::{IntoResponse, Response, handler};

use crate::page::PRIVACY_COOKIE;

/// The dismiss form.
#[derive(serde::Deserialize)]
pub struct DismissForm {
    /// The page to return to.
    #[serde(default)]
    next: String,
}

/// Remembers the dismissal for a year and returns to the page.
#[handler]
pub fn dismiss(req: &poem::Request, Form(form): Form<DismissForm>) -> Response {
    let mut cookie = Cookie::new_with_str(PRIVACY_COOKIE, "1");
    cookie.set_path("/");
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_max_age(std::time::Duration::from_secs(365 * 24 * 3600));
    req.cookie().add(cookie);
    Redirect::see_other(crate::flow::local_path(&form.next, "/")).into_response()
}
