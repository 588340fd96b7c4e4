//! Identifiers.

use std::fmt;

/// A new UUIDv7 as text: time-ordered, so inserts append to indexes.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The id of a tenant: the scope every tenant-owned query is bound to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct TenantId(String);

impl TenantId {
    /// Wraps an id read from the `tenants` table.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
