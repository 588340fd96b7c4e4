//! The pool and the transaction entry points.

use std::time::Duration;

use deadpool::managed::{self, Metrics, RecycleError, RecycleResult};
use deadpool_diesel::Runtime;
use diesel::Connection;
use diesel::RunQueryDsl;
use diesel::sql_types::Text;

use crate::{DatabaseUrl, DbConn, StoreError, TenantId};

/// How long a pooled connection may sit unused before it is checked (a
/// round trip) on its next checkout.
const IDLE_CHECK: Duration = Duration::from_secs(30);

/// A pooled connection, used from blocking tasks through `interact`.
type PooledConn = deadpool_diesel::Connection<DbConn>;

/// Opens connections of the backend named by the URL's scheme.
struct ConnManager {
    url: DatabaseUrl,
}

impl managed::Manager for ConnManager {
    type Type = PooledConn;
    type Error = StoreError;

    async fn create(&self) -> Result<PooledConn, StoreError> {
        let url = self.url.clone();
        PooledConn::new(Runtime::Tokio1, move || url.connect()).await
    }

    async fn recycle(&self, conn: &mut PooledConn, metrics: &Metrics) -> RecycleResult<StoreError> {
        if conn.is_mutex_poisoned() {
            return Err(RecycleError::message("connection mutex poisoned"));
        }
        // A connection that just served a request is known to be sound (one
        // that failed was looked at then, see `Database::run`); only one
        // that sat idle (a server restart, a firewall's timeout) is asked.
        if metrics.last_used() < IDLE_CHECK {
            return Ok(());
        }
        conn.interact(|c| diesel::sql_query("SELECT 1").execute(c))
            .await
            .map_err(|e| RecycleError::message(e.to_string()))?
            .map_err(|e| RecycleError::Backend(e.into()))?;
        Ok(())
    }
}

/// Pool sizing and waiting.
#[derive(Clone, Debug)]
pub struct PoolOptions {
    /// The most connections open at once.
    pub max_connections: usize,
    /// How long a request waits for a free connection.
    pub acquire_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self { max_connections: 16, acquire_timeout: Duration::from_secs(10) }
    }
}

/// The database: a pool of connections to one backend. Cheap to clone.
#[derive(Clone)]
pub struct Database {
    pool: deadpool_diesel::Pool<ConnManager>,
    url: DatabaseUrl,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("url", &self.url).finish_non_exhaustive()
    }
}

impl Database {
    /// Builds the pool and opens one connection at once, so that a wrong URL,
    /// an unreachable server or bad credentials fail start-up with the
    /// backend's own message.
    pub async fn connect(url: &DatabaseUrl, options: &PoolOptions) -> Result<Self, StoreError> {
        let max = match url {
            // SQLite has one writer; a few readers beside it are plenty.
            DatabaseUrl::Sqlite(_) => options.max_connections.min(4),
            DatabaseUrl::Postgres(_) => options.max_connections,
        };
        let pool = deadpool_diesel::Pool::builder(ConnManager { url: url.clone() })
            .max_size(max.max(1))
            .wait_timeout(Some(options.acquire_timeout))
            .create_timeout(Some(options.acquire_timeout))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Pool(e.to_string()))?;
        let db = Database { pool, url: url.clone() };
        db.run(|_| Ok::<_, StoreError>(())).await?;
        Ok(db)
    }

    /// How the connection pool stands: (connections open, idle, callers waiting).
    pub fn pool_status(&self) -> (usize, usize, usize) {
        let status = self.pool.status();
        (status.size, status.available, status.waiting)
    }

    /// The URL this database was opened with.
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Applies pending migrations as this database's own role; returns the
    /// names of those applied.
    pub async fn migrate(&self) -> Result<Vec<String>, StoreError> {
        self.migrate_as(None).await
    }

    /// Applies pending migrations on a connection of their own, opened with
    /// `owner` when given (PostgreSQL: the role that owns the tables, while
    /// the server connects as a role that only reads and writes rows). The
    /// server's role is then granted row access to every table. Returns the
    /// names of the migrations applied.
    pub async fn migrate_as(&self, owner: Option<&DatabaseUrl>) -> Result<Vec<String>, StoreError> {
        let server_role = match (owner, &self.url) {
            (Some(_), DatabaseUrl::Postgres(_)) => Some(self.run(current_role).await?),
            (Some(_), DatabaseUrl::Sqlite(_)) => {
                return Err(StoreError::InvalidUrl("a separate migration URL applies to PostgreSQL only".into()));
            }
            (None, _) => None,
        };
        // The server's own role may lack the right to create tables; with
        // nothing to apply it never needs it.
        if owner.is_none() && !self.run(|c| Ok::<_, StoreError>(c.has_pending_migrations())).await? {
            return Ok(Vec::new());
        }
        let url = owner.unwrap_or(&self.url).clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = url.connect()?;
            if let DbConn::Postgres(pg) = &mut conn {
                // Migrations may move rows of any tenant; for this connection only.
                diesel::sql_query("SELECT set_config('app.platform', 'on', false)").execute(pg)?;
            }
            let applied = conn.run_migrations()?;
            if let Some(role) = server_role
                && current_role(&mut conn)? != role
            {
                grant_rows(&mut conn, &role)?;
            }
            Ok(applied)
        })
        .await
        .map_err(|e| StoreError::Interact(e.to_string()))?
    }

    /// Whether this database's role passes around row-level security
    /// (PostgreSQL superusers and `BYPASSRLS` roles); always false on SQLite.
    pub async fn bypasses_row_security(&self) -> Result<bool, StoreError> {
        if self.url.backend() != crate::Backend::Postgres {
            return Ok(false);
        }
        #[derive(diesel::QueryableByName)]
        struct Bypass {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            bypass: bool,
        }
        self.run(|c| {
            let row: Bypass = diesel::sql_query(
                "SELECT rolsuper OR rolbypassrls AS bypass FROM pg_roles WHERE rolname = current_user",
            )
            .get_result(c)?;
            Ok(row.bypass)
        })
        .await
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.run(|c| Ok::<_, StoreError>(diesel::sql_query("SELECT 1").execute(c).map(drop)?)).await
    }

    /// Runs `f` on a pooled connection in a blocking task, outside any
    /// transaction and bound to no tenant: on PostgreSQL, tenant-owned tables
    /// show it no rows (row-level security). For work on platform tables
    /// (`tenants`) and for long jobs that open their own transactions
    /// ([`tenant_write`], [`tenant_read`]).
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let conn = self.checkout().await?;
        let (result, sound) = conn
            .interact(move |c| {
                let result = f(c);
                // A failure may mean the connection is gone: look before it
                // goes back to the pool, on the same blocking hop.
                let sound = result.is_ok() || still_sound(c);
                (result, sound)
            })
            .await
            .map_err(|e| StoreError::Interact(e.to_string()))?;
        if !sound {
            // Out of the pool: the next checkout opens a fresh connection.
            drop(managed::Object::take(conn));
        }
        result
    }

    /// Runs `f` on a pooled connection right here, on the calling task, for
    /// a page-sized read of SQLite: a few hundred microseconds of the CPU,
    /// which in WAL mode wait on no lock. Handing it to a blocking thread and
    /// back would cost two thread wake-ups, more than a third of a list
    /// page's work. Everything else goes through [`Database::run`]: writes
    /// may wait out the busy timeout, and PostgreSQL waits on the network.
    async fn run_here<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<StoreError>,
    {
        let conn = self.checkout().await?;
        let (result, sound) = {
            let mut guard = conn.lock().map_err(|e| StoreError::Interact(e.to_string()))?;
            let result = f(&mut guard);
            let sound = result.is_ok() || still_sound(&mut guard);
            (result, sound)
        };
        if !sound {
            drop(managed::Object::take(conn));
        }
        result
    }

    /// A connection from the pool, the wait recorded.
    async fn checkout(&self) -> Result<managed::Object<ConnManager>, StoreError> {
        let waited = std::time::Instant::now();
        let conn = self.pool.get().await;
        metrics::histogram!("cairn_db_pool_wait_seconds").record(waited.elapsed().as_secs_f64());
        match conn {
            Ok(conn) => Ok(conn),
            Err(managed::PoolError::Backend(e)) => Err(e),
            Err(e) => Err(StoreError::Pool(e.to_string())),
        }
    }

    /// Runs `f` in a read transaction bound to `scope`: on SQLite on the
    /// calling task ([`Database::run_here`]), else on a blocking thread.
    async fn read_tx<T, E, F>(&self, scope: OwnedScope, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + From<diesel::result::Error> + Send + 'static,
    {
        match self.url {
            DatabaseUrl::Sqlite(_) => self.run_here(move |c| transaction(c, Mode::Read, scope.borrow(), f)).await,
            DatabaseUrl::Postgres(_) => self.run(move |c| transaction(c, Mode::Read, scope.borrow(), f)).await,
        }
    }

    /// Runs `f` in one transaction for platform-wide work (tenants, operators,
    /// the mail worker): on PostgreSQL it sees every tenant's rows
    /// (`app.platform`). An error from `f` rolls everything back.
    pub async fn tx<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + From<diesel::result::Error> + Send + 'static,
    {
        self.run(move |c| transaction(c, Mode::Write, Scope::Platform, f)).await
    }

    /// Runs `f` in one platform-wide read transaction (finding the tenant
    /// of a host): no write lock on SQLite, `READ ONLY` on PostgreSQL.
    pub async fn platform_read_tx<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + From<diesel::result::Error> + Send + 'static,
    {
        self.read_tx(OwnedScope::Platform, f).await
    }

    /// Runs `f` in one transaction scoped to `tenant`. On PostgreSQL the
    /// tenant is bound to the transaction (`app.tenant_id`), so row-level
    /// security policies can stand behind the application's own scoping.
    pub async fn tenant_tx<T, E, F>(&self, tenant: &TenantId, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + From<diesel::result::Error> + Send + 'static,
    {
        let tenant = tenant.clone();
        self.run(move |c| transaction(c, Mode::Write, Scope::Tenant(&tenant), f)).await
    }

    /// Runs `f` in one read transaction scoped to `tenant`, for page-sized
    /// work that only reads. On SQLite it begins deferred, so concurrent
    /// readers never queue behind the write lock, and runs on the calling
    /// task (bulk reads belong in [`Database::run`]); on PostgreSQL it is
    /// `READ ONLY`, so a write slipped into a read path fails loudly.
    pub async fn tenant_read_tx<T, E, F>(&self, tenant: &TenantId, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + From<diesel::result::Error> + Send + 'static,
    {
        self.read_tx(OwnedScope::Tenant(tenant.clone()), f).await
    }
}

/// A [`Scope`] that can travel to another thread.
enum OwnedScope {
    Tenant(TenantId),
    Platform,
}

impl OwnedScope {
    fn borrow(&self) -> Scope<'_> {
        match self {
            OwnedScope::Tenant(tenant) => Scope::Tenant(tenant),
            OwnedScope::Platform => Scope::Platform,
        }
    }
}

/// Whether a connection answers (looked at after a failure).
fn still_sound(conn: &mut DbConn) -> bool {
    diesel::sql_query("SELECT 1").execute(conn).is_ok()
}

/// Whether a transaction may write.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Read,
    Write,
}

/// Whose rows a transaction works on (PostgreSQL row-level security).
#[derive(Clone, Copy)]
enum Scope<'a> {
    /// One tenant's rows only.
    Tenant(&'a TenantId),
    /// Every tenant's rows: platform work.
    Platform,
}

/// Runs `f` in a transaction bound to `scope`. A write transaction on SQLite begins
/// `IMMEDIATE`: the write lock is taken up front, waiting out other writers
/// (busy timeout), instead of failing at the first write when another
/// connection committed since this transaction's first read (SQLITE_BUSY in
/// WAL mode). A read transaction takes no lock at all on SQLite.
fn transaction<T, E, F>(conn: &mut DbConn, mode: Mode, scope: Scope<'_>, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::TransactionManager;
    begin(conn, mode, scope)?;
    let result = f(conn);
    match result {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            <DbConn as Connection>::TransactionManager::rollback_transaction(conn)?;
            Err(error)
        }
    }
}

/// Begins a transaction bound to `scope`. On PostgreSQL the binding goes in
/// the same round trip as `BEGIN` (one batch); a failed batch leaves no
/// transaction open.
fn begin(conn: &mut DbConn, mode: Mode, scope: Scope<'_>) -> Result<(), diesel::result::Error> {
    use diesel::connection::{AnsiTransactionManager, SimpleConnection};
    match (conn, mode) {
        (DbConn::Sqlite(inner), Mode::Write) => AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE"),
        (DbConn::Sqlite(inner), Mode::Read) => AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN"),
        (DbConn::Postgres(inner), mode) => {
            let begin = if mode == Mode::Read { "BEGIN READ ONLY" } else { "BEGIN" };
            let begun =
                AnsiTransactionManager::begin_transaction_sql(inner, &format!("{begin}; {}", binding_sql(scope)));
            if begun.is_err() {
                let _ = inner.batch_execute("ROLLBACK");
            }
            begun
        }
    }
}

/// Binds the open transaction (or savepoint) to `scope`, on PostgreSQL.
fn bind(conn: &mut DbConn, scope: Scope<'_>) -> Result<(), diesel::result::Error> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConn::Postgres(pg) => pg.batch_execute(&binding_sql(scope)),
        DbConn::Sqlite(_) => Ok(()),
    }
}

/// The statement that binds a PostgreSQL transaction to `scope`:
/// `app.tenant_id` for a tenant, `app.platform` for platform work. The
/// row-level security policies read them; both end with the transaction
/// (or the savepoint). Sent in one batch with `BEGIN` (simple query
/// protocol, no parameters), so the id is quoted here as a string literal.
/// `SET LOCAL` rather than `SELECT set_config(…, true)`: a utility
/// statement is not planned, and the `SELECT` was planned anew in every
/// transaction.
fn binding_sql(scope: Scope<'_>) -> String {
    match scope {
        Scope::Tenant(tenant) => format!("SET LOCAL app.tenant_id = '{}'", tenant.as_str().replace('\'', "''")),
        Scope::Platform => "SET LOCAL app.platform = 'on'".to_owned(),
    }
}

/// The role a PostgreSQL connection works as.
fn current_role(conn: &mut DbConn) -> Result<String, StoreError> {
    #[derive(diesel::QueryableByName)]
    struct Role {
        #[diesel(sql_type = Text)]
        role: String,
    }
    let row: Role = diesel::sql_query("SELECT current_user::text AS role").get_result(conn)?;
    Ok(row.role)
}

/// Lets `role` read and write the rows of every table (not change them),
/// and read the migration history.
fn grant_rows(conn: &mut DbConn, role: &str) -> Result<(), StoreError> {
    use diesel::connection::SimpleConnection;
    let role = format!("\"{}\"", role.replace('"', "\"\""));
    conn.batch_execute(&format!(
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
         GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role};
         REVOKE INSERT, UPDATE, DELETE ON __diesel_schema_migrations FROM {role};
         GRANT EXECUTE ON FUNCTION cairn_refresh_statistics(text[]) TO {role};"
    ))?;
    Ok(())
}

/// Runs `f` in one write transaction scoped to `tenant`, on a connection a
/// long job holds through [`Database::run`] (an import commits batch by
/// batch on one connection). Inside another transaction it is a savepoint.
pub fn tenant_write<T, E, F>(conn: &mut DbConn, tenant: &TenantId, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::TransactionManager;
    let nested = <DbConn as Connection>::TransactionManager::transaction_manager_status_mut(conn)
        .transaction_depth()
        .map_err(E::from)?
        .is_some();
    if nested {
        conn.transaction(|c| {
            bind(c, Scope::Tenant(tenant))?;
            f(c)
        })
    } else {
        transaction(conn, Mode::Write, Scope::Tenant(tenant), f)
    }
}

/// Runs `f` in one read transaction scoped to `tenant`, on a connection a
/// long job holds through [`Database::run`].
pub fn tenant_read<T, E, F>(conn: &mut DbConn, tenant: &TenantId, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    transaction(conn, Mode::Read, Scope::Tenant(tenant), f)
}

/// Runs `f` in a write transaction of `tenant` that is always rolled back:
/// a dry run does all the work of a real one and keeps nothing.
pub fn rolled_back<T, E, F>(conn: &mut DbConn, tenant: &TenantId, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::TransactionManager;
    begin(conn, Mode::Write, Scope::Tenant(tenant))?;
    let result = f(conn);
    <DbConn as Connection>::TransactionManager::rollback_transaction(conn)?;
    result
}

/// Refreshes the planner's statistics of `tables` on PostgreSQL (nothing on
/// SQLite, whose planner does not need them). A bulk load into fresh tables
/// calls it now and then: plans cached while a table was empty scan it
/// whole, and every lookup would get slower as it grows. It goes through
/// `cairn_refresh_statistics`, which runs as the tables' owner: the server's
/// own role may not `ANALYZE` them.
pub fn refresh_statistics(conn: &mut DbConn, tables: &[&'static str]) -> Result<(), diesel::result::Error> {
    use diesel::sql_types::{Array, Text};
    if let DbConn::Postgres(pg) = conn {
        diesel::sql_query("SELECT cairn_refresh_statistics($1)").bind::<Array<Text>, _>(tables).execute(pg)?;
    }
    Ok(())
}
