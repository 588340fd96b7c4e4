//! The router: every path of the HTML interface, in one place.

mod access;
mod account;
mod assets;
mod audit;
mod documentation;
mod documents;
mod errors;
mod health;
mod login;
mod organizations;
mod privacy;
mod search;
mod users;

use std::sync::Arc;

use cairn_auth::avatar::MAX_UPLOAD_BYTES;
use cairn_tenancy::{Site, TenantResolver};
use poem::endpoint::BoxEndpoint;
use poem::middleware::{CookieJarManager, SizeLimit};
use poem::{Endpoint, EndpointExt, Request, Response, Route, get, post};

use crate::App;
use crate::csrf::verify_csrf;
use crate::middleware::{request_log, require_full_session, security_headers};
use crate::session::load_session;

/// The whole HTTP surface of the HTML interface.
pub fn endpoint(app: Arc<App>) -> impl Endpoint<Output = Response> {
    let resolver = TenantResolver::new(&app.public.base_domain, app.directory.clone());
    let apex = Route::new()
        .at("/", get(login::apex_root))
        .at("/login", get(login::apex_login_page).post(login::apex_login))
        .at("/privacy-notice", post(privacy::dismiss));
    // Pages that need a full session; anything else answers 303 to /login.
    let signed_in = Route::new()
        .at("/profile", get(account::profile).post(account::profile_save))
        .at(
            "/profile/avatar",
            get(account::avatar_image).post(account::avatar_upload.with(SizeLimit::new(MAX_UPLOAD_BYTES + 64 * 1024))),
        )
        .at("/profile/avatar/remove", post(account::avatar_remove))
        .at("/profile/password", post(account::password_change))
        .at("/profile/recovery-codes", post(account::recovery_regenerate))
        .at("/organizations", get(organizations::list).post(documentation::create_organization))
        .at("/organizations/new", get(documentation::new_organization))
        .at("/organizations/:id", get(documentation::overview))
        .at("/organizations/:id/edit", get(documentation::edit_organization).post(documentation::update_organization))
        .at("/organizations/:id/archive", post(documentation::archive_organization))
        .at("/organizations/:id/access", post(documentation::grant_access))
        .at("/organizations/:id/access/:user/revoke", post(documentation::revoke_access))
        .at("/organizations/:id/invite", post(documentation::invite_into))
        .at("/organizations/:id/:section", get(documentation::section_list).post(documentation::create_record))
        .at("/organizations/:id/:section/new", get(documentation::new_record))
        .at("/organizations/:id/:section/:record", get(documentation::record_detail))
        .at(
            "/organizations/:id/:section/:record/edit",
            get(documentation::edit_record).post(documentation::update_record),
        )
        .at("/organizations/:id/:section/:record/archive", post(documentation::archive_record))
        .at("/organizations/:id/:section/:record/reveal", post(documentation::reveal))
        .at("/organizations/:id/:section/:record/qr.png", get(documentation::wifi_qr))
        .at("/organizations/:id/documents/:record/restore", post(documents::restore_org_document))
        .at("/guides", get(documents::guides).post(documents::create_guide))
        .at("/guides/new", get(documents::new_guide))
        .at("/guides/:id", get(documents::guide))
        .at("/guides/:id/edit", get(documents::edit_guide).post(documents::update_guide))
        .at("/guides/:id/archive", post(documents::archive_guide))
        .at("/guides/:id/restore", post(documents::restore_guide))
        .at("/search", get(search::search_page))
        .at("/audit", get(audit::audit_page))
        .at("/audit.csv", get(audit::audit_csv))
        .at("/users", get(users::list))
        .at("/users/invite", post(users::invite))
        .at("/users/:id/role", post(users::set_role))
        .at("/users/:id/disable", post(users::disable))
        .at("/users/:id/enable", post(users::enable))
        .at("/users/:id/reset-mfa", post(users::reset_mfa))
        .at("/users/invitations/:id/resend", post(users::resend))
        .at("/users/invitations/:id/revoke", post(users::revoke))
        .around(require_full_session);
    let tenant = Route::new()
        .at("/", get(login::tenant_root))
        .at("/login", get(login::tenant_login_page).post(login::tenant_login))
        .at("/login/mfa", get(login::mfa_page).post(login::mfa_submit))
        .at("/login/handoff", get(login::handoff))
        .at("/logout", post(login::logout))
        .at("/invitations/:token", get(account::invitation_page).post(account::invitation_accept))
        .at("/mfa/setup", get(account::mfa_setup_page).post(account::mfa_setup_submit))
        .at("/access-request", get(access::request_form).post(access::submit))
        .at("/password-reset", get(login::reset_page).post(login::reset_request))
        .at("/password-reset/:token", get(login::reset_form).post(login::reset_submit))
        .at("/brand.css", get(assets::brand_css))
        .at("/privacy-notice", post(privacy::dismiss))
        .nest("/", signed_in);
    // Error pages twice: inside the resolver, so a missing page is shown in
    // the tenant's frame; outside it, for hosts that reach no workspace.
    let sites = SiteRouter { apex: apex.boxed(), tenant: tenant.boxed() }
        .around(errors::render_error_pages)
        .around(verify_csrf)
        .around(load_session)
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
