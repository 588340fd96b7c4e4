//! Customer documentation for Cairn: organizations and their configurations,
//! contacts, passwords, wireless networks, VPNs and documents; the tenant's
//! own asset types and their records; related items, attachments and the
//! dates that expire.
//!
//! Every function takes a connection and the tenant scope; access is always
//! decided by [`cairn_auth::policy::can`], given the asker's grant, which
//! [`organizations::grant_of`] looks up. Sealed secrets open only through
//! [`records::reveal`], which writes its audit event in the same transaction.

pub mod asset_records;
pub mod asset_types;
pub mod attachments;
mod authorized;
pub mod documents;
mod error;
pub mod expirations;
pub mod external_ids;
pub mod import_jobs;
pub mod kinds;
pub mod organizations;
pub mod records;
pub mod relations;
pub mod search;

pub use authorized::Authorized;
pub use error::AssetError;
pub use kinds::{FieldSpec, Input, Kind, Section};
