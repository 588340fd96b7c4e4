//! The application state and the only doors to the database.

use std::sync::Arc;
use std::time::Duration;

use cairn_assets::asset_types::TypeCache;
use cairn_auth::password::Passwords;
use cairn_auth::sessions::Timeouts;
use cairn_store::{Database, DbConn, TenantId};
use cairn_tenancy::{PublicUrls, TenantDirectory};
use cairn_vault::{Keyring, MasterKey};
use tokio::sync::Notify;

use crate::AppError;

/// What [`App::new`] is built from, once at start-up.
pub struct AppConfig {
    /// The database pool.
    pub db: Database,
    /// Wraps and unwraps tenants' data keys.
    pub master_key: Arc<MasterKey>,
    /// Tenants by host, cached.
    pub directory: TenantDirectory,
    /// How the platform is reached from outside: links in mails and redirects.
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
    /// Where attachments' bytes are kept.
    pub files: cairn_files::FileStore,
    /// The largest attachment accepted, in bytes.
    pub max_attachment_bytes: usize,
    /// Where uploaded exports wait for their import.
    pub import_dir: std::path::PathBuf,
    /// The largest export accepted for an import, in bytes.
    pub max_import_bytes: u64,
    /// Self-service sign-up and custom domains' checks.
    pub onboarding: crate::Onboarding,
}

/// The application: every use case is a method of it (in the modules of
/// this crate), read by the surfaces as `Data<&Arc<App>>`.
pub struct App {
    /// The database pool; private, so only use cases open transactions.
    db: Database,
    /// The master key; private, so only use cases unwrap tenant keys.
    master_key: Arc<MasterKey>,
    /// Tenants by host, cached; shared with the tenant resolver.
    directory: TenantDirectory,
    /// How the platform is reached from outside.
    public: PublicUrls,
    /// Hashes and checks passwords (slow on purpose: run on blocking threads).
    pub(crate) passwords: Passwords,
    /// Session lifetimes.
    pub(crate) timeouts: Timeouts,
    /// How long invitation links work.
    pub(crate) invitation_ttl: Duration,
    /// How long password-reset links work.
    pub(crate) reset_ttl: Duration,
    /// Wakes the mail worker after a commit that queued mail.
    mail_waker: Arc<Notify>,
    /// Bounds how many pictures are decoded at once: each decode may take
    /// tens of megabytes however small the upload.
    pub(crate) image_decodes: tokio::sync::Semaphore,
    /// Where attachments' bytes are kept.
    pub(crate) files: cairn_files::FileStore,
    /// The largest attachment accepted, in bytes.
    pub(crate) max_attachment_bytes: usize,
    /// Where uploaded exports wait for their import.
    pub(crate) import_dir: std::path::PathBuf,
    /// The largest export accepted for an import, in bytes.
    pub(crate) max_import_bytes: u64,
    /// Self-service sign-up and custom domains' checks.
    pub(crate) onboarding: crate::Onboarding,
    /// Tenants' asset types between requests (the sidebar's sections).
    asset_types: TypeCache,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("db", &self.db).field("public", &self.public).finish_non_exhaustive()
    }
}

/// One transaction's handle inside a use case: the connection, and the
/// tenant's keyring on demand.
pub(crate) struct Tx<'a> {
    /// The connection, inside the transaction.
    pub(crate) conn: &'a mut DbConn,
    master: &'a MasterKey,
    /// The tenant the transaction is bound to.
    pub(crate) tenant: &'a TenantId,
    /// The tenants' asset types as kept between requests.
    pub(crate) types: &'a TypeCache,
}

impl<'a> Tx<'a> {
    /// A handle on a transaction opened elsewhere (a new tenant's).
    pub(crate) fn new(conn: &'a mut DbConn, master: &'a MasterKey, tenant: &'a TenantId, types: &'a TypeCache) -> Self {
        Self { conn, master, tenant, types }
    }

    /// Appends an audit event in this transaction.
    pub(crate) fn audit(&mut self, event: &cairn_store::audit::NewEvent<'_>) -> Result<(), AppError> {
        cairn_store::audit::record(self.conn, self.tenant, event)?;
        Ok(())
    }

    /// The tenant's data keys, unwrapped for this transaction only.
    pub(crate) fn keyring(&mut self) -> Result<Keyring, AppError> {
        Ok(cairn_tenancy::keys::keyring(self.conn, self.master, self.tenant)?)
    }
}

impl App {
    /// Builds the application from its parts.
    pub fn new(config: AppConfig) -> Self {
        Self {
            db: config.db,
            master_key: config.master_key,
            directory: config.directory,
            public: config.public,
            passwords: config.passwords,
            timeouts: config.timeouts,
            invitation_ttl: config.invitation_ttl,
            reset_ttl: config.reset_ttl,
            mail_waker: config.mail_waker,
            image_decodes: tokio::sync::Semaphore::new(2),
            files: config.files,
            max_attachment_bytes: config.max_attachment_bytes,
            import_dir: config.import_dir,
            max_import_bytes: config.max_import_bytes,
            onboarding: config.onboarding,
            asset_types: TypeCache::new(10_000),
        }
    }

    /// How the platform is reached from outside (links, cookie flags).
    pub fn public(&self) -> &PublicUrls {
        &self.public
    }

    /// The tenant directory, for resolving hosts.
    pub fn directory(&self) -> &TenantDirectory {
        &self.directory
    }

    /// Whether the database answers (readiness probes).
    pub async fn ready(&self) -> Result<(), AppError> {
        Ok(self.db.ping().await?)
    }

    /// Runs `f` in one write transaction of `tenant`.
    pub(crate) async fn write<T, F>(&self, tenant: &TenantId, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut Tx<'_>) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let (master, scope, types) = (Arc::clone(&self.master_key), tenant.clone(), self.asset_types.clone());
        self.db.tenant_tx(tenant, move |conn| f(&mut Tx::new(conn, &master, &scope, &types))).await
    }

    /// Runs `f` in one read transaction of `tenant`: on SQLite it takes no
    /// write lock, so page views do not queue behind each other.
    pub(crate) async fn read<T, F>(&self, tenant: &TenantId, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut Tx<'_>) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let (master, scope, types) = (Arc::clone(&self.master_key), tenant.clone(), self.asset_types.clone());
        self.db.tenant_read_tx(tenant, move |conn| f(&mut Tx::new(conn, &master, &scope, &types))).await
    }

    /// Runs `f` in one read transaction of `tenant` on a blocking thread, for
    /// reads that may take long (exports): on SQLite, [`App::read`] runs on
    /// the request's own task, which a long read would hold up.
    pub(crate) async fn read_bulk<T, F>(&self, tenant: &TenantId, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut Tx<'_>) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let (master, scope, types) = (Arc::clone(&self.master_key), tenant.clone(), self.asset_types.clone());
        self.db
            .run(move |conn| {
                cairn_store::tenant_read(conn, &scope, |conn| f(&mut Tx::new(conn, &master, &scope, &types)))
            })
            .await
    }

    /// Runs `f` in one platform-wide transaction (operator work across tenants).
    pub(crate) async fn platform<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.db.tx(f).await
    }

    /// Runs `f` in one platform-wide read transaction (no write lock on SQLite).
    pub(crate) async fn platform_read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.db.platform_read_tx(f).await
    }

    /// The pool, for the background workers this crate builds.
    pub(crate) fn database(&self) -> &Database {
        &self.db
    }

    /// Runs slow, blocking work (password hashing, image decoding) off the async threads.
    pub(crate) async fn blocking<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        tokio::task::spawn_blocking(f).await.map_err(AppError::internal)
    }

    /// Hashes a new password on a blocking thread.
    pub(crate) async fn hash_password(&self, password: &str) -> Result<String, AppError> {
        let (passwords, password) = (self.passwords.clone(), password.to_owned());
        self.blocking(move || passwords.hash(&password)).await?.map_err(AppError::from)
    }

    /// Tells the mail worker that mail was committed to the outbox.
    pub(crate) fn wake_mail(&self) {
        self.mail_waker.notify_one();
    }

    /// The master key, for the platform-level work of this crate (new tenants).
    pub(crate) fn master_key(&self) -> &Arc<MasterKey> {
        &self.master_key
    }

    /// The tenants' asset types as kept between requests, for transactions
    /// opened elsewhere ([`Tx::new`]).
    pub(crate) fn type_cache(&self) -> &TypeCache {
        &self.asset_types
    }
}
