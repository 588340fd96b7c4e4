//! Cairn's database layer.
//!
//! One [`Database`] handle serves both backends: SQLite (embedded, the default)
//! and PostgreSQL (production). It owns the connection pool, applies the
//! embedded migrations and is the only way to run queries: platform work goes
//! through [`Database::tx`], tenant-owned work through [`Database::tenant_tx`],
//! which also binds the tenant for PostgreSQL row-level security.
//!
//! The diesel [`schema`] of every table lives here so that joins across
//! concerns have one source of truth; the crates above own the logic.

pub mod audit;
pub mod backup;
mod conn;
mod error;
mod ids;
mod pool;
pub mod portable;
pub mod schema;
#[cfg(feature = "testing")]
pub mod scratch;
mod stamp;

pub use conn::{Backend, DatabaseUrl, DbConn, sqlite_untuned};
pub use error::StoreError;
pub use ids::{InvitationId, OrganizationId, RecordId, TenantId, UserId, new_id};
/// The current time in UTC, to the microsecond: what PostgreSQL keeps, so
/// that a time written on SQLite reads back the same after a move between
/// backends (PostgreSQL would round nanoseconds, not cut them).
pub fn now() -> chrono::NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    chrono::Timelike::with_nanosecond(&now, now.and_utc().timestamp_subsec_micros() * 1_000).unwrap_or(now)
}

pub use pool::{Database, PoolOptions, refresh_statistics, rolled_back, tenant_read, tenant_write};
pub use stamp::Stamp;
