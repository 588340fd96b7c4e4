//! The append-only audit log.
//!
//! Events are written in the same transaction as the change they describe, so
//! there is never a change without its event nor an event without its change.
//! Both backends refuse UPDATE and DELETE on the table (triggers).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::audit_events;
use crate::{DbConn, TenantId, new_id};

/// Who caused an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user of the tenant.
    User {
        /// The user's id.
        id: String,
        /// The user's e-mail, kept as it was at the time.
        email: String,
    },
    /// A platform operator (CLI or operator API).
    Operator(String),
    /// Cairn itself (background tasks, demo seeding).
    System,
}

/// What an audit event records. The stored text (`as_str`) is what the log,
/// its filters and its CSV export show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// A customer or visitor asked the MSP for access.
    AccessRequested,
    /// An import from another product finished (counts in the details).
    ImportCompleted,
    /// An invitation was accepted and the account created.
    AccountCreated,
    /// An API key was made.
    ApiKeyCreated,
    /// An API key was revoked.
    ApiKeyRevoked,
    /// An asset type was archived.
    AssetTypeArchived,
    /// An asset type was defined.
    AssetTypeCreated,
    /// An archived asset type was restored.
    AssetTypeRestored,
    /// An asset type's name or fields changed.
    AssetTypeUpdated,
    /// A file was attached to a record or document.
    AttachmentAdded,
    /// An attachment was downloaded.
    AttachmentDownloaded,
    /// An attachment was removed.
    AttachmentRemoved,
    /// A document was archived.
    DocumentArchived,
    /// A document was created.
    DocumentCreated,
    /// An old revision of a document was made current.
    DocumentRestored,
    /// A document was changed.
    DocumentUpdated,
    /// Someone was invited.
    InvitationCreated,
    /// An invitation was sent again with a new link.
    InvitationResent,
    /// An invitation was withdrawn.
    InvitationRevoked,
    /// A user completed MFA enrolment.
    MfaEnrolled,
    /// A user made new recovery codes.
    MfaRecoveryCodesRenewed,
    /// A customer was given access to an organization.
    OrganizationAccessGranted,
    /// A customer's access to an organization ended.
    OrganizationAccessRevoked,
    /// An organization was archived.
    OrganizationArchived,
    /// An organization was created.
    OrganizationCreated,
    /// An organization was changed.
    OrganizationUpdated,
    /// A user changed their password.
    PasswordChanged,
    /// A password was set through a reset link.
    PasswordReset,
    /// A record was archived.
    RecordArchived,
    /// A record was created.
    RecordCreated,
    /// A sealed secret was shown.
    RecordRevealed,
    /// A record was changed.
    RecordUpdated,
    /// Two items were related.
    RelationAdded,
    /// A relation between two items was removed.
    RelationRemoved,
    /// A password sign-in failed.
    SignInFailed,
    /// A wrong second-factor code was given.
    SignInMfaFailed,
    /// A sign-in completed.
    SignInSucceeded,
    /// An operator approved a signed-up tenant.
    TenantApproved,
    /// An owner put the first-run checklist away.
    TenantChecklistDismissed,
    /// A custom domain was removed from a tenant.
    TenantDomainRemoved,
    /// A custom domain was verified (DNS, or an operator).
    TenantDomainVerified,
    /// A tenant's logo was set or removed.
    TenantLogoChanged,
    /// Someone signed up for a new workspace on the apex.
    TenantSignedUp,
    /// The owner of a new workspace confirmed their address.
    TenantSignupConfirmed,
    /// A tenant was created.
    TenantCreated,
    /// A custom domain was added to a tenant.
    TenantDomainAdded,
    /// A tenant's whole data was exported (secrets in clear, encrypted archive).
    TenantExported,
    /// A tenant was restored from an export.
    TenantImported,
    /// A suspended tenant was resumed.
    TenantResumed,
    /// A tenant was suspended.
    TenantSuspended,
    /// A tenant's details changed.
    TenantUpdated,
    /// An owner disabled a user.
    UserDisabled,
    /// An owner enabled a user again.
    UserEnabled,
    /// An owner reset a user's MFA.
    UserMfaReset,
    /// An owner changed a user's role.
    UserRoleChanged,
}

impl AuditAction {
    /// Every action, for filters and tests.
    pub const ALL: &[AuditAction] = &[
        AuditAction::AccessRequested,
        AuditAction::AccountCreated,
        AuditAction::ApiKeyCreated,
        AuditAction::ApiKeyRevoked,
        AuditAction::AssetTypeArchived,
        AuditAction::AssetTypeCreated,
        AuditAction::AssetTypeRestored,
        AuditAction::AssetTypeUpdated,
        AuditAction::AttachmentAdded,
        AuditAction::AttachmentDownloaded,
        AuditAction::AttachmentRemoved,
        AuditAction::DocumentArchived,
        AuditAction::DocumentCreated,
        AuditAction::DocumentRestored,
        AuditAction::DocumentUpdated,
        AuditAction::ImportCompleted,
        AuditAction::InvitationCreated,
        AuditAction::InvitationResent,
        AuditAction::InvitationRevoked,
        AuditAction::MfaEnrolled,
        AuditAction::MfaRecoveryCodesRenewed,
        AuditAction::OrganizationAccessGranted,
        AuditAction::OrganizationAccessRevoked,
        AuditAction::OrganizationArchived,
        AuditAction::OrganizationCreated,
        AuditAction::OrganizationUpdated,
        AuditAction::PasswordChanged,
        AuditAction::PasswordReset,
        AuditAction::RecordArchived,
        AuditAction::RecordCreated,
        AuditAction::RecordRevealed,
        AuditAction::RecordUpdated,
        AuditAction::RelationAdded,
        AuditAction::RelationRemoved,
        AuditAction::SignInFailed,
        AuditAction::SignInMfaFailed,
        AuditAction::SignInSucceeded,
        AuditAction::TenantApproved,
        AuditAction::TenantChecklistDismissed,
        AuditAction::TenantDomainRemoved,
        AuditAction::TenantDomainVerified,
        AuditAction::TenantLogoChanged,
        AuditAction::TenantSignedUp,
        AuditAction::TenantSignupConfirmed,
        AuditAction::TenantCreated,
        AuditAction::TenantDomainAdded,
        AuditAction::TenantExported,
        AuditAction::TenantImported,
        AuditAction::TenantResumed,
        AuditAction::TenantSuspended,
        AuditAction::TenantUpdated,
        AuditAction::UserDisabled,
        AuditAction::UserEnabled,
        AuditAction::UserMfaReset,
        AuditAction::UserRoleChanged,
    ];

    /// The stored, dotted text: `record.revealed`, …
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::AccessRequested => "access.requested",
            AuditAction::AccountCreated => "account.created",
            AuditAction::ApiKeyCreated => "api_key.created",
            AuditAction::ApiKeyRevoked => "api_key.revoked",
            AuditAction::AssetTypeArchived => "asset_type.archived",
            AuditAction::AssetTypeCreated => "asset_type.created",
            AuditAction::AssetTypeRestored => "asset_type.restored",
            AuditAction::AssetTypeUpdated => "asset_type.updated",
            AuditAction::AttachmentAdded => "attachment.added",
            AuditAction::AttachmentDownloaded => "attachment.downloaded",
            AuditAction::AttachmentRemoved => "attachment.removed",
            AuditAction::DocumentArchived => "document.archived",
            AuditAction::DocumentCreated => "document.created",
            AuditAction::DocumentRestored => "document.restored",
            AuditAction::DocumentUpdated => "document.updated",
            AuditAction::ImportCompleted => "import.completed",
            AuditAction::InvitationCreated => "invitation.created",
            AuditAction::InvitationResent => "invitation.resent",
            AuditAction::InvitationRevoked => "invitation.revoked",
            AuditAction::MfaEnrolled => "mfa.enrolled",
            AuditAction::MfaRecoveryCodesRenewed => "mfa.recovery_codes_renewed",
            AuditAction::OrganizationAccessGranted => "organization.access_granted",
            AuditAction::OrganizationAccessRevoked => "organization.access_revoked",
            AuditAction::OrganizationArchived => "organization.archived",
            AuditAction::OrganizationCreated => "organization.created",
            AuditAction::OrganizationUpdated => "organization.updated",
            AuditAction::PasswordChanged => "password.changed",
            AuditAction::PasswordReset => "password.reset",
            AuditAction::RecordArchived => "record.archived",
            AuditAction::RecordCreated => "record.created",
            AuditAction::RecordRevealed => "record.revealed",
            AuditAction::RecordUpdated => "record.updated",
            AuditAction::RelationAdded => "relation.added",
            AuditAction::RelationRemoved => "relation.removed",
            AuditAction::SignInFailed => "sign_in.failed",
            AuditAction::SignInMfaFailed => "sign_in.mfa_failed",
            AuditAction::SignInSucceeded => "sign_in.succeeded",
            AuditAction::TenantApproved => "tenant.approved",
            AuditAction::TenantChecklistDismissed => "tenant.checklist_dismissed",
            AuditAction::TenantDomainRemoved => "tenant.domain_removed",
            AuditAction::TenantDomainVerified => "tenant.domain_verified",
            AuditAction::TenantLogoChanged => "tenant.logo_changed",
            AuditAction::TenantSignedUp => "tenant.signed_up",
            AuditAction::TenantSignupConfirmed => "tenant.signup_confirmed",
            AuditAction::TenantCreated => "tenant.created",
            AuditAction::TenantDomainAdded => "tenant.domain_added",
            AuditAction::TenantExported => "tenant.exported",
            AuditAction::TenantImported => "tenant.imported",
            AuditAction::TenantResumed => "tenant.resumed",
            AuditAction::TenantSuspended => "tenant.suspended",
            AuditAction::TenantUpdated => "tenant.updated",
            AuditAction::UserDisabled => "user.disabled",
            AuditAction::UserEnabled => "user.enabled",
            AuditAction::UserMfaReset => "user.mfa_reset",
            AuditAction::UserRoleChanged => "user.role_changed",
        }
    }
}

/// An event to append.
#[derive(Clone, Debug)]
pub struct NewEvent<'a> {
    /// Who did it.
    pub actor: Actor,
    /// What was done.
    pub action: AuditAction,
    /// The kind of record acted on, if any.
    pub target_type: Option<&'a str>,
    /// The record acted on, if any.
    pub target_id: Option<&'a str>,
    /// The organization the record belongs to, for filtering.
    pub organization_id: Option<&'a str>,
    /// The client's IP address, for events caused by a request.
    pub ip: Option<&'a str>,
    /// Further facts as a JSON object. Never secrets.
    pub details: serde_json::Value,
}

impl<'a> NewEvent<'a> {
    /// An event with only an actor and an action.
    pub fn new(actor: Actor, action: AuditAction) -> Self {
        Self {
            actor,
            action,
            target_type: None,
            target_id: None,
            organization_id: None,
            ip: None,
            details: serde_json::Value::Object(Default::default()),
        }
    }

    /// Names the record acted on.
    pub fn target(mut self, kind: &'a str, id: &'a str) -> Self {
        self.target_type = Some(kind);
        self.target_id = Some(id);
        self
    }

    /// Adds facts.
    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// A stored event.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct Event {
    /// The event's id (UUIDv7, time-ordered).
    pub id: String,
    /// When it happened (UTC).
    pub occurred_at: NaiveDateTime,
    /// The acting user, if a user acted.
    pub actor_user_id: Option<String>,
    /// A readable label of the actor.
    pub actor: String,
    /// What was done.
    pub action: String,
    /// The kind of record acted on.
    pub target_type: Option<String>,
    /// The record acted on.
    pub target_id: Option<String>,
    /// The organization concerned.
    pub organization_id: Option<String>,
    /// The client's IP address.
    pub ip: Option<String>,
    /// Further facts (JSON).
    pub details: String,
}

/// Appends an event for `tenant`. Call it inside the transaction of the change.
pub fn record(conn: &mut DbConn, tenant: &TenantId, event: &NewEvent<'_>) -> QueryResult<String> {
    let id = new_id();
    let (actor_user_id, actor) = match &event.actor {
        Actor::User { id, email } => (Some(id.as_str()), email.clone()),
        Actor::Operator(label) => (None, format!("operator:{label}")),
        Actor::System => (None, "system".to_owned()),
    };
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::tenant_id.eq(tenant.as_str()),
            audit_events::id.eq(&id),
            audit_events::occurred_at.eq(crate::now()),
            audit_events::actor_user_id.eq(actor_user_id),
            audit_events::actor.eq(actor),
            audit_events::action.eq(event.action.as_str()),
            audit_events::target_type.eq(event.target_type),
            audit_events::target_id.eq(event.target_id),
            audit_events::organization_id.eq(event.organization_id),
            audit_events::ip.eq(event.ip),
            audit_events::details.eq(event.details.to_string()),
        ))
        .execute(conn)?;
    Ok(id)
}

/// The newest events of `tenant`, newest first.
pub fn recent(conn: &mut DbConn, tenant: &TenantId, limit: i64) -> QueryResult<Vec<Event>> {
    audit_events::table
        .filter(audit_events::tenant_id.eq(tenant.as_str()))
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .limit(limit)
        .select(Event::as_select())
        .load(conn)
}

/// Which events to list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only events of this acting user.
    pub user_id: Option<String>,
    /// Only events concerning this organization.
    pub organization_id: Option<String>,
    /// Only actions starting with this text (e.g. `record.` or `sign_in.failed`).
    pub action_prefix: Option<String>,
    /// Only events about this record.
    pub target_id: Option<String>,
    /// Only events at or after this time (UTC).
    pub since: Option<chrono::NaiveDateTime>,
    /// Only events before this time (UTC).
    pub until: Option<chrono::NaiveDateTime>,
}

/// Events of `tenant` matching `filter`, newest first, at most `limit`.
pub fn list(conn: &mut DbConn, tenant: &TenantId, filter: &Filter, limit: i64) -> QueryResult<Vec<Event>> {
    // Every record page shows its history: on the engine's own connection.
    crate::on_engine!(conn, |c| {
        let mut query = audit_events::table
            .filter(audit_events::tenant_id.eq(tenant.as_str()))
            .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
            .limit(limit)
            .select(Event::as_select())
            .into_boxed();
        if let Some(user) = &filter.user_id {
            query = query.filter(audit_events::actor_user_id.eq(user.clone()));
        }
        if let Some(organization) = &filter.organization_id {
            query = query.filter(audit_events::organization_id.eq(organization.clone()));
        }
        if let Some(target) = &filter.target_id {
            query = query.filter(audit_events::target_id.eq(target.clone()));
        }
        if let Some(since) = filter.since {
            query = query.filter(audit_events::occurred_at.ge(since));
        }
        if let Some(until) = filter.until {
            query = query.filter(audit_events::occurred_at.lt(until));
        }
        if let Some(prefix) = filter.action_prefix.as_ref().filter(|p| !p.is_empty()) {
            let escaped = prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            query = query.filter(audit_events::action.like(format!("{escaped}%")).escape('\\'));
        }
        query.load(c)
    })
}

#[cfg(test)]
mod tests {
    use super::AuditAction;

    #[test]
    fn actions_are_dotted_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for action in AuditAction::ALL {
            let text = action.as_str();
            assert!(text.split_once('.').is_some_and(|(a, b)| !a.is_empty() && !b.is_empty()), "{text}");
            assert!(seen.insert(text), "{text} twice");
        }
        assert_eq!(seen.len(), AuditAction::ALL.len());
    }
}
