//! Errors of the documentation layer.

use cairn_store::StoreError;

/// Why a documentation operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum AssetError {
    /// Not there, or not for this asker: the same answer for both.
    #[error("not found")]
    NotFound,
    /// A field's value is not acceptable.
    #[error("{field}: {message}")]
    Invalid {
        /// The form field.
        field: String,
        /// What is wrong, in English (the web layer words it per language).
        message: String,
    },
    /// A name is taken in the tenant.
    #[error("the name is taken")]
    NameTaken,
    /// A unique value (named by the field) is taken in the tenant.
    #[error("{0} is taken")]
    Taken(&'static str),
    /// A change would remove fields that hold values: it needs confirmation.
    /// Each entry names a field and how many records hold a value in it.
    #[error("fields with values would be removed: {0:?}")]
    ValuesWouldBeRemoved(Vec<(String, i64)>),
    /// A secret could not be opened.
    #[error("a sealed value cannot be opened")]
    Sealed,
    /// Accounts failed.
    #[error(transparent)]
    Auth(#[from] cairn_auth::AuthError),
    /// Keys could not be loaded.
    #[error(transparent)]
    Tenancy(#[from] cairn_tenancy::TenancyError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for AssetError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AssetError::NotFound,
            other => AssetError::Store(other.into()),
        }
    }
}

impl AssetError {
    /// A field error.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AssetError::Invalid { field: field.to_owned(), message: message.into() }
    }
}
