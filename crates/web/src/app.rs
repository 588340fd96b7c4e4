//! The application state shared by every request.

use std::sync::Arc;

use cairn_store::Database;
use cairn_tenancy::{PublicUrls, TenantDirectory};
use cairn_vault::MasterKey;

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
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("db", &self.db).field("public", &self.public).finish_non_exhaustive()
    }
}
