//! Fresh databases for tests: a new SQLite file, or a new PostgreSQL
//! database on the server named by `CAIRN_TEST_DATABASE_URL` (dropped with
//! its connections afterwards). Without that variable the PostgreSQL runs
//! are skipped, except under `CI=true`, where that is a failure: CI must test
//! both backends.

use diesel::{Connection, RunQueryDsl};

/// The variable naming a PostgreSQL server for tests, e.g.
/// `postgres://postgres@127.0.0.1/postgres`.
pub const PG_ENV: &str = "CAIRN_TEST_DATABASE_URL";

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

    /// The database's URL, for `database.url`.
    pub fn url(&self) -> &str {
        &self.url
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
        Self { admin_url: admin_url.to_owned(), name }
    }

    fn url(&self) -> String {
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

#[cfg(test)]
mod tests {
    use super::replace_database;

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
