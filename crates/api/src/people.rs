//! `/users`, `/invitations` and `/audit-events`: the tenant's people and its
//! audit log (owner keys; invitations of customers also for staff keys).

use std::sync::Arc;

use cairn_app::{App, AuditFilter, InvitationId, Invite, OrganizationId, OrganizationRef};
use cairn_auth::Role;
use cairn_auth::invitations::Invitation;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use crate::ApiTags;
use crate::auth::ApiKey;
use crate::list::{Meta, Paging};
use crate::problem::ApiError;
use crate::text::Text;

/// A user of the tenant (people, not keys).
#[derive(Debug, Clone, Object)]
pub struct UserOut {
    /// Their id.
    pub id: String,
    /// Their e-mail.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// `owner`, `technician` or `customer`.
    pub role: String,
    /// False once an owner disabled them.
    pub active: bool,
    /// Whether they enrolled MFA.
    pub mfa_enrolled: bool,
    /// When the account was created (UTC).
    pub created_at: chrono::NaiveDateTime,
}

/// A page of users.
#[derive(Debug, Clone, Object)]
pub struct UserList {
    /// The users of this page.
    pub data: Vec<UserOut>,
    /// Paging.
    pub meta: Meta,
}

/// An invitation that still works.
#[derive(Debug, Clone, Object)]
pub struct InvitationOut {
    /// Its id.
    pub id: String,
    /// The invited address.
    pub email: String,
    /// The role the account gets.
    pub role: String,
    /// The organization it grants, if any.
    pub organization_id: Option<String>,
    /// When the link stops working (UTC).
    pub expires_at: chrono::NaiveDateTime,
    /// When it was made (UTC).
    pub created_at: chrono::NaiveDateTime,
}

impl From<Invitation> for InvitationOut {
    fn from(i: Invitation) -> Self {
        InvitationOut {
            id: i.id,
            email: i.email,
            role: i.role,
            organization_id: i.organization_id,
            expires_at: i.expires_at,
            created_at: i.created_at,
        }
    }
}

/// A page of invitations.
#[derive(Debug, Clone, Object)]
pub struct InvitationList {
    /// The invitations of this page, newest first.
    pub data: Vec<InvitationOut>,
    /// Paging.
    pub meta: Meta,
}

/// A role in the tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum RoleIn {
    /// Runs the workspace.
    Owner,
    /// Writes the documentation.
    Technician,
    /// Reads their organizations' documentation.
    Customer,
}

/// Someone to invite; the invitation mail goes out at once.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct InvitationCreate {
    /// Their e-mail address.
    #[oai(validator(max_length = 254))]
    pub email: Text,
    /// Their role (staff keys invite customers only).
    pub role: RoleIn,
    /// An organization to grant them (viewer access).
    pub organization_id: Option<Text>,
}

/// An audit event.
#[derive(Debug, Clone, Object)]
pub struct AuditEventOut {
    /// Its id.
    pub id: String,
    /// When it happened (UTC).
    pub occurred_at: chrono::NaiveDateTime,
    /// Who acted: an e-mail, `api-key:<prefix>`, `operator:<name>` or `system`.
    pub actor: String,
    /// The acting user's id, if a user (or key) acted.
    pub actor_user_id: Option<String>,
    /// What was done, e.g. `record.revealed`.
    pub action: String,
    /// The kind of thing acted on.
    pub target_type: Option<String>,
    /// The thing acted on.
    pub target_id: Option<String>,
    /// The organization concerned.
    pub organization_id: Option<String>,
    /// The client's address.
    pub ip: Option<String>,
    /// Further facts (never secrets).
    pub details: serde_json::Value,
}

/// A page of audit events.
#[derive(Debug, Clone, Object)]
pub struct AuditEventList {
    /// The events of this page, newest first.
    pub data: Vec<AuditEventOut>,
    /// Paging.
    pub meta: Meta,
}

/// Answer of an invitation.
#[derive(ApiResponse)]
pub enum Invited {
    /// Invited; the mail is on its way.
    #[oai(status = 201)]
    Invited(Json<InvitationOut>),
}

/// Answer without a body.
#[derive(ApiResponse)]
pub enum Done {
    /// Done.
    #[oai(status = 204)]
    Done,
}

/// The people and audit operations.
pub struct PeopleApi;

#[OpenApi]
impl PeopleApi {
    /// List users
    ///
    /// The tenant's people (owner keys only).
    #[oai(path = "/users", method = "get", operation_id = "listUsers", tag = "ApiTags::Users")]
    async fn users(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// Page, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u32>>,
        /// Rows per page (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        per_page: Query<Option<u32>>,
    ) -> Result<Json<UserList>, ApiError> {
        let paging = Paging::new(page.0, per_page.0)?;
        let overview = app.users_overview(&caller).await?;
        let (data, meta) = paging.slice(overview.users);
        let data = data
            .into_iter()
            .map(|u| UserOut {
                mfa_enrolled: u.mfa_enrolled(),
                id: u.id,
                email: u.email,
                first_name: u.first_name,
                last_name: u.last_name,
                role: u.role.as_str().to_owned(),
                active: u.active,
                created_at: u.created_at,
            })
            .collect();
        Ok(Json(UserList { data, meta }))
    }

    /// List pending invitations
    #[oai(path = "/invitations", method = "get", operation_id = "listInvitations", tag = "ApiTags::Users")]
    async fn invitations(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// Page, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u32>>,
        /// Rows per page (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        per_page: Query<Option<u32>>,
    ) -> Result<Json<InvitationList>, ApiError> {
        let paging = Paging::new(page.0, per_page.0)?;
        let overview = app.users_overview(&caller).await?;
        let (data, meta) = paging.slice(overview.invitations);
        Ok(Json(InvitationList { data: data.into_iter().map(InvitationOut::from).collect(), meta }))
    }

    /// Invite someone
    ///
    /// Owner keys invite anyone; staff keys invite customers into
    /// organizations. The invitation mail goes out at once; the link is never
    /// answered.
    #[oai(path = "/invitations", method = "post", operation_id = "createInvitation", tag = "ApiTags::Users")]
    async fn invite(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        body: Json<InvitationCreate>,
    ) -> Result<Invited, ApiError> {
        let body = body.0;
        let role = match body.role {
            RoleIn::Owner => Role::Owner,
            RoleIn::Technician => Role::Technician,
            RoleIn::Customer => Role::Customer,
        };
        let organization = body.organization_id.map(|id| OrganizationRef::Id(OrganizationId::new(id.0)));
        let (invitation, _) = app.invite(&caller, Invite { email: body.email.0, role, organization }).await?;
        Ok(Invited::Invited(Json(invitation.into())))
    }

    /// Send an invitation again
    ///
    /// A new link goes out; the old one stops working.
    #[oai(path = "/invitations/:id/resend", method = "post", operation_id = "resendInvitation", tag = "ApiTags::Users")]
    async fn resend(&self, app: Data<&Arc<App>>, ApiKey(caller): ApiKey, id: Path<String>) -> Result<Done, ApiError> {
        app.resend_invitation(&caller, InvitationId::new(id.0)).await?;
        Ok(Done::Done)
    }

    /// Revoke an invitation
    #[oai(path = "/invitations/:id", method = "delete", operation_id = "revokeInvitation", tag = "ApiTags::Users")]
    async fn revoke(&self, app: Data<&Arc<App>>, ApiKey(caller): ApiKey, id: Path<String>) -> Result<Done, ApiError> {
        app.revoke_invitation(&caller, InvitationId::new(id.0)).await?;
        Ok(Done::Done)
    }

    /// List audit events
    ///
    /// Sign-ins, changes, reveals and more, newest first (owner keys only).
    /// `action` matches a prefix (`record.` or `record.revealed`); `since`
    /// and `until` are RFC 3339 times.
    #[oai(path = "/audit-events", method = "get", operation_id = "listAuditEvents", tag = "ApiTags::Audit")]
    #[allow(clippy::too_many_arguments)]
    async fn audit_events(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// Only events of this user (or key's user) id.
        user: Query<Option<String>>,
        /// Only events concerning this organization id.
        organization: Query<Option<String>>,
        /// Only actions starting with this text.
        action: Query<Option<String>>,
        /// Only events at or after this time (RFC 3339, e.g. `2026-11-25T00:00:00Z`).
        since: Query<Option<chrono::DateTime<chrono::Utc>>>,
        /// Only events before this time (RFC 3339).
        until: Query<Option<chrono::DateTime<chrono::Utc>>>,
        /// Page, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u32>>,
        /// Rows per page (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        per_page: Query<Option<u32>>,
    ) -> Result<Json<AuditEventList>, ApiError> {
        let paging = Paging::new(page.0, per_page.0)?;
        let given = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let filter = AuditFilter {
            user_id: given(user.0),
            organization_id: given(organization.0),
            action_prefix: given(action.0),
            target_id: None,
            since: since.0.map(|at| at.naive_utc()),
            until: until.0.map(|at| at.naive_utc()),
        };
        let events = app.audit_export(&caller, filter).await?;
        let (data, meta) = paging.slice(events);
        let data = data
            .into_iter()
            .map(|e| AuditEventOut {
                details: serde_json::from_str(&e.details).unwrap_or_default(),
                id: e.id,
                occurred_at: e.occurred_at,
                actor: e.actor,
                actor_user_id: e.actor_user_id,
                action: e.action,
                target_type: e.target_type,
                target_id: e.target_id,
                organization_id: e.organization_id,
                ip: e.ip,
            })
            .collect();
        Ok(Json(AuditEventList { data, meta }))
    }
}
