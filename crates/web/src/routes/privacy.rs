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
    Redirect::see_other(local_path(&form.next)).into_response()
}

/// `next` if it is a path on this host, else `/`: never an open redirect.
pub fn local_path(next: &str) -> &str {
    let is_local =
        next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.chars().any(char::is_control);
    if is_local { next } else { "/" }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path("/login"), "/login");
        assert_eq!(local_path("/organizations?x=1"), "/organizations?x=1");
        for bad in [
            "",
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "/a\r\nSet-Cookie: x",
        ] {
            assert_eq!(local_path(bad), "/", "{bad:?}");
        }
    }
}
