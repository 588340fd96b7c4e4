//! API keys as a poem-openapi security scheme: `Authorization: Bearer <key>`.

use std::sync::Arc;

use cairn_app::{App, Caller, ClientAddress, RateLimit};
use cairn_tenancy::Site;
use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use crate::problem::ApiError;

/// An API key of the tenant whose host is called; the caller it stands for.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "cairn_<prefix>_<secret>", key_name = "Authorization", checker = "check_key")]
pub struct ApiKey(pub Caller);

/// Finds the key's caller; counts the request against the key's limit.
async fn check_key(req: &Request, bearer: Bearer) -> poem::Result<Caller> {
    let app = req.data::<Arc<App>>().ok_or_else(|| poem::Error::from(ApiError::not_found()))?;
    let Some(Site::Tenant(tenant)) = req.data::<Site>() else {
        return Err(ApiError::not_found().into());
    };
    let ip = req.data::<ClientAddress>().map(|a| a.0.clone()).unwrap_or_default();
    let limit = req.data::<RateLimit>().copied().unwrap_or(RateLimit { requests: 3000, window_secs: 300 });
    app.authenticate_api_key(tenant, &bearer.token, &ip, limit).await.map_err(|e| ApiError::from(e).into())
}
