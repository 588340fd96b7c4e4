//! The pool and the transaction entry points.

use std::time::Duration;

use deadpool::managed::{self, Metrics, RecycleError, RecycleResult};
use deadpool_diesel::Runtime;
use diesel::Connection;
use diesel::RunQueryDsl;
use diesel::sql_types::Text;

use crate::{DatabaseUrl, DbConn, StoreError, TenantId};

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

    async fn recycle(&self, conn: &mut PooledConn, _: &Metrics) -> RecycleResult<StoreError> {
        if conn.is_mutex_poisoned() {
            return Err(RecycleError::message("connection mutex poisoned"));
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

    /// Applies pending migrations; returns the names of those applied.
    pub async fn migrate(&self) -> Result<Vec<String>, StoreError> {
        self.run(|c| c.run_migrations()).await
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.run(|c| Ok::<_, StoreError>(diesel::sql_query("SELECT 1").execute(c).map(drop)?)).await
    }

    /// Runs `f` on a pooled connection in a blocking task, outside any transaction.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let waited = std::time::Instant::now();
        let conn = self.pool.get().await;
        metrics::histogram!("cairn_db_pool_wait_seconds").record(waited.elapsed().as_secs_f64());
        let conn = match conn {
            Ok(conn) => conn,
            Err(managed::PoolError::Backend(e)) => return Err(e.into()),
            Err(e) => return Err(StoreError::Pool(e.to_string()).into()),
        };
        conn.interact(f).await.map_err(|e| StoreError::Interact(e.to_string()))?
    }

    /// Runs `f` in one transaction for platform-wide work (tenants, operators).
    /// An error from `f` rolls everything back.
    pub async fn tx<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + From<diesel::result::Error> + Send + 'static,
    {
        self.run(move |c| transaction(c, Mode::Write, f)).await
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
        self.tx(move |c| {
            bind_tenant(c, &tenant)?;
            f(c)
        })
        .await
    }

    /// Runs `f` in one read transaction scoped to `tenant`, for work that
    /// only reads. On SQLite it begins deferred, so concurrent readers never
    /// queue behind the write lock; on PostgreSQL it is `READ ONLY`, so a
    /// write slipped into a read path fails loudly instead of passing.
    pub async fn tenant_read_tx<T, E, F>(&self, tenant: &TenantId, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + From<diesel::result::Error> + Send + 'static,
    {
        let tenant = tenant.clone();
        self.run(move |c| {
            transaction(c, Mode::Read, |c| {
                bind_tenant(c, &tenant)?;
                f(c)
            })
        })
        .await
    }
}

/// Whether a transaction may write.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Read,
    Write,
}

/// Runs `f` in a transaction. A write transaction on SQLite begins
/// `IMMEDIATE`: the write lock is taken up front, waiting out other writers
/// (busy timeout), instead of failing at the first write when another
/// connection committed since this transaction's first read (SQLITE_BUSY in
/// WAL mode). A read transaction takes no lock at all on SQLite.
fn transaction<T, E, F>(conn: &mut DbConn, mode: Mode, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    match (&mut *conn, mode) {
        (DbConn::Sqlite(inner), Mode::Write) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?
        }
        (DbConn::Sqlite(inner), Mode::Read) => AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN")?,
        (DbConn::Postgres(inner), Mode::Write) => AnsiTransactionManager::begin_transaction(inner)?,
        (DbConn::Postgres(inner), Mode::Read) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN READ ONLY")?
        }
    }
    match f(conn) {
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

/// Sets `app.tenant_id` for the current PostgreSQL transaction.
fn bind_tenant(conn: &mut DbConn, tenant: &TenantId) -> Result<(), diesel::result::Error> {
    if let DbConn::Postgres(pg) = conn {
        diesel::sql_query("SELECT set_config('app.tenant_id', $1, true)")
            .bind::<Text, _>(tenant.as_str())
            .execute(pg)?;
    }
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
    let run = |c: &mut DbConn| {
        bind_tenant(c, tenant)?;
        f(c)
    };
    if nested { conn.transaction(run) } else { transaction(conn, Mode::Write, run) }
}

/// Runs `f` in a write transaction that is always rolled back: a dry run
/// does all the work of a real one and keeps nothing.
pub fn rolled_back<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    match &mut *conn {
        DbConn::Sqlite(inner) => AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?,
        DbConn::Postgres(inner) => AnsiTransactionManager::begin_transaction(inner)?,
    }
    let result = f(conn);
    <DbConn as Connection>::TransactionManager::rollback_transaction(conn)?;
    result
}

/// Refreshes the planner's statistics of `tables` on PostgreSQL (nothing on
/// SQLite, whose planner does not need them). A bulk load into fresh tables
/// calls it now and then: plans cached while a table was empty scan it
/// whole, and every lookup would get slower as it grows.
pub fn refresh_statistics(conn: &mut DbConn, tables: &[&'static str]) -> Result<(), diesel::result::Error> {
    if let DbConn::Postgres(pg) = conn {
        diesel::sql_query(format!("ANALYZE {}", tables.join(", "))).execute(pg)?;
    }
    Ok(())
}
