//! Accounts for Cairn: users, invitations, passwords, server-side sessions,
//! TOTP MFA with recovery codes, sign-in throttling, avatars, and the one
//! access policy ([`policy::can`]) that decides every access.
//!
//! Everything here is logic over a connection and a tenant scope; the pages
//! live in `cairn-web`.

pub mod api_keys;
pub mod avatar;
mod error;
pub mod invitations;
pub mod mfa;
pub mod password;
pub mod policy;
pub mod recovery;
pub mod resets;
pub mod sessions;
pub mod throttle;
pub mod timezones;
mod tokens;
pub mod users;

pub use error::AuthError;
pub use tokens::{hash_token, new_token};
pub use users::{Role, Theme, User};
