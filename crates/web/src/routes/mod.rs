//! The router: every path of the HTML interface, in one place.

mod assets;
mod errors;
mod health;
mod login;
mod privacy;

use std::sync::Arc;

use cairn_tenancy::{Site, TenantResolver};
use poem::endpoint::BoxEndpoint;
use poem::middleware::CookieJarManager;
use poem::{Endpoint, EndpointExt, Request, Response, Route, get, post};

use crate::App;
use crate::middleware::{request_log, security_headers};

/// The whole HTTP surface of the HTML interface.
pub fn endpoint(app: Arc<App>) -> impl Endpoint<Output = Response> {
    let resolver = TenantResolver::new(&app.public.base_domain, app.directory.clone());
    let apex = Route::new()
        .at("/", get(login::apex_root))
        .at("/login", get(login::apex_login_page))
        .at("/privacy-notice", post(privacy::dismiss));
    let tenant = Route::new()
        .at("/", get(login::tenant_root))
        .at("/login", get(login::tenant_login_page))
        .at("/brand.css", get(assets::brand_css))
        .at("/privacy-notice", post(privacy::dismiss));
    // Error pages twice: inside the resolver, so a missing page is shown in
    // the tenant's frame; outside it, for hosts that reach no workspace.
    let sites = SiteRouter { apex: apex.boxed(), tenant: tenant.boxed() }
        .around(errors::render_error_pages)
        .with(resolver)
        .around(errors::render_error_pages);
    Route::new()
        // Health and static files answer on any host, so probes and caches
        // need no workspace.
        .at("/healthz", get(health::healthz))
        .at("/readyz", get(health::readyz))
        .at("/static/*path", get(assets::static_file))
        .nest("/", sites)
        .with(CookieJarManager::new())
        .around(security_headers)
        .around(request_log)
        .data(app)
        .map_to_response()
}

/// Sends each request to the apex pages or the tenant pages by its [`Site`].
struct SiteRouter {
    apex: BoxEndpoint<'static>,
    tenant: BoxEndpoint<'static>,
}

impl Endpoint for SiteRouter {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        match req.data::<Site>() {
            Some(Site::Tenant(_)) => self.tenant.call(req).await,
            _ => self.apex.call(req).await,
        }
    }
}
