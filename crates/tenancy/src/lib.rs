//! Tenants, their custom domains and data keys, and how a request's Host
//! header finds its tenant.
//!
//! A tenant is one MSP, reached at `<slug>.<base_domain>` (slugs may contain
//! dots: `plusundplus.ch.localhost`) or at a custom domain of its own. The
//! [`TenantResolver`] middleware puts a [`Site`] into every request's data;
//! handlers take the tenant from there and nowhere else.

mod directory;
pub mod domains;
mod error;
mod host;
pub mod keys;
mod locale;
mod middleware;
mod model;
mod public_url;
pub mod settings;
pub mod signup;
mod slug;

pub use directory::{NewTenant, TenantChange, TenantDirectory};
pub use error::TenancyError;
pub use host::{HostTarget, classify_host};
pub use locale::Locale;
pub use middleware::{Site, TenantRejection, TenantResolver};
pub use model::{Tenant, TenantStatus};
pub use public_url::PublicUrls;
pub use slug::TenantSlug;
