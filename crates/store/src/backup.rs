//! Backups of an embedded SQLite database: a consistent snapshot taken while
//! the server runs, and putting one back while it is stopped. PostgreSQL has
//! its own tools (pg_dump, base backups); these refuse it with that advice.

use std::path::Path;

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;

use crate::{DatabaseUrl, DbConn, StoreError};

fn sqlite_only(url: &DatabaseUrl) -> Result<&Path, StoreError> {
    match url {
        DatabaseUrl::Sqlite(path) => Ok(path),
        DatabaseUrl::Postgres(_) => Err(StoreError::Connect(
            "backup and restore are for SQLite; back PostgreSQL up with pg_dump or base backups".into(),
        )),
    }
}

#[derive(diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// Writes a consistent snapshot of the database to `dest` (which must not
/// exist), while other connections go on reading and writing.
pub fn snapshot(url: &DatabaseUrl, dest: &Path) -> Result<(), StoreError> {
    sqlite_only(url)?;
    if dest.exists() {
        return Err(StoreError::Connect(format!("{} exists already; choose a new file", dest.display())));
    }
    let DbConn::Sqlite(mut conn) = url.connect()? else { unreachable!("checked above") };
    diesel::sql_query("VACUUM INTO ?").bind::<Text, _>(dest.to_string_lossy().into_owned()).execute(&mut conn)?;
    Ok(())
}

/// Checks that `file` is a sound Cairn database.
fn check(file: &Path) -> Result<(), StoreError> {
    let url = DatabaseUrl::Sqlite(file.to_owned());
    let DbConn::Sqlite(mut conn) = url.connect()? else { unreachable!("a SQLite URL") };
    let lines: Vec<Line> =
        diesel::sql_query("SELECT integrity_check AS line FROM pragma_integrity_check").load(&mut conn)?;
    if lines.len() != 1 || lines[0].line != "ok" {
        return Err(StoreError::Connect(format!(
            "{} is damaged: {}",
            file.display(),
            lines.first().map_or("", |l| &l.line)
        )));
    }
    let migrations: Vec<Line> = diesel::sql_query(
        "SELECT name AS line FROM sqlite_master WHERE type = 'table' AND name IN ('__diesel_schema_migrations', 'tenants')",
    )
    .load(&mut conn)?;
    if migrations.len() != 2 {
        return Err(StoreError::Connect(format!("{} is not a Cairn database", file.display())));
    }
    Ok(())
}

/// Puts the snapshot `source` in place of the database (the server must be
/// stopped): checked first, copied beside the database, then renamed over
/// it, so a failure leaves the old database as it was.
pub fn restore(url: &DatabaseUrl, source: &Path) -> Result<(), StoreError> {
    let target = sqlite_only(url)?;
    if !source.is_file() {
        return Err(StoreError::Connect(format!("{}: no such file", source.display())));
    }
    check(source)?;
    let staging = target.with_extension("restoring");
    let io = |e: std::io::Error| StoreError::Connect(format!("restoring {}: {e}", target.display()));
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::copy(source, &staging).map_err(io)?;
    std::fs::File::open(&staging).and_then(|f| f.sync_all()).map_err(io)?;
    // The old database's write-ahead log must not be replayed onto the snapshot.
    for suffix in ["-wal", "-shm"] {
        let side = std::path::PathBuf::from(format!("{}{suffix}", target.display()));
        if side.exists() {
            std::fs::remove_file(&side).map_err(io)?;
        }
    }
    std::fs::rename(&staging, target).map_err(io)?;
    let DbConn::Sqlite(mut conn) = url.connect()? else { unreachable!("a SQLite URL") };
    conn.batch_execute("PRAGMA quick_check")?;
    Ok(())
}
