//! Customer documentation for Cairn: organizations and their configurations,
//! contacts, passwords, wireless networks, VPNs and documents.
//!
//! Every function takes a connection and the tenant scope; access is always
//! decided by [`cairn_auth::policy::can`], given the asker's grant, which
//! [`organizations::grant_of`] looks up. Sealed secrets open only through
//! [`records::reveal`], which writes its audit event in the same transaction.

mod authorized;
pub mod documents;
mod error;
pub mod kinds;
pub mod organizations;
pub mod records;
pub mod search;

pub use authorized::Authorized;
pub use error::AssetError;
pub use kinds::{FieldSpec, Input, Kind, Section};
