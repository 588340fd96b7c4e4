//! Where the sign-in walk goes next, and redirects that stay on this host.

use cairn_auth::sessions::Stage;
use poem::web::Redirect;
use poem::{IntoResponse, Response};

/// Where a session of `stage` continues.
pub fn page_of_stage(stage: Stage, next: &str) -> String {
    match stage {
        Stage::EnrolMfa => "/mfa/setup".into(),
        Stage::MfaPending if next.is_empty() || next == "/" => "/login/mfa".into(),
        Stage::MfaPending => format!("/login/mfa?next={}", url_escape(next)),
        Stage::Full => local_path(next, "/organizations").to_owned(),
    }
}

/// `next` if it is a path on this host, else `fallback`: never an open redirect.
pub fn local_path<'a>(next: &'a str, fallback: &'a str) -> &'a str {
    let is_local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
        && next.len() < 2000;
    if is_local { next } else { fallback }
}

fn url_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// A 303 to `path`.
pub fn see_other(path: &str) -> Response {
    Redirect::see_other(path).into_response()
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path("/login", "/"), "/login");
        assert_eq!(local_path("/organizations?x=1", "/"), "/organizations?x=1");
        for bad in [
            "",
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "/a\r\nSet-Cookie: x",
        ] {
            assert_eq!(local_path(bad, "/"), "/", "{bad:?}");
        }
    }
}
