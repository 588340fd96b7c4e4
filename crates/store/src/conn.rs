//! The connection type over both backends and how one is opened.

use std::path::{Path, PathBuf};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::StoreError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// How long a SQLite writer waits for the lock before giving up, in milliseconds.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;

/// A connection to either backend. Queries written once against the diesel
/// DSL run on both; code branches on the variant only where SQL truly differs.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    /// Embedded SQLite (development, small installations).
    Sqlite(SqliteConnection),
    /// PostgreSQL (production, several nodes).
    Postgres(PgConnection),
}

/// Runs `body` with `conn` bound to the engine's own connection, for the
/// statements diesel's multi-backend connection cannot express (`UNION`,
/// `ON CONFLICT`) but whose DSL is the same on both engines: the body is
/// written once and compiled for each.
///
/// The statements of every page view run through it too: the multi-backend
/// connection writes a statement's SQL out on each run (a boxed one twice:
/// to find it in the statement cache and to collect its binds) and wraps
/// each row it reads, while the engine's own connection finds a static
/// statement in its cache by its type.
///
/// ```ignore
/// cairn_store::on_engine!(conn, |c| query.union_all(other).load::<Row>(c))?;
/// ```
#[macro_export]
macro_rules! on_engine {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::DbConn::Postgres($c) => $body,
            $crate::DbConn::Sqlite($c) => $body,
        }
    };
}

/// Which database engine a [`DatabaseUrl`] points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A parsed `database.url`: `sqlite://<path>` (relative, or absolute as in
/// `sqlite:///var/lib/cairn/cairn.db`) or `postgres://…` / `postgresql://…`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection string, passed to libpq as it is.
    Postgres(String),
}

impl std::fmt::Debug for DatabaseUrl {
    // A PostgreSQL URL may carry a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres(_) => f.write_str("postgres://…"),
        }
    }
}

impl DatabaseUrl {
    /// Parses a configured URL, naming what is allowed when it is not understood.
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(StoreError::InvalidUrl("sqlite:// needs a file path, e.g. sqlite://data/cairn.db".into()));
            }
            Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres(url.to_owned()))
        } else {
            Err(StoreError::InvalidUrl("expected sqlite://<path> or postgres://<user>@<host>/<database>".into()))
        }
    }

    /// The backend this URL opens.
    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// Opens one connection of the right backend, reporting the backend's own
    /// error (diesel's derived `establish` tries each backend and hides it).
    pub fn connect(&self) -> Result<DbConn, StoreError> {
        match self {
            DatabaseUrl::Sqlite(path) => open_sqlite(path).map(DbConn::Sqlite),
            DatabaseUrl::Postgres(url) => {
                let url = plain_on_loopback(url, std::env::var_os("PGSSLMODE").is_some());
                PgConnection::establish(&url).map(DbConn::Postgres).map_err(|e| StoreError::Connect(e.to_string()))
            }
        }
    }
}

/// `url` with `sslmode=disable` added when it names a loopback host and
/// neither it nor `PGSSLMODE` (`mode_from_env`) chooses a mode. libpq's
/// default (`prefer`) would wrap every query to a server on the same machine
/// in TLS, which protects nothing there and cost a quarter of the
/// throughput of a page; any other host keeps libpq's default.
fn plain_on_loopback(url: &str, mode_from_env: bool) -> std::borrow::Cow<'_, str> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let chooses = query.split('&').any(|pair| pair.starts_with("sslmode="));
    let authority = base.split_once("://").map_or("", |(_, rest)| rest.split('/').next().unwrap_or(""));
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = match host_port.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or(""),
        None => host_port.split(':').next().unwrap_or(""),
    };
    let loopback =
        host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if !loopback || chooses || mode_from_env {
        return std::borrow::Cow::Borrowed(url);
    }
    let separator = if url.contains('?') { "&" } else { "?" };
    std::borrow::Cow::Owned(format!("{url}{separator}sslmode=disable"))
}

fn open_sqlite(path: &Path) -> Result<SqliteConnection, StoreError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| StoreError::Connect(format!("cannot create {}: {e}", parent.display())))?;
    }
    let path_text = path.to_str().ok_or_else(|| StoreError::InvalidUrl("the SQLite path is not valid UTF-8".into()))?;
    let mut conn =
        SqliteConnection::establish(path_text).map_err(|e| StoreError::Connect(format!("{}: {e}", path.display())))?;
    conn.batch_execute(&format!(
        "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};
         PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;"
    ))?;
    Ok(conn)
}

impl DbConn {
    /// The backend behind this connection.
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Sqlite(_) => Backend::Sqlite,
            DbConn::Postgres(_) => Backend::Postgres,
        }
    }

    /// Whether some embedded migration of this backend is not yet applied.
    /// Only reads, so a role that may not create tables can ask.
    pub fn has_pending_migrations(&mut self) -> bool {
        use diesel::RunQueryDsl;
        use diesel::migration::MigrationSource;
        #[derive(diesel::QueryableByName)]
        struct Applied {
            #[diesel(sql_type = diesel::sql_types::Text)]
            version: String,
        }
        let applied: std::collections::HashSet<String> =
            match diesel::sql_query("SELECT version FROM __diesel_schema_migrations").load::<Applied>(self) {
                Ok(rows) => rows.into_iter().map(|row| row.version).collect(),
                Err(_) => return true,
            };
        let versions: Vec<String> = match self {
            DbConn::Sqlite(_) => MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
                .map(|all| all.iter().map(|m| m.name().version().to_string()).collect()),
            DbConn::Postgres(_) => MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES_MIGRATIONS)
                .map(|all| all.iter().map(|m| m.name().version().to_string()).collect()),
        }
        .unwrap_or_default();
        versions.iter().any(|version| !applied.contains(version))
    }

    /// Applies every pending embedded migration of this backend; returns
    /// the names of those applied.
    pub fn run_migrations(&mut self) -> Result<Vec<String>, StoreError> {
        let applied = match self {
            DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
            DbConn::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
        }
        .map_err(|e| StoreError::Migration(e.to_string()))?;
        Ok(applied.iter().map(ToString::to_string).collect())
    }
}

/// What `.cargo/config.toml` builds the bundled SQLite with, as
/// `PRAGMA compile_options` names it: plans kept (without it every
/// statement with a bound `LIMIT` is parsed and planned again on each run),
/// no per-connection mutexes and no global allocation statistics (a mutex
/// on every allocation).
const TUNED_SQLITE: [&str; 3] = ["ENABLE_QPSG", "THREADSAFE=2", "DEFAULT_MEMSTATUS=0"];

/// The compile options of [`TUNED_SQLITE`] the linked SQLite lacks: empty
/// when it was built inside the repository.
pub fn sqlite_untuned() -> Result<Vec<&'static str>, StoreError> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = diesel::sql_types::Text)]
        compile_options: String,
    }
    let mut conn = SqliteConnection::establish(":memory:").map_err(|e| StoreError::Connect(e.to_string()))?;
    let options: Vec<CompileOption> = diesel::sql_query("PRAGMA compile_options").load(&mut conn)?;
    Ok(TUNED_SQLITE.into_iter().filter(|wanted| !options.iter().any(|o| o.compile_options == *wanted)).collect())
}

#[cfg(test)]
mod tests {
    use super::plain_on_loopback;

    #[test]
    fn loopback_servers_are_asked_without_tls_unless_a_mode_is_chosen() {
        let plain = |url: &str| plain_on_loopback(url, false).into_owned();
        assert_eq!(plain("postgres://postgres@127.0.0.1/db"), "postgres://postgres@127.0.0.1/db?sslmode=disable");
        assert_eq!(
            plain("postgres://u:p@localhost:5432/db?x=1"),
            "postgres://u:p@localhost:5432/db?x=1&sslmode=disable"
        );
        assert_eq!(plain("postgresql://[::1]:5432/db"), "postgresql://[::1]:5432/db?sslmode=disable");
        // A mode chosen in the URL or in PGSSLMODE stands; other hosts keep libpq's default.
        assert_eq!(plain("postgres://127.0.0.1/db?sslmode=require"), "postgres://127.0.0.1/db?sslmode=require");
        assert_eq!(plain_on_loopback("postgres://127.0.0.1/db", true), "postgres://127.0.0.1/db");
        assert_eq!(plain("postgres://db.example.com/db"), "postgres://db.example.com/db");
        assert_eq!(plain("postgres://u:p@127.0.0.1.example.com/db"), "postgres://u:p@127.0.0.1.example.com/db");
    }

    #[test]
    fn the_bundled_sqlite_is_built_as_configured() {
        let untuned = super::sqlite_untuned().expect("in-memory SQLite");
        assert!(
            untuned.is_empty(),
            "the bundled SQLite lacks {untuned:?}: build with .cargo/config.toml's LIBSQLITE3_FLAGS"
        );
    }
}
