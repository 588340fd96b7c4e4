//! Inviting people: one implementation for an organization's page, the
//! owner's user management, the command line and the API.

use cairn_assets::organizations;
use cairn_auth::Role;
use cairn_auth::invitations::{self, Invitation, NewInvitation};
use cairn_auth::policy::{Action, Resource, can};
use cairn_store::audit::{Actor, AuditAction, NewEvent};
use cairn_store::{InvitationId, OrganizationId};
use cairn_tenancy::{PublicUrls, Tenant};

use crate::state::Tx;
use crate::{App, AppError, Caller};

/// How an invitation names the organization it grants.
#[derive(Clone, Debug)]
pub enum OrganizationRef {
    /// By id (pages and API).
    Id(OrganizationId),
    /// By name (the command line).
    Name(String),
}

/// Who to invite, as what.
#[derive(Clone, Debug)]
pub struct Invite {
    /// Their e-mail address.
    pub email: String,
    /// Their role in the tenant.
    pub role: Role,
    /// An organization to grant them (viewer access).
    pub organization: Option<OrganizationRef>,
}

/// Creates an invitation in `tx`: the invitation, its mail and its audit
/// event. Every way of inviting ends here.
pub(crate) fn create(
    tx: &mut Tx<'_>,
    tenant: &Tenant,
    urls: &PublicUrls,
    new: &NewInvitation,
    actor: Actor,
    ip: Option<&str>,
) -> Result<(Invitation, String), AppError> {
    let (invitation, link) = invitations::create(tx.conn, tenant, urls, new)?;
    let mut event = NewEvent::new(actor, AuditAction::InvitationCreated)
        .target("invitation", &invitation.id)
        .details(serde_json::json!({ "email": invitation.email, "role": invitation.role }));
    event.organization_id = new.organization_id.as_deref();
    event.ip = ip;
    tx.audit(&event)?;
    Ok((invitation, link))
}

impl App {
    /// Invites someone: the invitation, its mail (queued in the same
    /// transaction) and its audit event. Staff invite customers (into an
    /// organization they may manage); only owners invite staff. Returns the
    /// invitation and its link, which only the command line shows.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), role = %invite.role))]
    pub async fn invite(&self, caller: &Caller, invite: Invite) -> Result<(Invitation, String), AppError> {
        let principal = caller.principal();
        let allowed = match invite.role {
            Role::Customer => can(&principal, Action::InviteCustomer, &Resource::Tenant),
            Role::Owner | Role::Technician => can(&principal, Action::ManageUsers, &Resource::Tenant),
        };
        if !allowed {
            return Err(AppError::NotFound);
        }
        let (caller, urls, ttl) = (caller.clone(), self.public().clone(), self.invitation_ttl);
        let link = self
            .write(&caller.tenant().id.clone(), move |tx| {
                let organization_id = match &invite.organization {
                    None => None,
                    Some(OrganizationRef::Id(id)) => Some(id.as_str().to_owned()),
                    Some(OrganizationRef::Name(name)) => Some(organizations::id_by_name(tx.conn, tx.tenant, name)?),
                };
                if let Some(id) = &organization_id {
                    crate::organizations::authorize(tx, &caller, id, Action::ManageAccess)?;
                }
                let new = NewInvitation {
                    email: invite.email.clone(),
                    role: invite.role,
                    organization_id,
                    invited_by: caller.signed_in_user().cloned(),
                    ttl,
                };
                let link = create(tx, caller.tenant(), &urls, &new, caller.actor(), caller.event_ip())?;
                Ok(link)
            })
            .await?;
        self.wake_mail();
        Ok(link)
    }

    /// Sends an invitation again with a new link; the old one stops working.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), invitation = %id))]
    pub async fn resend_invitation(&self, caller: &Caller, id: InvitationId) -> Result<(), AppError> {
        if !can(&caller.principal(), Action::ManageUsers, &Resource::Tenant) {
            return Err(AppError::NotFound);
        }
        let (caller, urls, ttl) = (caller.clone(), self.public().clone(), self.invitation_ttl);
        self.write(&caller.tenant().id.clone(), move |tx| {
            let by = caller.signed_in_user().cloned();
            let (invitation, _) =
                invitations::resend(tx.conn, caller.tenant(), &urls, id.as_str(), by, ttl).map_err(|e| match e {
                    cairn_auth::AuthError::LinkInvalid => AppError::NotFound,
                    other => other.into(),
                })?;
            tx.audit(&NewEvent::new(caller.actor(), AuditAction::InvitationResent).target("invitation", &invitation.id))
        })
        .await?;
        self.wake_mail();
        Ok(())
    }

    /// Withdraws an invitation; its link stops working.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), invitation = %id))]
    pub async fn revoke_invitation(&self, caller: &Caller, id: InvitationId) -> Result<(), AppError> {
        if !can(&caller.principal(), Action::ManageUsers, &Resource::Tenant) {
            return Err(AppError::NotFound);
        }
        let actor = caller.actor();
        self.write(&caller.tenant().id, move |tx| {
            invitations::revoke(tx.conn, tx.tenant, id.as_str())?;
            tx.audit(&NewEvent::new(actor, AuditAction::InvitationRevoked).target("invitation", id.as_str()))
        })
        .await
    }
}
