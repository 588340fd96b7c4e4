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

/// Declares an id newtype over the stored text, so that an organization's
/// id cannot be passed where a record's is expected.
macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id as given (from a path, a form or a row).
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as stored.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }
    };
}

typed_id!(
    /// The id of a customer organization within a tenant.
    OrganizationId
);
typed_id!(
    /// The id of a documentation record (or document) within a tenant.
    RecordId
);
typed_id!(
    /// The id of a user within a tenant.
    UserId
);
typed_id!(
    /// The id of an invitation within a tenant.
    InvitationId
);
