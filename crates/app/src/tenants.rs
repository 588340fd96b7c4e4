//! Tenants, as operators create them.

use cairn_auth::Role;
use cairn_auth::invitations::NewInvitation;
use cairn_store::audit::Actor;
use cairn_tenancy::{NewTenant, Tenant};

use crate::state::Tx;
use crate::{App, AppError};

impl App {
    /// Creates a tenant with its first data key and, given an e-mail, the
    /// invitation of its first owner, in one transaction: both or neither.
    /// Returns the tenant and the owner's link.
    #[tracing::instrument(skip_all, fields(slug = %new.slug, operator))]
    pub async fn create_tenant(
        &self,
        new: NewTenant,
        owner_email: Option<String>,
        operator: &str,
    ) -> Result<(Tenant, Option<String>), AppError> {
        let (master, urls, ttl) = (self.master_key().clone(), self.public().clone(), self.invitation_ttl);
        let actor = Actor::Operator(operator.to_owned());
        let created = self
            .directory()
            .create_with(
                self.master_key(),
                new,
                actor.clone(),
                move |conn, tenant| -> Result<Option<String>, AppError> {
                    let Some(email) = owner_email else { return Ok(None) };
                    let mut tx = Tx::new(conn, &master, &tenant.id);
                    let owner =
                        NewInvitation { email, role: Role::Owner, organization_id: None, invited_by: None, ttl };
                    crate::invitations::create(&mut tx, tenant, &urls, &owner, actor, None).map(Some)
                },
            )
            .await?;
        self.wake_mail();
        Ok(created)
    }
}
