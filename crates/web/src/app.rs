//! The application state shared by every request.

use std::sync::Arc;
use std::time::Duration;

use cairn_auth::password::Passwords;
use cairn_auth::sessions::Timeouts;
use cairn_store::Database;
use cairn_tenancy::{PublicUrls, TenantDirectory};
use cairn_vault::MasterKey;
use tokio::sync::Notify;

/// Everything a request handler may need, built once at start-up and read
/// as `Data<&Arc<App>>`.
pub struct App {
    /// The database pool.
    pub db: Database,
    /// Tenants by host, cached.
    pub directory: TenantDirectory,
    /// Wraps and unwraps tenants' data keys.
    pub master_key: Arc<MasterKey>,
    /// How the platform is reached from outside: links and cookie flags.
    pub public: PublicUrls,
    /// Hashes and checks passwords.
    pub passwords: Passwords,
    /// Session lifetimes.
    pub timeouts: Timeouts,
    /// How long invitation links work.
    pub invitation_ttl: Duration,
    /// How long password-reset links work.
    pub reset_ttl: Duration,
    /// Wakes this process's mail worker after mail was queued.
    pub mail_waker: Arc<Notify>,
    /// Whether the client address is taken from `X-Forwarded-For` (behind a
    /// reverse proxy that sets it) instead of the TCP peer.
    pub trust_forwarded_for: bool,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("db", &self.db).field("public", &self.public).finish_non_exhaustive()
    }
}

impl App {
    /// The session cookie's name: `__Host-` prefixed under https, so it is
    /// host-only, Secure and path `/` by the browser's own rules.
    pub fn session_cookie(&self) -> &'static str {
        if self.public.is_https() { "__Host-cairn_session" } else { "cairn_session" }
    }

    /// The anonymous CSRF cookie's name (forms before sign-in).
    pub fn csrf_cookie(&self) -> &'static str {
        if self.public.is_https() { "__Host-cairn_csrf" } else { "cairn_csrf" }
    }
}
