//! Cairn's application layer: every use case, once.
//!
//! The web pages, the REST API and the command line are surfaces; they
//! parse what came in, call one method of [`App`] and present its answer.
//! A use case here runs in one transaction, calls the access policy itself
//! (a caller is never trusted to have asked), writes its audit event and
//! queues its mail in that transaction, and wakes the mail worker after the
//! commit. The database and the master key are private to [`App`]: no
//! surface can open a transaction or unwrap a tenant's key.
//!
//! ```text
//! surfaces (web, api, cli) → app → domain (auth, assets, mail, tenancy) → store, vault
//! ```
//!
//! Refusals and absences are one answer, [`AppError::NotFound`]: a caller
//! cannot tell "not allowed" from "not there".

mod access_requests;
mod accounts;
mod api_keys;
mod asset_types;
mod attachments;
mod audit_log;
mod bench_seed;
mod caller;
mod demo;
mod documents;
mod error;
mod expirations;
mod import;
mod invitations;
mod onboarding;
mod operations;
mod organizations;
mod portability;
mod records;
mod relations;
mod search;
mod sign_in;
mod state;
mod tenants;
mod users;
mod workspace;

pub use access_requests::AccessRequest;
pub use accounts::{AccountInput, PasswordChange, ProfileData, ProfileInput};
pub use api_keys::{NewKey, RateLimit};
pub use attachments::Download;
pub use audit_log::AuditLog;
pub use bench_seed::{SeedSpec, SeededTenant, SeededUser};
pub use cairn_assets::import_jobs::ImportJob;
pub use caller::{Caller, ClientAddress, SessionClaim};
pub use demo::DemoSeed;
pub use documents::{DocumentList, DocumentView, Place};
pub use error::{AppError, Reason};
pub use expirations::{DigestSchedule, ExpirationQuery};
pub use import::{
    Counts as ImportCounts, ImportOptions, ImportProgress, ImportReport, ImportUpload, Skipped as ImportSkipped,
};
pub use invitations::{Invite, OrganizationRef};
pub use onboarding::{Confirmation, Onboarding, SignUp, SignupMode};
pub use operations::MailOutcome;
pub use organizations::{AssetSection, OrgView, Overview};
pub use portability::PortabilitySummary;
pub use records::{RecordPage, RecordSection, Revealed, SectionPage};
pub use relations::{ItemChoice, ItemRef};
pub use sign_in::{MfaOutcome, NewSession, SignedIn};
pub use state::{App, AppConfig};
pub use users::UsersOverview;
pub use workspace::{Checklist, WorkspaceSettings};

/// Identifiers and values the surfaces name in their calls.
pub use cairn_store::audit::{AuditAction, Event as AuditEvent, Filter as AuditFilter};
pub use cairn_store::{InvitationId, OrganizationId, RecordId, TenantId, UserId};

/// Whether percent-encoded text (a URL's path or query) holds a NUL, which
/// no text in Cairn may hold: surfaces refuse such requests outright.
pub fn has_nul(encoded: &str) -> bool {
    encoded.as_bytes().windows(3).any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0') || encoded.contains('\0')
}
