//! Fresh databases for tests: a new SQLite file, or a new PostgreSQL
//! database on the server named by `CAIRN_TEST_DATABASE_URL` (dropped with
//! its connections afterwards). On PostgreSQL the tables belong to that
//! URL's role, and the server under test connects as [`APP_ROLE`], a role
//! without superuser or BYPASSRLS rights, so row-level security binds every
//! query of every test as it binds a production server. Without that variable the PostgreSQL runs
//! are skipped, except under `CI=true`, where that is a failure: CI must test
//! both backends.

use diesel::{Connection, RunQueryDsl};

/// The variable naming a PostgreSQL server for tests, e.g.
/// `postgres://postgres@127.0.0.1/postgres`.
pub const PG_ENV: &str = "CAIRN_TEST_DATABASE_URL";

/// The role the server under test connects as on PostgreSQL (created on
/// first use, trust authentication assumed as on a test server).
pub const APP_ROLE: &str = "cairn_test_app";

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestBackend {
    /// A fresh SQLite file.
    Sqlite,
    /// A fresh PostgreSQL database.
    Postgres,
}

/// A scratch database; it is removed when this is dropped.
pub struct ScratchDatabase {
    url: String,
    dir: tempfile::TempDir,
    pg: Option<PgScratch>,
}

impl ScratchDatabase {
    /// A fresh database on `backend`; `None` for PostgreSQL when no server is
    /// configured outside CI.
    pub fn create(backend: TestBackend) -> Option<Self> {
        let dir = tempfile::tempdir().expect("tempdir");
        match backend {
            TestBackend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("cairn.db").display());
                Some(Self { url, dir, pg: None })
            }
            TestBackend::Postgres => {
                let admin = match std::env::var(PG_ENV) {
                    Ok(url) if !url.is_empty() => url,
                    _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
                        panic!("CI=true but {PG_ENV} is not set: the PostgreSQL tests must run in CI")
                    }
                    _ => return None,
                };
                let pg = PgScratch::create(&admin);
                Some(Self { url: pg.url(), dir, pg: Some(pg) })
            }
        }
    }

    /// The database's URL, for `database.url`: on PostgreSQL as [`APP_ROLE`].
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The URL of the role that owns the tables (PostgreSQL), for
    /// `database.migrate_url`; `None` on SQLite.
    pub fn migrate_url(&self) -> Option<String> {
        self.pg.as_ref().map(PgScratch::owner_url)
    }

    /// A URL that sees every row, for tests that look into the database:
    /// the owner's on PostgreSQL (a superuser on a test server).
    pub fn admin_url(&self) -> String {
        self.migrate_url().unwrap_or_else(|| self.url.clone())
    }

    /// A folder that lives as long as the database (data_dir, mail files, keys).
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Whether this is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        self.pg.is_some()
    }
}

/// A fresh PostgreSQL database, dropped (with its connections) on drop.
struct PgScratch {
    admin_url: String,
    name: String,
}

impl PgScratch {
    fn create(admin_url: &str) -> Self {
        let name = format!("cairn_test_{}", uuid::Uuid::now_v7().simple());
        let mut conn = diesel::PgConnection::establish(admin_url)
            .unwrap_or_else(|e| panic!("{PG_ENV} names an unreachable PostgreSQL server: {e}"));
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).expect("create test database");
        // Tests run in parallel: one creates the role, the others wait on the lock.
        diesel::sql_query(format!(
            "DO $$ BEGIN
                 PERFORM pg_advisory_xact_lock(4242);
                 IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                     CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
                 END IF;
             END $$"
        ))
        .execute(&mut conn)
        .expect("create the test server's role");
        Self { admin_url: admin_url.to_owned(), name }
    }

    /// The new database as the server's role.
    fn url(&self) -> String {
        replace_user(&replace_database(&self.admin_url, &self.name), APP_ROLE)
    }

    /// The new database as the role that created it (owner of the tables).
    fn owner_url(&self) -> String {
        replace_database(&self.admin_url, &self.name)
    }
}

impl Drop for PgScratch {
    fn drop(&mut self) {
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.admin_url) {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(&mut conn);
        }
    }
}

/// `postgres://u@h:p/db?x` with another database name.
fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{host_part}/{database}?{query}"),
        None => format!("{host_part}/{database}"),
    }
}

/// `postgres://u:p@h/db` as another user, without a password (trust
/// authentication on a test server).
fn replace_user(url: &str, user: &str) -> String {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let host = match rest[..authority_end].rfind('@') {
        Some(at) => &rest[at + 1..],
        None => rest,
    };
    format!("{}{user}@{host}", &url[..scheme_end])
}

#[cfg(test)]
mod tests {
    use super::{replace_database, replace_user};

    #[test]
    fn user_is_replaced() {
        assert_eq!(replace_user("postgres://postgres@127.0.0.1/x", "app"), "postgres://app@127.0.0.1/x");
        assert_eq!(
            replace_user("postgres://u:p@h:5432/x?sslmode=disable", "app"),
            "postgres://app@h:5432/x?sslmode=disable"
        );
        assert_eq!(replace_user("postgres://h/x", "app"), "postgres://app@h/x");
    }

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(replace_database("postgres://postgres@127.0.0.1/postgres", "x"), "postgres://postgres@127.0.0.1/x");
        assert_eq!(
            replace_database("postgres://u:p@h:5432/db?sslmode=disable", "x"),
            "postgres://u:p@h:5432/x?sslmode=disable"
        );
        assert_eq!(replace_database("postgres://h", "x"), "postgres://h/x");
    }
}
