//! Cairn's secret sealing.
//!
//! Three layers, so that a leaked database alone reveals nothing and rotating
//! the master key touches one row per tenant, not every secret:
//!
//! 1. The **master key** (32 bytes) comes from configuration or a key file
//!    outside the database. It only wraps data keys.
//! 2. Each tenant has a random **data key**, stored wrapped by the master key
//!    (the wrap is bound to tenant and key version). Deleting it shreds the
//!    tenant's secrets.
//! 3. Each secret field is sealed with XChaCha20-Poly1305 under the tenant's
//!    data key, with the additional data `tenant_id|table|record_id|field|key_version`,
//!    so a sealed value copied to another record, field or tenant does not open.
//!
//! This crate is pure cryptography and key-file handling; storing wrapped
//! keys is the job of the tenancy layer.

mod error;
mod keys;
mod sealed;

pub use error::VaultError;
pub use keys::{DataKey, KeyFileOrigin, MasterKey};
pub use sealed::{FieldRef, Keyring};
pub use secrecy::{ExposeSecret, SecretString};
