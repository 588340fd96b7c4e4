//! The middleware of the HTML interface, outermost first in [`crate::endpoint`]:
//! request logging, security headers, cookies, then tenant resolution.

use std::sync::Arc;
use std::time::Instant;

use poem::http::{HeaderName, HeaderValue, header};
use poem::{Endpoint, IntoResponse, Request, Response};
use tracing::Instrument;

/// Header carrying the request id back to the client, for support requests.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The Content-Security-Policy of every page: nothing from elsewhere, no
/// inline script or style, no framing.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// Gives each request an id and a span (method, path, tenant), and logs its
/// status and latency when it ends. Query strings are left out: they may
/// carry tokens.
pub async fn request_log<E: Endpoint>(inner: Arc<E>, mut req: Request) -> poem::Result<Response> {
    let address = crate::extract::address_of(&req);
    req.set_data(address);
    let request_id = uuid::Uuid::now_v7().simple().to_string();
    let span = tracing::info_span!(
        "request",
        id = %request_id,
        method = %req.method(),
        path = %loggable_path(req.uri().path()),
        tenant = tracing::field::Empty,
        user = tracing::field::Empty,
    );
    async move {
        let started = Instant::now();
        let mut response = match inner.call(req).await {
            Ok(response) => response.into_response(),
            Err(error) => error.into_response(),
        };
        let latency_ms = started.elapsed().as_micros() as f64 / 1000.0;
        let status = response.status().as_u16();
        if status >= 500 {
            tracing::warn!(status, latency_ms, "request failed");
        } else {
            // One line per request costs a quarter of a light page's
            // throughput; the metrics count requests. `log.filter =
            // "info,cairn_web=debug"` brings the lines back.
            tracing::debug!(status, latency_ms, "request");
        }
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            response.headers_mut().insert(REQUEST_ID, value);
        }
        Ok(response)
    }
    .instrument(span)
    .await
}

/// Paths whose last segment is a secret (a one-time link's token), as the
/// log writes them.
const TOKEN_PATHS: &[&str] = &["/invitations/", "/password-reset/"];

/// The path as the log may hold it: a one-time link's token becomes
/// `:token`, so whoever reads the logs cannot use the link.
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    for prefix in TOKEN_PATHS {
        if let Some(rest) = path.strip_prefix(prefix)
            && !rest.is_empty()
        {
            return format!("{prefix}:token").into();
        }
    }
    path.into()
}

/// Refuses URLs that hold a NUL (400): no text in Cairn may hold one, and
/// PostgreSQL would fail on it deep inside a query.
pub async fn refuse_nul<E: Endpoint>(inner: Arc<E>, req: Request) -> poem::Result<Response> {
    if cairn_app::has_nul(req.uri().path()) || req.uri().query().is_some_and(cairn_app::has_nul) {
        return Ok(poem::http::StatusCode::BAD_REQUEST.into_response());
    }
    Ok(inner.call(req).await?.into_response())
}

/// Adds the security headers every response carries.
pub async fn security_headers<E: Endpoint>(inner: Arc<E>, req: Request) -> poem::Result<Response> {
    // Served over https (behind a TLS proxy): browsers keep to https for a year.
    let https = req.data::<Arc<cairn_app::App>>().is_some_and(|app| app.public().is_https());
    let mut response = match inner.call(req).await {
        Ok(response) => response.into_response(),
        Err(error) => error.into_response(),
    };
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.entry(header::REFERRER_POLICY).or_insert(HeaderValue::from_static("same-origin"));
    headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(CSP));
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if https {
        headers
            .insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    Ok(response)
}

/// Sends requests without a full session to `/login` (303), so protected
/// pages never render for strangers or half-signed-in sessions. A
/// documentation view carries a session claim instead, which its handler's
/// extractor and use case check (a claim's caller is nobody until its
/// session is found full).
pub async fn require_full_session<E: Endpoint>(inner: Arc<E>, req: Request) -> poem::Result<Response> {
    let claimed = req.data::<cairn_app::SessionClaim>().is_some_and(|c| c.signed_in().is_none());
    if claimed || crate::session::signed_in(&req).is_some_and(cairn_app::SignedIn::is_full) {
        return Ok(inner.call(req).await?.into_response());
    }
    Ok(poem::web::Redirect::see_other("/login").into_response())
}

/// Refuses a form whose declared length is over what its path takes (an
/// avatar, or an attachment), before anything reads the body: the CSRF
/// check reads a multipart form's first part, and a client that declares
/// megabytes it never sends must not hold a request open. An upload must
/// declare its length (411 otherwise), so no handler reads an unbounded body.
pub async fn limit_uploads<E: Endpoint>(inner: Arc<E>, req: Request) -> poem::Result<Response> {
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    let multipart = req.content_type().is_some_and(|t| t.to_ascii_lowercase().starts_with("multipart/"));
    let limit = if req.uri().path() == "/profile/avatar" {
        Some(cairn_auth::avatar::MAX_UPLOAD_BYTES)
    } else if req.uri().path() == "/settings/import" {
        req.data::<Arc<cairn_app::App>>().map(|app| usize::try_from(app.max_import_bytes()).unwrap_or(usize::MAX))
    } else {
        req.data::<Arc<cairn_app::App>>().map(|app| app.max_attachment_bytes())
    };
    // Room for the multipart framing and the token part around the file.
    let framing = 64 * 1024;
    match (declared, limit) {
        (None, _) if multipart => {
            Err(poem::Error::from_string("uploads declare their length", poem::http::StatusCode::LENGTH_REQUIRED))
        }
        (Some(declared), Some(limit)) if declared > limit + framing => {
            Err(poem::Error::from_string("the upload is too large", poem::http::StatusCode::PAYLOAD_TOO_LARGE))
        }
        _ => Ok(inner.call(req).await?.into_response()),
    }
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn one_time_tokens_never_reach_the_log() {
        assert_eq!(loggable_path("/invitations/k3Jx9-secret"), "/invitations/:token");
        assert_eq!(loggable_path("/password-reset/abc/def"), "/password-reset/:token");
        assert_eq!(loggable_path("/password-reset"), "/password-reset");
        assert_eq!(loggable_path("/organizations/01a2/passwords"), "/organizations/01a2/passwords");
    }
}
