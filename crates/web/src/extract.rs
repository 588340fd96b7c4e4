//! Request extractors: the tenant of the host, the client's address, the
//! session, and the signed-in caller, so handlers name what they need
//! instead of digging in request data.

use std::sync::Arc;

use cairn_app::{App, Caller, ClientAddress, SessionClaim, SignedIn};
use cairn_tenancy::{Site, Tenant};
use poem::{FromRequest, Request, RequestBody};

use crate::error::not_found;

/// The tenant whose host the request came to (routes below the tenant router always have one).
pub struct TenantHost(pub Arc<Tenant>);

impl<'a> FromRequest<'a> for TenantHost {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        match req.data::<Site>() {
            Some(Site::Tenant(tenant)) => Ok(TenantHost(Arc::clone(tenant))),
            _ => Err(not_found().into()),
        }
    }
}

/// The client's address, as the request-log middleware determined it.
pub struct ClientIp(pub String);

/// Whether `X-Forwarded-For` is believed: set once from the configuration.
#[derive(Clone, Copy, Debug)]
pub struct TrustForwardedFor(pub bool);

impl ClientIp {
    /// The address of `req`.
    pub fn of(req: &Request) -> String {
        match req.data::<ClientAddress>() {
            Some(address) => address.0.clone(),
            None => address_of(req).0,
        }
    }
}

/// Determines the client's address of `req` by the configured trust.
pub fn address_of(req: &Request) -> ClientAddress {
    let trusted = req.data::<TrustForwardedFor>().is_some_and(|t| t.0);
    let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    ClientAddress::determine(req.remote_addr().as_socket_addr().map(|a| a.ip()), forwarded, trusted)
}

impl<'a> FromRequest<'a> for ClientIp {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        Ok(ClientIp(Self::of(req)))
    }
}

/// The session of the request in any stage, if there is one.
pub struct AnySession(pub Option<SignedIn>);

impl<'a> FromRequest<'a> for AnySession {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        Ok(AnySession(session_of(req, body).await?))
    }
}

/// The request's session in any stage: looked up by the middleware, or for
/// a documentation view's claim, here (unless a use case did already).
async fn session_of(req: &Request, body: &mut RequestBody) -> poem::Result<Option<SignedIn>> {
    if let Some(signed) = crate::session::signed_in(req) {
        return Ok(Some(signed.clone()));
    }
    let Some(claim) = req.data::<SessionClaim>() else {
        return Ok(None);
    };
    let TenantHost(tenant) = TenantHost::from_request(req, body).await?;
    let app = req.data::<Arc<App>>().ok_or_else(not_found)?;
    Ok(app.claim_session(&tenant, claim).await.map_err(crate::error::WebError)?)
}

/// A fully signed-in user (MFA done) as the caller of use cases, with the
/// session. Pages that need one answer 404 without it (the router sends
/// strangers to the sign-in page before they get here).
pub struct Signed {
    /// Who calls the use cases.
    pub caller: Caller,
    /// The session and its user.
    pub signed: SignedIn,
}

impl<'a> FromRequest<'a> for Signed {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let signed = session_of(req, body).await?.filter(|s| s.is_full()).ok_or_else(not_found)?;
        let TenantHost(tenant) = TenantHost::from_request(req, body).await?;
        let caller = Caller::user(tenant, signed.user.clone(), ClientIp::of(req)).map_err(crate::error::WebError)?;
        Ok(Signed { caller, signed })
    }
}

/// The caller of a documentation view: for a session claim, its use case
/// looks the session up in its own transaction (and answers
/// [`cairn_app::AppError::SignInRequired`], a redirect to `/login`, when
/// it is not a full one); else the signed-in user.
pub struct Viewer {
    /// Who calls the use cases.
    pub caller: Caller,
}

impl<'a> FromRequest<'a> for Viewer {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let TenantHost(tenant) = TenantHost::from_request(req, body).await?;
        if let Some(claim) = req.data::<SessionClaim>().filter(|c| c.signed_in().is_none()) {
            return Ok(Viewer { caller: Caller::claimed(tenant, claim.clone(), ClientIp::of(req)) });
        }
        let Signed { caller, .. } = Signed::from_request(req, body).await?;
        Ok(Viewer { caller })
    }
}

/// The application, as request data.
pub type AppData<'a> = poem::web::Data<&'a Arc<App>>;
