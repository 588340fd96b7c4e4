//! Cross-site request forgery defence, for every state-changing request:
//!
//! 1. The browser's own word: `Sec-Fetch-Site` must be `same-origin` or
//!    `none`, else the `Origin` must be this host. Sibling tenants are
//!    "same-site" to a browser, so SameSite cookies alone would not do.
//! 2. A token in every form: the session's, or before sign-in a random one
//!    held in a cookie (double submit). Checked here for every content
//!    type: in url-encoded forms as a field; in multipart forms as their
//!    first part (forms put the hidden `csrf_token` input first, and
//!    browsers send parts in document order), read before any upload is.

use std::sync::Arc;

use futures_util::StreamExt;
use poem::http::{Method, StatusCode, header};
use poem::web::cookie::{Cookie, SameSite};
use poem::{Body, Endpoint, IntoResponse, Request, Response};
use subtle::ConstantTimeEq;

use cairn_app::{App, SignedIn};

use crate::session::csrf_cookie_name;

/// The largest url-encoded form accepted.
const MAX_FORM_BYTES: usize = 64 * 1024;
/// How far into a multipart body its first part (the token) must end.
const MAX_TOKEN_PART_BYTES: usize = 16 * 1024;

/// The token forms must carry, in request data for the templates.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

/// Whether a submitted token equals the expected one (constant time).
pub fn matches(expected: &str, given: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

fn refuse(status: StatusCode, why: &'static str) -> poem::Error {
    tracing::info!(status = status.as_u16(), why, "request refused");
    poem::Error::from_string(why, status)
}

/// Whether the browser says the request comes from this very origin.
fn same_origin(req: &Request, app: &App) -> bool {
    if let Some(site) = req.headers().get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => {
            let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
            origin.eq_ignore_ascii_case(&format!("{}://{host}", app.public().scheme))
        }
        // Neither header: not a browser form post (browsers send one of them).
        None => true,
    }
}

/// The middleware: issues the anonymous token and verifies POSTs.
pub async fn verify_csrf<E: Endpoint>(inner: Arc<E>, mut req: Request) -> poem::Result<Response> {
    let Some(app) = req.data::<Arc<App>>().cloned() else {
        return Ok(inner.call(req).await?.into_response());
    };
    let session_token = req.data::<SignedIn>().map(|s| s.session.csrf_token.clone());
    // A documentation view (a GET) with a session cookie: its page takes the
    // session's token once its use case found the session.
    let claimed = req.data::<cairn_app::SessionClaim>().is_some();
    let cookie_token =
        req.cookie().get(csrf_cookie_name(&app)).map(|c| c.value_str().to_owned()).filter(|t| t.len() >= 32);
    let expected = match (&session_token, &cookie_token) {
        (Some(token), _) | (None, Some(token)) => token.clone(),
        (None, None) if claimed => String::new(),
        (None, None) => {
            let token = cairn_auth::new_token();
            let mut cookie = Cookie::new_with_str(csrf_cookie_name(&app), &token);
            cookie.set_path("/");
            cookie.set_http_only(true);
            cookie.set_same_site(SameSite::Lax);
            cookie.set_secure(app.public().is_https());
            req.cookie().add(cookie);
            token
        }
    };
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        if !same_origin(&req, &app) {
            return Err(refuse(StatusCode::FORBIDDEN, "cross-origin form submissions are refused"));
        }
        let content_type = req.content_type().unwrap_or_default().to_ascii_lowercase();
        if content_type.starts_with("application/x-www-form-urlencoded") {
            if req
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<usize>().ok())
                .is_some_and(|n| n > MAX_FORM_BYTES)
            {
                return Err(refuse(StatusCode::PAYLOAD_TOO_LARGE, "the form is too large"));
            }
            let body = req
                .take_body()
                .into_bytes_limit(MAX_FORM_BYTES)
                .await
                .map_err(|_| refuse(StatusCode::PAYLOAD_TOO_LARGE, "the form is too large"))?;
            let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
                .map_err(|_| refuse(StatusCode::BAD_REQUEST, "the form cannot be read"))?;
            let given = fields.iter().find(|(k, _)| k == "csrf_token").map(|(_, v)| v.as_str()).unwrap_or_default();
            if !matches(&expected, given) {
                return Err(refuse(StatusCode::FORBIDDEN, "the form has expired; reload the page and try again"));
            }
            req.set_body(Body::from(body));
        } else if content_type.starts_with("multipart/form-data") {
            // The boundary is case-sensitive: read it from the header as sent.
            let boundary = multer::parse_boundary(req.content_type().unwrap_or_default())
                .map_err(|_| refuse(StatusCode::BAD_REQUEST, "the form cannot be read"))?;
            let mut stream = Box::pin(req.take_body().into_bytes_stream());
            let (prefix, given) = first_part(&mut stream, &boundary).await?;
            if !matches(&expected, &given) {
                return Err(refuse(StatusCode::FORBIDDEN, "the form has expired; reload the page and try again"));
            }
            // The handler reads the whole form again: what was read, then the rest.
            let rest = futures_util::stream::once(async move { Ok::<_, std::io::Error>(prefix) }).chain(stream);
            req.set_body(Body::from_bytes_stream(rest));
        } else {
            return Err(refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "forms are sent as application/x-www-form-urlencoded or multipart/form-data",
            ));
        }
    }
    req.set_data(CsrfToken(expected));
    Ok(inner.call(req).await?.into_response())
}

/// Reads a multipart body until its first part is complete; returns the
/// bytes read and, if that part is the `csrf_token` field, its value ("" otherwise).
async fn first_part<S>(stream: &mut S, boundary: &str) -> poem::Result<(bytes::Bytes, String)>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Unpin,
{
    let expired = || refuse(StatusCode::FORBIDDEN, "the form has expired; reload the page and try again");
    let delimiter = format!("\r\n--{boundary}");
    let mut read: Vec<u8> = Vec::new();
    loop {
        // The first part ends where the second delimiter begins.
        let start = format!("--{boundary}").len();
        if read.len() > start && read[start..].windows(delimiter.len()).any(|w| w == delimiter.as_bytes()) {
            break;
        }
        if read.len() > MAX_TOKEN_PART_BYTES {
            return Err(expired());
        }
        match stream.next().await {
            Some(Ok(chunk)) => read.extend_from_slice(&chunk),
            Some(Err(_)) => return Err(refuse(StatusCode::BAD_REQUEST, "the form cannot be read")),
            None => break,
        }
    }
    let prefix = bytes::Bytes::from(read);
    let once = futures_util::stream::once({
        let prefix = prefix.clone();
        async move { Ok::<_, std::io::Error>(prefix) }
    });
    let mut form = multer::Multipart::new(once, boundary);
    let token = match form.next_field().await {
        Ok(Some(field)) if field.name() == Some("csrf_token") => field.text().await.unwrap_or_default(),
        _ => String::new(),
    };
    Ok((prefix, token))
}
