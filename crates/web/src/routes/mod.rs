//! The router: every path of the HTML interface, in one place.

mod access;
mod access_grants;
mod apex;
mod api_keys;
mod asset_types;
mod assets;
mod audit;
mod avatar;
mod documents;
mod errors;
mod expirations;
mod health;
mod import;
mod invitations;
mod items;
mod login;
mod mfa_setup;
mod organizations;
mod password_reset;
mod privacy;
mod profile;
mod record_forms;
mod records;
mod reveal;
mod search;
mod settings;
mod signup;
mod users;

use std::sync::Arc;

use cairn_tenancy::{Site, TenantResolver};
use poem::endpoint::BoxEndpoint;
use poem::http::StatusCode;
use poem::middleware::CookieJarManager;
use poem::{Endpoint, EndpointExt, Request, Response, Route, get, post};

use cairn_app::App;

use crate::csrf::verify_csrf;
use crate::extract::TrustForwardedFor;
use crate::middleware::{limit_uploads, refuse_nul, request_log, require_full_session, security_headers};
use crate::session::load_session;

pub(crate) use assets::versioned;
pub(crate) use records::CHOICE_LIMIT;

/// The whole HTTP surface of the HTML interface. `trust_forwarded_for`
/// says whether the client's address is taken from `X-Forwarded-For`
/// (behind a reverse proxy that sets it) instead of the TCP peer. `api`
/// answers `/api` on tenant hosts; `operator`, when configured, `/operator`
/// on the apex.
pub fn endpoint(
    app: Arc<App>,
    trust_forwarded_for: bool,
    api: BoxEndpoint<'static>,
    operator: Option<BoxEndpoint<'static>>,
) -> impl Endpoint<Output = Response> {
    let resolver = TenantResolver::new(&app.public().base_domain, app.directory().clone());
    let apex = Route::new()
        .at("/", get(apex::apex_root))
        .at("/login", get(apex::apex_login_page).post(apex::apex_login))
        .at("/signup", get(signup::signup_page).post(signup::signup_submit))
        .at("/signup/check", get(signup::check))
        .at("/signup/:token", get(signup::confirm_page).post(signup::confirm))
        .at("/privacy-notice", post(privacy::dismiss));
    // Pages that need a full session; anything else answers 303 to /login.
    let signed_in = Route::new()
        // The brand link in the header: signed-in users land on their organizations.
        .at("/", get(login::tenant_root))
        .at("/profile", get(profile::profile).post(profile::profile_save))
        .at("/profile/avatar", get(avatar::avatar_image).post(avatar::avatar_upload))
        .at("/profile/avatar/remove", post(avatar::avatar_remove))
        .at("/profile/password", post(profile::password_change))
        .at("/profile/recovery-codes", post(profile::recovery_regenerate))
        .at("/organizations", get(organizations::list).post(organizations::create_organization))
        .at("/organizations/new", get(organizations::new_organization))
        .at("/organizations/:id", get(organizations::overview))
        .at("/organizations/:id/edit", get(organizations::edit_organization).post(organizations::update_organization))
        .at("/organizations/:id/archive", post(organizations::archive_organization))
        .at("/organizations/:id/access", post(access_grants::grant_access))
        .at("/organizations/:id/access/:user/revoke", post(access_grants::revoke_access))
        .at("/organizations/:id/invite", post(access_grants::invite_into))
        .at("/organizations/:id/documents", get(documents::org_documents).post(documents::create_org_document))
        .at("/organizations/:id/documents/new", get(documents::new_org_document))
        .at("/organizations/:id/documents/:doc", get(documents::org_document))
        .at(
            "/organizations/:id/documents/:doc/edit",
            get(documents::edit_org_document).post(documents::update_org_document),
        )
        .at("/organizations/:id/documents/:doc/archive", post(documents::archive_org_document))
        .at("/organizations/:id/documents/:doc/restore", post(documents::restore_org_document))
        .at("/organizations/:id/:section", get(records::section_list).post(record_forms::create_record))
        .at("/organizations/:id/:section/new", get(record_forms::new_record))
        .at("/organizations/:id/:section/:record", get(records::record_detail))
        .at(
            "/organizations/:id/:section/:record/edit",
            get(record_forms::edit_record).post(record_forms::update_record),
        )
        .at("/organizations/:id/:section/:record/related", post(items::relate))
        .at("/organizations/:id/:section/:record/related/:other/remove", post(items::unrelate))
        .at("/organizations/:id/:section/:record/attachments", post(items::attach))
        .at("/organizations/:id/:section/:record/attachments/:attachment", get(items::download_attachment))
        .at("/organizations/:id/:section/:record/attachments/:attachment/delete", post(items::remove_attachment))
        .at("/organizations/:id/:section/:record/archive", post(records::archive_record))
        .at("/organizations/:id/:section/:record/reveal", post(reveal::reveal))
        .at("/organizations/:id/:section/:record/qr", post(reveal::wifi_qr))
        .at("/guides", get(documents::guides).post(documents::create_guide))
        .at("/guides/new", get(documents::new_guide))
        .at("/guides/:id", get(documents::guide))
        .at("/guides/:id/edit", get(documents::edit_guide).post(documents::update_guide))
        .at("/guides/:id/archive", post(documents::archive_guide))
        .at("/guides/:id/restore", post(documents::restore_guide))
        .at("/guides/:id/attachments", post(items::attach_to_guide))
        .at("/guides/:id/attachments/:attachment", get(items::guide_attachment))
        .at("/guides/:id/attachments/:attachment/delete", post(items::remove_guide_attachment))
        .at("/search", get(search::search_page))
        .at("/expirations", get(expirations::expirations_page))
        .at("/asset-types", get(asset_types::list).post(asset_types::create))
        .at("/asset-types/new", get(asset_types::new_type))
        .at("/asset-types/templates/:key", post(asset_types::from_template))
        .at("/asset-types/:id", get(asset_types::edit).post(asset_types::update))
        .at("/asset-types/:id/archive", post(asset_types::archive))
        .at("/asset-types/:id/restore", post(asset_types::restore))
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
        .at("/settings", get(settings::settings).post(settings::save))
        .at("/settings/logo", post(settings::logo_upload))
        .at("/settings/logo/remove", post(settings::logo_remove))
        .at("/settings/domains", post(settings::add_domain))
        .at("/settings/domains/:id/verify", post(settings::verify_domain))
        .at("/settings/domains/:id/remove", post(settings::remove_domain))
        .at("/settings/checklist/dismiss", post(settings::dismiss_checklist))
        .at("/settings/api-keys", get(api_keys::list).post(api_keys::create))
        .at("/settings/api-keys/:id/revoke", post(api_keys::revoke))
        .at("/settings/import", get(import::list).post(import::start))
        .at("/settings/import/:id", get(import::show))
        .at("/settings/import/:id/report.json", get(import::report_json))
        .around(require_full_session);
    let tenant = Route::new()
        .at("/login", get(login::tenant_login_page).post(login::tenant_login))
        .at("/login/mfa", get(login::mfa_page).post(login::mfa_submit))
        .at("/login/handoff", get(apex::handoff))
        .at("/logout", post(login::logout))
        .at("/invitations/:token", get(invitations::invitation_page).post(invitations::invitation_accept))
        .at("/mfa/setup", get(mfa_setup::mfa_setup_page).post(mfa_setup::mfa_setup_submit))
        .at("/access-request", get(access::request_form).post(access::submit))
        .at("/password-reset", get(password_reset::reset_page).post(password_reset::reset_request))
        .at("/password-reset/:token", get(password_reset::reset_form).post(password_reset::reset_submit))
        .at("/brand.css", get(assets::brand_css))
        .at("/logo.png", get(settings::logo))
        .at("/privacy", get(settings::privacy))
        .at("/privacy-notice", post(privacy::dismiss))
        .nest("/", signed_in);
    // Error pages twice: inside the resolver, so a missing page is shown in
    // the tenant's frame; outside it, for hosts that reach no workspace.
    let pages = SiteRouter { apex: apex.boxed(), tenant: tenant.boxed() }
        .around(errors::render_error_pages)
        .around(refuse_nul)
        .around(verify_csrf)
        // Declared lengths are checked here, for every form, before anything reads a body.
        .around(limit_uploads)
        .around(load_session);
    // The REST API: its own authentication (keys, no cookies, so no CSRF)
    // and its own error format, on tenant hosts only; the operator API on
    // the apex, and only with a token configured.
    let not_found = || poem::endpoint::make_sync(|_| StatusCode::NOT_FOUND).map_to_response().boxed();
    let api = SiteRouter { apex: not_found(), tenant: api };
    let operator = SiteRouter { apex: operator.unwrap_or_else(not_found), tenant: not_found() };
    let sites = ByPath {
        routed: Route::new().nest("/api", api).nest("/operator", operator).boxed(),
        is_routed: |path| under(path, "/api") || under(path, "/operator"),
        rest: pages.boxed(),
    }
    .with(resolver)
    .around(errors::render_error_pages);
    let any_host = Route::new()
        // Health and static files answer on any host, so probes and caches
        // need no workspace.
        .at("/healthz", get(health::healthz))
        .at("/readyz", get(health::readyz))
        .at("/static/*path", get(assets::static_file))
        .at("/favicon.ico", get(assets::favicon));
    ByPath {
        routed: any_host.boxed(),
        is_routed: |path| matches!(path, "/healthz" | "/readyz" | "/favicon.ico") || path.starts_with("/static/"),
        rest: sites.boxed(),
    }
    .with(CookieJarManager::new())
    // A panic (a bug) answers 500 instead of dropping the connection;
    // the request log below still counts it.
    .with(poem::middleware::CatchPanic::new())
    .around(security_headers)
    .around(request_log)
    .data(app)
    .data(TrustForwardedFor(trust_forwarded_for))
    .map_to_response()
}

/// Sends each request to the apex's or the tenant's endpoint by its [`Site`].
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

/// Sends the paths `is_routed` picks to `routed` and all others to `rest`,
/// with the path as it came. It stands where a nest at "/" would: a nest
/// writes every request's URI out anew, and the pages are most requests.
struct ByPath {
    routed: BoxEndpoint<'static>,
    is_routed: fn(&str) -> bool,
    rest: BoxEndpoint<'static>,
}

impl Endpoint for ByPath {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        if (self.is_routed)(req.uri().path()) { self.routed.call(req).await } else { self.rest.call(req).await }
    }
}

/// Whether `path` is `prefix` or below it, as a nest at `prefix` takes it.
fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}
