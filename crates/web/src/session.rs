//! Who is signed in: the session cookie, looked up once per request (here,
//! or for documentation views inside the page's own use case).

use std::sync::Arc;

use cairn_app::{App, SessionClaim, SignedIn};
use cairn_tenancy::Site;
use poem::http::{HeaderValue, Method, header};
use poem::web::cookie::{Cookie, SameSite};
use poem::{Endpoint, IntoResponse, Request, Response};

/// The session cookie's name: `__Host-` prefixed under https, so it is
/// host-only, Secure and path `/` by the browser's own rules.
pub fn session_cookie_name(app: &App) -> &'static str {
    if app.public().is_https() { "__Host-cairn_session" } else { "cairn_session" }
}

/// The anonymous CSRF cookie's name (forms before sign-in).
pub fn csrf_cookie_name(app: &App) -> &'static str {
    if app.public().is_https() { "__Host-cairn_csrf" } else { "cairn_csrf" }
}

/// The session of the request, once looked up: by this middleware, or for
/// the documentation pages by the use case that drew them.
pub fn signed_in(req: &Request) -> Option<&SignedIn> {
    req.data::<SignedIn>().or_else(|| req.data::<SessionClaim>().and_then(SessionClaim::signed_in))
}

/// Whether the request is a view of documentation (an organization, a
/// section list, a record, search): its use case looks the session up in
/// its own transaction, so the middleware leaves a [`SessionClaim`] instead.
/// Other pages on these paths (forms) find the claim and look it up
/// themselves ([`crate::extract::Signed`]), so a wrong guess here costs time only.
fn is_documentation_view(req: &Request) -> bool {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return false;
    }
    let path = req.uri().path();
    if path == "/search" {
        return true;
    }
    let Some(rest) = path.strip_prefix("/organizations/") else {
        return false;
    };
    let mut parts = rest.split('/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(id), None, None, None) => !id.is_empty() && id != "new",
        (Some(_), Some(section), None, None) => !matches!(section, "edit" | "documents" | ""),
        (Some(_), Some(section), Some(record), None) => section != "documents" && !matches!(record, "new" | ""),
        _ => false,
    }
}

/// Loads the session of the request's cookie on tenant hosts, and marks
/// every response of a request with a session `Cache-Control: no-store`,
/// unless the handler chose its own (the versioned, private picture).
pub async fn load_session<E: Endpoint>(inner: Arc<E>, mut req: Request) -> poem::Result<Response> {
    let app = req.data::<Arc<App>>().cloned();
    let tenant = match req.data::<Site>() {
        Some(Site::Tenant(tenant)) => Some(Arc::clone(tenant)),
        _ => None,
    };
    let mut with_session = false;
    let mut claim = None;
    if let (Some(app), Some(tenant)) = (app, tenant) {
        let token = req.cookie().get(session_cookie_name(&app)).map(|c| c.value_str().to_owned());
        if let Some(token) = token.as_ref().filter(|_| is_documentation_view(&req)) {
            with_session = true;
            let made = SessionClaim::new(token.as_str());
            req.set_data(made.clone());
            claim = Some(made);
        } else if let Some(token) = token
            && let Some(signed) = app.session(&tenant, token).await.map_err(crate::error::WebError)?
        {
            with_session = true;
            tracing::Span::current().record("user", signed.user.id.as_str());
            req.set_data(signed);
        }
    }
    let mut response = inner.call(req).await?.into_response();
    if let Some(signed) = claim.as_ref().and_then(SessionClaim::signed_in) {
        tracing::Span::current().record("user", signed.user.id.as_str());
    }
    if with_session {
        response.headers_mut().entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

/// A session cookie carrying `token`: HttpOnly, SameSite=Lax, host-only,
/// Secure under https.
pub fn session_cookie(app: &App, token: &str) -> Cookie {
    let mut cookie = Cookie::new_with_str(session_cookie_name(app), token);
    cookie.set_path("/");
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_secure(app.public().is_https());
    cookie
}

/// Removes the session cookie.
pub fn clear_session_cookie(app: &App, req: &Request) {
    let mut cookie = session_cookie(app, "");
    cookie.set_max_age(std::time::Duration::ZERO);
    req.cookie().add(cookie);
}

#[cfg(test)]
mod tests {
    use poem::Request;
    use poem::http::Method;

    fn view(method: Method, path: &str) -> bool {
        super::is_documentation_view(&Request::builder().method(method).uri_str(path).finish())
    }

    #[test]
    fn only_documentation_views_leave_a_claim() {
        for path in ["/search", "/organizations/o1", "/organizations/o1/passwords", "/organizations/o1/servers/r1"] {
            assert!(view(Method::GET, path), "{path}");
            assert!(!view(Method::POST, path), "POST {path}: forms are checked before their handler");
        }
        for path in [
            "/organizations",
            "/organizations/",
            "/organizations/new",
            "/organizations/o1/",
            "/organizations/o1/edit",
            "/organizations/o1/documents",
            "/organizations/o1/documents/d1",
            "/organizations/o1/passwords/new",
            "/organizations/o1/passwords/r1/edit",
            "/profile",
            "/searchx",
        ] {
            assert!(!view(Method::GET, path), "{path}");
        }
    }
}
