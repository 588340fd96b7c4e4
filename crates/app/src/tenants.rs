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
    #[tracing::instrument(skip_all, fields(slug = %new.slug, operator = operator))]
    pub async fn create_tenant(
        &self,
        new: NewTenant,
        owner_email: Option<String>,
        operator: &str,
    ) -> Result<(Tenant, Option<String>), AppError> {
        let (master, urls, ttl) = (self.master_key().clone(), self.public().clone(), self.invitation_ttl);
        let types = self.type_cache().clone();
        let actor = Actor::Operator(operator.to_owned());
        let created = self
            .directory()
            .create_with(
                self.master_key(),
                new,
                actor.clone(),
                move |conn, tenant| -> Result<Option<String>, AppError> {
                    let Some(email) = owner_email else { return Ok(None) };
                    let mut tx = Tx::new(conn, &master, &tenant.id, &types);
                    let owner =
                        NewInvitation { email, role: Role::Owner, organization_id: None, invited_by: None, ttl };
                    crate::invitations::create(&mut tx, tenant, &urls, &owner, actor, None).map(|(_, link)| Some(link))
                },
            )
            .await?;
        self.wake_mail();
        Ok(created)
    }
}

/// The slug of an existing tenant: text that is no slug names no tenant.
fn slug_of(slug: &str) -> Result<cairn_tenancy::TenantSlug, AppError> {
    cairn_tenancy::TenantSlug::parse(slug).map_err(|_| AppError::NotFound)
}

impl App {
    /// Every tenant, by slug (operators).
    pub async fn tenants(&self) -> Result<Vec<Tenant>, AppError> {
        Ok(self.directory().list().await?)
    }

    /// A tenant and its custom domains (operators).
    pub async fn tenant(&self, slug: &str) -> Result<(Tenant, Vec<String>), AppError> {
        let tenant = self.directory().by_slug(&slug_of(slug)?).await?;
        let domains = self.directory().domains(&tenant.id).await?;
        Ok((tenant, domains))
    }

    /// Changes a tenant's details (operators).
    #[tracing::instrument(skip_all, fields(slug = slug, operator = operator))]
    pub async fn update_tenant(
        &self,
        slug: &str,
        change: cairn_tenancy::TenantChange,
        operator: &str,
    ) -> Result<Tenant, AppError> {
        Ok(self.directory().update(&slug_of(slug)?, change, Actor::Operator(operator.to_owned())).await?)
    }

    /// Suspends (its workspace answers 403) or resumes a tenant (operators).
    #[tracing::instrument(skip_all, fields(slug = slug, operator = operator))]
    pub async fn set_tenant_status(
        &self,
        slug: &str,
        status: cairn_tenancy::TenantStatus,
        operator: &str,
    ) -> Result<Tenant, AppError> {
        let slug = slug_of(slug)?;
        Ok(self.directory().set_status(&slug, status, Actor::Operator(operator.to_owned())).await?)
    }

    /// Lets a tenant answer at a custom domain too (operators). Names under
    /// the platform's own base domain are refused.
    #[tracing::instrument(skip_all, fields(slug = slug, domain = domain, operator = operator))]
    pub async fn add_tenant_domain(&self, slug: &str, domain: &str, operator: &str) -> Result<(), AppError> {
        let base = &self.public().base_domain;
        if matches!(
            cairn_tenancy::classify_host(Some(domain), base),
            cairn_tenancy::HostTarget::Apex | cairn_tenancy::HostTarget::Subdomain(_)
        ) {
            return Err(AppError::invalid(
                "domain",
                crate::Reason::Text(format!(
                    "{domain} is under the base domain {base}; custom domains are other names"
                )),
            ));
        }
        Ok(self.directory().add_domain(&slug_of(slug)?, domain, Actor::Operator(operator.to_owned())).await?)
    }

    /// Deletes a tenant for good: its data key first (every secret becomes
    /// unreadable, in backups too), then all its rows (operators).
    #[tracing::instrument(skip_all, fields(slug = slug, operator = operator))]
    pub async fn delete_tenant(&self, slug: &str, operator: &str) -> Result<(), AppError> {
        let tenant = self.directory().delete(&slug_of(slug)?).await?;
        // Its audit log went with it: the platform's log keeps the deletion.
        tracing::warn!(tenant = %tenant.id, slug = %tenant.slug, operator, "tenant deleted with all its data");
        // Its files go after its rows: nothing names them any more.
        let prefix = cairn_assets::attachments::tenant_prefix(&tenant.id);
        match self.files.delete_prefix(&prefix).await {
            Ok(removed) => tracing::info!(tenant = %tenant.id, removed, "tenant files deleted"),
            Err(error) => {
                tracing::error!(tenant = %tenant.id, %error, "tenant files could not be deleted; remove {prefix} by hand")
            }
        }
        Ok(())
    }
}
