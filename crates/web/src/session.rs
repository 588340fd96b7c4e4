//! Who is signed in: the session cookie, looked up once per request.

use std::sync::Arc;

use cairn_auth::sessions::{self, Session, Stage};
use cairn_auth::{AuthError, User, users};
use cairn_tenancy::{Site, Tenant};
use poem::http::{HeaderValue, header};
use poem::web::cookie::{Cookie, SameSite};
use poem::{Endpoint, IntoResponse, Request, Response};

use crate::App;

/// The signed-in user and their session, in request data when a live
/// session cookie of this tenant came with the request.
#[derive(Clone, Debug)]
pub struct Signed {
    /// The session.
    pub session: Session,
    /// Its user.
    pub user: User,
}

impl Signed {
    /// Whether the session reached the documentation (MFA done).
    pub fn is_full(&self) -> bool {
        self.session.stage == Stage::Full
    }
}

/// Loads the session of the request's cookie on tenant hosts, and marks
/// every response of a request with a session `Cache-Control: no-store`.
pub async fn load_session<E: Endpoint>(inner: Arc<E>, mut req: Request) -> poem::Result<Response> {
    let app = req.data::<Arc<App>>().cloned();
    let tenant = match req.data::<Site>() {
        Some(Site::Tenant(tenant)) => Some(Arc::clone(tenant)),
        _ => None,
    };
    let mut signed_in = false;
    if let (Some(app), Some(tenant)) = (app, tenant) {
        let token = req.cookie().get(app.session_cookie()).map(|c| c.value_str().to_owned());
        if let Some(token) = token.filter(|t| !t.is_empty() && t.len() <= 128)
            && let Some(signed) = lookup(&app, &tenant, token).await?
        {
            signed_in = true;
            tracing::Span::current().record("user", signed.user.id.as_str());
            req.set_data(signed);
        }
    }
    let mut response = inner.call(req).await?.into_response();
    if signed_in {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

async fn lookup(app: &App, tenant: &Tenant, token: String) -> poem::Result<Option<Signed>> {
    let timeouts = app.timeouts;
    let tenant_id = tenant.id.clone();
    let found = app
        .db
        .tenant_tx(&tenant.id, move |conn| -> Result<Option<Signed>, AuthError> {
            let Some(session) = sessions::find(conn, &tenant_id, &token, &timeouts)? else {
                return Ok(None);
            };
            let user = users::by_id(conn, &tenant_id, &session.user_id)?;
            if !user.active {
                sessions::end(conn, &tenant_id, &session.id)?;
                return Ok(None);
            }
            Ok(Some(Signed { session, user }))
        })
        .await
        .map_err(crate::error::internal)?;
    Ok(found)
}

/// A session cookie carrying `token`: HttpOnly, SameSite=Lax, host-only,
/// Secure under https.
pub fn session_cookie(app: &App, token: &str) -> Cookie {
    let mut cookie = Cookie::new_with_str(app.session_cookie(), token);
    cookie.set_path("/");
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_secure(app.public.is_https());
    cookie
}

/// Removes the session cookie.
pub fn clear_session_cookie(app: &App, req: &Request) {
    let mut cookie = session_cookie(app, "");
    cookie.set_max_age(std::time::Duration::ZERO);
    req.cookie().add(cookie);
}
