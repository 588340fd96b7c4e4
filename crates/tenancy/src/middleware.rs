//! The Host → tenant middleware.

use std::sync::Arc;

use poem::http::StatusCode;
use poem::http::header::HOST;
use poem::{Endpoint, Middleware, Request, Result};

use crate::{HostTarget, Tenant, TenantDirectory, TenantStatus, classify_host};

/// Where a request landed; put into request data by [`TenantResolver`].
#[derive(Clone, Debug)]
pub enum Site {
    /// The base domain: platform sign-in, operator API.
    Apex,
    /// An active tenant's workspace.
    Tenant(Arc<Tenant>),
}

/// Why a request reached no workspace. The web layer renders these as pages.
#[derive(Clone, Debug, thiserror::Error)]
pub enum TenantRejection {
    /// Unknown, malformed or missing host: the same answer for all, so
    /// probing does not tell which tenants exist.
    #[error("no such workspace")]
    NotFound,
    /// The tenant exists but an operator suspended it.
    #[error("this workspace is suspended")]
    Suspended(Arc<Tenant>),
    /// The directory could not be read.
    #[error("the workspace directory is unavailable")]
    Unavailable,
}

impl poem::error::ResponseError for TenantRejection {
    fn status(&self) -> StatusCode {
        match self {
            TenantRejection::NotFound => StatusCode::NOT_FOUND,
            TenantRejection::Suspended(_) => StatusCode::FORBIDDEN,
            TenantRejection::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// Resolves each request's Host header to a [`Site`] and puts it into the
/// request's data, or answers with a [`TenantRejection`].
#[derive(Clone)]
pub struct TenantResolver {
    base_domain: Arc<str>,
    directory: TenantDirectory,
}

impl TenantResolver {
    /// A resolver for hosts under `base_domain` (already lower-case).
    pub fn new(base_domain: &str, directory: TenantDirectory) -> Self {
        Self { base_domain: base_domain.to_ascii_lowercase().into(), directory }
    }
}

impl<E: Endpoint> Middleware<E> for TenantResolver {
    type Output = TenantResolverEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        TenantResolverEndpoint { resolver: self.clone(), inner }
    }
}

/// The endpoint produced by [`TenantResolver`].
pub struct TenantResolverEndpoint<E> {
    resolver: TenantResolver,
    inner: E,
}

impl<E: Endpoint> Endpoint for TenantResolverEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        // Two Host headers leave the host in doubt: refused, never guessed.
        if req.headers().get_all(HOST).iter().nth(1).is_some() {
            return Err(poem::Error::from_status(poem::http::StatusCode::BAD_REQUEST));
        }
        // An absolute request line (and HTTP/2) names the host in the URI's
        // authority, which then decides (RFC 9112 §3.2.2); else the header.
        let host = match (req.uri().authority(), req.headers().get(HOST)) {
            (Some(authority), _) => Some(authority.as_str().to_owned()),
            (None, Some(value)) => value.to_str().ok().map(str::to_owned),
            (None, None) => None,
        };
        let target = classify_host(host.as_deref(), &self.resolver.base_domain);
        let site = match target {
            HostTarget::Apex => Site::Apex,
            HostTarget::Invalid => return Err(TenantRejection::NotFound.into()),
            HostTarget::Subdomain(_) | HostTarget::Custom(_) => {
                let tenant = self.resolver.directory.resolve(&target).await.map_err(|e| {
                    tracing::error!(error = %e, "tenant lookup failed");
                    TenantRejection::Unavailable
                })?;
                match tenant {
                    None => return Err(TenantRejection::NotFound.into()),
                    Some(t) => match t.status {
                        TenantStatus::Active => Site::Tenant(t),
                        TenantStatus::Suspended => return Err(TenantRejection::Suspended(t).into()),
                        // A workspace still being signed up does not exist yet to visitors.
                        TenantStatus::Unconfirmed | TenantStatus::AwaitingApproval => {
                            return Err(TenantRejection::NotFound.into());
                        }
                    },
                }
            }
        };
        if let Site::Tenant(tenant) = &site {
            tracing::Span::current().record("tenant", tenant.slug.as_str());
        }
        req.set_data(site);
        self.inner.call(req).await
    }
}
