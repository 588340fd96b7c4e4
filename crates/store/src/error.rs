//! Errors of the store.
//!
//! Domain crates wrap [`StoreError`] in their own `thiserror` enums; the HTTP
//! layer maps diesel's `NotFound` to 404 and everything else to 500.

/// What can go wrong when talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `database.url` is not a URL this build can open.
    #[error("database.url: {0}")]
    InvalidUrl(String),
    /// A connection could not be established (the backend's own message).
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    /// No pooled connection became available.
    #[error("database pool: {0}")]
    Pool(String),
    /// The blocking task running the query panicked or was cancelled.
    #[error("database task aborted: {0}")]
    Interact(String),
    /// Applying migrations failed.
    #[error("database migration failed: {0}")]
    Migration(String),
    /// A query failed.
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

impl StoreError {
    /// Whether the error means "no such row".
    pub fn is_not_found(&self) -> bool {
        matches!(self, StoreError::Query(diesel::result::Error::NotFound))
    }
}
