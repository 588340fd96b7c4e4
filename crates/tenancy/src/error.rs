//! Errors of tenant management.

use cairn_store::StoreError;
use cairn_vault::VaultError;

/// Why a tenant operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum TenancyError {
    /// The slug is not a valid subdomain.
    #[error("invalid slug: {0}")]
    InvalidSlug(String),
    /// Another tenant has the slug.
    #[error("a tenant with the slug {0} exists already")]
    SlugTaken(String),
    /// No tenant has the slug.
    #[error("no tenant with the slug {0}")]
    NotFound(String),
    /// A field's value is not acceptable.
    #[error("{field}: {reason}")]
    InvalidField {
        /// The field (as the CLI names it).
        field: &'static str,
        /// What is allowed.
        reason: String,
    },
    /// A custom domain is invalid.
    #[error("domain {0}: {1}")]
    Domain(String, &'static str),
    /// A custom domain belongs to a tenant already.
    #[error("domain {0} belongs to a tenant already")]
    DomainTaken(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A data key could not be made or opened.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl From<diesel::result::Error> for TenancyError {
    fn from(e: diesel::result::Error) -> Self {
        TenancyError::Store(e.into())
    }
}
